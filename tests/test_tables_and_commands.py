"""Scenarios as table rows, and the describing commands."""

import pandas as pd
import pytest

from model import ScenarioError, load_scenario
from model.parameters import PARAMETERS
from sanshe.cli import main


def write_table(tmp_path, suffix):
    frame = pd.DataFrame({
        "name": ["low", "high", "bad", "typo"],
        "description": ["little money", "much money", "", ""],
        "extends": ["", "", "", ""],
        "purchase.budget_yuan": [10_000_000, 60_000_000, "lots", 1],
        "admin.committee_tasks": [72, 150, 72, 72],
        "consultation.enabled": [True, False, True, True],
    })
    if suffix == ".csv":
        path = tmp_path / "s.csv"
        frame.to_csv(path, index=False)
    else:
        path = tmp_path / "s.xlsx"
        frame.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_row_is_a_scenario(tmp_path, suffix):
    path = write_table(tmp_path, suffix)
    sc = load_scenario(f"{path}#high")
    assert sc.name == "high" and sc.description == "much money"
    assert sc.params["purchase.budget_yuan"] == 60_000_000.0
    assert sc.params["admin.committee_tasks"] == 150
    assert sc.params["consultation.enabled"] is False


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_errors_name_file_row_and_column(tmp_path, suffix):
    path = write_table(tmp_path, suffix)
    with pytest.raises(ScenarioError, match=r"#bad: params\.purchase\.budget_yuan: found 'lots', allowed: a number"):
        load_scenario(f"{path}#bad")
    with pytest.raises(ScenarioError, match="no row named 'nope'; rows: low, high, bad, typo"):
        load_scenario(f"{path}#nope")


def test_unknown_table_column_is_named(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"name": ["a"], "purchase.budget_yaun": [1.0]}).to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=r"t.csv#a: column 'purchase.budget_yaun': not a parameter path"):
        load_scenario(f"{path}#a")


def test_a_row_can_extend_a_built_in_scenario(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"name": ["a"], "extends": ["pre_reform"], "admin.committee_tasks": [200]}).to_csv(path, index=False)
    sc = load_scenario(f"{path}#a")
    assert sc.params["admin.committee_tasks"] == 200
    assert sc.params["purchase.budget_yuan"] == 0.0  # from pre_reform


def test_run_takes_a_table_row(tmp_path):
    path = write_table(tmp_path, ".csv")
    out = tmp_path / "o"
    assert main(["run", f"{path}#low", "--months", "2", "--scale", "0.005", "--out", str(out), "--quiet"]) == 0
    assert pd.read_parquet(out / "district.parquet").shape[0] == 2


def test_scenarios_command_lists_the_library(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "yuzhong_2016" in out and "linkage_111" in out and "purchase_100m" in out


@pytest.mark.parametrize("markdown", [False, True])
def test_params_command_prints_every_parameter(capsys, markdown):
    assert main(["params"] + (["--markdown"] if markdown else [])) == 0
    out = capsys.readouterr().out
    for path, p in PARAMETERS.items():
        assert path in out and p.source in out
    if markdown:
        assert out.startswith("| parameter | unit | default | range | lever | acts | fitted | source |")


def test_show_prints_what_differs_from_the_defaults(capsys):
    assert main(["show", "yuzhong_2016"]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index("  admin.committee_tasks  (items; default 72)")
    assert out[at + 1].split() == ["months", "1-24", "296", "pre_reform.toml", "[params]"]
    assert out[at + 2].split() == ["from", "month", "25", "72", "yuzhong_2016.toml", "[[changes]]"]
    assert not any("population.share_elderly" in line for line in out)


def test_show_of_a_bad_scenario_is_one_line(capsys, tmp_path):
    assert main(["show", str(tmp_path / "missing.toml")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
