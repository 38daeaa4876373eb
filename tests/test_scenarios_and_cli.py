"""Scenario files, the command and its one-line errors."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from model import ScenarioError, load_scenario
from model.indicators import COMMUNITY_INDICATORS
from sanshe.cli import main

REQUIRED = ["need_coverage", "coverage_vulnerable", "unmet_wait_months", "satisfaction",
            "trust_committee", "trust_government", "consultation_rate", "volunteer_rate",
            "committee_admin_share", "org_count", "orgs_per_10k", "contract_holders",
            "certified_share", "social_worker_vacancies", "purchase_spent_yuan",
            "cost_per_need_met_yuan", "coverage_gini"]


def test_shipped_scenarios_load_with_their_levers():
    pre = load_scenario("pre_reform")
    assert pre.params["admin.committee_tasks"] == 296
    assert pre.params["purchase.budget_yuan"] == 0.0
    assert pre.params["social_work.posts_per_community"] == 0
    reform = load_scenario("yuzhong_2016")
    assert reform.params["admin.committee_tasks"] == 296  # starts pre-reform
    changes = {c.path: (c.month, c.value) for c in reform.changes}
    assert changes["admin.committee_tasks"] == (25, 72)
    assert changes["purchase.budget_yuan"] == (25, 30_000_000.0)


def test_run_writes_district_communities_and_manifest(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "pre_reform", "--months", "14", "--scale", "0.01", "--out", str(out),
                 "--seed", "3", "--quiet"]) == 0
    district = pd.read_parquet(out / "district.parquet")
    assert list(district["month"]) == list(range(1, 15))
    assert set(REQUIRED) <= set(district.columns)
    communities = pd.read_parquet(out / "communities.parquet")
    assert len(communities) == 14 * 77
    assert {"month", "community", "street", *COMMUNITY_INDICATORS} <= set(communities.columns)
    assert communities.groupby("month")["street"].nunique().eq(11).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["months"] == 14 and manifest["scale"] == 0.01
    assert manifest["scenario"]["name"] == "pre_reform"
    assert manifest["scenario"]["params"]["admin.committee_tasks"] == 296
    assert {"mesa", "numpy"} <= set(manifest["packages"])
    assert "commit" in manifest["code_version"] and manifest["wall_time_s"]["total"] > 0


def test_lever_change_takes_effect_in_its_month(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "t"\n[[changes]]\nmonth = 5\nadmin.committee_tasks = 150\n')
    out = tmp_path / "o"
    assert main(["run", str(path), "--months", "6", "--scale", "0.005", "--out", str(out), "--quiet"]) == 0
    tasks = pd.read_parquet(out / "district.parquet")["committee_tasks"].tolist()
    assert tasks == [72, 72, 72, 72, 150, 150]


BAD = {
    "unknown key": ('name = "x"\n[params.admin]\ncommittee_task = 72\n',
                    "params.admin.committee_task: unknown key (did you mean 'committee_tasks'?)"),
    "out of range": ('name = "x"\n[params.admin]\ncommittee_tasks = 1000\n',
                     "params.admin.committee_tasks: found 1000, allowed: an integer in [10, 400]"),
    "wrong type": ('name = "x"\n[params.consultation]\nenabled = "yes"\n',
                   "params.consultation.enabled: found 'yes', allowed: true or false"),
    "not a lever": ('name = "x"\n[[changes]]\nmonth = 3\npopulation.share_elderly = 0.3\n',
                    "changes[0].population.share_elderly: not a lever"),
    "bad toml": ('name = "x\n', "not valid TOML"),
    "no name": ('description = "x"\n', "name: missing"),
    "unknown group": ('name = "x"\n[params.admn]\n', "params.admn: unknown key (did you mean 'admin'?)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_gives_one_line_naming_file_and_key(tmp_path, capsys, case):
    text, expected = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and expected in str(err.value)
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('name = "a"\nextends = "b"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nextends = "a"\n')
    with pytest.raises(ScenarioError, match="extends: cycle"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize("argv,expected", [
    (["run", "no_such_scenario.toml", "--out", "x"], "no_such_scenario.toml: no such scenario file"),
    (["run", "pre_reform", "--scale", "2", "--out", "x"], "--scale: found 2, allowed: a number in [0.001, 1]"),
    (["run", "pre_reform", "--months", "0", "--out", "x"], "--months: found 0"),
    (["run", "pre_reform"], "the following arguments are required: --out"),
    (["walk"], "invalid choice: 'walk'"),
])
def test_bad_command_line_gives_one_line_and_exit_2(capsys, argv, expected):
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines


def test_console_command_exits_2_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sanshe.cli", "run", str(tmp_path / "missing.toml"),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_existing_results_are_kept_when_a_run_fails(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "earlier.parquet").write_text("keep me")
    assert main(["run", str(tmp_path / "missing.toml"), "--out", str(out)]) == 2
    assert (out / "earlier.parquet").read_text() == "keep me"


def test_a_failed_write_is_one_line_and_keeps_other_files(tmp_path, capsys):
    out = tmp_path / "o"
    (out / "district.parquet").mkdir(parents=True)  # the target name is taken by a folder
    (out / "earlier.txt").write_text("keep me")
    assert main(["run", "pre_reform", "--months", "2", "--scale", "0.005", "--out", str(out), "--quiet"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0]
    assert (out / "earlier.txt").read_text() == "keep me"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
