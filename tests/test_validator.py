"""One validator: a scenario file, a table row, a sweep and ``Params.set`` accept exactly the same values.

Every way a value reaches the model checks it with the validator generated
from its declaration (``Param.annotation``): the scenario schema builds its
models from it and ``Param.check`` (used by table cells with a month, sweeps,
the dashboard and ``Params.set``) runs it. These property tests draw values of
every kind for every parameter and compare the verdicts and the values kept.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.parameters import PARAMETERS, Params
from model.scenario import ScenarioError as SchemaError
from model.scenario import validate_scenario

PATHS = st.sampled_from(sorted(PARAMETERS))


def values_near(path: str) -> st.SearchStrategy:
    """Values of every kind, many of them at or just beyond the declared range."""
    p = PARAMETERS[path]
    edges = [] if p.kind is bool else [p.low, p.high, p.low - 1, p.high + 1, (p.low + p.high) / 2]
    numbers = [st.sampled_from(edges)] if edges else []
    wholes = [st.sampled_from([float(int(e)) for e in edges if math.isfinite(e)])] if edges else []
    return st.one_of(*numbers, *wholes, st.booleans(), st.integers(-10**9, 10**9),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.none(),
                     st.lists(st.integers(), max_size=2))


@st.composite
def path_and_value(draw):
    path = draw(PATHS)
    return path, draw(values_near(path))


def verdict_of_check(path, value):
    try:
        return True, PARAMETERS[path].check(value)
    except ValueError:
        return False, None


def verdict_of_file(path, value):
    group, name = path.split(".", 1)
    try:
        _, overrides, _ = validate_scenario("s.toml", {"name": "s", "params": {group: {name: value}}})
    except SchemaError:
        return False, None
    return True, overrides[path]


@settings(max_examples=600, deadline=None)
@given(path_and_value())
def test_a_scenario_file_and_the_check_accept_the_same_values_and_keep_the_same(case):
    path, value = case
    if value is None:  # an absent key in a file, not a value
        return
    ok_check, kept_check = verdict_of_check(path, value)
    ok_file, kept_file = verdict_of_file(path, value)
    assert ok_check == ok_file, (path, value)
    if ok_check:
        assert kept_check == kept_file and type(kept_check) is type(kept_file) is PARAMETERS[path].kind


@settings(max_examples=300, deadline=None)
@given(path_and_value())
def test_params_keep_a_checked_value_in_the_declared_type_and_range_or_refuse_it(case):
    path, value = case
    p = PARAMETERS[path]
    params = Params()
    try:
        params.set(path, value)
    except ValueError as e:
        assert str(e).startswith("found ") and str(e).endswith(p.allowed())
        assert params[path] == p.default  # a refused value leaves the old one
        return
    kept = params[path]
    assert type(kept) is p.kind
    if p.kind is not bool:
        assert p.low <= kept <= p.high and kept == value


@pytest.mark.parametrize(("path", "value", "kept"), [
    ("admin.committee_tasks", 100.0, 100),  # a whole number written as a float
    ("purchase.budget_yuan", 30_000_000, 30_000_000.0),  # an integer for a float
    ("purchase.third_party_evaluation", False, False),
])
def test_values_are_kept_in_the_declared_type(path, value, kept):
    assert type(PARAMETERS[path].check(value)) is type(kept) and PARAMETERS[path].check(value) == kept


@pytest.mark.parametrize(("path", "value", "message"), [
    ("admin.committee_tasks", 100.5, "found 100.5, allowed: an integer in [10, 400]"),
    ("admin.committee_tasks", True, "found True, allowed: an integer in [10, 400]"),
    ("purchase.third_party_evaluation", 1, "found 1, allowed: true or false"),
    ("purchase.budget_yuan", "lots", "found 'lots', allowed: a number in [0, 200,000,000]"),
    ("purchase.budget_yuan", float("nan"), "found nan, allowed: a number in [0, 200,000,000]"),
])
def test_a_refused_value_is_named_with_what_is_allowed(path, value, message):
    with pytest.raises(ValueError) as e:
        PARAMETERS[path].check(value)
    assert str(e.value) == message
