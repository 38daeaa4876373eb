"""Participation that can tip (P2), and the two kinds of volunteers (issue 13).

Participation follows Granovetter's threshold rule made noisy: a resident
whose share of participating neighbours has reached its threshold gains
``participation.peer_lift`` log-odds. For mid-range outreach a community
then has two stable states, so communities with identical inputs end in
different states, and a push above the threshold persists. The statistical
tests run the reformed district with identical communities (every
community the same size, ``population.community_size_cv = 0``, and the same
13 committee workers, ``committee.workers_total = 1,001``) at scale 0.05,
over three seeds, with the tolerances written in each test.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from model import SansheModel, committees, contagion, participation, rules
from model.contagion import neighbour_counts
from model.parameters import Params
from model.residents import GRASSROOTS, NOT_VOLUNTEER, STATE_MOBILISED, Residents
from model.scenario import Scenario

F32 = np.float32
SEEDS = (1, 2, 3)
SCALE = 0.05
IDENTICAL = {"population.population_scale": SCALE, "population.community_size_cv": 0.0,
             "committee.workers_total": 1001}
"""Every community the same size and 13 committee workers (5 + 616 / 77 = 8 more each)."""


def identical_model(seed: int, **overrides) -> SansheModel:
    """The reformed district (the defaults) with identical communities, after its spin-up."""
    sc = Scenario(name="identical")
    sc.params.update({**IDENTICAL, **overrides})
    return SansheModel(sc, seed=seed)


def participation_by_community(model: SansheModel) -> np.ndarray:
    """Share of each community's adults taking part (resident rows)."""
    res = model.residents
    return np.add.reduceat(res.participant, res.community_start[:-1]) / model.adults_per_community


def bimodality_coefficient(x: np.ndarray) -> float:
    """Sarle's bimodality coefficient (sample skewness and excess kurtosis); above 5/9 suggests two modes."""
    n = x.size
    d = x - x.mean()
    m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
    g1 = m3 / m2 ** 1.5
    g2 = m4 / m2 ** 2 - 3.0
    skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)
    return float((skew ** 2 + 1) / (kurt + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def push(model: SansheModel, communities: np.ndarray, share: float, seed: int = 0) -> None:
    """Make ``share`` of the adults of ``communities`` take part now (an outside push), neighbour counts updated."""
    res = model.residents
    rng = np.random.default_rng(seed)
    chosen = np.isin(res.community, communities) & res.adult & (rng.random(res.n) < share)
    res.participant = res.participant | chosen
    model.participant_nbrs = neighbour_counts(model.adjacency, res.participant)


# --- the threshold rule by hand -----------------------------------------------


def test_the_threshold_step_lifts_only_residents_whose_neighbours_reach_their_threshold():
    """Four inactive residents, threshold 0.25, base log-odds -3, lift 4, no smooth term.

    Shares 0, 0.2, 0.25 and 0.6: the first two adopt with sigmoid(-3) = 0.0474,
    the last two (at and above the threshold) with sigmoid(-3 + 4) = 0.7311.
    With uniforms 0.04, 0.05, 0.73, 0.74 residents 0 and 2 adopt, 1 and 3 do not;
    with all uniforms 0.5 only residents 2 and 3 do.
    """
    active = np.zeros(4, bool)
    share = np.array([0.0, 0.2, 0.25, 0.6], F32)
    theta = np.full(4, 0.25, F32)
    got = contagion.contagion_decisions(active, share, theta, -3.0, 0.0, 0.0, np.array([0.04, 0.05, 0.73, 0.74], F32),
                                        lift=4.0)
    assert got.tolist() == [True, False, True, False]
    got = contagion.contagion_decisions(active, share, theta, -3.0, 0.0, 0.0, np.full(4, 0.5, F32), lift=4.0)
    assert got.tolist() == [False, False, True, True]
    # Without the step nobody reaches even odds, whatever its neighbours.
    got = contagion.contagion_decisions(active, share, theta, -3.0, 0.0, 0.0, np.full(4, 0.5, F32), lift=0.0)
    assert not got.any()


def test_the_model_rule_counts_neighbours_on_the_network_and_applies_the_step():
    """Five adults on a small network, in one community, through the model's kernel path.

    Ties: 0-1, 0-2, 0-3, 0-4, 1-2; residents 1 and 2 take part. Resident 0 has
    2 of 4 neighbours taking part (0.5), resident 3 has 0 of 1, resident 4
    has 0 of 1. Thresholds 0.4: resident 0 is above it. Log-odds: community
    -5 + trust 0.5 × weight 2 = -4; resident 0 gets -4 + 4 = 0 (even odds), the
    others sigmoid(-4) = 0.018. With uniforms 0.45 everywhere resident 0
    adopts, 3 and 4 do not, and participants stay (dropout 0.04 < 0.45).
    """
    n = 5
    src, dst = np.array([0, 0, 0, 0, 1]), np.array([1, 2, 3, 4, 2])
    adj = sp.csr_array((np.ones(10, F32), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    res = _residents(n, participant=[False, True, True, False, False], threshold=0.4)
    counts = neighbour_counts(adj, res.participant)
    assert counts.tolist() == [2.0, 1.0, 1.0, 0.0, 0.0]
    inverse_degree = (1.0 / np.diff(adj.indptr)).astype(F32)
    mob = _mobilisation(participation_logit=-5.0)
    rules.update_participation(res, counts, np.zeros(n, F32), mob, inverse_degree=inverse_degree,
                               trust_weight=2.0, civic_weight=0.0, sensitivity=0.0, lift=4.0, dropout=0.04,
                               volunteer_sensitivity=0.0, u_participate=np.full(n, 0.45, F32),
                               u_volunteer=lambda k: np.full(k, 0.99, F32), u_state=np.full(n, 0.99, F32))
    assert res.participant.tolist() == [True, True, True, False, False]


# --- P2: identical communities end in different states ----------------------------


@pytest.fixture(scope="module")
def identical_districts():
    """Participation by community after the spin-up and 24 months, three seeds: with the step, and without it.

    The run without the step (``peer_lift = 0``) has its baseline raised by 3
    log-odds so that its mean participation is of the same order (about 0.33
    against 0.30); its spread is what identical inputs give by noise alone.
    """
    with_step, without = [], []
    for seed in SEEDS:
        m = identical_model(seed)
        m.run(24)
        with_step.append(participation_by_community(m))
        m = identical_model(seed, **{"participation.peer_lift": 0.0, "participation.base_logit": -7.0})
        m.run(24)
        without.append(participation_by_community(m))
    return with_step, without


def test_identical_communities_split_into_a_low_and_a_high_state(identical_districts):
    """Each seed: at least 15% of communities below 0.15 (low) and at least 15% above 0.25 (high).

    And a bimodality coefficient above 5/9 (Sarle's; 5/9 is a uniform distribution's).
    """
    with_step, _ = identical_districts
    for x in with_step:
        low, high = (x < 0.15).mean(), (x > 0.25).mean()
        assert low >= 0.15 and high >= 0.15, (low, high, np.percentile(x, [10, 50, 90]))
        assert bimodality_coefficient(x) > 5 / 9, bimodality_coefficient(x)


def test_without_the_threshold_step_identical_communities_stay_close(identical_districts):
    """The spread that noise alone gives is small: what spreads the communities is the step.

    The 10th-90th percentile range of participation is below 0.10 without the
    step in every seed (at a mean within a factor 2 of the run with it), and
    above 0.25 with it.
    """
    with_step, without = identical_districts
    for x, y in zip(with_step, without, strict=True):
        spread = lambda v: float(np.subtract(*np.percentile(v, [90, 10])))  # noqa: E731
        assert spread(x) > 0.25, spread(x)
        assert spread(y) < 0.10, (spread(y), y.mean())
        assert 0.5 * x.mean() < y.mean() < 2.0 * x.mean(), (x.mean(), y.mean())


# --- P2: a push above the threshold persists ---------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_a_community_pushed_over_its_threshold_stays_high_and_the_others_stay_low(seed):
    """A push over the threshold persists (hysteresis); without the step it decays.

    Half the adults of every other low community (below 0.10) take part at
    month 0; 48 months later at least 90% of them are still above 0.30 (about
    0.5: the high state), while at least 90% of the low communities not pushed
    are still below 0.15. Without the
    step (``peer_lift = 0``) the same push has decayed below 0.15 on average.
    """
    m = identical_model(seed)
    x = participation_by_community(m)
    low = np.flatnonzero(x < 0.10)
    pushed, left = low[::2], low[1::2]
    assert pushed.size >= 5 and left.size >= 5, x
    push(m, pushed, 0.5)
    m.run(48)
    after = participation_by_community(m)
    assert (after[pushed] > 0.30).mean() >= 0.9, after[pushed]
    assert (after[left] < 0.15).mean() >= 0.9, after[left]

    control = identical_model(seed, **{"participation.peer_lift": 0.0})
    push(control, pushed, 0.5)
    control.run(48)
    assert participation_by_community(control)[pushed].mean() < 0.15


# --- volunteers of two kinds ------------------------------------------------------------


def test_each_kind_of_volunteer_leaves_at_its_own_rate_and_by_its_own_route():
    """Six adults, all taking part except residents 4 and 5, none recruiting (log-odds -60).

    Residents 0-1 are grassroots, 2-3 and 5 state-mobilised, 4 grassroots. Dropout: grassroots 0.05,
    state-mobilised 0.2; uniforms 0.1 for both draws. Grassroots 0 and 1 stay (0.1 >= 0.05);
    state-mobilised 2, 3 and 5 leave (0.1 < 0.2); grassroots 4 has stopped taking part, so stops
    volunteering. With uniforms 0.3, state-mobilised 5 stays although it does not take part.
    """
    res = _residents(6, participant=[True] * 4 + [False, False], threshold=0.5)
    res.volunteer[:] = [GRASSROOTS, GRASSROOTS, STATE_MOBILISED, STATE_MOBILISED, GRASSROOTS, STATE_MOBILISED]
    mob = _mobilisation(participation_logit=-60.0, volunteer_dropout=0.05, state_dropout=0.2)
    kw = dict(trust_weight=0.0, civic_weight=0.0, sensitivity=0.0, lift=0.0, dropout=0.0, volunteer_sensitivity=0.0)
    first = copy.deepcopy(res)
    rules.update_participation(first, np.zeros(6, F32), np.zeros(6, F32), mob, u_participate=np.full(6, 0.1, F32),
                               u_volunteer=lambda k: np.full(k, 0.1, F32), u_state=np.full(6, 0.1, F32), **kw)
    assert first.volunteer.tolist() == [GRASSROOTS, GRASSROOTS] + [NOT_VOLUNTEER] * 4
    rules.update_participation(res, np.zeros(6, F32), np.zeros(6, F32), mob, u_participate=np.full(6, 0.3, F32),
                               u_volunteer=lambda k: np.full(k, 0.3, F32), u_state=np.full(6, 0.3, F32), **kw)
    assert res.volunteer.tolist() == [GRASSROOTS, GRASSROOTS, STATE_MOBILISED, STATE_MOBILISED,
                                      NOT_VOLUNTEER, STATE_MOBILISED]


def test_the_committee_mobilises_non_participants_and_social_workers_recruit_only_participants():
    """Participants become grassroots volunteers, other adults state-mobilised ones, children neither.

    Adults 0-1 take part, 2-3 do not, 4 is a child; both recruitments have
    log-odds 60 (certain) and the uniforms are 0.5.
    """
    res = _residents(5, participant=[True, True, False, False, False], threshold=0.5)
    res.adult[4] = False
    mob = _mobilisation(participation_logit=-60.0, volunteer_logit=60.0, state_logit=60.0)
    rules.update_participation(res, np.zeros(5, F32), np.zeros(5, F32), mob, trust_weight=0.0, civic_weight=0.0,
                               sensitivity=0.0, lift=0.0, dropout=0.0, volunteer_sensitivity=0.0,
                               u_participate=np.full(5, 0.5, F32), u_volunteer=lambda k: np.full(k, 0.5, F32),
                               u_state=np.full(5, 0.5, F32))
    assert res.volunteer.tolist() == [GRASSROOTS, GRASSROOTS, STATE_MOBILISED, STATE_MOBILISED, NOT_VOLUNTEER]


def test_the_teams_take_on_no_more_new_volunteers_than_they_have_room_for():
    """Ten participants of one community, 8 and 9 already grassroots, recruitment certain (log-odds 60).

    Residents 0-7 would join; with room for 3 rows each is kept with the
    chance 3 / 8 = 0.375, and the second draw of uniforms (0, 0.125, ...,
    0.875, one per new volunteer in row order) keeps 0, 1 and 2. Volunteers
    already in a team (8, 9) do not take room. With no room, nobody joins.
    """
    kw = dict(trust_weight=0.0, civic_weight=0.0, sensitivity=0.0, lift=0.0, dropout=0.0, volunteer_sensitivity=0.0,
              u_participate=np.full(10, 0.5, F32), u_state=np.full(10, 0.5, F32))
    for room, joined in ((3.0, [0, 1, 2]), (0.0, [])):
        draws = iter([np.full(10, 0.5, F32), np.arange(8, dtype=F32) / 8])
        res = _residents(10, participant=[True] * 10, threshold=0.5)
        res.volunteer[8:] = GRASSROOTS
        mob = _mobilisation(participation_logit=60.0, volunteer_logit=60.0, volunteer_room=room)
        rules.update_participation(res, np.zeros(10, F32), np.zeros(10, F32), mob,
                                   u_volunteer=lambda k, d=draws: next(d)[:k], **kw)
        assert np.flatnonzero(res.volunteer == GRASSROOTS).tolist() == joined + [8, 9]


def test_the_room_is_the_teams_capacity_less_the_volunteers_they_hold():
    """Two communities of 2,000 people: social workers can lead 100 and 0 volunteers, residents' own teams 10.

    Capacity 100 + 5 × 2 = 110 and 10; holding 50 and 20 grassroots volunteers, the room is 60 and 0 (never
    negative).
    """
    m = SimpleNamespace(params=Params({"volunteer.self_organised_per_1000": 5.0}),
                        supervision_capacity=np.array([100.0, 0.0]), people_per_community=np.array([2000.0, 2000.0]),
                        grassroots_people=np.array([50.0, 20.0]))
    assert participation.organising_room(m).tolist() == [60.0, 0.0]


def test_grassroots_volunteers_stop_growing_at_what_the_teams_can_organise():
    """The reformed district with identical communities, 24 months after its spin-up, 3 seeds.

    Each month a community takes on no more new grassroots volunteers than
    its room (:func:`model.participation.organising_room`, in rows ``r``)
    allows, up to 5 standard deviations of the thinning (at most
    ``sqrt(r)``) and one row. Over the two years the district holds on
    average no more than its teams' capacity, and never 15% more (measured:
    0.93 on average, at most 1.08, in the months after a yearly tender
    moves social workers and a community's capacity falls below the
    volunteers it holds). Where at least 30% of adults take part, fewer than 10%
    volunteer in a team (measured 1.4-6.3%; before the teams had a
    capacity, about 40%). More room in residents' own teams (30 instead of
    5 per 1,000 residents) holds more volunteers.
    """
    for seed in SEEDS:
        m = identical_model(seed)
        held = []
        for _ in range(24):
            before = m.residents.volunteer.copy()
            m.step()
            res = m.residents
            joined = np.add.reduceat((res.volunteer == GRASSROOTS) & (before != GRASSROOTS), res.community_start[:-1])
            room = participation.organising_room(m) / m.people_per_row  # the month's room, in rows
            assert np.all(joined <= room + 5 * np.sqrt(room) + 1), (m.month, (joined - room).max())
            grassroots = np.add.reduceat(res.volunteer == GRASSROOTS, res.community_start[:-1]) * m.people_per_row
            held.append(grassroots.sum() / participation.organising_capacity(m).sum())
        assert np.mean(held) <= 1.0 and max(held) <= 1.15, held
        high = participation_by_community(m) >= 0.3
        assert high.sum() >= 5
        assert np.all(grassroots[high] / (m.adults_per_community[high] * m.people_per_row) < 0.1)
        roomier = identical_model(seed, **{"volunteer.self_organised_per_1000": 30.0})
        roomier.run(24)
        assert roomier.grassroots_people.sum() > m.grassroots_people.sum() + 0.005 * res.adult.sum() * m.people_per_row


def test_supervised_grassroots_volunteers_stay_longer_than_state_mobilised_ones_in_the_district():
    """Month-to-month retention of each kind over 12 months of the reformed district, 3 seeds.

    Grassroots volunteers in communities whose social workers supervise at
    least 90% of them keep at least 0.05 more of their number a month than
    state-mobilised ones (about 0.9 against 0.8: dropout 0.05 and the
    participants' 0.04, against 0.2); beyond supervision they drop out at 0.15
    and keep about as many as state-mobilised ones (within 0.1).
    """
    for seed in SEEDS:
        m = identical_model(seed)
        kept = {"supervised": [0, 0], "unsupervised": [0, 0], "state": [0, 0]}
        for _ in range(12):
            before = m.residents.volunteer.copy()
            supervised = (m.supervised_share >= 0.9)[m.residents.community]
            m.step()
            after = m.residents.volunteer
            for key, was in (("supervised", (before == GRASSROOTS) & supervised),
                             ("unsupervised", (before == GRASSROOTS) & ~supervised),
                             ("state", before == STATE_MOBILISED)):
                kept[key][0] += int((was & (after == before)).sum())
                kept[key][1] += int(was.sum())
        rate = {key: k / n for key, (k, n) in kept.items()}
        assert kept["supervised"][1] >= 100, kept
        assert rate["supervised"] >= rate["state"] + 0.05, rate
        assert abs(rate["unsupervised"] - rate["state"]) < 0.1, rate


def test_state_mobilised_hours_finish_administration_and_grassroots_hours_are_supervised_service():
    """State-mobilised hours finish administration left undone; social workers supervise grassroots ones.

    Campaign hours finish administrative work the committee left undone (up
    to the work due) and free no committee hours; social workers supervise
    only grassroots volunteers, whose hours are the volunteers' service.

    By hand, for committee 0 at scale 0.01: 2 state-mobilised rows of 100 people × 8 hours ×
    efficiency 0.3 = 480 hours.
    """
    m, base = _with_volunteers(0.3), _with_volunteers(0.0)
    t = m.committee_table
    committees.allocate_committee_time(m)
    committees.allocate_committee_time(base)
    assert m.state_volunteers_people[0] == pytest.approx(200) and m.grassroots_people[0] == pytest.approx(100)
    assert committees.campaign_hours(m)[0] == pytest.approx(200 * 8 * 0.3)
    assert t.done_hours_year[0] - base.committee_table.done_hours_year[0] == pytest.approx(480.0)
    assert np.all(t.done_hours_year[1:] == base.committee_table.done_hours_year[1:])
    assert np.array_equal(t.admin_hours, base.committee_table.admin_hours)
    assert np.array_equal(t.consultation_hours, base.committee_table.consultation_hours)
    # Supervision is over grassroots volunteers only: state-mobilised ones do not dilute it.
    res = base.residents
    res.volunteer[res.volunteer == STATE_MOBILISED] = NOT_VOLUNTEER
    committees.allocate_committee_time(base)
    assert np.array_equal(m.supervised_share, base.supervised_share)


def _with_volunteers(efficiency: float) -> SansheModel:
    """A small district at its build with more administrative work due than any committee can do.

    In community 0, 2 rows of state-mobilised and 1 of grassroots volunteers; nobody else volunteers.
    """
    sc = Scenario(name="hours")
    sc.params.update({"population.population_scale": 0.01, "start.spinup_years": 0,
                      "volunteer.state_admin_efficiency": efficiency})
    m = SansheModel(sc, seed=1)
    res = m.residents
    res.volunteer[:] = NOT_VOLUNTEER
    rows = np.arange(res.community_start[0], res.community_start[1])
    res.volunteer[rows[:2]] = STATE_MOBILISED
    res.volunteer[rows[-1]] = GRASSROOTS
    m.committee_table.admin_load_hours[:] = 1e6
    m.committee_table.done_hours_year[:] = 0.0
    return m


# --- helpers -------------------------------------------------------------------------


def _residents(n: int, participant: list[bool], threshold: float) -> Residents:
    """``n`` adults of one community, trust 0.5, civic 0, no needs."""
    return Residents(
        community_start=np.array([0, n], np.int64), community=np.zeros(n, np.intp),
        household=np.arange(n, dtype=np.int32), grid=np.zeros(n, np.intp), grid_households=np.ones(1),
        profile=np.zeros(n, np.uint8), vulnerable=np.zeros(n, bool), adult=np.ones(n, bool),
        civic=np.zeros(n, F32), threshold=np.full(n, threshold, F32), participant=np.array(participant, bool),
        volunteer=np.zeros(n, np.int8), last_attended=np.zeros(n, np.int32), satisfaction=np.full(n, 0.5, F32),
        expectation=np.full(n, 0.5, F32), trust_committee=np.full(n, 0.5, F32),
        trust_government=np.full(n, 0.5, F32), served_last=np.zeros(n, F32))


def _mobilisation(participation_logit: float, volunteer_logit: float = -60.0, volunteer_dropout: float = 0.0,
                  state_logit: float = -60.0, state_dropout: float = 0.0,
                  volunteer_room: float = np.inf) -> rules.Mobilisation:
    """One community's pushes."""
    return rules.Mobilisation(participation_logit=np.array([participation_logit]),
                              volunteer_logit=np.array([volunteer_logit]),
                              volunteer_dropout=np.array([volunteer_dropout]),
                              state_logit=np.array([state_logit]), state_dropout=np.array([state_dropout]),
                              volunteer_room=np.array([volunteer_room]))
