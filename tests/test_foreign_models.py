"""Sweeping models that are not sanshe: Mesa's own examples.

Their DataCollector collects the initial state in ``__init__``; they get
months 0..M (month 0 the initial state), each month once.
"""

import pandas as pd
import pytest

import mesa_examples_factories as factories
from conftest import run_experiment_file

MONTHS = 5
SPEC = """
name = "{name}"
design = "grid"
model = "mesa_examples_factories:{factory}"
replicates = 2
base_seed = 3
months = {months}
[factors]
{factors}
"""


def sweep(tmp_path, factory: str, factors: str) -> pd.DataFrame:
    text = SPEC.format(name=factory, factory=factory, months=MONTHS, factors=factors)
    out, result = run_experiment_file(tmp_path, text, factory)
    assert not result.failed and result.runs_done == result.runs_total
    return pd.read_parquet(out / "runs.parquet")


@pytest.mark.parametrize("factory,factors,params", [
    ("boltzmann", "n = [20, 40]", "n"),
    ("schelling", "density = [0.6, 0.9]", "density"),
])
def test_mesa_examples_have_month_0_as_the_initial_state_and_each_month_once(tmp_path, factory, factors, params):
    runs = sweep(tmp_path, factory, factors)
    assert runs["run_id"].nunique() == 4
    for run_id, rows in runs.groupby("run_id"):
        assert rows["month"].tolist() == list(range(MONTHS + 1)), run_id  # 6 rows for 5 months
        # The same model built and stepped directly: its collector's rows are months 0..5.
        first = rows.iloc[0]
        model = getattr(factories, factory)({params: first[f"factor:{params}"]}, int(first["seed"]))
        initial = model.datacollector.get_model_vars_dataframe()
        assert len(initial) == 1
        for _ in range(MONTHS):
            model.step()
        direct = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        columns = list(direct.columns)
        swept = rows[columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(swept.iloc[[0]], initial[columns].reset_index(drop=True),
                                      check_dtype=False)
        pd.testing.assert_frame_equal(swept, direct, check_dtype=False)


def test_rows_are_numbered_by_the_step_that_collected_them(tmp_path):
    runs = sweep(tmp_path, "uneven", "unused = [1]")
    for _, rows in runs.groupby("run_id"):
        # Nothing at construction: no month 0; step 2 collected twice: its last row;
        # step 3 collected nothing: no month 3.
        assert rows["month"].tolist() == [1, 2, 4, 5]
        assert rows["done"].tolist() == [1, 2, 4, 5]
        assert rows["state"].tolist() == ["after step 1", "after step 2", "after step 4", "after step 5"]
