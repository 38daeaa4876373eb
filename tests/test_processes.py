"""Unit tests of single processes of the schedule, on a tiny district."""

import numpy as np
import pytest

from model import Params, SansheModel, administration, committees, needs, organizations, purchasing, social_work
from model.organizations import OrgStatus, OrgType
from model.parameters import PARAMETERS
from model.purchasing import ProjectKind
from model.scenario import LeverChange, Scenario


def tiny(**overrides) -> SansheModel:
    """A freshly built small district (no spin-up: these tests look at one process at a time)."""
    params = {"population.population_scale": 0.005, "start.spinup_years": 0}
    params.update({k.replace("__", "."): v for k, v in overrides.items()})
    return SansheModel(params=Params(params), seed=21)


def admin_load(m: SansheModel) -> float:
    m.month = 1
    needs.needs_arise(m)
    administration.administrative_load(m)
    return float(np.mean([c.admin_load_hours for c in m.committees]))


def test_admin_load_falls_with_the_task_list_but_keeps_merged_and_optimised_items():
    full, cut = tiny(admin__committee_tasks=296), tiny(admin__committee_tasks=72)
    p = cut.params.admin
    removed = 296 - 72
    retained = removed * (p.route_merge_share * p.merge_hours_retained
                          + p.route_optimise_share * p.optimise_hours_retained)
    assert administration.listed_items(p) == pytest.approx(72 + retained, rel=1e-12)
    per_task = p.hours_per_task * (1 - p.platform_saving)
    drop = admin_load(full) - admin_load(cut)
    # Same seed, same campaigns and requests; the listed tasks are Poisson draws, so the drop of the
    # mean over 77 committees is the items' hours within 5% (the draws' sd is about 1%).
    assert drop == pytest.approx((removed - retained) * p.tasks_per_item_month * per_task, rel=0.05)


def test_stripped_items_and_matters_queue_at_the_street_centre():
    m = tiny(admin__street_centre_staff=1)
    for _ in range(3):
        admin_load(m)
    assert all(c.queue > 0 and c.wait_months > 0 for c in m.street_centres)
    none = tiny(admin__approvals_to_street_share=0.0, admin__route_strip_share=0.0,
                admin__street_centre_staff=1)
    admin_load(none)
    assert all(c.queue == 0 for c in none.street_centres)


def test_room_social_workers_are_pulled_into_administration_under_load():
    heavy, light = tiny(admin__committee_tasks=400), tiny(admin__committee_tasks=40)
    for m in (heavy, light):
        admin_load(m)
        committees.allocate_committee_time(m)
    diverted_heavy = sum(c.diverted_hours for c in heavy.committees)
    diverted_light = sum(c.diverted_hours for c in light.committees)
    assert diverted_heavy > 2 * diverted_light > 0
    for c in heavy.committees:
        assert c.diverted_hours <= c.room_hours * heavy.params.committee.diversion_max + 1e-9


def test_more_grid_helpers_detect_more_needs():
    found = []
    for helpers in (0, 6):
        m = tiny(detection__grid_helpers=helpers)
        m.run(3)
        found.append(m.residents.need_detected.mean())
    assert found[1] > found[0] + 0.05


def test_no_consultation_means_no_meetings_agenda_or_attendance():
    m = tiny(consultation__enabled=False)
    m.run(6)
    assert all(c.meetings == 0 and c.agenda.sum() == 0 for c in m.committees)
    assert (m.residents.last_attended < 0).all()


def test_an_organization_without_revenue_sheds_staff_and_goes_dormant():
    m = tiny()
    org = m.organizations(OrgStatus.ACTIVE)[0]
    m.end_contracts(org)
    org.own_revenue_ratio, org.reserves_yuan = 0.0, 0.0
    staff = org.staff
    for _ in range(staff):  # no contract: no demand, no hire
        organizations.settle(m)
    assert org.staff == 0 and org.status is OrgStatus.DORMANT


def make_dormant(m: SansheModel, org, months: int) -> None:
    m.end_contracts(org)
    org.staff, org.status, org.dormant_months = 0, OrgStatus.DORMANT, months


def test_annual_inspection_revokes_organizations_dormant_long_enough():
    m = tiny(orgs__dormancy_months=24, orgs__exit_hazard_year=0.0)
    m.month = 13
    short, long = m.organizations(OrgStatus.ACTIVE)[:2]
    make_dormant(m, short, 23)
    make_dormant(m, long, 24)
    organizations.close(m)
    assert short in m.organizations() and long not in m.organizations()
    assert m.flow.revoked == 1 and m.flow.cleaned_up == 0


def test_the_clean_up_campaign_runs_once_on_dormant_organizations_and_trade_associations():
    m = tiny(orgs__cleanup_campaign=True, orgs__campaign_association_exit_share=1.0, orgs__exit_hazard_year=0.0)
    m.month = 25
    dormant = [o for o in m.organizations(OrgStatus.ACTIVE) if o.org_type is not OrgType.ECONOMIC][:3]
    for org in dormant:
        make_dormant(m, org, 1)  # far below dormancy_months: only the campaign removes them
    associations = [o for o in m.organizations(OrgStatus.ACTIVE) if o.org_type is OrgType.ECONOMIC]
    before = len(m.organizations())
    organizations.close(m)
    assert len(m.organizations()) == before - 3 - len(associations)
    assert m.flow.cleaned_up == 3 + len(associations)
    assert m.flow.deregistered == len(associations)
    # Once: a year later the switch is still on and nothing more is cleaned up.
    make_dormant(m, m.organizations(OrgStatus.ACTIVE)[0], 1)
    m.month = 37
    organizations.close(m)
    assert m.flow.cleaned_up == 0


def test_the_campaign_waits_for_month_1_not_the_spin_up():
    m = tiny(orgs__cleanup_campaign=True)
    m.month = -11  # a yearly review of the spin-up
    organizations.close(m)
    assert m.flow.cleaned_up == 0 and not m.campaign_done


def test_the_exit_hazard_doubles_for_young_and_for_small_organizations_and_halves_with_a_contract():
    m = tiny()
    o = m.params.orgs  # 3% a year; young < 60 months; small <= 2 staff; ×2 each; ×0.5 with a contract
    org = m.organizations(OrgStatus.ACTIVE)[0]
    cases = {(0, 1, False): 0.12, (0, 5, False): 0.06, (100, 1, False): 0.06, (100, 5, False): 0.03,
             (100, 5, True): 0.015, (0, 1, True): 0.06}
    for (age, staff, contract), hazard in cases.items():
        org.age_months, org.staff, org.had_contract = age, staff, contract
        assert organizations.exit_hazard(o, org.age_months, org.staff, org.had_contract) == pytest.approx(hazard)


def test_a_crowded_community_pays_its_organizations_the_share_its_pool_holds():
    m = tiny(orgs__revenue_pool_yuan_per_capita_month=10.0)
    home = 0
    orgs = [o for o in m.organizations(OrgStatus.ACTIVE) if o.home == home]
    assert orgs, "the tiny district has an organization in community 0"
    pool = 10.0 * m.people_per_community[home]
    asked = sum(o.monthly_cost * o.own_revenue_ratio for o in orgs)
    share = organizations.revenue_share(m)
    assert share[home] == pytest.approx(min(1.0, pool / asked))
    for org in orgs:  # everyone there loses the same share
        org.own_revenue_ratio = 2.0
    crowded = organizations.revenue_share(m)
    assert crowded[home] == pytest.approx(min(1.0, pool / (2 * sum(o.monthly_cost for o in orgs))))


def test_founders_need_free_money_and_go_where_the_unmet_need_is():
    kw = dict(orgs__incubator_slots=0, orgs__cluster_birth_prob=0.0, orgs__founding_attempts_per_10k_year=20.0)
    none = tiny(orgs__revenue_pool_yuan_per_capita_month=0.0, purchase__budget_yuan=0.0, **kw)
    none.month = 13
    organizations.found_organizations(none)
    assert none.flow.births == 0  # no money, no new organization, whatever the need
    rich = tiny(orgs__revenue_pool_yuan_per_capita_month=500.0, **kw)
    rich.month = 13
    res = rich.residents
    res.need_key = np.unique(np.arange(0, res.n, 3, dtype=np.int64) * 8 + 3)  # unmet needs only in category 3
    res.need_age = np.zeros(res.need_key.size, np.int16)
    res.need_detected = np.zeros(res.need_key.size, bool)
    rich.project_table.clear()
    known = set(rich.organizations())
    organizations.found_organizations(rich)
    new = [o for o in rich.organizations() if o not in known]
    attempts = 20.0 * 630_000 / 10_000  # Poisson mean; the free share of the money is close to 1
    assert 0.8 * attempts < len(new) <= 1.2 * attempts
    assert {o.category for o in new} == {3} and {o.org_type for o in new} == {OrgType.CHARITY_RELIEF}


def test_own_revenue_follows_its_persistence():
    frozen = tiny(orgs__own_revenue_persistence=1.0)
    before = [o.own_revenue_ratio for o in frozen.organizations(OrgStatus.ACTIVE)]
    organizations.revise_own_revenue(frozen)
    assert [o.own_revenue_ratio for o in frozen.organizations(OrgStatus.ACTIVE)] == pytest.approx(before)
    fresh = tiny(orgs__own_revenue_persistence=0.0)
    orgs = fresh.organizations(OrgStatus.ACTIVE)
    before = np.log([o.own_revenue_ratio for o in orgs])
    organizations.revise_own_revenue(fresh)
    after = np.log([o.own_revenue_ratio for o in orgs])
    o = fresh.params.orgs
    assert abs(np.corrcoef(before, after)[0, 1]) < 0.15  # a new draw, not a drift
    assert np.median(after) == pytest.approx(np.log(o.own_revenue_ratio) - o.own_revenue_sd**2 / 2, abs=0.05)


def test_training_support_raises_exam_passes():
    passed = []
    for support in (True, False):
        m = tiny(social_work__training_support=support, committee__worker_turnover_year=0.0)
        for c in m.committees:
            c.certified = 0
        before = 0
        m.month = 13
        social_work.certification_exam(m)
        passed.append(sum(c.certified for c in m.committees) - before)
    assert passed[0] > passed[1] > 0


def test_unlisted_tasks_fill_the_whole_pool_only_without_admission_control():
    pool = PARAMETERS["admin.department_pool_tasks_month"].default
    admitted = pool * (1 - PARAMETERS["admin.admission_filter_share"].default)
    push = PARAMETERS["admin.backdoor_push_year"].default
    for control, target in ((True, admitted), (False, pool)):
        m = tiny(admin__admission_control=control)
        t = m.committee_table
        t.unlisted_rate[:] = admitted
        t.arrived_hours_year[:], t.done_hours_year[:] = 100.0, 100.0  # every task finished
        administration.task_creep(m)
        assert t.unlisted_rate == pytest.approx(admitted + push * (target - admitted))


def test_budget_stays_within_the_envelope_and_projects_follow_f11():
    m = tiny(purchase__envelope_yuan=40_000_000.0)
    purchasing.set_budgets(m)
    purchasing.define_projects(m)
    gov = m.government
    posts_cost = 2 * 77 * m.params.social_work.wage_yuan_month * 12
    incubation = m.params.orgs.incubator_slots * m.params.orgs.incubation_grant_yuan
    assert gov.purchase_budget_yuan == pytest.approx(40_000_000.0 - posts_cost - incubation)
    kinds = [p.kind for p in gov.projects]
    assert kinds.count(ProjectKind.COMMON) == 144 and kinds.count(ProjectKind.INDIVIDUAL) == 36
    assert sum(p.value_yuan for p in gov.projects) == pytest.approx(gov.purchase_budget_yuan)


def test_every_lever_can_change_at_a_month():
    levers = {path: p for path, p in PARAMETERS.items() if p.lever}
    changes = []
    for path, p in levers.items():
        if p.kind is bool:
            value = not p.default
        elif p.kind is int:
            value = p.default + 1 if p.default < p.high else p.default - 1
        else:
            value = (p.default + p.high) / 2 if p.default < p.high else (p.default + p.low) / 2
        changes.append(LeverChange(3, path, p.kind(value)))
    scenario = Scenario(name="levers", params={"population.population_scale": 0.005, "start.spinup_years": 0},
                        changes=changes)
    m = SansheModel(scenario, seed=2)
    m.run(2)
    assert all(m.params[c.path] == PARAMETERS[c.path].default for c in changes)
    m.run(2)
    assert all(m.params[c.path] == c.value for c in changes)
