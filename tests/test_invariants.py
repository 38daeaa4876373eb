"""Invariants checked every month of small runs."""

import cmath
import dataclasses
import functools
import math
import pickle
from itertools import chain

import numpy as np
import pytest

from model import Params, SansheModel, load_scenario
from model.agents import OrgStatus
from model.contagion import neighbour_counts
from model.indicators import DISTRICT_INDICATORS
from model.parameters import N_CATEGORIES
from model.residents import GRASSROOTS
from model.rows import RowTable

SHARES = [k for k, (unit, _, _) in DISTRICT_INDICATORS.items() if unit == "share"]

# --- finiteness ---------------------------------------------------------------
# Every floating value of the model's state must be finite every month. The
# scan finds fields by itself: the numpy arrays and floats among the fields
# of the residents, the model's own attributes and every agent's attributes,
# looking inside lists, tuples, dicts, dataclasses and tables (organizations,
# contracts, projects, this month's flows, last year's scores), so a field added later is covered.
# The model's attributes starting with "_" are Mesa's internals. Integers and
# bools are finite by construction; other objects (agents, enums, graphs,
# generators) are scanned where they are held, not through references.

_SKIP, _FLOAT, _ARRAY, _SEQUENCE, _MAPPING, _DATACLASS, _TABLE = range(7)
_KINDS: dict[type, int] = {float: _FLOAT}
_PLAIN: set[type] = {float}  # Python floats (summed in bulk) and _SKIP kinds: no further look
_FIELDS: dict[type, tuple[str, ...]] = {}


def _kind(t: type) -> int:
    kind = _KINDS.get(t)
    if kind is None:
        if issubclass(t, bool | np.bool_ | int | np.integer | str | bytes):
            kind = _SKIP
        elif issubclass(t, float | np.floating | complex | np.complexfloating):
            kind = _FLOAT
        elif issubclass(t, np.ndarray):
            kind = _ARRAY
        elif issubclass(t, list | tuple | set | frozenset):
            kind = _SEQUENCE
        elif issubclass(t, dict):
            kind = _MAPPING
        elif issubclass(t, RowTable):  # organizations, social workers, projects, contracts
            kind = _TABLE
        elif dataclasses.is_dataclass(t):
            kind = _DATACLASS
            _FIELDS[t] = tuple(f.name for f in dataclasses.fields(t))
        else:  # agents, enums, None, cells, graphs, generators...
            kind = _SKIP
        _KINDS[t] = kind
        if kind == _SKIP:
            _PLAIN.add(t)
    return kind


def _finite(values: list) -> bool:
    """Whether every float in ``values`` is finite, looked at level by level.

    ``values`` may hold numbers, arrays, containers and dataclasses.

    The Python floats of a level are summed in one go: the sum is finite
    when every term is (an overflow of the sum only sends the caller to
    name the culprits, one value at a time).
    """
    while values:
        if not math.isfinite(sum([v for v in values if type(v) is float])):
            return False
        inner = []
        for v in [v for v in values if type(v) not in _PLAIN]:
            kind = _kind(type(v))
            if kind == _FLOAT:  # numpy scalars, complex
                if not cmath.isfinite(v):
                    return False
            elif kind == _SEQUENCE:
                inner += v
            elif kind == _ARRAY:
                if v.dtype.kind in "fc" and not np.isfinite(v).all():
                    return False
            elif kind == _MAPPING:
                inner += v.values()
            elif kind == _DATACLASS:
                inner += [getattr(v, name) for name in _FIELDS[type(v)]]
            elif kind == _TABLE:
                inner += list(vars(v).values())
        values = inner
    return True


def _bad_attributes(obj, private: bool = True, skip: frozenset[str] = frozenset()) -> list[str]:
    """Names of ``obj``'s attributes holding a non-finite float.

    ``private``: also those starting with "_"; ``skip``: names looked at elsewhere.
    """
    return [k for k, v in vars(obj).items()
            if (private or k[0] != "_") and k not in skip and not _finite([v])]


def nonfinite_state(m: SansheModel) -> list[str]:
    """The floating state of ``m`` that is NaN or ±inf, by name (empty when all is finite).

    Covers every array of :class:`~model.residents.Residents`, the model's
    attributes (per-community arrays, flows, scores, scalars), and every
    agent's attributes (committees, street centres, organizations, social
    workers, the government with its projects and contracts).
    """
    out = [f"residents.{k}" for k in _bad_attributes(m.residents)]
    out += [f"model.{k}" for k in _bad_attributes(m, private=False, skip=frozenset({"residents"}))]
    agents = list(m.agents)
    if not _finite(list(chain.from_iterable(map(dict.values, map(vars, agents))))):  # ~25,000 values
        # name the culprits
        out += [f"{type(a).__name__}#{a.unique_id}.{k} = {getattr(a, k)!r:.80}"
                for a in agents for k in _bad_attributes(a)]
    return out


def undefined_indicators(m: SansheModel) -> set[str]:
    """District indicators that are ratios with a zero denominator this month.

    They are undefined by their definition (each mechanism's INDICATORS): NaN is right
    for them and for no other indicator.
    """
    res, flow = m.residents, m.flow
    met, abandoned = flow.met // N_CATEGORIES, flow.abandoned // N_CATEGORIES
    out = set()
    if met.size + abandoned.size == 0:  # met / (met + abandoned)
        out.add("need_coverage")
    if res.vulnerable[met].sum() + res.vulnerable[abandoned].sum() == 0:
        out.add("coverage_vulnerable")
    if not m.government.contracts:  # shares of contract money
        out |= {"contract_top10_share", "contract_hhi"}
    if not flow.met_by_contracts_people > 0:  # money / needs met through contracts
        out.add("cost_per_need_met_yuan")
    c = m.contract_table
    if not c.capacity_people[c.live_rows()].sum() > 0:  # quality weighted by contract capacity
        out.add("contract_service_quality")
    if not m.social_worker_table.org_rows().size:  # certified / organizations' social workers
        out.add("org_social_workers_certified")
    return out


def check_finite(m: SansheModel) -> None:
    """All floating state finite; indicators never ±inf, NaN only where undefined."""
    bad = nonfinite_state(m)
    assert not bad, (m.month, bad[:20])
    row = m.recorder.district[-1]
    undefined = undefined_indicators(m)
    for k, v in row.items():
        assert not np.isinf(v), (m.month, k, v)
        assert not np.isnan(v) or k in undefined, (m.month, k, "NaN where defined")
    assert not np.isinf(m.recorder.community[-1]).any(), m.month


def check_month(m: SansheModel) -> None:
    check_finite(m)
    res, p = m.residents, m.params
    row = m.recorder.district[-1]
    # Shares and coverage in [0, 1] (NaN only where nothing was closed or held).
    for k in SHARES + ["coverage_gini", "contract_hhi"]:
        v = row[k]
        assert np.isnan(v) or 0.0 <= v <= 1.0, (m.month, k, v)
    for arr in (res.satisfaction, res.expectation, res.trust_committee, res.trust_government):
        assert arr.min() >= 0.0 and arr.max() <= 1.0
    # No negative stock.
    assert all(o.staff >= 0 for o in m.organizations())
    assert all(o.status is not OrgStatus.EXITED for o in m.organizations())
    assert all(c.queue >= 0 for c in m.street_centres)
    t = m.committee_table
    assert (t.backlog_hours >= 0).all() and (t.unlisted_rate >= 0).all() and (t.diverted_hours >= 0).all()
    assert (t.admin_hours + t.diverted_hours <= t.admin_load_hours + 1e-6).all()  # no more done than due
    assert all(0 <= com.certified <= com.workers for com in m.committees)
    assert m.talent_pool >= 0
    for com in m.committees:
        for hours in (com.admin_hours, com.consultation_hours, com.service_hours, com.brokering_hours):
            assert hours >= -1e-9
        assert abs(com.admin_hours + com.consultation_hours + com.service_hours
                   + com.brokering_hours - com.hours_total) < 1e-6
    # Spending within budget.
    gov = m.government
    assert gov.purchase_budget_yuan <= p.purchase.budget_yuan + 1e-6
    assert gov.purchase_budget_yuan <= p.purchase.envelope_yuan + 1e-6
    assert gov.spent_year_yuan <= gov.purchase_budget_yuan * (1 + 1e-9) + 1e-6
    # Open needs: sorted, unique, one per resident and category.
    assert (np.diff(res.need_key) > 0).all()
    # Resident counts add up per community and street.
    sizes = res.community_sizes()
    assert sizes.sum() == res.n
    assert (np.bincount(res.community, minlength=m.n_communities) == sizes).all()
    per_street = np.bincount(m.street_of, weights=sizes)
    assert per_street.sum() == res.n and (per_street > 0).all()
    # Neighbour counts kept incrementally equal a fresh count.
    assert (m.participant_nbrs == neighbour_counts(m.adjacency, res.participant)).all()
    assert (m.volunteer_nbrs == neighbour_counts(m.adjacency, res.volunteer > 0)).all()
    # Agents point only at live agents.
    live = set(m.organizations())
    for ct in gov.contracts:
        assert ct.org in live and ct.org.status is OrgStatus.ACTIVE and ct.org.staff > 0
    for w in m.social_workers():
        if w.in_room:
            assert w in w.employer.room
        else:
            assert w.employer in live and w in w.employer.social_workers
    assert all(len(com.room) <= p.social_work.posts_per_community for com in m.committees)
    # Grassroots volunteers are participants (state-mobilised ones need not be); all are adults.
    assert not (res.participant & ~res.adult).any()
    assert not ((res.volunteer == GRASSROOTS) & ~res.participant).any()
    assert not ((res.volunteer > 0) & ~res.adult).any()


@pytest.mark.parametrize("scenario", ["yuzhong_2016", "pre_reform"])
def test_invariants_hold_every_month(scenario):
    sc = load_scenario(scenario)
    sc.params["population.population_scale"] = 0.01
    m = SansheModel(sc, seed=4)
    for _ in range(40):
        m.step()
        check_month(m)


def test_invariants_hold_at_the_ends_of_ranges():
    params = Params({"population.population_scale": 0.01, "purchase.envelope_yuan": 20_000_000.0,
                     "admin.admission_control": False,
                     "admin.street_centre_staff": 1,
                     "trust.gain_month": 0.5, "trust.loss_ratio": 6.0,
                     "orgs.own_revenue_ratio": 0.3, "social_work.turnover_org_year": 0.6})
    m = SansheModel(params=params, seed=5)
    for _ in range(30):
        m.step()
        check_month(m)
    assert m.government.purchase_budget_yuan < 20_000_000  # posts and incubation come first
    assert m.recorder.district[-1]["unlisted_tasks_month"] > 200  # the back door fills beyond the admitted pool
    assert m.recorder.district[-1]["street_centre_wait_months"] > 0  # a centre that cannot cope


# --- the finiteness check can fail ---------------------------------------------------
@functools.cache
def _a_year_run() -> bytes:
    """A small run through its first yearly review, pickled so each test breaks its own copy.

    Contracts, projects and last year's scores exist.
    """
    m = SansheModel(params=Params({"population.population_scale": 0.002}), seed=3)
    m.run(13)
    check_month(m)
    return pickle.dumps(m)


def _set_item(array_of, index, value):
    return lambda m: array_of(m).__setitem__(index, value)


def _set(obj_of, name, value):
    return lambda m: setattr(obj_of(m), name, value)


NAN, INF = float("nan"), float("inf")
BREAKS = {
    "resident satisfaction": _set_item(lambda m: m.residents.satisfaction, 0, NAN),
    "resident threshold": _set_item(lambda m: m.residents.threshold, 5, INF),
    "resident array added later": _set(lambda m: m.residents, "stress", np.array([0.0, NAN])),
    "community supervised share": _set_item(lambda m: m.supervised_share, 3, NAN),
    "community leadership hours": _set_item(lambda m: m.leadership_hours, 0, -INF),
    "this month's flow": lambda m: setattr(m.flow, "met_by_contracts_people", INF),
    "last year's scores": _set_item(lambda m: m.last_scores.score, 0, NAN),
    "model attribute added later": _set(lambda m: m, "pressure", np.float32(NAN)),
    "committee hours": _set(lambda m: m.committees[4], "admin_hours", NAN),
    "committee agenda": _set_item(lambda m: m.committees[2].agenda, 1, INF),
    "street centre queue": _set(lambda m: m.street_centres[0], "queue", INF),
    "organization reserves": _set(lambda m: m.organizations()[7], "reserves_yuan", -INF),
    "organization quality (numpy)": _set(lambda m: m.organizations()[9], "quality", np.float64(NAN)),
    "social worker burnout": _set(lambda m: m.social_workers()[0], "burnout", NAN),
    "social worker caseload": _set(lambda m: m.social_workers()[-1], "caseload", INF),
    "agent attribute added later": _set(lambda m: m.committees[0], "morale", NAN),
    "government spending": _set(lambda m: m.government, "spent_year_yuan", NAN),
    "contract delivery": _set(lambda m: m.government.contracts[0], "delivered_people", NAN),
    "project value": _set(lambda m: m.government.projects[-1], "value_yuan", INF),
    "indicator defined this month": lambda m: m.recorder.district[-1].__setitem__("satisfaction", NAN),
    "coverage with needs closed": lambda m: m.recorder.district[-1].__setitem__("need_coverage", NAN),
    "contract shares with contracts": lambda m: m.recorder.district[-1].__setitem__("contract_hhi", NAN),
    "infinite indicator": lambda m: m.recorder.district[-1].__setitem__("cost_per_need_met_yuan", INF),
    "infinite community indicator": _set_item(lambda m: m.recorder.community[-1], (0, 0), INF),
}


@pytest.mark.parametrize("where", list(BREAKS))
def test_the_finiteness_check_finds_nan_and_inf_wherever_they_are(where):
    m = pickle.loads(_a_year_run())
    check_finite(m)
    BREAKS[where](m)
    with pytest.raises(AssertionError):
        check_finite(m)


def test_an_indicator_may_be_nan_where_its_denominator_is_zero():
    m = pickle.loads(_a_year_run())
    empty = np.zeros(0, np.int64)
    m.flow.met, m.flow.abandoned, m.flow.met_by_contracts_people = empty, empty, 0.0
    m.contract_table.clear()
    for k in ("need_coverage", "coverage_vulnerable", "contract_top10_share", "contract_hhi",
              "cost_per_need_met_yuan"):
        m.recorder.district[-1][k] = NAN
    check_finite(m)
