"""Every parameter of the model, declared once.

Each declaration carries a unit, a default, the allowed range and a source:
an F-id of the report (the README's Sources table), a publication, a derivation, or the word
"assumption". Scenario loading, ``sanshe params``, the documentation table
and the tests all read :data:`PARAMETERS`; nothing else holds a default.

Parameters are grouped by mechanism. A parameter marked ``lever`` may change
during a run (a scenario gives the month it takes effect); the others shape
the district when it is built and are fixed for the run.

Shares are in [0, 1]; any other unit is in the name or the ``unit`` field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictFloat, StrictInt, TypeAdapter
from pydantic import ValidationError as _Invalid

SERVICE_CATEGORIES: tuple[str, ...] = (
    "employment_training",  # F6 names it
    "home_elderly_care",  # F6 names it
    "disability_rehabilitation",  # assumption (the report names only two)
    "social_assistance",  # assumption
    "children_youth",  # assumption
    "family_mental_health",  # assumption
    "culture_sports",  # assumption
    "mediation_community_affairs",  # assumption
)
"""The 8 service categories of F6: the first two are named in the report,
the other six are assumptions."""

N_CATEGORIES = len(SERVICE_CATEGORIES)


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter.

    Attributes:
        path: ``group.name``, the key used in scenario files.
        default: the default value; its Python type is the parameter's type.
        unit: the unit, or ``share`` for a value in [0, 1], ``count``, ``bool``.
        low: smallest allowed value (``None`` for booleans).
        high: largest allowed value (``None`` for booleans).
        source: F-id, publication, derivation or "assumption".
        doc: what the parameter means, in one sentence.
        lever: whether a scenario may change it at a given month.
        acts: when a value first makes a difference: ``"month"`` in the
            month it is set (at the build for a value from month 1);
            ``"year"`` at the next yearly budget and tender (months 1, 13,
            25, ...); ``"review"`` at the next yearly review of the past
            year (evaluation, clean-up, founding, exam, creep: months 13,
            25, ...; the first month's cycle has no past year to review).
        shapes_start: whether a value from month 1 also shapes the state the run
            is built with (the steady certified share, for the exam and worker
            turnover), so it acts at once even when ``acts`` says later.
    """

    path: str
    default: float | int | bool
    unit: str
    low: float | None
    high: float | None
    source: str
    doc: str
    lever: bool = False
    acts: str = "month"
    shapes_start: bool = False

    @property
    def group(self) -> str:
        """The parameter's group: the part of ``path`` before the first dot."""
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The parameter's name within its group: the part of ``path`` after the first dot."""
        return self.path.split(".", 1)[1]

    @property
    def kind(self) -> type:
        """The type of the parameter's values (bool, int or float), taken from the default."""
        return type(self.default)

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind is bool:
            return "true or false"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} in [{_fmt(self.low)}, {_fmt(self.high)}]"

    @property
    def annotation(self) -> Any:
        """The type and range of its values, as a pydantic annotation: the one validator.

        Scenario files and table rows (the schema of :mod:`model.scenario`, which builds its
        models from these annotations), sweeps, the dashboard and
        :meth:`Params.set` all check values through it (:meth:`check`). An
        integer parameter takes a whole number written as a float (``3.0``);
        a float parameter takes an integer; a switch takes only true or false.
        """
        if self.kind is bool:
            return StrictBool
        if self.kind is int:
            return Annotated[StrictInt, BeforeValidator(_whole), Field(ge=self.low, le=self.high)]
        return Annotated[StrictInt | StrictFloat, Field(ge=self.low, le=self.high), AfterValidator(float)]

    def check(self, value: Any) -> float | int | bool:
        """Return ``value`` converted to the parameter's type, or raise ValueError (``found ..., allowed: ...``)."""
        try:
            return _adapter(self).validate_python(value)
        except _Invalid:
            shown = _fmt(value) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)
            raise ValueError(f"found {shown}, allowed: {self.allowed()}") from None


@cache
def _adapter(p: Param) -> TypeAdapter:
    return TypeAdapter(p.annotation)


def _whole(value: Any) -> Any:
    """A whole number written as a float is that integer; anything else is left for the check."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _fmt(x: float | int | None) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) >= 1e6:
        return f"{x:,.0f}"
    return f"{x:g}" if isinstance(x, float) else str(x)


_DECLARED: list[Param] = []


def _p(path, default, unit, low, high, source, doc, lever=False, acts="month", shapes_start=False) -> None:
    assert acts in ACTS, (path, acts)
    _DECLARED.append(Param(path, default, unit, low, high, source, doc, lever, acts, shapes_start))


ACTS = ("month", "year", "review")
"""When a parameter's value first makes a difference (see :attr:`Param.acts`)."""

YEAR_MONTHS = 12
"""Months in a year: the yearly cycle runs in months 1, 13, 25, ..."""

MAX_MONTHS = 1200
"""The longest run the commands accept (100 years), and the latest month a change may name."""


def first_effect_month(path: str, month: int, spinup_years: int = 0) -> int:
    """The first month in which a value of ``path`` set from ``month`` on makes a difference.

    That month for a monthly parameter, else the next yearly cycle; a ``review``
    parameter waits for a review of a past year, and the first yearly cycle of a
    run (month 1 less the spin-up) has none. A value from month 1 of a run with a
    spin-up acts during the spin-up: month 1 is returned for it.
    """
    acts = PARAMETERS[path].acts
    if acts == "month" or (month == 1 and PARAMETERS[path].shapes_start):
        return month
    first_review = 1 - YEAR_MONTHS * spinup_years + YEAR_MONTHS
    earliest = max(month, first_review) if acts == "review" else month
    return max(month, earliest + (1 - earliest) % YEAR_MONTHS)


_TYPE_MIX_SOURCE = ("assumption (fixed; the six shares sum to 1): many small culture-sports and filed community "
                    "groups, few professional service providers, the imbalance the report admits (P3)")

# --- the start of a run ------------------------------------------------------
_p("start.spinup_years", 20, "years", 0, 50,
   "design: longer than the slowest relaxation of the district (the organization stock, about "
   "five years; trust, about three)",
   "Years the district runs under its month-1 parameters before month 1, not recorded: every run "
   "starts from a steady state of the regime it starts in.")

# --- population -------------------------------------------------------------
_p("population.population_scale", 1.0, "resident rows per person", 0.001, 1.0,
   "design: 1.0 is the whole district; smaller values shrink only the resident count, for fast tests "
   "and sweeps",
   "Rows of the resident arrays per real resident; 1.0 is one row per person. "
   "Organizations, budgets and committees do not scale.")
_p("population.residents_total", 630_000, "people", 300_000, 1_000_000,
   "6th national census (2010): 630,100 residents; F5 implies ≈602,700",
   "Resident population of the district.")
_p("population.communities", 77, "count", 77, 77, "F19",
   "Communities (社区) of the district; fixed by the report.")
_p("population.streets", 11, "count", 11, 11, "F19; Yuzhong's administrative division: 11 streets by 2015",
   "Streets (街道) of the district; fixed.")
_p("population.community_size_cv", 0.35, "coefficient of variation", 0.0, 0.8,
   "assumption: no published community populations; with the mean 630,000 / 77 ≈ 8,200 it puts "
   "95% of communities between ≈4,000 and ≈15,000 residents",
   "Spread of community populations around the mean (lognormal).")
_p("population.household_size_mean", 2.45, "people", 1.2, 4.0,
   "7th national census (2020), Chongqing: 2.45 people per household", "Mean household size.")
_p("population.share_children", 0.14, "share", 0.0, 0.4,
   "assumption (Chongqing 2020 census ages 0-14 ≈ 15.9%)", "Residents under 18.")
_p("population.share_elderly", 0.20, "share", 0.0, 0.5,
   "7th national census (2020), Chongqing: 21.87% aged 60+; China 2015: 16.1% (MCA 2015 statistical "
   "bulletin)", "Residents aged 60+.")
_p("population.share_disabled", 0.05, "share", 0.0, 0.2,
   "2nd China National Sample Survey on Disability (2006): 6.34%, lower in cities",
   "Residents with a disability.")
_p("population.share_low_income", 0.03, "share", 0.0, 0.2,
   "MCA 2015 statistical bulletin: urban dibao 17.0 M people ≈2.2% of urban residents; plus marginal "
   "households (assumption)",
   "Residents in low-income (dibao or marginal) households; drawn per household.")
_p("population.share_other_special", 0.02, "share", 0.0, 0.2, "assumption",
   "Other special groups (left-behind children, released prisoners, addicts in recovery...).")
_p("population.civic_concentration", 4.0, "beta concentration (a + b)", 0.5, 100.0, "assumption",
   "How tightly civic disposition clusters around its mean.")
_p("population.civic_disposition_mean", 0.3, "share", 0.0, 1.0, "assumption",
   "Mean civic disposition (beta distributed) that raises participation.")

# --- networks ---------------------------------------------------------------
_p("network.lattice_degree", 6, "ties per resident", 2, 14,
   "assumption informed by Centola & Macy 2007 (clustered ties): a Watts-Strogatz ring that with "
   "household ties gives a mean degree ≈8",
   "Neighbour ties per resident on the ring lattice inside a community (even).")
_p("network.rewire_prob", 0.2, "share", 0.0, 1.0,
   "assumption, set so clustering ≈ 0.3 (design: neighbour ties are local and clustered, a small "
   "world)",
   "Share of lattice ties rewired to a random resident.")
_p("network.cross_community_share", 0.03, "share", 0.0, 0.3,
   "assumption (design: residents' ties are mostly inside their community; a few percent, 1-5%, "
   "reach an adjacent one)",
   "Share of rewired ties that go to a resident of an adjacent community.")

# --- needs ------------------------------------------------------------------
_p("needs.rate_general_month", 0.0025, "needs per resident per category per month",
   0.0, 0.05, "assumption (calibrated to coverage 0.3-0.6)",
   "Rate at which a need arises in any category for any resident.")
_p("needs.rate_group_month", 0.05, "needs per resident per month", 0.0, 0.2,
   "assumption", "Extra rate in the category of a vulnerable group "
   "(elderly: home elderly care; disabled: rehabilitation; low-income: social assistance "
   "and employment; other special: family and mental health; children: children and youth).")
_p("needs.vulnerable_multiplier", 2.0, "multiplier", 1.0, 5.0, "assumption",
   "Vulnerable residents' general need rate relative to others.")
_p("needs.abandon_prob_month", 0.12, "share per month", 0.01, 0.5, "assumption",
   "Monthly probability that an unmet need ends without service (moved away, "
   "solved privately, gave up).")
_p("needs.total_rate_cap_month", 0.95, "needs per resident per month", 0.95, 0.95,
   "design: a resident has at most one new need a month, drawn as one event, so the rates over "
   "categories are scaled down to sum to at most this (fixed)",
   "Largest total monthly need rate of a resident over all categories.")
_p("needs.self_referral_prob_month", 0.06, "share per month", 0.0, 1.0, "assumption",
   "Monthly probability that a resident reports an undetected need unprompted.")
_p("needs.word_of_mouth_weight", 0.4, "probability per neighbour share", 0.0, 2.0,
   "assumption",
   "Detection probability added per unit share of network neighbours served last month.")

# --- administration (F1, F2, F16) -------------------------------------------
_p("admin.committee_tasks", 72, "items", 10, 400, "F1 (296 before, 72 after)",
   "Items of work on the residents' committees' list.", lever=True)
_p("admin.task_list_reference", 296, "items", 100, 400, "F1",
   "The pre-reform list from which removed items are counted.")
_p("admin.route_up_share", 0.25, "share", 0.0, 1.0, "assumption (F1 names the route)",
   "Share of removed items taken up to a higher level (上收).")
_p("admin.route_strip_share", 0.30, "share", 0.0, 1.0, "assumption (F1, F2)",
   "Share of removed items stripped off to the street centre (剥离).")
_p("admin.route_cancel_share", 0.20, "share", 0.0, 1.0, "assumption (F1)",
   "Share of removed items cancelled (取消).")
_p("admin.route_merge_share", 0.15, "share", 0.0, 1.0, "assumption (F1)",
   "Share of removed items merged into others (合并).")
_p("admin.route_optimise_share", 0.10, "share", 0.0, 1.0, "assumption (F1)",
   "Share of removed items optimised (优化).")
_p("admin.merge_hours_retained", 0.5, "share", 0.0, 1.0, "assumption",
   "Share of a merged item's hours the committee still spends.")
_p("admin.optimise_hours_retained", 0.4, "share", 0.0, 1.0, "assumption",
   "Share of an optimised item's hours the committee still spends.")
_p("admin.tasks_per_item_month", 1.0, "tasks per item per month", 0.1, 5.0,
   "assumption: an item of the list (a ledger, a statistic, a check) sends each committee about one task "
   "a month; the report gives no count of tasks",
   "Tasks one item on the list sends each committee a month, from the district's departments and the "
   "street (Poisson arrivals).")
_p("admin.hours_per_task", 3.0, "hours per task", 0.5, 12.0,
   "assumption: half a working day for a form, a report or a check with its ledger (台账); no time-use "
   "study of the district's committees",
   "Committee hours one administrative task takes without the platform.")
_p("admin.department_pool_tasks_month", 400.0, "tasks per committee per month", 0.0, 1000.0,
   "assumption, of the order of the whole pre-reform list: a Chinese survey of communities counted on "
   "average 322 work items, 26 evaluations, 17 plaques and 32 stamp certificates (≈400 kinds of work), "
   "much of it on no list (P1)",
   "Unlisted tasks the district's departments would send each committee a month if nothing stopped "
   "them: the pool the back door fills from.")
_p("admin.admission_filter_share", 0.5, "share", 0.0, 1.0,
   "assumption: admission control (准入) refuses part of the unlisted work; the report admits that "
   "committees still lean administrative after it (P1), so it is far from complete",
   "Share of the departments' unlisted tasks that admission control keeps out.", acts="review",
   shapes_start=True)
_p("admin.backdoor_push_year", 0.5, "share per year", 0.0, 1.0,
   "assumption: departments close half the gap a year, so burdens rebound within two or three years of a "
   "deburdening campaign (P1)",
   "Share of the gap between the unlisted tasks a committee gets and what its completion record "
   "invites (the admitted pool times the share of its work it finished) that departments close each "
   "year.", acts="review")
_p("admin.assessment_weight", 0.8, "share", 0.0, 1.0,
   "assumption: assessment (考核) of committees and streets is dominated by the tasks they finish; no "
   "published weighting for the district",
   "Share of a committee's and a street's yearly assessment that rests on finishing assigned tasks: it "
   "eats the hours a committee keeps for residents when hours are short, and makes a street send "
   "overdue matters back to its committees rather than drop them.", lever=True)
_p("admin.task_lapse_month", 0.5, "share per month", 0.0, 1.0,
   "assumption: an unfinished task is overdue after a month or two and is then dropped (and counts "
   "against the committee's completion)",
   "Share of the unfinished administrative hours of a month that lapse instead of carrying over.")
_p("admin.campaign_prob_month", 0.25, "share per month", 0.0, 1.0, "assumption",
   "Monthly probability that a committee gets a campaign or inspection.")
_p("admin.campaign_hours", 150.0, "hours", 0.0, 1000.0, "assumption",
   "Committee hours a campaign or inspection costs.")
_p("admin.requests_per_1000_month", 20.0, "requests per 1,000 residents per month",
   0.0, 200.0, "assumption", "Residents' administrative matters (certificates, approvals).")
_p("admin.hours_per_request", 0.5, "hours", 0.05, 5.0, "assumption",
   "Hours one administrative matter takes at a committee.")
_p("admin.approvals_to_street_share", 1.0, "share", 0.0, 1.0, "F2",
   "Share of residents' administrative matters handled by the street public service "
   "centre instead of the committee.", lever=True)
_p("admin.street_centre_staff", 6, "people per street centre", 0, 60,
   "assumption: a street public service centre (F2) of about six window staff for about 57,000 "
   "residents; the report gives no staffing",
   "Staff of one street public service centre (F2); its monthly capacity is their hours "
   "(``committee.hours_per_worker_month`` each).", lever=True)
_p("admin.street_pooling_share", 0.5, "share", 0.0, 1.0,
   "assumption: one centre handling an item for all its communities saves about half the hours the "
   "committees spent on it",
   "Share of the committees' hours on a stripped item that the street centre still needs.")
_p("admin.street_max_wait_months", 1.0, "months", 0.25, 6.0,
   "assumption: a service promise of about a month (办结时限) for a matter at the centre",
   "Wait after which a matter at the street centre is overdue: the street sends it back to its "
   "committees (a share ``assessment_weight``) or residents give it up.")
_p("admin.no_capacity_wait_months", 12.0, "months", 12.0, 12.0,
   "design: a queue with no capacity never clears; the indicator reports a year rather than infinity (fixed)",
   "Wait a street centre reports when matters queue and it has no capacity.")
_p("admin.platform_enabled", True, "bool", None, None, "F16",
   "One-door, one-window information platform.", lever=True)
_p("admin.platform_saving", 0.2, "share", 0.0, 0.6, "assumption (F16 gives no figure for "
   "the platform's saving)",
   "Share of the hours per task and per residents' matter the platform saves, at committees and at "
   "street centres alike.")
_p("admin.admission_control", True, "bool", None, None,
   "MCA & CPC Organisation Dept. notice 民发〔2015〕136号 on community deburdening (task lists and "
   "admission system, 准入制度)",
   "Task admission control (准入): departments may send only listed items, and unlisted tasks are "
   "cut to the admitted pool at each yearly review; without it the back door fills from the whole pool.",
   lever=True, acts="review", shapes_start=True)

# --- committees -------------------------------------------------------------
_p("committee.workers_total", 990, "people", 385, 3000,
   "derivation: F10 (366 certified = 32%) ⇒ ≈1,144 community workers in all, less the 154 room posts "
   "of F12 (2 × 77)",
   "Community workers of all 77 committees outside the social-work rooms, shared out by households.")
_p("committee.workers_min", 5, "people per committee", 1, 15,
   "Organic Law of Urban Residents' Committees (城市居民委员会组织法), art. 8: a committee has five to "
   "nine members",
   "Fewest community workers a committee has, however small its community.")
_p("committee.hours_per_worker_month", 173.0, "hours per month", 100.0, 250.0,
   "China's statutory 40-hour week: 40 h × 52 / 12 ≈ 173", "Working hours of one community worker.")
_p("committee.consultation_share", 0.25, "share of free hours", 0.0, 1.0, "assumption",
   "Share of non-administrative hours spent on consultation (F17).", lever=True)
_p("committee.service_share", 0.4, "share of free hours", 0.0, 1.0, "assumption",
   "Share of non-administrative hours spent on direct service; the rest is brokering.")
_p("committee.hours_per_need", 10.0, "hours per need", 0.5, 40.0, "assumption",
   "Committee hours to serve one need for a month.")
_p("committee.service_quality", 0.6, "share", 0.0, 1.0, "assumption",
   "Probability that a committee service meets the need.")
_p("committee.diversion_max", 0.5, "share", 0.0, 1.0,
   "assumption: room social workers are partly absorbed by administration (P1); no measured share",
   "Largest share of social-work-room hours pulled into administration, approached as the pressure grows.")
_p("committee.diversion_half_pressure", 0.5, "administrative hours due / committee hours", 0.05, 3.0,
   "assumption: half of ``diversion_max`` when the work due is half the committee's hours",
   "Administrative pressure at which half of ``diversion_max`` of room hours is pulled into administration.")
_p("committee.service_reserve_share", 0.3, "share of committee hours", 0.0, 1.0,
   "assumption: without assessment pressure a committee would keep about a third of its hours for "
   "residents whatever the administrative load",
   "Share of its hours a committee keeps for residents when hours are short, less what assessment "
   "(``admin.assessment_weight``) takes of it.")
_p("committee.worker_turnover_year", 0.08, "share per year", 0.0, 0.5,
   "assumption (range 3-15%): no published turnover of community workers; below the ≈20% a year of "
   "social workers in Chinese cities (曾守锤 et al. 2020)",
   "Yearly turnover of community workers.", acts="review", shapes_start=True)

# --- consultation (F17) -----------------------------------------------------
_p("consultation.enabled", True, "bool", None, None, "F17",
   "Residents' congress, council, hearings: consultation meetings with a bottom-up agenda.",
   lever=True)
_p("consultation.hours_per_meeting", 50.0, "committee hours", 1.0, 100.0, "assumption",
   "Committee hours to prepare and hold one meeting.")
_p("consultation.max_meetings_month", 6, "meetings", 0, 20,
   "assumption: F17 names the forms but gives no count; 6 a month is a ceiling above a plausible 0-4",
   "Most meetings a committee holds in a month.")
_p("consultation.seats_per_meeting", 25, "people", 5, 500, "assumption",
   "Residents one meeting can seat.")
_p("consultation.voice_trust_bonus", 0.03, "trust points", 0.0, 0.2,
   "assumption (procedural voice: being heard raises trust; no published size of the effect)",
   "Trust gain for an attendee whose concern enters the agenda.")

# --- detection (F15) --------------------------------------------------------
_p("detection.grid_helpers", 3, "people per grid", 0, 10,
   "F15 (1+X); X = 3 is an assumption (the report gives no size)",
   "X of the '1+X' grid staffing.", lever=True)
_p("detection.households_per_grid", 300, "households", 50, 1000,
   "周振超 & 陈如柏 2023 (100-400 per grid worker)", "Households per grid.")
_p("detection.rate_per_grid_staff", 0.1, "per staff per month at 300 households", 0.0, 1.0,
   "assumption: 300 households with X=3 ⇒ ≈70% detected per quarter (itself assumed; no published "
   "detection rate)",
   "Detection hazard contributed by one grid staff member.")
_p("detection.reference_grid_households", 300.0, "households", 300.0, 300.0,
   "the unit of detection.rate_per_grid_staff (a grid of 300 households; fixed)",
   "Grid size at which a staff member's detection rate is stated; larger grids dilute it in proportion.")
_p("detection.broker_rate_per_hour", 0.0004, "per brokering hour per 1,000 residents",
   0.0, 0.01, "assumption", "Detection hazard from committee brokering hours.")

# --- purchasing and projects (F6, F7, F11, F14) -----------------------------
_p("purchase.budget_yuan", 30_000_000.0, "yuan per year", 0.0, 200_000_000.0, "F7",
   "Government purchase of services from social organizations; a change takes effect at "
   "the next yearly budget and tender.", lever=True, acts="year")
_p("purchase.envelope_yuan", 100_000_000.0, "yuan per year", 0.0, 400_000_000.0, "F14",
   "Budget ceiling for purchasing, social-work posts and incubation together (applied at "
   "the next yearly budget).", lever=True, acts="year")
_p("purchase.common_projects", 144, "projects per year", 0, 1000, "F11",
   "Common projects for vulnerable groups (defined at the next yearly tender).", lever=True, acts="year")
_p("purchase.common_outreach_share", 0.5, "share", 0.0, 1.0,
   "assumption: common projects find their beneficiaries through the committees' registers of "
   "elderly, disabled, low-income and other special residents and through home visits, not only "
   "through referrals; the report gives no figure",
   "Chance that a common project in a community and category reaches a vulnerable resident's need "
   "in that category before it has come to light (a need reached and not met is then known).")
_p("purchase.individual_projects", 36, "projects per year", 0, 1000, "F11",
   "Individual projects for a community's own needs (from consultation agendas).", lever=True, acts="year")
_p("purchase.cost_per_need_yuan", 420.0, "yuan per need-month", 50.0, 5000.0,
   "assumption (≈30 M / 180 projects / 12 months / ≈33 needs)",
   "Contract money that pays for one need served for a month.", acts="year")
_p("purchase.bidders_max", 8, "organizations", 1, 50, "assumption",
   "Largest number of eligible organizations that bid for one project.", acts="year")
_p("purchase.third_party_evaluation", True, "bool", None, None, "F9",
   "Third-party evaluation of bids and contracts.", lever=True, acts="year")
_p("purchase.evaluation_noise_with", 0.05, "score units (sd)", 0.0, 1.0,
   "assumption: third-party evaluation (F9) judges quality with little noise; no measured value",
   "Noise of quality judgements with third-party evaluation.", acts="year")
_p("purchase.evaluation_noise_without", 0.25, "score units (sd)", 0.0, 1.0,
   "assumption: without third-party evaluation judgements are five times noisier; no measured value",
   "Noise of quality judgements without third-party evaluation.", acts="year")
_p("purchase.invitation_weight_with", 0.0, "reach per past contract", 0.0, 5.0,
   "assumption: with third-party evaluation (F9) a call is open, so it reaches every eligible organization alike",
   "How much more likely a call is to reach an organization for each contract it held before (the "
   "officials' acquaintance), with third-party evaluation.", acts="year")
_p("purchase.invitation_weight_without", 1.0, "reach per past contract", 0.0, 5.0,
   "assumption: without third-party evaluation projects go by invitation to organizations officials know "
   "(relationships, Qu, Howell & Enjuto Martinez 2022); no measured size",
   "The same without third-party evaluation.", acts="year")
_p("purchase.reputation_weight_with", 0.0, "share", 0.0, 1.0,
   "assumption: a third-party evaluator scores the quality it observes (F9)",
   "Share of judged quality taken from reputation (track record) instead of observed quality, in bids and "
   "contract evaluations, with third-party evaluation.", acts="year")
_p("purchase.reputation_weight_without", 0.6, "share", 0.0, 1.0,
   "assumption: officials judging by themselves lean on reputation and relationships; no measured share",
   "The same without third-party evaluation.", acts="year")
_p("purchase.weight_quality", 0.5, "score weight", 0.0, 1.0, "assumption",
   "Bid score weight of judged quality.", acts="year")
_p("purchase.weight_price", 0.2, "score weight", 0.0, 1.0, "assumption",
   "Bid score weight of price (an organization's cost per need relative to the reference).", acts="year")
_p("purchase.weight_local", 0.2, "score weight", 0.0, 1.0, "assumption", "Bid score weight of local ties.", acts="year")
_p("purchase.weight_record", 0.15, "score weight", 0.0, 1.0,
   "calibrated by hand to F6 (116 holders; 0.1 gave ≈132, 0.3 ≈90)",
   "Bid score weight of track record (contracts held before).", acts="review")
_p("purchase.evaluation_delivery_weight", 0.5, "score weight", 0.0, 1.0, "assumption",
   "Weight of delivery against target in a contract's evaluated score (the rest is quality).", acts="review")
_p("purchase.record_saturation", 5, "contracts", 1, 50, "assumption",
   "Contracts held before after which the track record counts fully in a bid.", acts="review")
_p("purchase.capacity_headroom", 1.0, "multiplier", 1.0, 10.0,
   "calibrated by hand to F6 (116 holders; 1.5 gave ≈90)",
   "With third-party evaluation, which checks capacity: an organization bids (and is renewed) only while "
   "its contracts' monthly targets stay within this multiple of its staff capacity.", acts="year")
_p("purchase.capacity_headroom_without", 4.0, "multiplier", 1.0, 10.0,
   "assumption: without third-party evaluation nobody checks capacity, so an organization takes what it "
   "claims it can hire for; no measured value",
   "The same multiple without third-party evaluation (the organization's own claim).", acts="year")
_p("purchase.renewal_score", 0.6, "share", 0.0, 1.0, "assumption",
   "Evaluated delivery above which a contract is renewed without a new tender.", acts="review")

# --- social work (F10, F12, F13) --------------------------------------------
_p("social_work.posts_per_community", 2, "posts", 0, 8, "F12",
   "Social-worker posts in each community's social-work room.", lever=True)
_p("social_work.hours_month", 160.0, "hours", 80.0, 220.0, "assumption",
   "Working hours of one social worker.")
_p("social_work.hours_per_case", 8.0, "hours per need", 1.0, 40.0, "assumption",
   "Casework hours to serve one need for a month.")
_p("social_work.quality_certified", 0.8, "share", 0.0, 1.0, "assumption",
   "Probability that casework of a certified social worker new in post meets the need.")
_p("social_work.quality_uncertified", 0.6, "share", 0.0, 1.0,
   "assumption: between committee service (0.6) and certified casework; no measured value",
   "Probability that casework of an uncertified social worker new in post meets the need.")
_p("social_work.experience_full_months", 36, "months", 1, 240,
   "assumption: three years in post to full practice (no Chinese measurement of the learning curve)",
   "Months in post after which experience counts fully (it grows linearly until then).")
_p("social_work.experience_quality_gain", 0.1, "share", 0.0, 0.5, "assumption",
   "Probability of meeting a need that full experience adds to a social worker's casework.")
_p("social_work.experience_caseload_gain", 0.5, "share of a new worker's caseload", 0.0, 2.0,
   "assumption: an experienced worker carries half as many cases again as a new one",
   "Extra cases a month that full experience lets a social worker carry, over a new worker's.")
_p("social_work.uncertified_caseload_factor", 0.7, "multiplier", 0.1, 1.0, "assumption",
   "Cases an uncertified social worker carries relative to a certified one with the same experience.")
_p("social_work.contract_needs_per_case", 1.0, "needs per case", 0.5, 20.0,
   "assumption (F11: purchased projects are social-work projects; F13: social workers lead staff and "
   "volunteers): no measured ratio",
   "Contract needs one case of a social worker's casework carries in a month (it assesses and "
   "supervises; staff and volunteers do the rest): an organization's contract capacity is at most its "
   "social workers' cases times this.")
_p("social_work.contract_quality_weight", 0.5, "share", 0.0, 1.0, "assumption",
   "Weight of the organization's social workers' casework quality in the quality of its contract "
   "service (the rest is the organization's own quality).")
_p("social_work.market_wage_yuan_month", 5500.0, "yuan per month", 2000.0, 20000.0,
   "Chongqing Municipal Bureau of Statistics: 2016 average wage of non-private units 65,545 yuan a year "
   "≈ 5,460 a month: what a certified worker can earn outside the sector",
   "Wage a social worker could earn elsewhere; turnover rises where posts pay less.")
_p("social_work.wage_turnover_elasticity", 1.0, "elasticity", 0.0, 5.0, "assumption",
   "Turnover multiplies by (market wage / the post's wage) to this power.")
_p("social_work.talent_renewal_year", 0.1, "share per year", 0.0, 1.0,
   "assumption: certified graduates and arrivals join the district's market, others leave it for other "
   "work or other cities",
   "Yearly share of the talent pool's level (``talent_pool``) renewed: this share of the level joins, "
   "and this share of the workers in the pool leaves.", acts="review")
_p("social_work.leadership_share", 0.3, "share of hours", 0.0, 1.0, "F13 (社工引领志愿者); assumption",
   "Share of a social worker's hours spent recruiting and leading volunteers.")
_p("social_work.volunteers_per_worker", 20, "volunteers", 1, 100,
   "F13; the ratio 1:20 is an assumption (range 1:5-1:50; the report gives no ratio)",
   "Volunteers one social worker can lead.")
_p("social_work.turnover_room_year", 0.08, "share per year", 0.0, 0.6,
   "assumption (range 3-15%): room posts are steadier than the ≈20% a year of social workers in "
   "organizations in Chinese cities (曾守锤 et al. 2020)",
   "Yearly turnover of social workers in community rooms.")
_p("social_work.turnover_org_year", 0.18, "share per year", 0.0, 0.6,
   "曾守锤 et al. 2020 (≈20%/yr in large Chinese cities; with the defaults' wages, 5,000 against a market "
   "5,500, it becomes ≈0.20)",
   "Yearly turnover of social workers in organizations whose wage matches the market.")
_p("social_work.burnout_turnover_multiplier", 2.0, "multiplier at full burnout", 1.0, 10.0,
   "assumption", "How much full burnout multiplies the turnover hazard.")
_p("social_work.turnover_cap_year", 0.99, "share per year", 0.99, 0.99,
   "design: burnout multiplies the yearly turnover, which must stay a probability (fixed)",
   "Largest yearly turnover probability of a social worker.")
_p("social_work.org_pressure_cap", 2.0, "pressure", 2.0, 2.0,
   "design: an organization's contract demand over its capacity counts up to twice capacity, so one "
   "overloaded contract cannot burn its social workers out in a month (fixed)",
   "Largest casework pressure on an organization's social workers.")
_p("social_work.burnout_rate", 0.1, "burnout per month per unit of excess pressure", 0.0, 1.0,
   "assumption", "How fast burnout builds when pressure exceeds 1 (and recovers below it).")
_p("social_work.diversion_pressure", 2.0, "pressure per share of hours diverted", 0.0, 10.0,
   "assumption", "Pressure on a room social worker from each unit share of hours pulled into administration.")
_p("social_work.recruit_prob_month", 0.25, "share per month", 0.0, 1.0, "assumption",
   "Monthly probability that a vacant post is filled from the labour market "
   "(transfer or open recruitment), before the talent constraint.")
_p("social_work.talent_pool", 300, "certified people", 0, 5000, "assumption (P4)",
   "Certified social workers in the district's labour market outside the committees at the start, and "
   "the level graduates and departures bring the pool back to when nobody hires from it.")
_p("social_work.conversion_share", 0.5, "share", 0.0, 1.0, "F12 (conversion, transfer, open recruitment); assumption",
   "Share of room vacancies filled by converting a certified community worker when one is available.")
_p("social_work.stay_in_sector_share", 0.5, "share", 0.0, 1.0, "assumption",
   "Share of social workers who leave a post but stay in the district's talent pool.")
_p("social_work.exam_pass_prob", 0.06, "share per year", 0.0, 1.0,
   "calibrated by hand to F10 (366 = 32% four years into the reform; 0.065 gave 36% once room workers' "
   "pressure counted their own caseload, 0.06 gives 33%); no published "
   "pass rate for the district",
   "Yearly probability that an uncertified community worker passes the national exam, with "
   "the district's training support.", lever=True, acts="review", shapes_start=True)
_p("social_work.training_pass_multiplier", 3.0, "multiplier", 1.0, 10.0, "assumption",
   "How many times training and exam support multiplies the pass probability.", acts="review", shapes_start=True)
_p("social_work.training_support", True, "bool", None, None, "F10 (training and exam support)",
   "District training and exam support; without it the pass probability is a third.",
   lever=True, acts="review", shapes_start=True)
_p("social_work.wage_yuan_month", 5500.0, "yuan per month", 2000.0, 20000.0,
   "Chongqing Municipal Bureau of Statistics: 2016 average wage of non-private units 65,545 yuan a "
   "year ≈ 5,460 a month", "Cost of one social-work room post.")

# --- volunteers and participation (P2) --------------------------------------
_p("participation.threshold_mean", 0.25, "share of neighbours", 0.0, 1.0,
   "assumption informed by Granovetter 1978 (threshold models of collective behaviour) and Watts "
   "2002 (global cascades on random networks)", "Mean participation threshold.")
_p("participation.threshold_sd", 0.05, "share of neighbours", 0.0, 0.5,
   "assumption informed by Granovetter 1978 and Watts 2002 (thresholds spread across people); narrow "
   "enough that few residents take part on one neighbour's example (Watts's vulnerable nodes), so a "
   "community can rest low",
   "Spread of participation thresholds.")
_p("participation.base_logit", -10.0, "log-odds", -12.0, 2.0,
   "assumption, set by hand with peer_lift so that the reformed committees' outreach falls in the window "
   "of two stable states and the pre-reform outreach below it; then ≈2% of adults attend a consultation "
   "a year before the reform and ≈4% in its fourth year (P2, participation not high enough; no Yuzhong "
   "survey); at -9.6 about 80% of the communities of yuzhong_2016 tip high within a decade of the reform",
   "Baseline log-odds of starting to take part in community affairs in a month.")
_p("participation.neighbour_sensitivity", 0.0, "log-odds per neighbour share", 0.0, 50.0,
   "assumption (Eckles et al. 2024, noisy thresholds); 0: the threshold step ``peer_lift`` carries the "
   "peer effect alone, so neighbours never lower the odds",
   "Smooth response to the share of participating neighbours around the threshold (negative below it).")
_p("participation.peer_lift", 4.0, "log-odds", 0.0, 20.0,
   "assumption informed by Granovetter 1978 (threshold models of collective behaviour), Watts 2002 "
   "(global cascades) and Centola & Macy 2007 (complex contagion needs several active neighbours): set "
   "so that for mid-range outreach a community has a low and a high stable state",
   "Log-odds a resident gains once the share of its neighbours taking part reaches its threshold.")
_p("participation.trust_weight", 2.0, "log-odds", 0.0, 10.0, "assumption",
   "Effect of trust in the committee on taking part.")
_p("participation.civic_weight", 2.0, "log-odds", 0.0, 10.0, "assumption",
   "Effect of civic disposition on taking part.")
_p("participation.invitation_weight", 0.03, "log-odds per consultation hour per 1,000 residents",
   0.0, 1.0, "assumption", "Effect of the committee's consultation outreach.")
_p("participation.dropout_month", 0.04, "share per month", 0.0, 0.5, "assumption",
   "Monthly probability that a participant stops taking part.")
_p("participation.initial_share_max", 0.5, "share of adults", 0.0, 1.0,
   "assumption: communities inherit different traditions of taking part (old work-unit compounds, "
   "resettled villages, new commercial estates); no survey of Yuzhong's communities",
   "Largest share of a community's adults taking part when the district is built; each community's "
   "share is drawn uniformly from 0 to it.")
_p("participation.attend_prob", 0.3, "share", 0.0, 1.0, "assumption",
   "Probability that a participant attends when a meeting is held and seats remain.")
_p("volunteer.base_logit", -3.0, "log-odds", -12.0, 2.0,
   "assumption, set by hand so that ≈3-5% of adults volunteer after the reform (no Yuzhong survey; "
   "a generic 8% of adults a year is also only assumed)",
   "Baseline log-odds that a participant starts volunteering in a month.")
_p("volunteer.recruit_weight", 0.1, "log-odds per leadership hour per 1,000 residents",
   0.0, 2.0, "F13; assumption",
   "Effect of social workers' recruitment hours on starting to volunteer; the volunteers they bring are grassroots.")
_p("volunteer.state_base_logit", -7.0, "log-odds", -12.0, 2.0,
   "assumption, set by hand so that volunteers of both kinds stay near the ≈10% of adults of the "
   "reform's fourth year they were before the kinds were told apart (no Yuzhong survey)",
   "Baseline log-odds that the committee mobilises an adult as a volunteer in a month.")
_p("volunteer.mobilise_weight", 0.05, "log-odds per consultation hour per 1,000 residents", 0.0, 1.0,
   "assumption: committees mobilise volunteers (党员志愿者, building heads) through the same outreach "
   "as consultation",
   "Effect of the committee's outreach on mobilising an adult as a state-mobilised volunteer.")
_p("volunteer.state_dropout_month", 0.2, "share per month", 0.0, 0.9,
   "assumption (range 10-30%): campaign-style mobilisation (运动式动员) keeps volunteers for the length of "
   "a campaign; 20% is a mean stay of 5 months, against 20 for a supervised grassroots volunteer",
   "Monthly probability that a state-mobilised volunteer stops.")
_p("volunteer.state_admin_efficiency", 0.3, "share", 0.0, 1.0,
   "assumption: campaign hours (patrols, sanitation drives, inspections) finish part of the committee's "
   "administrative work; no published figure",
   "Share of a state-mobilised volunteer's hours that finish administrative work the committee has left "
   "undone.")
_p("volunteer.self_organised_per_1000", 5.0, "volunteers per 1,000 residents", 0.0, 100.0,
   "assumption: residents' own teams (building groups, mutual aid among the elderly, interest groups) "
   "that organise volunteers without a social worker; no survey of Yuzhong gives their size",
   "Grassroots volunteers a community's own teams can organise without social workers; with social "
   "workers' supervision capacity, the most grassroots volunteers a community can hold.")
_p("volunteer.neighbour_sensitivity", 3.0, "log-odds per neighbour share", 0.0, 50.0, "assumption",
   "Response to volunteering neighbours.")
_p("volunteer.dropout_month", 0.05, "share per month", 0.0, 0.5,
   "assumption (range 2-10%): no published dropout of community volunteers; 5% is a mean stay of 20 "
   "months",
   "Monthly probability that a supervised grassroots volunteer stops.")
_p("volunteer.unsupervised_dropout_month", 0.15, "share per month", 0.0, 0.9, "assumption",
   "Monthly dropout of grassroots volunteers beyond social workers' supervision capacity.")
_p("volunteer.hours_month", 8.0, "hours per month", 1.0, 40.0,
   "assumption informed by the MCA 2015 statistical bulletin (≈2.9 hours per volunteer turn in social "
   "services)",
   "Hours one volunteer gives a month.")
_p("volunteer.efficiency", 0.4, "share", 0.0, 1.0,
   "assumption (range 0.2-0.7): no published figure",
   "Useful share of supervised grassroots volunteer hours (service and mutual aid).")
_p("volunteer.unsupervised_efficiency", 0.1, "share", 0.0, 1.0, "assumption",
   "Useful share of unsupervised grassroots volunteer hours.")
_p("volunteer.hours_per_need", 6.0, "hours per need", 1.0, 40.0, "assumption",
   "Useful volunteer hours to serve one need for a month.")
_p("volunteer.service_quality", 0.55, "share", 0.0, 1.0, "assumption",
   "Probability that volunteer service meets the need.")

# --- satisfaction and trust -------------------------------------------------
_p("trust.alpha_satisfaction", 0.3, "share per month", 0.0, 1.0,
   "assumption informed by the expectancy-disconfirmation model (Van Ryzin 2004, 2006)",
   "Speed at which satisfaction follows disconfirmation.")
_p("trust.alpha_expectation", 0.1, "share per month", 0.0, 1.0,
   "assumption informed by the expectancy-disconfirmation model (Van Ryzin 2004, 2006)",
   "Speed at which expectations follow performance.")
_p("trust.bystander_weight", 0.2, "share", 0.0, 1.0, "assumption",
   "Weight of the community's performance for residents with no need of their own.")
_p("trust.gain_month", 0.03, "share per month", 0.0, 0.5,
   "assumption informed by Slovic 1993 (trust asymmetry; 'Perceived risk, trust, and democracy')",
   "Speed at which trust rises toward satisfaction.")
_p("trust.loss_ratio", 2.5, "multiplier", 1.0, 6.0, "Poortinga & Pidgeon 2004 (λ)",
   "How much faster trust falls than it rises.")
_p("trust.street_wait_penalty", 0.1, "satisfaction per month of wait", 0.0, 1.0, "assumption",
   "Drop in the government's perceived performance per month of street-centre backlog.")
_p("trust.initial", 0.5, "share", 0.0, 1.0, "assumption", "Initial trust and satisfaction.")

# --- organizations (F3, F4, F5, F8, F9) -------------------------------------
_p("orgs.initial_count", 904, "organizations", 0, 3000, "F3",
   "Registered social organizations when the run starts.")
_p("orgs.staff_mean", 4.6, "people per organization", 1.0, 20.0,
   "calibrated by hand to F4 (3,850 staff of ≈820 active of 904 registered organizations)",
   "Mean staff of a new organization (geometric, heavy right tail).")
_p("orgs.hours_per_staff_month", 160.0, "hours", 80.0, 220.0, "assumption",
   "Working hours of one organization staff member.")
_p("orgs.hours_per_need", 6.0, "hours per need", 1.0, 40.0, "assumption",
   "Staff hours an organization needs to serve one need for a month.")
_p("orgs.wage_yuan_month", 5000.0, "yuan per staff per month", 2000.0, 20000.0,
   "Chongqing Municipal Bureau of Statistics: 2016 average wage of private units 47,345 yuan a year "
   "(core districts 49,010) ≈ 4,000 a month, plus the employer's social insurance", "Staff cost.")
_p("orgs.overhead_share", 0.2, "share of wages", 0.0, 1.0,
   "assumption (range 10-30%): no published figure for the district's organizations", "Overhead on wages.")
_p("orgs.own_revenue_ratio", 1.05, "revenue / cost (median)", 0.0, 3.0,
   "assumption: the median organization about breaks even on fees and donations",
   "Median ratio of the own revenue (fees, donations) an organization can raise to its costs, while "
   "its community's pool is not exhausted.")
_p("orgs.own_revenue_sd", 0.25, "log sd", 0.0, 2.0, "assumption",
   "Spread (lognormal) of own-revenue ratios across organizations.")
_p("orgs.own_revenue_persistence", 0.7, "correlation from one year to the next", 0.0, 1.0,
   "assumption (nonprofit revenues are volatile; Tuckman & Chang 1991)",
   "How much of an organization's own-revenue ratio (in logs) carries over to the next year.",
   acts="review")
_p("orgs.revenue_pool_yuan_per_capita_month", 43.0, "yuan per resident per month", 0.0, 500.0,
   "calibrated with orgs.founding_attempts_per_10k_year to the growth from ≈520 organizations (2012) "
   "to F3's 904 (2016), in its band in the report year and the year after (70 until then gave a stock still "
   "growing 8% a year through it); its lower bound is what F4's 3,850 staff cost less F7's contracts "
   "(≈20.6 M yuan a month, ≈33 a resident), all of it taken",
   "Fees and donations the residents of a community can give its organizations in a month: a "
   "finite pool they compete for.")
_p("orgs.free_service_share", 0.05, "share of staff hours", 0.0, 1.0, "assumption",
   "Share of uncontracted staff hours serving needs in the home community.")
_p("orgs.initial_reserve_months", 3.0, "months of cost", 0.0, 24.0, "assumption",
   "Reserves of an organization when founded, in months of its costs.")
_p("orgs.hiring_rate_month", 0.1, "hires per active organization per month", 0.0, 1.0,
   "assumption (P4: the sector's labour market is finite)",
   "Hires the whole sector can make in a month, per active organization.")
_p("orgs.price_sd", 0.15, "log sd", 0.0, 1.0, "assumption",
   "Spread of organizations' cost per need around ``purchase.cost_per_need_yuan``.")
_p("orgs.quality_sd", 0.1, "share", 0.0, 0.5, "assumption", "Spread of new organizations' quality.")
_p("orgs.quality_min", 0.05, "share", 0.05, 0.05,
   "design: a new organization's quality is a normal draw clipped into (0, 1) (fixed)",
   "Lowest quality a new organization is founded with.")
_p("orgs.quality_max", 0.99, "share", 0.99, 0.99,
   "design: a new organization's quality is a normal draw clipped into (0, 1) (fixed)",
   "Highest quality a new organization is founded with.")
_p("orgs.type_share_economic", 0.12, "share", 0.12, 0.12, _TYPE_MIX_SOURCE,
   "Share of economic (employment) organizations in the initial stock (F8); later founders pick types where "
   "the needs and the money are.")
_p("orgs.type_share_public_welfare", 0.22, "share", 0.22, 0.22, _TYPE_MIX_SOURCE,
   "Share of public-welfare service organizations in that mix (F8).")
_p("orgs.type_share_culture_sports", 0.26, "share", 0.26, 0.26, _TYPE_MIX_SOURCE,
   "Share of culture and sports organizations in that mix (F8).")
_p("orgs.type_share_charity_relief", 0.10, "share", 0.10, 0.10, _TYPE_MIX_SOURCE,
   "Share of charity and relief organizations in that mix (F8).")
_p("orgs.type_share_community_filed", 0.27, "share", 0.27, 0.27, _TYPE_MIX_SOURCE,
   "Share of filed community groups in that mix.")
_p("orgs.type_share_hub", 0.03, "share", 0.03, 0.03, _TYPE_MIX_SOURCE,
   "Share of hub organizations (枢纽型, F9) in that mix.")
_p("orgs.incubation_quality_gain", 0.05, "share", 0.0, 0.5, "assumption (F8)",
   "Quality an incubated organization starts with above the mean.", acts="review")
_p("orgs.quality_mean", 0.7, "share", 0.0, 1.0, "assumption", "Mean service quality of a new organization.")
_p("orgs.quality_learning_year", 0.05, "share per year", 0.0, 1.0, "assumption (η_exp)",
   "Yearly gain in quality from contract experience.", acts="review")
_p("orgs.founding_attempts_per_10k_year", 5.0, "attempts per 10,000 residents per year", 0.0, 50.0,
   "calibrated with the revenue pool to F3/F5 (904 in 2016, in its band in the report year and the year after) "
   "and the ≈520 of 2012 (3.8, then 3.4 when hubs began to protect their members, with a pool of 70 gave a stock "
   "passing through 904 at 8% a year); gives births of 5-20% of the stock a year (China's registered "
   "organizations grew by about that a year in 2011-17)",
   "People setting out to found an organization, a year, under direct registration; an attempt "
   "succeeds in the share of its community's money (own-revenue pool and contracts) not yet taken "
   "by its organizations' costs, in the category with the most unmet need and money.", acts="review")
_p("orgs.founder_contract_weight", 4.0, "unmet needs per contract need", 0.0, 50.0,
   "assumption: a need the budget pays for comes with money, an unmet one only with fees and donations",
   "How many unmet needs one need a month bought by contracts counts as, when a founder picks a category "
   "and a type.", acts="review")
_p("orgs.registration_multiplier", 1.0, "multiplier", 0.1, 3.0,
   "assumption: 1.0 under direct registration and filing (F3), ≈0.4 under dual management (the "
   "pre_reform scenario is calibrated at 0.25)",
   "Effect of the registration regime on births.", lever=True, acts="review")
_p("orgs.incubator_slots", 20, "organizations per year", 0, 200,
   "F8 (incubation base); 20 a year is an assumption (the report gives no number)",
   "Organizations incubated a year (advice, seed grant).", lever=True, acts="year")
_p("orgs.incubation_grant_yuan", 50_000.0, "yuan", 0.0, 1_000_000.0, "assumption",
   "Seed grant of one incubated organization (F8 special fund).", acts="year")
_p("orgs.volunteer_cluster_size", 200, "volunteers", 5, 1000,
   "assumption: no published size at which volunteer groups turn into organizations",
   "Volunteers in a community above which a grassroots organization may form.", acts="review")
_p("orgs.cluster_birth_prob", 0.1, "per cluster per year", 0.0, 1.0, "assumption (ρ)",
   "Yearly probability that a large volunteer cluster founds an organization.", acts="review")
_p("orgs.exit_hazard_year", 0.03, "share per year", 0.0, 0.2,
   "Bielefeld 1994; Hager et al. 2004 (3% a year, 1-8%)",
   "Yearly probability that an established, staffed organization closes.", acts="review")
_p("orgs.young_months", 60, "months", 0, 240, "assumption (liability of newness; Hager et al. 2004)",
   "Organizations younger than this close at ``young_small_multiplier`` times the hazard.", acts="review")
_p("orgs.small_staff", 2, "people", 0, 20, "assumption (liability of smallness)",
   "Organizations with at most this many staff close at ``young_small_multiplier`` times the hazard.",
   acts="review")
_p("orgs.young_small_multiplier", 2.0, "multiplier", 1.0, 5.0,
   "Hager et al. 2004; assumption: the hazard doubled for young and again for small organizations",
   "Factor on the exit hazard for a young organization, and again for a small one.", acts="review")
_p("orgs.contract_protection", 0.5, "multiplier", 0.0, 1.0, "assumption (contracts and reserves protect)",
   "Factor on the exit hazard of an organization holding a purchase contract.", acts="review")
_p("orgs.dormancy_months", 24, "months", 6, 240,
   "assumption: annual inspection (年检) revokes organizations inactive for two years",
   "Months without staff after which annual inspection revokes an organization's registration.",
   lever=True, acts="review")
_p("orgs.cleanup_campaign", False, "bool", None, None,
   "F9 (落实行业协会政社分离要求，清理社会组织97家、注销3家)",
   "The one-off clean-up campaign of a reform: at the next yearly review after it is switched on, "
   "every dormant organization is revoked and trade associations separated from government, some of "
   "which deregister. It runs once per run.", lever=True, acts="review")
_p("orgs.campaign_association_exit_share", 0.05, "share", 0.0, 1.0,
   "calibrated to F9 (3 of the 97 deregistered)",
   "Share of trade associations (economic organizations) that deregister rather than separate from "
   "their government sponsors in the clean-up campaign.", acts="review")
_p("orgs.social_worker_share", 0.15, "share of staff", 0.0, 1.0, "assumption",
   "Share of a service organization's staff who are social workers.")
_p("orgs.hub_members_max", 30, "organizations per hub", 0, 200,
   "assumption (F9: hub organizations manage organizations by class; no published size)",
   "Member organizations one hub can manage.", acts="review")
_p("orgs.hub_join_prob_year", 0.3, "share per year", 0.0, 1.0, "assumption",
   "Yearly probability that an active organization outside every hub applies to a hub of its street.",
   acts="review")
_p("orgs.hub_member_min_quality", 0.5, "share", 0.0, 1.0, "assumption (F9: hubs evaluate their members)",
   "Quality below which a hub refuses an applicant and expels a member at its yearly evaluation.",
   acts="review")
_p("orgs.hub_support_quality_year", 0.05, "share of the gap to 1 per year", 0.0, 1.0, "assumption",
   "Yearly quality gain of a member from its hub's training and guidance.", acts="review")
_p("orgs.hub_member_protection", 0.7, "multiplier", 0.0, 1.0, "assumption",
   "Factor on a member's exit hazard (its hub's support).", acts="review")
_p("orgs.hub_record_share", 0.5, "share", 0.0, 1.0,
   "assumption: joint bids with the hub lend a member part of the hub's track record",
   "Share of its hub's past contracts a member's bid counts as its own track record, when that is more.",
   acts="year")
_p("orgs.hire_reserve_months", 3.0, "months of cost", 0.0, 24.0, "assumption",
   "Reserves above which an organization with unmet contract demand hires.")


PARAMETERS: dict[str, Param] = {p.path: p for p in _DECLARED}
"""The single declaration: path → :class:`Param`."""

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in _DECLARED))


class Params:
    """Resolved parameter values: ``params.admin.committee_tasks``.

    Values start at the declared defaults; :meth:`set` checks a new value
    against its declaration. The model reads values at the moment a process
    runs, so a lever changed mid-run takes effect from that month on. Each
    group is a plain namespace, so reading a value costs one attribute lookup.

    Args:
        overrides: path -> value, each set with :meth:`set` (so checked).
    """

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {k: p.default for k, p in PARAMETERS.items()}
        for group in GROUPS:
            setattr(self, group, SimpleNamespace())
        for path, value in self._values.items():
            self._store(path, value)
        for key, value in (overrides or {}).items():
            self.set(key, value)

    def _store(self, path: str, value: Any) -> None:
        self._values[path] = value
        group, name = path.split(".", 1)
        setattr(getattr(self, group), name, value)

    def __getitem__(self, path: str) -> Any:
        """The value of ``path``, e.g. ``params["admin.committee_tasks"]``."""
        return self._values[path]

    def set(self, path: str, value: Any) -> None:
        """Set ``path`` to ``value`` after checking it against the declaration."""
        if path not in PARAMETERS:
            raise KeyError(path)
        self._store(path, PARAMETERS[path].check(value))

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every (path, value), in declaration order."""
        return iter(self._values.items())

    def as_dict(self) -> dict[str, Any]:
        """Every path and its value, as a new dict."""
        return dict(self._values)

    def differences(self) -> dict[str, Any]:
        """Values that differ from the declared defaults."""
        return {k: v for k, v in self._values.items() if v != PARAMETERS[k].default}
