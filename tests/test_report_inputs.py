"""`sanshe experiment report` on a damaged results folder: one line, exit 2.

One small real experiment is run once; each test copies its folder, breaks
one thing (a missing, empty, truncated or overwritten file, a manifest of
the wrong shape, a table with a column dropped or of the wrong type, a run
the manifest does not know, a bad ``--out``) and runs the command. The
contract: exit code 2, exactly one line on standard error naming the broken
file, no traceback, and not a byte of the folder changed or added. A
property test breaks runs.parquet, manifest.json or communities.parquet in
generated ways (truncated, bytes flipped, a column dropped or replaced by
text): the command either writes its report (exit 0) or says what is wrong
in one line naming the file (exit 2), never a traceback.
"""

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_experiment_file
from experiments.cli import main

TINY = """
name = "inputs"
description = "Two scenarios, a tiny folder to break."
design = "scenarios"
scenarios = ["tasks_296", "tasks_72"]
replicates = 2
base_seed = 3
months = 3
scale = 0.005
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_experiment_file(tmp_path_factory.mktemp("inputs"), TINY, "inputs")[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


def report(folder: Path, *argv: str) -> tuple[int, str, str]:
    """Run the command in-process: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["experiment", "report", str(folder), *argv])
    return code, out.getvalue(), err.getvalue()


def copy(results: Path, where: Path) -> Path:
    folder = where / "broken"
    shutil.copytree(results, folder)
    return folder


def assert_one_line_naming(folder: Path, named: str, *argv: str) -> str:
    """Exit 2, one line on stderr naming ``named``, no traceback, nothing written."""
    before = snapshot(folder)
    code, _, err = report(folder, *argv)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert named in err and "Traceback" not in err, err
    assert snapshot(folder) == before  # nothing changed, nothing added
    return err


# --- the cases ----------------------------------------------------------------
def _parquet(name: str, change):
    def mutate(folder: Path) -> None:
        frame = pd.read_parquet(folder / name)
        change(frame).to_parquet(folder / name, index=False)
    return mutate


def _bytes(name: str, change):
    def mutate(folder: Path) -> None:
        (folder / name).write_bytes(change((folder / name).read_bytes()))
    return mutate


def _manifest(change):
    def mutate(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        (folder / "manifest.json").write_text(json.dumps(change(manifest)), encoding="utf-8")
    return mutate


def _unlink(name: str):
    return lambda folder: (folder / name).unlink()


def _broken_failure_record(folder: Path) -> None:
    (folder / "failures" / "abc.json").write_text('{"run_id": "abc", "error": ', encoding="utf-8")
    _manifest(lambda m: {**m, "failures": ["failures/abc.json"], "runs_failed": 1})(folder)


def _without(key: str):
    return _manifest(lambda m: {k: v for k, v in m.items() if k != key})


def _first_run_unknown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(run_id=["0123456789abcdef0123", *frame["run_id"].iloc[1:]])


KEYS = ["run_id", "point", "replicate", "seed", "scenario", "month"]

CASES = {  # case: (change to the folder, file the message must name, words it must hold)
    "manifest missing": (_unlink("manifest.json"), "manifest.json", "missing"),
    "manifest not JSON": (_bytes("manifest.json", lambda b: b[: len(b) // 2]), "manifest.json", "not valid JSON"),
    "manifest empty": (_bytes("manifest.json", lambda b: b""), "manifest.json", "empty file"),
    "manifest a list": (_manifest(lambda m: [m]), "manifest.json", "JSON object"),
    "manifest without spec": (_without("spec"), "manifest.json", "spec: missing"),
    "manifest runs not a list": (_manifest(lambda m: {**m, "runs": {"0": m["runs"][0]}}), "manifest.json",
                                 "runs: found a JSON object"),
    "manifest run without point": (_manifest(lambda m: {**m, "runs": [{k: v for k, v in r.items() if k != "point"}
                                                                      for r in m["runs"]]}),
                                   "manifest.json", "runs.0.point: missing"),
    "manifest runs_done text": (_manifest(lambda m: {**m, "runs_done": "4"}), "manifest.json", "runs_done"),
    "manifest spec broken": (_manifest(lambda m: {**m, "spec": {**m["spec"], "design": "nope"}}), "manifest.json",
                             "spec: design: found 'nope'"),
    "runs missing": (_unlink("runs.parquet"), "runs.parquet", "missing"),
    "runs empty": (_bytes("runs.parquet", lambda b: b""), "runs.parquet", "empty file"),
    "runs truncated": (_bytes("runs.parquet", lambda b: b[: len(b) // 2]), "runs.parquet", "cannot read"),
    "runs random bytes": (_bytes("runs.parquet", lambda b: os.urandom(len(b))), "runs.parquet", "cannot read"),
    "runs without month": (_parquet("runs.parquet", lambda f: f.drop(columns="month")), "runs.parquet",
                           "column month: missing"),
    "runs point as text": (_parquet("runs.parquet", lambda f: f.assign(point=f["point"].astype(str))),
                           "runs.parquet", "column point: found '0'"),
    "runs indicator as text": (_parquet("runs.parquet", lambda f: f.assign(need_coverage="high")), "runs.parquet",
                               "column need_coverage: found 'high'"),
    "runs without indicators": (_parquet("runs.parquet", lambda f: f[KEYS]), "runs.parquet", "no indicator column"),
    "runs without rows": (_parquet("runs.parquet", lambda f: f.iloc[:0]), "runs.parquet",
                          "no run of this experiment finished"),
    "runs of another experiment": (_parquet("runs.parquet", _first_run_unknown), "runs.parquet",
                                   "not a run of"),
    "runs with a wrong seed": (_parquet("runs.parquet", lambda f: f.assign(seed=f["seed"] + 1)), "runs.parquet",
                               "seed"),
    "communities truncated": (_bytes("communities.parquet", lambda b: b[: len(b) // 2]), "communities.parquet",
                              "cannot read"),
    "communities out of the district": (_parquet("communities.parquet",
                                                 lambda f: f.assign(community=f["community"] + 1000)),
                                        "communities.parquet", "column community"),
    "failure record not JSON": (_broken_failure_record, "failures/abc.json", "not valid JSON"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_results_folder_is_one_line_naming_the_file(results, tmp_path, case):
    mutate, named, words = CASES[case]
    folder = copy(results, tmp_path)
    mutate(folder)
    err = assert_one_line_naming(folder, str(folder / named))
    assert words in err


def test_out_in_a_missing_folder_is_one_line(results, tmp_path):
    folder = copy(results, tmp_path)
    out = tmp_path / "nowhere" / "report.html"
    err = assert_one_line_naming(folder, str(out), "--out", str(out))
    assert "does not exist" in err and not out.parent.exists()


def test_out_that_is_a_directory_is_one_line(results, tmp_path):
    folder = copy(results, tmp_path)
    err = assert_one_line_naming(folder, str(tmp_path), "--out", str(tmp_path))
    assert "is a directory" in err


def test_figures_folder_that_is_a_file_is_one_line(results, tmp_path):
    folder = copy(results, tmp_path)
    (folder / "figures").write_text("not a folder", encoding="utf-8")
    assert "is not a folder" in assert_one_line_naming(folder, str(folder / "figures"))


def test_the_valid_folder_still_gives_a_report(results, tmp_path):
    folder = copy(results, tmp_path)
    before = snapshot(folder)
    out = tmp_path / "elsewhere.html"
    code, stdout, err = report(folder, "--out", str(out))
    assert code == 0, err
    assert out.is_file() and "report:" in stdout
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k in before} == before  # results untouched
    assert all(k.startswith("figures/") for k in set(after) - set(before))
    assert not [f for f in folder.rglob("*.tmp")] and not [f for f in tmp_path.glob(".*.tmp")]


# --- generated damage -----------------------------------------------------------
def _truncate(data: st.DataObject, blob: bytes) -> bytes:
    return blob[: data.draw(st.integers(0, len(blob) - 1), label="length")]


def _flip(data: st.DataObject, blob: bytes) -> bytes:
    out = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        at = data.draw(st.integers(0, len(out) - 1), label="at")
        out[at] ^= data.draw(st.integers(1, 255), label="xor")
    return bytes(out)


def _drop_column(data: st.DataObject, frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=data.draw(st.sampled_from(list(frame.columns)), label="column"))


def _text_column(data: st.DataObject, frame: pd.DataFrame) -> pd.DataFrame:
    column = data.draw(st.sampled_from(list(frame.columns)), label="column")
    texts = data.draw(st.lists(st.text(max_size=6), min_size=len(frame), max_size=len(frame)), label="texts")
    return frame.assign(**{column: texts})


@settings(max_examples=30, deadline=None, derandomize=True,  # the same examples on every machine, ~15 s
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_damage_is_a_report_or_one_line(results, data):
    name = data.draw(st.sampled_from(["runs.parquet", "manifest.json", "communities.parquet"]), label="file")
    kinds = ["truncate", "flip"] + (["drop column", "text column"] if name.endswith(".parquet") else [])
    kind = data.draw(st.sampled_from(kinds), label="damage")
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy(results, Path(tmp))
        target = folder / name
        if kind in ("truncate", "flip"):
            target.write_bytes((_truncate if kind == "truncate" else _flip)(data, target.read_bytes()))
        else:
            frame = pd.read_parquet(target)
            (_drop_column if kind == "drop column" else _text_column)(data, frame).to_parquet(target, index=False)
        before = snapshot(folder)
        code, _, err = report(folder)  # a traceback would fail the test here
        assert code in (0, 2), err
        if code == 0:
            assert (folder / "report.html").is_file()
        else:
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
            assert name in err, err
            assert snapshot(folder) == before
