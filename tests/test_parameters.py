"""The single parameter declaration: every number has a unit, a range and a source."""

import pytest

from model.parameters import PARAMETERS, Params


def test_every_parameter_has_unit_range_source_and_doc():
    for path, p in PARAMETERS.items():
        assert p.source.strip(), f"{path} has no source"
        assert p.unit.strip(), f"{path} has no unit"
        assert p.doc.strip(), f"{path} has no doc"
        if p.kind is not bool:
            assert p.low <= p.default <= p.high, f"{path} default outside its range"


def test_parameter_paths_are_declared_once_and_grouped():
    paths = list(PARAMETERS)
    assert len(paths) == len(set(paths))
    assert all(path.count(".") == 1 for path in paths)


def test_seed_figures_are_the_defaults():
    p = Params()
    assert p.admin.committee_tasks == 72  # F1
    assert p.admin.task_list_reference == 296  # F1
    assert p.orgs.initial_count == 904  # F3
    assert p.purchase.budget_yuan == 30_000_000  # F7
    assert (p.purchase.common_projects, p.purchase.individual_projects) == (144, 36)  # F11
    assert p.social_work.posts_per_community == 2  # F12
    assert p.purchase.envelope_yuan == 100_000_000  # F14
    assert (p.population.communities, p.population.streets) == (77, 11)  # F19


@pytest.mark.parametrize("path,value", [
    ("admin.committee_tasks", 1000), ("admin.committee_tasks", 7.5),
    ("population.population_scale", 0.0), ("consultation.enabled", 1),
    ("purchase.budget_yuan", "30M"),
])
def test_params_reject_values_outside_the_declaration(path, value):
    with pytest.raises(ValueError):
        Params({path: value})


def test_unknown_parameter_is_rejected():
    with pytest.raises(KeyError):
        Params({"admin.committee_task": 72})


def test_group_views_follow_set():
    p = Params()
    p.set("admin.committee_tasks", 296)
    assert p.admin.committee_tasks == 296 and p["admin.committee_tasks"] == 296
    assert p.differences() == {"admin.committee_tasks": 296}


# --- when a value first acts (Param.acts) ------------------------------------------
ACTS_SCALE = 0.002


def _district(changes=(), overrides=(), months=24):
    from model import SansheModel
    from model.scenario import LeverChange, Scenario

    # No spin-up: the declarations are about the months after the first yearly cycle of a run.
    sc = Scenario(name="acts", params={"population.population_scale": ACTS_SCALE, "start.spinup_years": 0,
                                       **dict(overrides)},
                  changes=[LeverChange(m, p, v) for m, p, v in changes])
    model = SansheModel(sc, seed=11)
    model.run(months)
    return model.recorder.district_frame()


def _other_value(p):
    if p.kind is bool:
        return not p.default
    return p.high if p.default != p.high else p.low


_BASELINE = {}


def _baseline(months):
    if months not in _BASELINE:
        _BASELINE[months] = _district(months=months)
    return _BASELINE[months]


@pytest.mark.parametrize("path", [p for p, d in PARAMETERS.items() if d.acts == "review"])
def test_a_parameter_of_the_yearly_review_changes_nothing_in_the_first_year(path):
    """Declared 'review': read only by the yearly review of a past year (month 13 on).

    Any value therefore leaves months 1-12 exactly as the default does; unless it
    is declared to shape the start as well, and then it changes them.
    """
    import pandas as pd

    if PARAMETERS[path].shapes_start:
        context = [("social_work.training_support", False)] if path.endswith("training_pass_multiplier") else []
        frame = _district(overrides=[*context, (path, _other_value(PARAMETERS[path]))], months=12)
        assert not frame.equals(_district(overrides=context, months=12)), path
    else:
        frame = _district(overrides=[(path, _other_value(PARAMETERS[path]))], months=12)
        pd.testing.assert_frame_equal(frame, _baseline(12))


@pytest.mark.parametrize("path", [p for p, d in PARAMETERS.items() if d.lever and d.acts != "month"])
def test_a_yearly_lever_changed_between_cycles_waits_for_the_next_cycle(path):
    """Declared 'year' or 'review': a change at month 14 acts at month 25.

    Months 14-24 are therefore exactly those of the run without it.
    """
    import pandas as pd

    frame = _district(changes=[(14, path, _other_value(PARAMETERS[path]))], months=24)
    pd.testing.assert_frame_equal(frame, _baseline(24))
