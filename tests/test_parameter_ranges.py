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

The same runs show that every parameter changes some recorded output at an
end of its range: at the defaults, or in the regime where it acts
(``CONDITIONS``). This replaces a search of the code for parameter names,
which a parameter that is read but changes nothing passes.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import pool
from model import Params, SansheModel
from model.parameters import GROUPS, PARAMETERS
from test_invariants import check_month

SCALE = 0.002  # 1,260 resident rows: the ~900 organizations, which do not scale, set the cost
SEED = 1
MONTHS = 13  # month 13 runs the first full yearly review
NEVER = MONTHS + 1  # first-read month of a parameter the default run never reads
BASE = {"population.population_scale": SCALE, "start.spinup_years": 0, "orgs.initial_count": 300}
"""No spin-up: its months are months like the others (``start.spinup_years`` has its own cases).
A third of the report's organizations: they, not the residents, set the cost of a run at this
scale, and every mechanism still has hundreds of them (``orgs.initial_count`` has its own cases)."""


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
    """A parameter group (``params.admin``) that logs every value read.

    Reading its ``__dict__``, as ``vars()`` does, reads them all.
    """

    def __getattribute__(self, name: str):
        if not name.startswith("_") or name == "__dict__":
            log, group = object.__getattribute__(self, "_log"), object.__getattribute__(self, "_group")
            names = [name] if name != "__dict__" else [p.name for p in PARAMETERS.values() if p.group == group]
            for n in names:
                log.read(f"{group}.{n}")
        return object.__getattribute__(self, name)


class _LoggedParams(Params):
    """Parameters whose every read is logged.

    Reads go through the group views and, counting as a read of everything, the mapping accessors.
    """

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
    """The default run's state after each month 0 (the build) to 13, pickled.

    The invariants are checked every month.
    """
    m = SansheModel(params=_params(), seed=SEED)
    states = [pickle.dumps(m)]
    for _ in range(MONTHS):
        m.step()
        check_month(m)
        states.append(pickle.dumps(m))
    return tuple(states)


def start(path: str, value) -> SansheModel:
    """A model with ``path`` at ``value`` in the state in which the value first matters.

    That is a fresh build, or the default run before the first read.
    """
    if value == PARAMETERS[path].default:
        return pickle.loads(default_run()[MONTHS])
    month = first_read_month()[path]
    if month == 0:
        return SansheModel(params=_params(**{path: value}), seed=SEED)
    m = pickle.loads(default_run()[month - 1])
    m.params.set(path, value)
    return m


def outputs(m: SansheModel) -> str:
    """A digest of everything a run records (district and community indicators, every month)."""
    digest = hashlib.sha256()
    for frame in (m.recorder.district_frame(), m.recorder.community_frame(m)):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def run_case(path: str, value) -> tuple[str | None, str | None]:
    """One end of one parameter through month 13, invariants every month.

    Returns the failure's message (or None) and the digest of the run's outputs.
    """
    try:
        m = start(path, value)
        while m.month < MONTHS:
            m.step()
            check_month(m)
        assert m.month == MONTHS
    except Exception as e:  # noqa: BLE001 -- any exception is this case's failure, reported by its test
        where = f"month {m.month}: " if "m" in locals() else "build: "
        return f"{where}{type(e).__name__}: {e}", None
    return None, outputs(m)


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Every case run once, spread over the machine's cores.

    On the session's pool (at most 4 processes), each with its own shared default run, so
    the ~300 runs take a fraction of a minute; each case's test below then reports its own outcome.
    """
    futures = {(path, end): pool().submit(run_case, path, value) for path, end, value in CASES}
    return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize("path,end,value", CASES, ids=[f"{path}={end}" for path, end, _ in CASES])
def test_parameter_at_each_end_of_its_range_runs_a_year_with_finite_state(outcomes, path, end, value):
    failure, _ = outcomes[path, end]
    assert failure is None, failure


# Parameters that only a branch the defaults do not take reads: their ends leave
# the default run as it is, so they also run with the switch that reads them.
SWITCHES = {
    "purchase.evaluation_noise_without": {"purchase.third_party_evaluation": False},
    "purchase.invitation_weight_without": {"purchase.third_party_evaluation": False},
    "purchase.reputation_weight_without": {"purchase.third_party_evaluation": False},
    "purchase.capacity_headroom_without": {"purchase.third_party_evaluation": False},
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
    never = {path for path, month in first.items() if month == NEVER} - FIXED  # fixed: nothing to switch
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



# --- every parameter changes some output somewhere in its range ----------------------
FIXED = {path for path, p in PARAMETERS.items() if p.kind is not bool and p.low == p.high}
"""Parameters declared with a range of one value (the report's layout, design constants
such as the clip bounds of a draw): declared so every number is in one place, with
nothing to move. Their values are checked by the regression baseline."""

HEAVY_LOAD = {"admin.committee_tasks": 400, "admin.admission_control": False}
"""The longest list and the whole departmental pool: small committees run short of hours."""

CONDITIONS: dict[str, tuple[dict, str]] = {
    "admin.task_lapse_month": (HEAVY_LOAD, "unfinished work carries over only where hours run short"),
    "committee.service_reserve_share": (HEAVY_LOAD, "the reserve for residents binds only where hours run short"),
    "admin.assessment_weight": (HEAVY_LOAD, "assessment eats the reserve only where hours run short (and sends "
                                            "back overdue street matters, which a cold start has few of)"),
    "admin.backdoor_push_year": (HEAVY_LOAD, "departments move unlisted tasks only where a committee gets other "
                                             "than its record invites: the build gives every committee the pool"),
    "purchase.evaluation_noise_without": ({"purchase.third_party_evaluation": False},
                                          "the noise of evaluation without a third party"),
    "purchase.invitation_weight_without": ({"purchase.third_party_evaluation": False},
                                           "invitations by acquaintance, without a third party"),
    "purchase.reputation_weight_without": ({"purchase.third_party_evaluation": False},
                                           "quality judged by reputation, without a third party"),
    "purchase.capacity_headroom_without": ({"purchase.third_party_evaluation": False},
                                           "capacity taken on the organization's word, without a third party"),
    "social_work.training_pass_multiplier": ({"social_work.training_support": False},
                                             "the exam pass rate without training support"),
    "orgs.campaign_association_exit_share": ({"orgs.cleanup_campaign": True}, "only in the clean-up campaign"),
    "social_work.stay_in_sector_share": ({"social_work.talent_pool": 0},
                                         "leavers who stay refill the talent pool, which binds only when it is empty"),
    "social_work.wage_yuan_month": ({"purchase.envelope_yuan": 40_000_000.0},
                                    "room wages cut the purchase budget only where the envelope (F14) binds"),
    "orgs.incubation_grant_yuan": ({"purchase.envelope_yuan": 40_000_000.0},
                                   "incubation grants cut the purchase budget only where the envelope binds "
                                   "(and raise reserves, which show only later)"),
    "orgs.dormancy_months": ({"orgs.initial_count": 904},
                             "revocation needs organizations dormant since the build: the report's stock has some "
                             "by the first inspection, a third of it not"),
    "orgs.hub_member_protection": ({"orgs.exit_hazard_year": 0.2},
                                   "a hub's protection of its members shows where closures are frequent enough to "
                                   "hit a few dozen members in the first review"),
    "trust.street_wait_penalty": ({"admin.street_centre_staff": 1},
                                  "a penalty on waiting at street centres, which queue only when short of capacity"),
    "network.cross_community_share": ({"population.population_scale": 0.02},
                                      "a few ties across communities change contagion only among enough residents"),
}
"""Parameters that act only in some regimes, with the regime (overrides from
month 1) in which the test looks for their effect, and why."""


def outputs_of(overrides: dict) -> str:
    """The digest of a fresh 13-month run with ``overrides``."""
    m = SansheModel(params=_params(**overrides), seed=SEED)
    m.run(MONTHS)
    return outputs(m)


@pytest.fixture(scope="module")
def conditioned() -> dict[tuple[str, str], str]:
    """The default of each condition and each end of its parameter in it, on all cores."""
    jobs = {}
    for path, (regime, _) in CONDITIONS.items():
        jobs[path, "default"] = regime
        for p, end, value in CASES:
            if p == path:
                jobs[path, end] = {**regime, path: value}
    futures = {key: pool().submit(outputs_of, regime) for key, regime in jobs.items()}
    return {key: f.result() for key, f in futures.items()}


@pytest.mark.parametrize("path", [path for path in PARAMETERS if path not in FIXED])
def test_every_parameter_changes_some_output_somewhere_in_its_range(outcomes, conditioned, path):
    """An end of the range moves a recorded number in 13 months.

    At the defaults, or, for a parameter declared in CONDITIONS, in the regime where
    it acts. A parameter no output sees is dead or unmeasured; either is a bug.
    """
    ends = [end for p, end, _ in CASES if p == path]
    if path in CONDITIONS:
        baseline = conditioned[path, "default"]
        moved = [end for end in ends if conditioned[path, end] != baseline]
        where = f"in its declared regime ({CONDITIONS[path][1]}: {CONDITIONS[path][0]})"
    else:
        baseline = outputs(pickle.loads(default_run()[MONTHS]))
        moved = [end for end in ends if outcomes[path, end][1] != baseline]
        where = "at the defaults; if it acts only in some regime, declare it in CONDITIONS"
    assert moved, f"neither end of {path} changes any recorded output in {MONTHS} months {where}"
