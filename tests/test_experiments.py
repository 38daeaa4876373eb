"""The experiment engine: designs, resume, failures, backends, files."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import experiment_file as write
from conftest import saved_run_ids
from experiments import engine
from experiments.cli import main
from experiments.designs import design_points
from experiments.engine import plan_runs, replicate_seeds, run_experiment
from experiments.spec import ExperimentError, load_experiment

ROOT = Path(__file__).resolve().parents[1]
SMALL = """
name = "small"
design = "scenarios"
scenarios = ["tasks_296", "tasks_72"]
replicates = 2
base_seed = 7
months = 6
scale = 0.005
indicators = ["need_coverage", "committee_admin_share", "volunteer_rate"]
"""


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_experiment_loads_and_plans(path):
    """A shipped experiment (the flagship reads the calibration's posterior beside the repository) plans its runs.

    With parameter draws, every point runs the same draws with the same seeds.
    """
    spec = load_experiment(path)
    runs = plan_runs(spec)
    assert runs and len({r.run_id for r in runs}) == len(runs)
    if spec.uncertainty:
        from experiments.uncertainty import draw_parameters

        drawn = sorted({k for d in draw_parameters(spec) for k in d})
        by_point = {}
        for r in sorted(runs, key=lambda r: r.replicate):
            by_point.setdefault(r.point, []).append((r.replicate, r.seed, r.draw, *(r.params[k] for k in drawn)))
        assert drawn and len({tuple(v) for v in by_point.values()}) == 1  # the same draws' values and seeds everywhere


def test_smoke_experiment_is_valid_and_small():
    spec = load_experiment(ROOT / "experiments" / "smoke.toml")
    runs = plan_runs(spec)
    assert len(runs) == 2 * 3 and spec.months == 12 and spec.scale == 0.01


def test_replicates_share_seeds_across_points():
    spec = load_experiment(ROOT / "experiments" / "smoke.toml")
    runs = plan_runs(spec)
    seeds = replicate_seeds(spec.base_seed, spec.replicates)
    for point in (0, 1):
        assert [r.seed for r in runs if r.point == point] == seeds
    assert len({r.run_id for r in runs}) == len(runs)


def test_run_writes_tidy_runs_points_and_manifest(tmp_path):
    spec = load_experiment(write(tmp_path, SMALL))
    result = run_experiment(spec, tmp_path / "out", workers=1, progress=False)
    assert result.runs_done == 4 and not result.failed
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert list(runs.columns[:5]) == ["run_id", "point", "replicate", "seed", "scenario"]
    assert len(runs) == 4 * 6 and not runs.duplicated(["run_id", "month"]).any()
    points = pd.read_parquet(tmp_path / "out" / "points.parquet")
    assert len(points) == 4 and (points["month"] == 6).all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs_done"] == 4 and manifest["runs_failed"] == 0
    assert manifest["seeds"] == replicate_seeds(7, 2) and manifest["spec_hash"]
    assert {"commit", "dirty"} <= set(manifest["code_version"]) and "salib" in manifest["packages"]
    # A finished experiment reruns nothing.
    again = run_experiment(spec, tmp_path / "out", workers=1, progress=False)
    assert again.runs_run_now == 0


def test_a_process_records_the_commit_it_began_with(monkeypatch):
    """A sweep or fit that runs for hours records the code it runs: a commit made meanwhile is not read."""
    import subprocess

    from sanshe import output

    output._code_version.cache_clear()
    first = output.code_version()

    def moved_on(*args, **kwargs):
        raise AssertionError("git asked again")

    monkeypatch.setattr(subprocess, "run", moved_on)
    assert output.code_version() == first
    first["commit"] = "changed by a caller"
    assert output.code_version() != first  # a caller's copy, not the kept record
    output._code_version.cache_clear()


def test_two_points_with_the_same_parameters_each_get_their_runs(tmp_path):
    spec = load_experiment(write(tmp_path, SMALL.replace('["tasks_296", "tasks_72"]', '["tasks_72", "posts_2"]')))
    run_experiment(spec, tmp_path / "same", workers=1, progress=False)
    points = pd.read_parquet(tmp_path / "same" / "points.parquet")
    assert sorted(points["point"]) == [0, 0, 1, 1]
    a, b = (points[points.point == i].reset_index(drop=True) for i in (0, 1))
    assert a["need_coverage"].tolist() == b["need_coverage"].tolist()  # same parameters, same seeds


def test_recording_the_last_month_or_no_panel_keeps_the_values_of_a_full_record(tmp_path):
    # The engine computes only the months a run keeps; the values kept must not change.
    full = SMALL.replace("months = 6", "months = 14\ncommunities = \"all\"")
    last = SMALL.replace("months = 6", "months = 14\nrecord = \"last\"\ncommunities = \"last_year\"")
    for name, text in (("full", full), ("last", last)):
        run_experiment(load_experiment(write(tmp_path, text, f"{name}.toml")), tmp_path / name, workers=1,
                       progress=False)
    points = {name: pd.read_parquet(tmp_path / name / "points.parquet") for name in ("full", "last")}
    pd.testing.assert_frame_equal(points["last"].drop(columns="run_id"), points["full"].drop(columns="run_id"))
    panels = {name: pd.read_parquet(tmp_path / name / "communities.parquet") for name in ("full", "last")}
    year = panels["full"][panels["full"]["month"] > 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(panels["last"].drop(columns="run_id"), year.drop(columns="run_id"))


def test_changed_spec_or_model_never_reuses_stale_runs(tmp_path):
    first = plan_runs(load_experiment(write(tmp_path, SMALL)))
    changed = plan_runs(load_experiment(write(tmp_path, SMALL.replace("months = 6", "months = 7"))))
    assert not {r.run_id for r in first} & {r.run_id for r in changed}


def test_one_and_two_workers_and_dask_give_identical_results(tmp_path):
    spec = load_experiment(write(tmp_path, SMALL))
    frames = []
    for name, kwargs in (("one", {"workers": 1}), ("two", {"workers": 2}), ("dask", {"dask": "local:2"})):
        run_experiment(spec, tmp_path / name, progress=False, **kwargs)
        frames.append(pd.read_parquet(tmp_path / name / "runs.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_resume_after_a_hard_kill_loses_and_duplicates_nothing(tmp_path):
    text = SMALL.replace("replicates = 2", "replicates = 8").replace("months = 6", "months = 12")
    path = write(tmp_path, text)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "experiments.cli", "experiment", "run", str(path), "--out", str(out),
           "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(saved_run_ids(out)) < 4:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(saved_run_ids(out))
    assert 4 <= written < 16, written  # killed mid-sweep
    assert subprocess.run(cmd, cwd=ROOT).returncode == 0
    resumed = pd.read_parquet(out / "runs.parquet")
    run_experiment(load_experiment(path), tmp_path / "whole", workers=1, progress=False)
    whole = pd.read_parquet(tmp_path / "whole" / "runs.parquet")
    pd.testing.assert_frame_equal(resumed, whole)
    assert resumed["run_id"].nunique() == 16 and not resumed.duplicated(["run_id", "month"]).any()
    assert not list(out.rglob("*.tmp"))


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    spec = write(tmp_path, """
name = "toy"
design = "grid"
model = "toy_model:make"
replicates = 2
months = 5
[factors]
tax = [0.0, 0.13, 0.3]
""")
    out = tmp_path / "toy"
    assert main(["experiment", "run", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "4 of 6 runs done" in printed and "2 failed" in printed and "failures" in printed
    failures = [json.loads(p.read_text()) for p in (out / "failures").glob("*.json")]
    assert len(failures) == 2 and all(f["factors"] == {"tax": 0.13} for f in failures)
    assert all("injected failure" in f["error"] for f in failures)
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["factor:tax"].unique()) == [0.0, 0.3]
    assert set(runs.columns) >= {"gini", "max_wealth", "month"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_failed"] == 2 and len(manifest["failures"]) == 2


def test_sobol_and_morris_have_the_sizes_salib_expects(tmp_path):
    base = """
name = "s"
design = "{design}"
base = "yuzhong_2016"
samples = 8
[factors]
"purchase.budget_yuan" = {{ low = 0.0, high = 60000000.0 }}
"admin.committee_tasks" = {{ low = 40, high = 296 }}
"social_work.posts_per_community" = {{ low = 0, high = 4 }}
"""
    d = 3
    sobol = design_points(load_experiment(write(tmp_path, base.format(design="sobol"), "s.toml")))
    morris = design_points(load_experiment(write(tmp_path, base.format(design="morris"), "m.toml")))
    lhs = design_points(load_experiment(write(tmp_path, base.format(design="lhs"), "l.toml")))
    fact = design_points(load_experiment(write(tmp_path, base.format(design="factorial").replace("samples = 8\n", ""),
                                               "f.toml")))
    assert len(sobol) == 8 * (2 * d + 2)
    assert len(morris) == 8 * (d + 1)
    assert len(lhs) == 8 and len(fact) == 2**d
    assert all(isinstance(p.factors["admin.committee_tasks"], int) for p in sobol)
    assert all(40 <= p.factors["admin.committee_tasks"] <= 296 for p in sobol + morris + lhs)


def test_grid_is_the_full_factorial_of_listed_values(tmp_path):
    spec = load_experiment(write(tmp_path, """
name = "g"
design = "grid"
base = "yuzhong_2016"
[factors]
"purchase.budget_yuan" = [0.0, 30000000.0, 60000000.0]
"consultation.enabled" = [true, false]
"""))
    points = design_points(spec)
    assert len(points) == 6
    assert {(p.factors["purchase.budget_yuan"], p.factors["consultation.enabled"]) for p in points} == {
        (b, c) for b in (0.0, 30e6, 60e6) for c in (True, False)}


BAD = {
    "unknown key": ('name = "x"\ndesign = "scenarios"\nscenarios = ["pre_reform"]\nreplicate = 3\n',
                    "replicate: unknown key (did you mean 'replicates'?)"),
    "bad design": ('name = "x"\ndesign = "random"\nscenarios = ["pre_reform"]\n',
                   "design: found 'random', allowed: scenarios, grid, factorial, lhs, sobol, morris"),
    "no factors": ('name = "x"\ndesign = "grid"\nbase = "pre_reform"\n', "factors: missing"),
    "range for grid": ('name = "x"\ndesign = "grid"\n[factors]\n"admin.committee_tasks" = {low = 1, high = 2}\n',
                       "factors.admin.committee_tasks: design 'grid' needs a list of values"),
    "out of range": ('name = "x"\ndesign = "grid"\n[factors]\n"admin.committee_tasks" = [72, 1000]\n',
                     "factors.admin.committee_tasks: found 1000, allowed: an integer in [10, 400]"),
    "unknown parameter": ('name = "x"\ndesign = "grid"\n[factors]\n"admin.tasks" = [72]\n',
                          "factors.admin.tasks: not a parameter path"),
    "bad scenario": ('name = "x"\ndesign = "scenarios"\nscenarios = ["no_such"]\n', "no_such: no such scenario file"),
    "zero replicates": ('name = "x"\ndesign = "scenarios"\nscenarios = ["pre_reform"]\nreplicates = 0\n',
                        "replicates: found 0"),
    "inverted range": ('name = "x"\ndesign = "lhs"\n[factors]\n"purchase.budget_yuan" = {low = 6e7, high = 1e7}\n',
                       "factors.purchase.budget_yuan: found low = 60000000.0, high = 10000000.0, allowed: low < high"),
    "equal range": ('name = "x"\ndesign = "factorial"\n[factors]\n"purchase.budget_yuan" = {low = 1e7, high = 1e7}\n',
                    "allowed: low < high"),
    "infinite range": ('name = "x"\ndesign = "lhs"\n[factors]\n"purchase.budget_yuan" = {low = 0.0, high = inf}\n',
                       "factors.purchase.budget_yuan: found inf, allowed: finite numbers"),
    "nan in a grid": ('name = "x"\ndesign = "grid"\n[factors]\n"purchase.budget_yuan" = [nan]\n',
                      "factors.purchase.budget_yuan: found nan, allowed: finite numbers"),
    "range outside the declaration": ('name = "x"\ndesign = "lhs"\n[factors]\n'
                                      '"admin.committee_tasks" = {low = 5, high = 90}\n',
                                      "factors.admin.committee_tasks: found 5, allowed: an integer in [10, 400]"),
    "one whole number": ('name = "x"\ndesign = "lhs"\n[factors]\n"admin.committee_tasks" = {low = 70.2, high = 70.8}\n',
                         "holds fewer than two whole numbers"),
    "a value twice": ('name = "x"\ndesign = "grid"\n[factors]\n"admin.committee_tasks" = [72, 72]\n',
                      "factors.admin.committee_tasks: 72 listed more than once"),
    "a switch in a range": ('name = "x"\ndesign = "lhs"\n[factors]\n'
                            '"consultation.enabled" = {low = false, high = true}\n',
                            "a switch cannot be sampled in a range"),
    "sobol not a power of two": ('name = "x"\ndesign = "sobol"\nsamples = 12\n[factors]\n'
                                 '"purchase.budget_yuan" = {low = 0.0, high = 6e7}\n',
                                 "samples: found 12, allowed: a power of two for design 'sobol'"),
    "one morris trajectory": ('name = "x"\ndesign = "morris"\nsamples = 1\n[factors]\n'
                              '"purchase.budget_yuan" = {low = 0.0, high = 6e7}\n',
                              "samples: found 1, allowed: at least 2 trajectories"),
    "samples a grid ignores": ('name = "x"\ndesign = "grid"\nsamples = 8\n[factors]\n"admin.committee_tasks" = [72]\n',
                               "samples: not used by design 'grid'"),
    "base a scenario list ignores": ('name = "x"\ndesign = "scenarios"\nbase = "pre_reform"\n'
                                     'scenarios = ["pre_reform"]\n',
                                     "base: not used by design 'scenarios'"),
    "a scenario twice": ('name = "x"\ndesign = "scenarios"\nscenarios = ["pre_reform", "pre_reform"]\n',
                         "scenarios: pre_reform listed more than once"),
    "unknown indicator": ('name = "x"\ndesign = "scenarios"\nscenarios = ["pre_reform"]\n'
                          'indicators = ["need_coverag"]\n',
                          "indicators: 'need_coverag' is not an indicator (did you mean 'need_coverage'?)"),
    "missing factory module": ('name = "x"\ndesign = "grid"\nmodel = "no_such_module:make"\n[factors]\ntax = [0.1]\n',
                               "model: cannot import 'no_such_module': ModuleNotFoundError"),
    "factory not there": ('name = "x"\ndesign = "grid"\nmodel = "toy_model:nothing"\n[factors]\ntax = [0.1]\n',
                          "model: 'toy_model' has no callable 'nothing'"),
    "scale for another model": ('name = "x"\ndesign = "grid"\nmodel = "toy_model:make"\nscale = 0.1\n[factors]\n'
                                'tax = [0.1]\n',
                                "scale: not used with model = 'toy_model:make'"),
    "a name that is a path": ('name = "../x"\ndesign = "scenarios"\nscenarios = ["pre_reform"]\n',
                              "name: found '../x', allowed: letters, digits"),
    "too many runs": ('name = "x"\ndesign = "lhs"\nsamples = 100000\nreplicates = 100\n[factors]\n'
                      '"purchase.budget_yuan" = {low = 0.0, high = 6e7}\n',
                      "found 10,000,000 runs (design points × replicates), allowed: at most 1,000,000"),
    "months beyond the maximum": ('name = "x"\ndesign = "scenarios"\nscenarios = ["pre_reform"]\nmonths = 1201\n',
                                  "months: found 1201"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_experiment_files_give_one_line_and_exit_2(tmp_path, capsys, case):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(path) in lines[0], lines


def test_missing_experiment_file_and_bad_options(tmp_path, capsys):
    assert main(["experiment", "run", str(tmp_path / "none.toml")]) == 2
    assert main(["experiment", "run", str(ROOT / "experiments" / "smoke.toml"), "--workers", "0"]) == 2
    assert main(["experiment", "run", str(ROOT / "experiments" / "smoke.toml"), "--dask", "local:x"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and "no such experiment file" in lines[0]
    with pytest.raises(ExperimentError):
        load_experiment(tmp_path / "none.toml")


TOY = """
name = "toy_ok"
design = "grid"
model = "toy_model:make"
replicates = 3
months = 4
[factors]
tax = [0.0, 0.1, 0.3]
n = [10, 20]
"""


def test_a_damaged_chunk_is_one_line_exit_2_and_the_other_results_stay(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_S", 0.0)  # one run a batch: one chunk file a run
    path = write(tmp_path, TOY)
    out = tmp_path / "toy"
    run_experiment(load_experiment(path), out, workers=1, progress=False)
    whole = pd.read_parquet(out / "runs.parquet")
    chunks = sorted(p for p in (out / "runs").glob("chunk-*.parquet"))
    assert len(chunks) == 18
    argv = ["experiment", "run", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    damages = {"cut short (its footer is gone)": lambda b: b[: len(b) // 2],
               "a flipped byte in its data (the footer reads)": lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:]}
    for damaged, (how, damage) in zip(chunks[:2], damages.items(), strict=True):
        good = damaged.read_bytes()
        damaged.write_bytes(damage(good))
        others = {p: p.read_bytes() for p in (out / "runs").iterdir() if p != damaged}
        assert main(argv) == 2, how
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in captured.err, (how, captured.err)
        assert lines[0].startswith(f"error: {damaged}: cannot read (") and lines[0].endswith(
            "; delete it and run the same command again to redo its runs"), (how, lines[0])
        assert {p: p.read_bytes() for p in (out / "runs").iterdir() if p != damaged} == others, how
        damaged.unlink()  # as the line says
        assert main(argv) == 0, how
        assert "18 of 18 runs done (1 run now), 0 failed" in capsys.readouterr().out
        pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), whole)


def test_batches_of_any_size_give_the_same_results_and_every_run_once(tmp_path, monkeypatch):
    spec = load_experiment(write(tmp_path, TOY))
    run_experiment(spec, tmp_path / "batched", workers=2, progress=False)
    monkeypatch.setattr(engine, "FLUSH_S", 0.0)  # batches as usual, but a chunk written after every run
    run_experiment(spec, tmp_path / "flushed", workers=1, progress=False)
    monkeypatch.setattr(engine, "BATCH_S", 0.0)  # one run a batch
    run_experiment(spec, tmp_path / "single", workers=2, progress=False)
    batched, flushed, single = (pd.read_parquet(tmp_path / name / "runs.parquet")
                                for name in ("batched", "flushed", "single"))
    pd.testing.assert_frame_equal(batched, single)
    pd.testing.assert_frame_equal(batched, flushed)
    assert len(list((tmp_path / "single" / "runs").glob("chunk-*.parquet"))) == 18
    assert len(list((tmp_path / "flushed" / "runs").glob("chunk-*.parquet"))) == 18
    assert len(list((tmp_path / "batched" / "runs").glob("chunk-*.parquet"))) < 18
    for name in ("batched", "flushed", "single"):
        out = tmp_path / name
        ids = [i for p in (out / "runs").glob("chunk-*.parquet")
               for i in pd.read_parquet(p, columns=["run_id"])["run_id"].unique()]
        assert sorted(ids) == sorted(r.run_id for r in plan_runs(spec))  # each run in exactly one chunk
        manifest = json.loads((out / "manifest.json").read_text())
        for run in manifest["runs"]:  # the file the manifest names holds the run
            assert run["run_id"] in set(pd.read_parquet(out / run["file"], columns=["run_id"])["run_id"])


def test_batches_grow_to_about_a_second_of_work_and_shrink_at_the_end():
    runs = plan_runs(load_experiment(ROOT / "experiments" / "smoke.toml")) * 2000  # 12,000 runs to schedule
    batcher = engine._Batcher(runs, workers=2)
    first = [batcher.take() for _ in range(4)]
    assert [len(b) for b in first] == [1, 1, 1, 1]  # nothing is known of the runs' duration yet
    ms = 2.0**-10  # a run takes about a millisecond (exactly 1/1024 s)
    for batch in first:
        batcher.record(engine.BatchResult([(batch[0].run_id, ms, None)], ms))
    sizes = []
    while batch := batcher.take():
        sizes.append(len(batch))
        batcher.record(engine.BatchResult([(r.run_id, ms, None) for r in batch], ms * len(batch)))
    assert sum(sizes) == len(runs) - 4
    assert sizes[:4] == [4, 16, 64, 256]  # at most fourfold from one batch to the next
    assert max(sizes) == 1024  # 1 s of work
    assert sizes[-1] == 1 and sizes[-4:] == sorted(sizes[-4:], reverse=True)  # the last ones spread out
    slow = engine._Batcher(runs, workers=2)
    for _ in range(10):  # 25 s a run: every batch is one run, so an interruption loses at most one
        batch = slow.take()
        assert len(batch) == 1
        slow.record(engine.BatchResult([(batch[0].run_id, 25.0, None)], 25.0))


def test_runs_that_share_a_spin_up_go_to_one_worker_unless_that_starves_the_others():
    runs = plan_runs(load_experiment(ROOT / "experiments" / "smoke.toml")) * 10  # 60 runs
    starts = [i // 20 for i in range(len(runs))]  # three spun-up districts, 20 runs each
    batcher = engine._Batcher(runs, workers=2, starts=starts)
    sizes, taken = [], 0
    while batch := batcher.take():
        groups = {starts[taken + i] for i in range(len(batch))}
        sizes.append((len(batch), groups))
        taken += len(batch)
        batcher.record(engine.BatchResult([(r.run_id, 1.0, None) for r in batch], float(len(batch))))
    # The first batch is one run (nothing timed yet), stretched to its district's 20; the second district
    # fits in a worker's share of the 40 left; the last 20 are more than a worker's share: cut as usual.
    assert sizes[0] == (20, {0}) and sizes[1] == (20, {1})
    assert all(len(groups) == 1 for _, groups in sizes) and sum(n for n, _ in sizes) == 60
    assert [n for n, _ in sizes[2:]] != [20]


def test_a_sweep_orders_its_runs_by_the_spin_up_they_share(tmp_path, monkeypatch):
    text = """
name = "budgets"
design = "grid"
base = "yuzhong_2016"
replicates = 2
base_seed = 7
months = 26
scale = 0.005
record = "last"
[factors]
"purchase.budget_yuan" = [10_000_000.0, 30_000_000.0, 50_000_000.0]
"""
    spec = load_experiment(write(tmp_path, text))
    keys = [engine.start_key(r) for r in plan_runs(spec)]
    assert len(set(keys)) == 2 and len(keys) == 6  # the budget changes at month 25: a spin-up per seed
    assert keys[0] != keys[1]  # planned point by point, so the seeds alternate
    handed = []

    class Watched(engine._Batcher):
        def __init__(self, runs, workers, starts=None):
            handed.append([engine.start_key(r) for r in runs])
            super().__init__(runs, workers, starts)

    monkeypatch.setattr(engine, "_Batcher", Watched)
    run_experiment(spec, tmp_path / "one", workers=1, progress=False)
    assert handed[0] == sorted(handed[0], key=handed[0].index)  # each spin-up's runs next to each other
    run_experiment(spec, tmp_path / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "two" / "runs.parquet"))


def _one_file_a_run(out: Path) -> None:
    """Rewrite ``out/runs`` as the engine wrote it before chunks: ``<run_id>.parquet`` (and its panel) a run."""
    runs, panel = pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "communities.parquet")
    for p in (out / "runs").iterdir():
        p.unlink()
    for run_id, rows in runs.groupby("run_id"):
        panel[panel.run_id == run_id].reset_index(drop=True).to_parquet(out / "runs" / f"{run_id}.communities.parquet")
        rows.reset_index(drop=True).to_parquet(out / "runs" / f"{run_id}.parquet", index=False)


def test_a_folder_with_one_file_a_run_is_read_and_resumed(tmp_path):
    spec = load_experiment(write(tmp_path, SMALL))
    out = tmp_path / "old"
    run_experiment(spec, out, workers=1, progress=False)
    outputs = {name: pd.read_parquet(out / name) for name in ("runs.parquet", "points.parquet", "communities.parquet")}
    _one_file_a_run(out)
    again = run_experiment(spec, out, workers=1, progress=False)
    assert again.runs_run_now == 0 and again.runs_done == 4
    for name, frame in outputs.items():
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), frame)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["file"] for r in manifest["runs"]] == [f"runs/{r['run_id']}.parquet" for r in manifest["runs"]]
    lost = manifest["runs"][1]["run_id"]
    (out / "runs" / f"{lost}.parquet").unlink()  # one run to redo: it goes into a chunk beside the old files
    again = run_experiment(spec, out, workers=1, progress=False)
    assert again.runs_run_now == 1 and again.runs_done == 4
    for name, frame in outputs.items():
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), frame)
    assert json.loads((out / "manifest.json").read_text())["runs"][1]["file"].startswith("runs/chunk-")


def test_a_remote_dask_cluster_sends_results_back_and_this_process_writes_them(tmp_path):
    from distributed import LocalCluster

    spec = load_experiment(write(tmp_path, TOY.replace("0.1, 0.3", "0.13, 0.3")))  # 0.13 fails
    run_experiment(spec, tmp_path / "local", workers=1, progress=False)
    # Workers in this process's threads: they import toy_model as the tests do. The engine
    # treats the address as any remote scheduler's: results come back, it writes them.
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        result = run_experiment(spec, tmp_path / "remote", dask=cluster.scheduler_address, progress=False)
    assert cluster.scheduler_address.startswith("inproc://")
    assert result.runs_done == 12 and len(result.failed) == 6
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "remote" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "local" / "runs.parquet"))
    failures = sorted(p.name for p in (tmp_path / "remote" / "failures").glob("*.json"))
    assert failures == sorted(p.name for p in (tmp_path / "local" / "failures").glob("*.json")) and len(failures) == 6
    assert list((tmp_path / "remote" / "runs").glob("chunk-*.parquet"))
