"""Every shipped scenario loads, differs from the defaults as it says, and runs."""

import numpy as np
import pytest

from conftest import runs
from model import load_scenario
from model.scenario import builtin_dir

NAMES = sorted(p.stem for p in builtin_dir().glob("*.toml"))

LIBRARY = {
    **{f"tasks_{n}": {"admin.committee_tasks": n} for n in (296, 150, 72, 40)},
    **{f"purchase_{m}m": {"purchase.budget_yuan": m * 1e6} for m in (0, 10, 30, 60, 100)},
    **{f"posts_{k}": {"social_work.posts_per_community": k} for k in (0, 1, 2, 4)},
    "no_consultation": {"consultation.enabled": False},
    "no_third_party_evaluation": {"purchase.third_party_evaluation": False},
    "registration_high_barrier": {"orgs.registration_multiplier": 0.4},
    "registration_low_barrier": {"orgs.registration_multiplier": 1.5},
    "no_incubation": {"orgs.incubator_slots": 0},
    "no_admission_control": {"admin.admission_control": False},
    **{f"linkage_{d}{p}{s}": {"admin.committee_tasks": 72 if d else 296,
                              "purchase.budget_yuan": 30e6 if p else 0.0,
                              "social_work.posts_per_community": 2 if s else 0}
       for d in (0, 1) for p in (0, 1) for s in (0, 1)},
}


def test_the_library_has_every_scenario_the_studies_need():
    assert set(LIBRARY) | {"pre_reform", "yuzhong_2016"} <= set(NAMES)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_scenario_sets_its_levers(name):
    sc = load_scenario(name)
    params = sc.resolved_params()
    for path, value in LIBRARY[name].items():
        assert params[path] == value, path
    assert sc.description.strip() and sc.name == name


@pytest.fixture(scope="module")
def library_runs():
    """Every scenario of the library, six months after a 5-year spin-up at scale 0.002 (on all cores).

    Five years settle the fast stocks; the long-run dynamics of every scenario,
    after the full spin-up, are tested in test_dynamics.py.
    """
    short_spinup = (("start.spinup_years", 5),)
    return dict(zip(NAMES, runs([(name, short_spinup, 1, 6, 0.002) for name in NAMES]), strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_every_scenario_runs_six_months_within_bounds(library_runs, name):
    df = library_runs[name]
    assert len(df) == 6
    for col in ("need_coverage", "satisfaction", "trust_committee", "committee_admin_share",
                "volunteer_rate", "consultation_rate", "certified_share"):
        v = df[col].to_numpy(dtype=float)
        assert np.all(np.isnan(v) | ((v >= 0) & (v <= 1))), col
    budget = load_scenario(name).resolved_params().purchase.budget_yuan
    assert df["purchase_spent_yuan"].max() <= budget / 12.0 + 1e-6


@pytest.mark.parametrize("name", [f"purchase_{m}m" for m in (0, 10, 30, 60, 100)])
def test_every_purchasing_level_is_spent_in_full(library_runs, name):
    """The envelope (F14) leaves room for the whole purchase budget at each level.

    A twelfth of it is paid every month.
    """
    budget = load_scenario(name).resolved_params().purchase.budget_yuan
    spent = library_runs[name]["purchase_spent_yuan"]
    assert spent.to_numpy() == pytest.approx(budget / 12.0, rel=1e-9)
