"""No parameter value inside its declared range breaks the model.

Every declared parameter is set to each end of its range (a bool to both
values), the others at their defaults, and the district runs 13 months, so
through the first full yearly review of month 13 (evaluation, clean-up,
founding, exam, creep), with the monthly invariants of
``test_invariants.check_month`` checked after every month: every floating
state finite, indicators never ±inf and NaN only where undefined.

About 300 runs must stay cheap, so they share one default run. A value
cannot make a difference before the model first reads it: a case whose
parameter the default run first reads in month ``k`` starts from the
default run's state at the end of month ``k - 1`` (pickled) with the value
set, instead of from a fresh build (``k = 0``: read while building, so a
fresh build). A value equal to the default is the default run itself,
checked every month once. Which month the model first reads each parameter
is measured, not declared: one more default run reads its parameters through
group namespaces that log every read. A parameter the default run never
reads (only a branch the defaults do not take reads it) leaves that run as
it is, so its ends also run with the switch that reads it (``SWITCHES``).
"""

from __future__ import annotations

import functools
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import SimpleNamespace

import pandas as pd
import pytest
from test_invariants import check_month

from model import Params, SansheModel
from model.parameters import GROUPS, PARAMETERS

SCALE = 0.002  # 1,260 resident rows: the ~900 organizations, which do not scale, set the cost
SEED = 1
MONTHS = 13  # month 13 runs the first full yearly review
NEVER = MONTHS + 1  # first-read month of a parameter the default run never reads
BASE = {"population.population_scale": SCALE, "start.spinup_years": 0}
"""No spin-up: its months are months like the others (``start.spinup_years`` has its own cases)."""


def _ends() -> list[tuple[str, str, object]]:
    cases = []
    for path, p in PARAMETERS.items():
        if p.kind is bool:
            cases += [(path, "false", False), (path, "true", True)]
        else:
            cases += [(path, "low", p.low), (path, "high", p.high)]
    return cases


CASES = _ends()


def _params(**values) -> Params:
    return Params({**BASE, **values})


# --- which month the model first reads each parameter ------------------------------
class _ReadLog:
    def __init__(self) -> None:
        self.month = 0  # 0 while building
        self.first: dict[str, int] = {}

    def read(self, path: str) -> None:
        self.first.setdefault(path, self.month)


class _LoggedGroup(SimpleNamespace):
    """A parameter group (``params.admin``) that logs every value read (reading
    its ``__dict__``, as ``vars()`` does, reads them all)."""

    def __getattribute__(self, name: str):
        if not name.startswith("_") or name == "__dict__":
            log, group = object.__getattribute__(self, "_log"), object.__getattribute__(self, "_group")
            names = [name] if name != "__dict__" else [p.name for p in PARAMETERS.values() if p.group == group]
            for n in names:
                log.read(f"{group}.{n}")
        return object.__getattribute__(self, name)


class _LoggedParams(Params):
    """Parameters whose every read is logged: through the group views and,
    counting as a read of everything, the mapping accessors."""

    def __init__(self, log: _ReadLog) -> None:
        super().__init__(BASE)
        self._log = log
        for group in GROUPS:
            logged = _LoggedGroup(**vars(getattr(self, group)))
            object.__setattr__(logged, "_log", log)
            object.__setattr__(logged, "_group", group)
            setattr(self, group, logged)

    def __getitem__(self, path):
        self._log.read(path)
        return super().__getitem__(path)

    def _read_all(self) -> None:
        for path in PARAMETERS:
            self._log.read(path)

    def items(self):
        self._read_all()
        return super().items()

    def as_dict(self):
        self._read_all()
        return super().as_dict()

    def differences(self):
        self._read_all()
        return super().differences()


@functools.cache
def first_read_month() -> dict[str, int]:
    """The month (0: the build) in which the default run first reads each parameter."""
    log = _ReadLog()
    m = SansheModel(params=_LoggedParams(log), seed=SEED)
    for month in range(1, MONTHS + 1):
        log.month = month
        m.step()
    return {path: log.first.get(path, NEVER) for path in PARAMETERS}


@functools.cache
def default_run() -> tuple[bytes, ...]:
    """The default run's state after each month 0 (the build) to 13, pickled;
    the invariants are checked every month."""
    m = SansheModel(params=_params(), seed=SEED)
    states = [pickle.dumps(m)]
    for _ in range(MONTHS):
        m.step()
        check_month(m)
        states.append(pickle.dumps(m))
    return tuple(states)


def start(path: str, value) -> SansheModel:
    """A model with ``path`` at ``value`` in the state in which the value first
    matters: a fresh build, or the default run before the first read."""
    if value == PARAMETERS[path].default:
        return pickle.loads(default_run()[MONTHS])
    month = first_read_month()[path]
    if month == 0:
        return SansheModel(params=_params(**{path: value}), seed=SEED)
    m = pickle.loads(default_run()[month - 1])
    m.params.set(path, value)
    return m


def run_case(path: str, value) -> str | None:
    """One end of one parameter through month 13, invariants every month: the
    failure's message, or None."""
    try:
        m = start(path, value)
        while m.month < MONTHS:
            m.step()
            check_month(m)
        assert m.month == MONTHS
    except Exception as e:  # noqa: BLE001 -- any exception is this case's failure, reported by its test
        where = f"month {m.month}: " if "m" in locals() else "build: "
        return f"{where}{type(e).__name__}: {e}"
    return None


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], str | None]:
    """Every case run once, spread over the machine's cores (at most 4 processes,
    each with its own shared default run), so the ~300 runs take a fraction of
    a minute; each case's test below then reports its own outcome."""
    workers = min(os.cpu_count() or 1, 4)
    context = get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {(path, end): pool.submit(run_case, path, value) for path, end, value in CASES}
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("path,end,value", CASES, ids=[f"{path}={end}" for path, end, _ in CASES])
def test_parameter_at_each_end_of_its_range_runs_a_year_with_finite_state(outcomes, path, end, value):
    failure = outcomes[path, end]
    assert failure is None, failure


# Parameters that only a branch the defaults do not take reads: their ends leave
# the default run as it is, so they also run with the switch that reads them.
SWITCHES = {
    "admin.creep_rate_year": {"admin.admission_control": False},
    "purchase.evaluation_noise_without": {"purchase.third_party_evaluation": False},
    "purchase.size_bias_without": {"purchase.third_party_evaluation": False},
    "social_work.training_pass_multiplier": {"social_work.training_support": False},
    "orgs.campaign_association_exit_share": {"orgs.cleanup_campaign": True},
}
SWITCHED_CASES = [(path, end, value) for path, end, value in CASES if path in SWITCHES]


@pytest.mark.parametrize("path,end,value", SWITCHED_CASES,
                         ids=[f"{path}={end}" for path, end, _ in SWITCHED_CASES])
def test_parameter_read_only_off_the_defaults_runs_a_year_with_finite_state_where_read(path, end, value):
    m = SansheModel(params=_params(**SWITCHES[path], **{path: value}), seed=SEED)
    for _ in range(MONTHS):
        m.step()
        check_month(m)


def test_the_read_log_sees_when_parameters_are_read():
    """Guards the shortcut: a log that saw nothing would start every case at month 13."""
    first = first_read_month()
    assert first["population.population_scale"] == 0  # the build
    assert first["trust.gain_month"] == 1  # every month
    assert first["purchase.budget_yuan"] == 1  # the first month's budget
    assert first["orgs.founding_attempts_per_10k_year"] == MONTHS  # the first yearly review
    never = {path for path, month in first.items() if month == NEVER}
    assert never <= set(SWITCHES), f"add the switch that reads {never - set(SWITCHES)} to SWITCHES"


@pytest.mark.parametrize("path,value", [("trust.gain_month", 0.5), ("orgs.founding_attempts_per_10k_year", 0.5),
                                        ("social_work.conversion_share", 0.0)])
def test_a_shared_start_gives_the_run_of_a_fresh_build(path, value):
    assert first_read_month()[path] > 0
    shared = start(path, value)
    shared.run(MONTHS - shared.month)
    fresh = SansheModel(params=_params(**{path: value}), seed=SEED)
    fresh.run(MONTHS)
    pd.testing.assert_frame_equal(shared.recorder.district_frame(), fresh.recorder.district_frame())
