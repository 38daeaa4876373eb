"""One rule for dated levers by every route, the timeline ``sanshe show`` prints, and refusals.

The routes are files, spreadsheets, sweeps and the dashboard; a dated lever
that would act at no month of a run is refused.
"""

import re

import pandas as pd
import pytest

from experiments.cli import main
from experiments.engine import plan_runs
from experiments.spec import ExperimentError, load_experiment
from model import ScenarioError, load_scenario
from model.parameters import PARAMETERS, first_effect_month

# The timeline every route must give: yuzhong_2016 buys nothing before its reform
# at month 25 and, with 60 M asked for, 60 M a year (5 M a month) from then on.
BUDGET_60M = [(1, 0.0), (25, 60_000_000.0)]


def budget_timeline(scenario):
    return [(p.start, p.value) for p in scenario.timeline()["purchase.budget_yuan"]]


def changes_of(changes, path):
    return [(c[0], c[2]) if isinstance(c, tuple) else (c.month, c.value) for c in changes
            if (c[1] if isinstance(c, tuple) else c.path) == path]


def test_a_file_override_of_a_dated_lever_goes_into_the_base_s_change(tmp_path):
    path = tmp_path / "budget60.toml"
    path.write_text('name = "budget60"\nextends = "yuzhong_2016"\n[params.purchase]\nbudget_yuan = 60e6\n')
    sc = load_scenario(path)
    assert budget_timeline(sc) == BUDGET_60M
    assert sc.params["purchase.budget_yuan"] == 0.0  # the pre-reform years as the base has them
    assert changes_of(sc.changes, "admin.committee_tasks") == [(25, 72)]  # the rest of the reform stays
    assert any("budget60.toml [params]: purchase.budget_yuan = 60,000,000 replaces" in n for n in sc.notes)
    out = tmp_path / "o"
    assert main(["run", str(path), "--months", "26", "--scale", "0.005", "--out", str(out), "--quiet"]) == 0
    spent = pd.read_parquet(out / "district.parquet").set_index("month")["purchase_spent_yuan"]
    assert spent.loc[:24].eq(0).all()
    assert spent.loc[25] == pytest.approx(5_000_000, rel=0.02)  # 60 M a year, not the base's 30 M


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_spreadsheet_row_follows_the_same_rule_and_can_date_a_change(tmp_path, suffix):
    frame = pd.DataFrame({"name": ["plain", "dated"], "extends": ["yuzhong_2016", "yuzhong_2016"],
                          "purchase.budget_yuan": [60e6, None],
                          "purchase.budget_yuan@37": [None, 45e6]})
    path = tmp_path / f"rows{suffix}"
    (frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_excel(path, index=False))
    assert budget_timeline(load_scenario(f"{path}#plain")) == BUDGET_60M
    # A dated column is the row's own change: it replaces the base's change of that lever, date included.
    dated = load_scenario(f"{path}#dated")
    assert budget_timeline(dated) == [(1, 0.0), (37, 45e6)]
    assert any("replaces yuzhong_2016.toml's at month 25" in n for n in dated.notes)


def test_a_sweep_factor_follows_the_same_rule(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text('name = "s"\ndesign = "grid"\nbase = "yuzhong_2016"\nmonths = 26\nscale = 0.005\n'
                    '[factors]\n"purchase.budget_yuan" = [60e6]\n')
    (run,) = plan_runs(load_experiment(path))
    assert [(1, run.params["purchase.budget_yuan"])] + changes_of(run.changes, "purchase.budget_yuan") == BUDGET_60M


def test_the_dashboard_follows_the_same_rule():
    from experiments.app import DashboardModel

    model = DashboardModel("yuzhong_2016", levers="as set below", **{"purchase.budget_yuan": 60e6})
    assert budget_timeline(model.sanshe_scenario) == BUDGET_60M
    assert [(1, model.params.purchase.budget_yuan)] + changes_of(model.changes, "purchase.budget_yuan") == BUDGET_60M


def test_files_and_sweeps_run_the_same_months_and_values(tmp_path):
    path = tmp_path / "budget60.toml"
    path.write_text('name = "budget60"\nextends = "yuzhong_2016"\n[params.purchase]\nbudget_yuan = 60e6\n')
    file_changes = [(c.month, c.path, c.value) for c in load_scenario(path).changes]
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('name = "s"\ndesign = "grid"\nbase = "yuzhong_2016"\nmonths = 26\nscale = 0.005\n'
                     '[factors]\n"purchase.budget_yuan" = [60e6]\n')
    (run,) = plan_runs(load_experiment(sweep))
    assert sorted(run.changes) == sorted(file_changes)
    assert run.params["purchase.budget_yuan"] == load_scenario(path).params["purchase.budget_yuan"]


def test_an_own_change_replaces_the_base_s_change_of_that_lever_and_says_so(tmp_path):
    path = tmp_path / "later.toml"
    path.write_text('name = "later"\nextends = "yuzhong_2016"\n[[changes]]\nmonth = 37\n'
                    'purchase.budget_yuan = 45e6\n')
    sc = load_scenario(path)
    assert budget_timeline(sc) == [(1, 0.0), (37, 45e6)]
    assert changes_of(sc.changes, "admin.committee_tasks") == [(25, 72)]
    (note,) = sc.notes
    assert "its change of purchase.budget_yuan at month 37 replaces yuzhong_2016.toml's at month 25" in note


def test_a_value_and_a_change_in_one_file_state_the_lever_s_whole_timeline(tmp_path):
    path = tmp_path / "both.toml"
    path.write_text('name = "both"\nextends = "yuzhong_2016"\n[params.purchase]\nbudget_yuan = 5e6\n'
                    '[[changes]]\nmonth = 49\npurchase.budget_yuan = 45e6\n')
    assert budget_timeline(load_scenario(path)) == [(1, 5e6), (49, 45e6)]


@pytest.mark.parametrize("text,expected", [
    ('[[changes]]\nmonth = 25\npurchase.budget_yuan = 1e6\n[[changes]]\nmonth = 25\npurchase.budget_yuan = 2e6\n',
     "purchase.budget_yuan is set twice for month 25"),
    ('[params.purchase]\nbudget_yuan = 1e6\n[[changes]]\nmonth = 1\npurchase.budget_yuan = 2e6\n',
     "purchase.budget_yuan is set for month 1 both as a value"),
    ('[[changes]]\nmonth = 1201\npurchase.budget_yuan = 1e6\n',
     "changes[0].month: found 1201, allowed: an integer in [1, 1200]"),
])
def test_a_lever_set_twice_for_one_month_is_refused(tmp_path, text, expected):
    path = tmp_path / "twice.toml"
    path.write_text('name = "twice"\n' + text)
    with pytest.raises(ScenarioError, match=re.escape(expected)):
        load_scenario(path)


@pytest.mark.parametrize("column,expected", [
    ("population.share_elderly@25", "population.share_elderly is not a lever"),
    ("purchase.budget_yuan@0", "found month '0', allowed: purchase.budget_yuan@MONTH"),
    ("purchase.budget_yuan@next", "found month 'next'"),
    ("purchase.budget_yaun@25", "not a parameter path"),
])
def test_bad_dated_columns_are_named(tmp_path, column, expected):
    path = tmp_path / "t.csv"
    pd.DataFrame({"name": ["a"], column: [1e6]}).to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=f"t.csv#a: column '{column}': {expected}"):
        load_scenario(f"{path}#a")


def test_show_prints_the_resolved_timeline_with_its_sources(tmp_path, capsys):
    path = tmp_path / "budget60.toml"
    path.write_text('name = "budget60"\nextends = "yuzhong_2016"\n[params.purchase]\nbudget_yuan = 60e6\n')
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index("  purchase.budget_yuan  (yuan per year; default 30,000,000)")
    assert out[at + 1].split() == ["months", "1-24", "0", "pre_reform.toml", "[params]"]
    assert out[at + 2].split() == ["from", "month", "25", "60,000,000", "budget60.toml", "[params]"]
    assert not out[at + 3].startswith("    ")  # one value per period: the base's 30 M is gone
    assert "extends: pre_reform.toml <- yuzhong_2016.toml <- budget60.toml" in out
    assert any(line.startswith("  budget60.toml [params]: purchase.budget_yuan = 60,000,000 replaces")
               for line in out[out.index("notes:"):])


def test_show_names_the_month_a_yearly_lever_acts(tmp_path, capsys):
    path = tmp_path / "mid.toml"
    path.write_text('name = "mid"\n[[changes]]\nmonth = 30\npurchase.budget_yuan = 45e6\n')
    assert main(["show", str(path)]) == 0
    assert "(acts from month 37: the next yearly cycle)" in capsys.readouterr().out


def test_a_run_shorter_than_a_dated_change_is_refused(tmp_path, capsys):
    assert main(["run", "yuzhong_2016", "--months", "24", "--out", str(tmp_path / "o")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "admin.committee_tasks changes at month 25" in line and "run at least 25 months" in line
    assert not (tmp_path / "o").exists()


def test_a_yearly_lever_changed_between_cycles_needs_the_next_cycle_in_the_run(tmp_path, capsys):
    path = tmp_path / "mid.toml"
    path.write_text('name = "mid"\n[[changes]]\nmonth = 30\npurchase.budget_yuan = 45e6\n')
    assert main(["run", str(path), "--months", "36", "--out", str(tmp_path / "o")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "changes at month 30 and acts at month 37" in line and "run at least 37 months" in line


@pytest.mark.parametrize("factor,months,expected", [
    ('"purchase.budget_yuan" = [0.0, 60e6]', 24, "first acts at month 25"),  # the base switches it at 25
    # founding reviews a past year
    ('"orgs.founding_attempts_per_10k_year" = [0.1, 0.2]', 12, "first acts at month 13"),
])
def test_a_factor_that_would_act_at_no_month_is_refused(tmp_path, capsys, factor, months, expected):
    path = tmp_path / "e.toml"
    # Without a spin-up the first yearly review is at month 13 (with one, founding acts in the spin-up).
    (tmp_path / "cold.toml").write_text('name = "cold"\nextends = "pre_reform"\n[params.start]\nspinup_years = 0\n')
    base = f'base = "{tmp_path / "cold.toml"}"\n' if "founding" in factor else 'base = "yuzhong_2016"\n'
    text = f'name = "e"\ndesign = "grid"\n{base}months = {months}\n[factors]\n{factor}\n'
    path.write_text(text)
    with pytest.raises(ExperimentError, match=expected):
        plan_runs(load_experiment(path))
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(path) in line and expected in line


def test_a_scenario_with_a_change_after_the_experiment_s_last_month_is_refused(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text('name = "e"\ndesign = "scenarios"\nscenarios = ["pre_reform", "yuzhong_2016"]\nmonths = 24\n')
    with pytest.raises(ExperimentError,
                       match=r"e\.toml: .*yuzhong_2016\.toml: .* after the last month of the run \(24\)"):
        plan_runs(load_experiment(path))


def test_an_extends_chain_of_any_depth_loads(tmp_path):
    depth = 600  # deeper than Python's recursion limit allows for a recursive loader
    (tmp_path / "s0.toml").write_text('name = "s0"\nextends = "yuzhong_2016"\n')
    for i in range(1, depth):
        (tmp_path / f"s{i}.toml").write_text(f'name = "s{i}"\nextends = "s{i - 1}"\n')
    (tmp_path / f"s{depth - 1}.toml").write_text(
        f'name = "s{depth - 1}"\nextends = "s{depth - 2}"\n[params.purchase]\nbudget_yuan = 60e6\n')
    sc = load_scenario(tmp_path / f"s{depth - 1}.toml")
    assert len(sc.chain) == depth + 2 and budget_timeline(sc) == BUDGET_60M
    assert main(["show", str(tmp_path / f"s{depth - 1}.toml")]) == 0


def test_first_effect_month_follows_the_yearly_cycle():
    assert first_effect_month("admin.committee_tasks", 7) == 7  # monthly
    assert [first_effect_month("purchase.budget_yuan", m) for m in (1, 2, 13, 25, 26)] == [1, 13, 13, 25, 37]
    assert [first_effect_month("orgs.registration_multiplier", m) for m in (1, 12, 13, 14)] == [13, 13, 13, 25]


def test_every_lever_declares_when_it_acts():
    assert {p.acts for p in PARAMETERS.values()} == {"month", "year", "review"}
    assert PARAMETERS["purchase.budget_yuan"].acts == "year"
    assert PARAMETERS["admin.admission_control"].acts == "review"
