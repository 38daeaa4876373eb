"""A one-object-per-resident implementation of the resident rules.

It exists for two reasons only: as a **test oracle** (the vectorised rules
of :mod:`model.rules` must give the same results on the same random numbers)
and as the **baseline of the speed benchmark** (DESIGN §9). The model never
uses it.

Each resident is a Mesa agent with its own needs, states and neighbour
list, stepped one at a time in Python. :class:`ResidentMonth` holds one
month's inputs and uniforms; :func:`vectorised_month` applies them to the
arrays with the model's own rule functions, :meth:`OracleModel.month`
applies them to the objects. Services are outside the rules: a detected
need is met when its uniform falls below its community's service
probability, in both implementations.

Arithmetic follows the vectorised code in float32, operation by operation,
so results agree bit for bit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import mesa
import numpy as np
import scipy.sparse as sp

from model import rules
from model.contagion import neighbour_counts
from model.parameters import N_CATEGORIES, Params
from model.residents import GRASSROOTS, NOT_VOLUNTEER, STATE_MOBILISED, Residents

F32 = np.float32


@dataclass
class RuleSettings:
    """The scalar parameters of the resident rules, read from the declaration."""

    abandon_prob: float
    self_referral: float
    word_of_mouth: float
    trust_weight: float
    civic_weight: float
    sensitivity: float
    lift: float
    dropout: float
    volunteer_sensitivity: float
    alpha_s: float
    alpha_e: float
    bystander_weight: float
    trust_gain: float
    loss_ratio: float
    voice_bonus: float

    @classmethod
    def from_params(cls, p: Params | None = None) -> RuleSettings:
        """The settings from resolved parameters (the declared defaults when ``p`` is None)."""
        p = p or Params()
        return cls(
            abandon_prob=p.needs.abandon_prob_month, self_referral=p.needs.self_referral_prob_month,
            word_of_mouth=p.needs.word_of_mouth_weight, trust_weight=p.participation.trust_weight,
            civic_weight=p.participation.civic_weight,
            sensitivity=p.participation.neighbour_sensitivity, lift=p.participation.peer_lift,
            dropout=p.participation.dropout_month,
            volunteer_sensitivity=p.volunteer.neighbour_sensitivity,
            alpha_s=p.trust.alpha_satisfaction, alpha_e=p.trust.alpha_expectation,
            bystander_weight=p.trust.bystander_weight, trust_gain=p.trust.gain_month,
            loss_ratio=p.trust.loss_ratio, voice_bonus=p.consultation.voice_trust_bonus)


@dataclass
class ResidentMonth:
    """Inputs and uniforms of one month, shared by both implementations."""

    p_detect_community: np.ndarray  # (C,)
    p_service_community: np.ndarray  # (C,)
    community_performance: np.ndarray  # (C,) float32
    government_penalty: np.ndarray  # (C,) float32
    mobilisation: rules.Mobilisation
    voice: np.ndarray  # (N,) bool
    u_abandon: np.ndarray
    u_arrive: np.ndarray
    u_category: np.ndarray
    u_detect: np.ndarray
    u_service: np.ndarray
    u_participate: np.ndarray
    u_volunteer: np.ndarray
    u_state: np.ndarray


def _consume(uniforms: np.ndarray):
    """``k -> the next k uniforms``: successive calls read on, as the model's generator does."""
    start = 0

    def take(k: int) -> np.ndarray:
        nonlocal start
        start += k
        return uniforms[start - k:start]
    return take


def draw_month(res: Residents, rate_table: np.ndarray, rng: np.random.Generator,
               n_communities: int) -> ResidentMonth:
    """Random inputs and the uniforms for one month, sized from the array state.

    Uniform counts that depend on decisions (arrivals, participants, new
    volunteers) are drawn large enough and consumed in order.
    """
    n, n_needs = res.n, res.need_key.size
    c = n_communities
    mob = rules.Mobilisation(
        participation_logit=rng.uniform(-7, -4, c),
        volunteer_logit=rng.uniform(-5, -2, c),
        volunteer_dropout=rng.uniform(0.02, 0.2, c),
        state_dropout=rng.uniform(0.02, 0.3, c),
        state_logit=rng.uniform(-6, -2, c),
        volunteer_room=rng.uniform(0, 3, c),
    )
    u_arrive = rng.random(n, dtype=F32)
    arrivals = int((u_arrive < rate_table.sum(axis=1).astype(F32)[res.profile]).sum())
    return ResidentMonth(
        p_detect_community=rng.uniform(0.05, 0.5, c),
        p_service_community=rng.uniform(0.2, 0.9, c),
        community_performance=rng.uniform(0, 1, c).astype(F32),
        government_penalty=rng.uniform(0, 0.2, c).astype(F32),
        mobilisation=mob,
        voice=rng.random(n) < 0.02,
        u_abandon=rng.random(n_needs, dtype=F32),
        u_arrive=u_arrive,
        u_category=rng.random(arrivals),
        u_detect=rng.random(n_needs + arrivals, dtype=F32),
        u_service=rng.random(n_needs + arrivals),
        u_participate=rng.random(n, dtype=F32),
        u_volunteer=rng.random(2 * n, dtype=F32),  # participants, then new volunteers
        u_state=rng.random(n, dtype=F32),
    )


def vectorised_month(res: Residents, adjacency: sp.csr_array, rate_table: np.ndarray,
                     m: ResidentMonth, s: RuleSettings) -> None:
    """One month of the resident rules on the arrays (the model's own functions)."""
    degree = np.diff(adjacency.indptr)
    inv_degree = (1.0 / np.maximum(degree, 1)).astype(F32)
    rules.age_and_abandon(res, s.abandon_prob, m.u_abandon)
    rules.arise_needs(res, rate_table, m.u_arrive, m.u_category)
    served_share = neighbour_counts(adjacency, res.served_last > 0) * inv_degree
    rules.detect_needs(res, m.p_detect_community, res.community, s.self_referral, s.word_of_mouth,
                       served_share, m.u_detect[: res.need_key.size])
    met = res.need_detected & (m.u_service[: res.need_key.size]
                               < m.p_service_community[res.community[res.need_resident]])
    met_keys = res.need_key[met]
    res.need_key, res.need_age, res.need_detected = (
        res.need_key[~met], res.need_age[~met], res.need_detected[~met])
    res.served_last = np.bincount(met_keys // N_CATEGORIES, minlength=res.n).astype(F32)

    p_share = neighbour_counts(adjacency, res.participant) * inv_degree
    v_share = neighbour_counts(adjacency, res.volunteer > 0) * inv_degree
    rules.update_participation(
        res, p_share, v_share, m.mobilisation, trust_weight=s.trust_weight,
        civic_weight=s.civic_weight, sensitivity=s.sensitivity, lift=s.lift, dropout=s.dropout,
        volunteer_sensitivity=s.volunteer_sensitivity, u_participate=m.u_participate,
        u_volunteer=_consume(m.u_volunteer), u_state=m.u_state)
    open_after = np.bincount(res.need_resident, minlength=res.n).astype(F32)
    exp = rules.Experience(met=res.served_last, open_after=open_after,
                           community_performance=m.community_performance,
                           government_penalty=m.government_penalty, voice=m.voice)
    rules.update_satisfaction_trust(
        res, exp, alpha_s=s.alpha_s, alpha_e=s.alpha_e, bystander_weight=s.bystander_weight,
        trust_gain=s.trust_gain, loss_ratio=s.loss_ratio, voice_bonus=s.voice_bonus)


class ResidentAgent(mesa.Agent):
    """One resident as an object (oracle and benchmark baseline only).

    Args:
        model: the oracle model.
        row: the resident's row in ``res``.
        res: the arrays the resident's state is copied from (its needs are added by the model).
    """

    def __init__(self, model: OracleModel, row: int, res: Residents) -> None:
        super().__init__(model)
        self.row = row
        self.community = int(res.community[row])
        self.profile = int(res.profile[row])
        self.vulnerable = bool(res.vulnerable[row])
        self.adult = bool(res.adult[row])
        self.civic = F32(res.civic[row])
        self.threshold = F32(res.threshold[row])
        self.participant = bool(res.participant[row])
        self.volunteer = int(res.volunteer[row])
        self.satisfaction = F32(res.satisfaction[row])
        self.expectation = F32(res.expectation[row])
        self.trust_committee = F32(res.trust_committee[row])
        self.trust_government = F32(res.trust_government[row])
        self.served_last = F32(res.served_last[row])
        self.needs: dict[int, list] = {}  # category -> [age, detected]
        self.neighbours: list[ResidentAgent] = []

    # Each phase reads only state that earlier phases of the month wrote.
    def age_and_abandon(self, draws, s: RuleSettings) -> None:
        """Age each open need by a month or abandon it, as :func:`model.rules.age_and_abandon`."""
        for k in sorted(self.needs):
            if next(draws) < s.abandon_prob:
                del self.needs[k]
            else:
                self.needs[k][0] += 1

    def arise(self, u_arrive, categories, rate_table) -> None:
        """Maybe add a need, its category drawn from the rate table, as :func:`model.rules.arise_needs`."""
        rates = rate_table[self.profile]
        total = rates.sum()
        if not u_arrive < F32(total):
            return
        u = next(categories)
        k = min(int((np.cumsum(rates) <= u * total).sum()), N_CATEGORIES - 1)
        if k not in self.needs:
            self.needs[k] = [0, False]

    def detect(self, draws, p_comm, s: RuleSettings) -> None:
        """Bring undetected needs to light, as :func:`model.rules.detect_needs`."""
        served = sum(1 for n in self.neighbours if n.served_last > 0)
        share = F32(served) * F32(1.0 / max(len(self.neighbours), 1))
        p_wom = min(F32(F32(s.word_of_mouth) * share), F32(1.0))
        miss = (1.0 - p_comm[self.community]) * (1.0 - s.self_referral) * float(F32(F32(1.0) - p_wom))
        for k in sorted(self.needs):
            u = next(draws)
            if not self.needs[k][1] and u < 1.0 - miss:
                self.needs[k][1] = True

    def serve(self, draws, p_service) -> None:
        """Meet detected needs with the community's service probability and count them for word of mouth."""
        met = 0
        for k in sorted(self.needs):
            u = next(draws)
            if self.needs[k][1] and u < p_service[self.community]:
                del self.needs[k]
                met += 1
        self.served_last = F32(met)

    def decide(self, u, share, logit, sensitivity, dropout, lift=0.0) -> bool:
        """Whether the resident is active next month (threshold contagion, as in :mod:`model.rules`).

        An active resident stays unless ``u`` falls below ``dropout``; an inactive one
        starts with the logistic chance of ``logit`` plus the neighbours' pull, and
        ``lift`` more once the share of active neighbours reaches its threshold.
        """
        z = F32(logit) + F32(sensitivity) * (F32(share) - self.threshold)
        z = F32(z + F32(F32(lift) * F32(F32(share) >= self.threshold)))
        z = F32(min(max(z, F32(-60.0)), F32(60.0)))
        z = (np.exp(-z) + F32(1.0)) * u
        return bool(u >= dropout) if self._active else bool(z < 1.0)

    def decide_alone(self, u, logit, dropout) -> bool:
        """Like :meth:`decide` with no neighbour term (share and threshold 0)."""
        z = F32(logit) + F32(0.0) * (F32(0.0) - F32(0.0))
        z = F32(min(max(z, F32(-60.0)), F32(60.0)))
        z = (np.exp(-z) + F32(1.0)) * u
        return bool(u >= dropout) if self._active else bool(z < 1.0)

    def satisfy(self, perf_c, penalty_c, voice, s: RuleSettings) -> None:
        """Update satisfaction, expectation and both trusts, as :func:`model.rules.update_satisfaction_trust`."""
        met = self.served_last
        open_ = F32(len(self.needs))
        if met + open_ > 0:
            perf, weight = met / (met + open_), F32(1)
        else:
            perf, weight = perf_c[self.community], F32(s.bystander_weight)
        gap = F32(perf - self.expectation)
        target = F32(min(max(gap + F32(0.5), F32(0)), F32(1)))
        self.satisfaction = F32(self.satisfaction + (target - self.satisfaction) * weight * F32(s.alpha_s))
        self.expectation = F32(self.expectation + gap * weight * F32(s.alpha_e))
        self.trust_committee = _asymmetric(self.trust_committee, self.satisfaction, s)
        if voice:
            self.trust_committee = F32(self.trust_committee + F32(s.voice_bonus))
        self.trust_committee = F32(min(max(self.trust_committee, F32(0)), F32(1)))
        gov = F32(min(max(self.satisfaction - penalty_c[self.community], F32(0)), F32(1)))
        self.trust_government = _asymmetric(self.trust_government, gov, s)
        self.trust_government = F32(min(max(self.trust_government, F32(0)), F32(1)))


def _asymmetric(trust, target, s: RuleSettings):
    gap = F32(target - trust)
    up = F32(max(gap, F32(0)) * F32(s.trust_gain))
    down = F32(min(gap, F32(0)) * F32(min(s.trust_gain * s.loss_ratio, 1.0)))
    return F32(F32(trust + up) + down)


class OracleModel(mesa.Model):
    """The resident rules with one Mesa agent per resident.

    Args:
        res: the residents, copied into agents with their open needs.
        adjacency: the resident network (CSR), which gives each agent its neighbours.
        rate_table: need arrival rates by profile and category.
        settings: the scalar parameters of the rules.
    """

    def __init__(self, res: Residents, adjacency: sp.csr_array, rate_table: np.ndarray,
                 settings: RuleSettings) -> None:
        super().__init__(rng=0)
        self.rate_table = rate_table
        self.settings = settings
        self.people = [ResidentAgent(self, i, res) for i in range(res.n)]
        for i, person in enumerate(self.people):
            cols = adjacency.indices[adjacency.indptr[i]: adjacency.indptr[i + 1]]
            person.neighbours = [self.people[j] for j in cols]
        for key, age, det in zip(res.need_key, res.need_age, res.need_detected, strict=True):
            self.people[key // N_CATEGORIES].needs[int(key % N_CATEGORIES)] = [int(age), bool(det)]

    def month(self, m: ResidentMonth) -> None:
        """The same month as :func:`vectorised_month`, one object at a time."""
        s, people = self.settings, self.people
        draws = iter(m.u_abandon)
        for a in people:
            a.age_and_abandon(draws, s)
        categories = iter(m.u_category)
        for a in people:
            a.arise(m.u_arrive[a.row], categories, self.rate_table)
        draws = iter(m.u_detect)
        for a in people:
            a.detect(draws, m.p_detect_community, s)
        draws = iter(m.u_service)
        for a in people:
            a.serve(draws, m.p_service_community)

        mob = m.mobilisation
        p_share = [F32(sum(n.participant for n in a.neighbours)) * F32(1.0 / max(len(a.neighbours), 1))
                   for a in people]
        v_share = [F32(sum(n.volunteer > 0 for n in a.neighbours)) * F32(1.0 / max(len(a.neighbours), 1))
                   for a in people]
        for a, share in zip(people, p_share, strict=True):
            a._active = a.participant
            logit = F32(F32(F32(s.trust_weight) * a.trust_committee) + F32(F32(s.civic_weight) * a.civic))
            logit = F32(logit + F32(mob.participation_logit[a.community]))
            a.next_participant = a.adult and a.decide(m.u_participate[a.row], share, logit,
                                                      s.sensitivity, F32(s.dropout), s.lift)
        u_vol = iter(m.u_volunteer)
        for a, share in zip(people, v_share, strict=True):
            a.next_volunteer = NOT_VOLUNTEER
            a._grassroots = False
            if a.next_participant:  # grassroots volunteering among participants
                a._active = a.volunteer == GRASSROOTS
                grassroots = a.decide(next(u_vol), share, mob.volunteer_logit[a.community],
                                      s.volunteer_sensitivity, F32(mob.volunteer_dropout[a.community]))
                a._grassroots = grassroots and a.volunteer != STATE_MOBILISED
        joining = [a for a in people if a._grassroots and a.volunteer != GRASSROOTS]
        joiners = Counter(a.community for a in joining)
        for a in joining:  # the teams take on as many as they have room for
            if next(u_vol) >= np.float64(mob.volunteer_room[a.community] / joiners[a.community]):
                a._grassroots = False
        for a in people:
            if a._grassroots:
                a.next_volunteer = GRASSROOTS
                continue
            if a.adult:  # the committee mobilises adults through its lists, not through peers
                a._active = a.volunteer == STATE_MOBILISED
                if a.decide_alone(m.u_state[a.row], mob.state_logit[a.community], F32(mob.state_dropout[a.community])):
                    a.next_volunteer = STATE_MOBILISED
        for a in people:
            a.participant, a.volunteer = a.next_participant, a.next_volunteer
        for a in people:
            a.satisfy(m.community_performance, m.government_penalty, m.voice[a.row], s)

    def snapshot(self) -> dict[str, np.ndarray]:
        """The objects' state as arrays, in the layout of :class:`Residents`."""
        people = self.people
        keys, ages, det = [], [], []
        for a in people:
            for k in sorted(a.needs):
                keys.append(a.row * N_CATEGORIES + k)
                ages.append(a.needs[k][0])
                det.append(a.needs[k][1])
        return {
            "participant": np.array([a.participant for a in people]),
            "volunteer": np.array([a.volunteer for a in people], np.int8),
            "satisfaction": np.array([a.satisfaction for a in people], F32),
            "expectation": np.array([a.expectation for a in people], F32),
            "trust_committee": np.array([a.trust_committee for a in people], F32),
            "trust_government": np.array([a.trust_government for a in people], F32),
            "served_last": np.array([a.served_last for a in people], F32),
            "need_key": np.array(keys, np.int64),
            "need_age": np.array(ages, np.int16),
            "need_detected": np.array(det, bool),
        }


def array_snapshot(res: Residents) -> dict[str, np.ndarray]:
    """The same fields as :meth:`OracleModel.snapshot`, from the arrays."""
    return {k: np.asarray(getattr(res, k)).copy() for k in (
        "participant", "volunteer", "satisfaction", "expectation", "trust_committee",
        "trust_government", "served_last", "need_key", "need_age", "need_detected")}
