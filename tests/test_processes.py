"""Unit tests of single processes of the schedule, on a tiny district."""

import numpy as np
import pytest

from model import Params, SansheModel, processes, yearly
from model.agents import OrgStatus
from model.parameters import PARAMETERS
from model.scenario import LeverChange, Scenario


def tiny(**overrides) -> SansheModel:
    params = {"population.population_scale": 0.005}
    params.update({k.replace("__", "."): v for k, v in overrides.items()})
    return SansheModel(params=Params(params), seed=21)


def admin_load(m: SansheModel) -> float:
    m.month = 1
    processes.needs_arise(m)
    processes.administrative_load(m)
    return float(np.mean([c.admin_load_hours for c in m.committees]))


def test_admin_load_falls_with_the_task_list_but_keeps_merged_and_optimised_items():
    full, cut = tiny(admin__committee_tasks=296), tiny(admin__committee_tasks=72)
    p = cut.params.admin
    per_item = p.hours_per_task_month * (1 - p.platform_saving)
    drop = admin_load(full) - admin_load(cut)
    removed = 296 - 72
    retained = removed * (p.route_merge_share * p.merge_hours_retained
                          + p.route_optimise_share * p.optimise_hours_retained)
    # Same seed, same campaigns and requests: the difference is the items' hours.
    assert drop == pytest.approx((removed - retained) * per_item, rel=1e-9)


def test_stripped_items_and_matters_queue_at_the_street_centre():
    m = tiny(admin__street_centre_requests_month=10.0)
    for _ in range(3):
        admin_load(m)
    assert all(c.queue > 0 and c.wait_months > 0 for c in m.street_centres)
    none = tiny(admin__approvals_to_street_share=0.0, admin__route_strip_share=0.0,
                admin__street_centre_requests_month=10.0)
    admin_load(none)
    assert all(c.queue == 0 for c in none.street_centres)


def test_room_social_workers_are_pulled_into_administration_under_load():
    heavy, light = tiny(admin__committee_tasks=400), tiny(admin__committee_tasks=40)
    for m in (heavy, light):
        admin_load(m)
        processes.allocate_committee_time(m)
    diverted_heavy = sum(c.diverted_hours for c in heavy.committees)
    diverted_light = sum(c.diverted_hours for c in light.committees)
    assert diverted_heavy > 3 * diverted_light
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
    for _ in range(staff):
        m.hiring_pool_month = 0
        org.settle_finances()
    assert org.staff == 0 and org.status is OrgStatus.DORMANT


def test_dormant_organizations_are_cleaned_up_only_when_clean_up_is_on():
    for enabled in (True, False):
        m = tiny(orgs__cleanup_enabled=enabled, orgs__deregister_prob_year=0.0)
        org = m.organizations(OrgStatus.ACTIVE)[0]
        m.end_contracts(org)
        org.staff, org.status, org.dormant_months = 0, OrgStatus.DORMANT, 100
        yearly.close_organizations(m)
        assert (org in m.organizations()) is (not enabled)


def test_training_support_raises_exam_passes():
    passed = []
    for support in (True, False):
        m = tiny(social_work__training_support=support, committee__worker_turnover_year=0.0)
        before = sum(c.certified for c in m.committees)
        m.month = 13
        yearly.certification_exam(m)
        passed.append(sum(c.certified for c in m.committees) - before)
    assert passed[0] > passed[1] > 0


def test_task_list_creeps_only_without_admission_control():
    for control, factor in ((True, 1.0), (False, 1.07)):
        m = tiny(admin__admission_control=control)
        yearly.task_creep(m)
        assert m.task_creep_factor == pytest.approx(factor)


def test_budget_stays_within_the_envelope_and_projects_follow_f11():
    m = tiny(purchase__envelope_yuan=40_000_000.0)
    yearly.set_budgets(m)
    yearly.define_projects(m)
    gov = m.government
    posts_cost = 2 * 77 * m.params.social_work.wage_yuan_month * 12
    incubation = m.params.orgs.incubator_slots * m.params.orgs.incubation_grant_yuan
    assert gov.purchase_budget_yuan == pytest.approx(40_000_000.0 - posts_cost - incubation)
    kinds = [p.kind.value for p in gov.projects]
    assert kinds.count("common") == 144 and kinds.count("individual") == 36
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
    scenario = Scenario(name="levers", params={"population.population_scale": 0.005}, changes=changes)
    m = SansheModel(scenario, seed=2)
    m.run(2)
    assert all(m.params[c.path] == PARAMETERS[c.path].default for c in changes)
    m.run(2)
    assert all(m.params[c.path] == c.value for c in changes)
