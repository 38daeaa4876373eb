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


def test_every_declared_parameter_is_read_by_the_model():
    """A declared parameter that no code reads is a lie in the documentation."""
    from pathlib import Path

    import model

    code = "\n".join(p.read_text() for p in Path(model.__file__).parent.glob("*.py")
                     if p.name != "parameters.py")
    unread = [path for path, p in PARAMETERS.items()
              if f".{p.name}" not in code and f'"{path}"' not in code]
    assert not unread, unread
