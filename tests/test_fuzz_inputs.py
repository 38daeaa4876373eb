"""Fuzzing the commands' input contract with Hypothesis.

Generated scenario files, spreadsheet rows, experiment files and option
lines, valid and invalid, go through the ``sanshe`` command in this process.
Whatever they hold, the command keeps its promise: exit 0 with results, or
exit 2 with one line (``error: ...``) naming the file or option at fault;
never a traceback (an exception escaping ``main`` fails the test), never a
hang (each example has a deadline), files already in ``--out`` untouched and
no temporary file left. Sizes are kept small so that valid inputs run in
a fraction of a second, without the model's spin-up (generated scenarios set
``start.spinup_years = 0``; experiments use cold copies of the built-in
scenarios, see ``conftest.cold_copies``): the whole module takes well under
a minute.
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path

import pandas as pd
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cold_copies
from experiments.cli import main
from model.parameters import PARAMETERS

SETTINGS = dict(deadline=20_000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                derandomize=True)
SCALE = 0.001  # 630 resident rows: a month of a run costs a few milliseconds
MONTHS = 14  # past the first yearly review (month 13)
SENTINEL = "results of an earlier run"
NUMERIC = [p for p, d in PARAMETERS.items() if d.kind is not bool]
LEVERS = [p for p, d in PARAMETERS.items() if d.lever]
BAD_VALUES = st.sampled_from(["lots", "", [1, 2], {"a": 1}, float("nan"), float("inf"), -1e30, 1e30, True, -7])


def often(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """``good`` four times in five, else ``bad``: most examples are valid, so runs happen."""
    return st.integers(0, 4).flatmap(lambda k: bad if k == 0 else good)


def value_of(path: str) -> st.SearchStrategy:
    p = PARAMETERS[path]
    if p.kind is bool:
        good = st.booleans()
    elif p.kind is int:
        good = st.integers(int(p.low), int(p.high))
    else:
        good = st.floats(p.low, p.high, allow_nan=False)
    return often(good, BAD_VALUES | st.floats(allow_nan=True) | st.integers())


def invoke(argv: list[str]) -> tuple[int, list[str], str]:
    """Run the command in this process; its exit code, stderr lines and stdout."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    return code, err.getvalue().strip().splitlines(), out.getvalue()


def assert_contract(code: int, err: list[str], names: list[str], out_dir: Path | None = None) -> None:
    """Exit 0, or exit 2 with one ``error:`` line that names one of ``names``.

    The sentinel file in ``out_dir`` is untouched and no temporary file is there.
    """
    assert code in (0, 2), (code, err)
    errors = [line for line in err if not line.startswith("note: ")]
    if code == 2:
        assert len(errors) == 1 and errors[0].startswith("error: "), err
        assert any(n in errors[0] for n in names), (names, errors)
    else:
        assert not errors, err
    if out_dir is not None:
        assert (out_dir / "earlier.txt").read_text() == SENTINEL
        assert not [p for p in out_dir.rglob("*.tmp")]


def out_folder(root: Path) -> Path:
    out = root / "out"
    out.mkdir()
    (out / "earlier.txt").write_text(SENTINEL)
    return out


# --- scenario files ---------------------------------------------------------------
def good_value(path: str) -> st.SearchStrategy:
    p = PARAMETERS[path]
    if p.kind is bool:
        return st.booleans()
    if p.kind is int:
        return st.integers(int(p.low), int(p.high))
    return st.floats(p.low, p.high, allow_nan=False)


MUTATIONS = ["name", "key", "group", "value", "month", "not a lever", "extends", "top key", "twice", "garbage"]


@st.composite
def scenario_documents(draw) -> dict | str:
    """A valid scenario document, or (about half the time) one with a single mistake."""
    doc: dict = {"name": draw(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True))}
    if draw(st.booleans()):
        doc["extends"] = draw(st.sampled_from(["pre_reform", "yuzhong_2016", "tasks_72"]))
    params: dict = {}
    for path in draw(st.lists(st.sampled_from([p for p in PARAMETERS if p != "population.population_scale"]),
                              max_size=3, unique=True)):
        group, name = path.split(".")
        params.setdefault(group, {})[name] = draw(good_value(path))
    changes = []
    for _ in range(draw(st.integers(0, 2))):
        change: dict = {"month": draw(st.integers(2, 13))}
        for path in draw(st.lists(st.sampled_from(LEVERS), min_size=1, max_size=2, unique=True)):
            group, name = path.split(".")
            change.setdefault(group, {})[name] = draw(good_value(path))
        changes.append(change)
    params.setdefault("start", {})["spinup_years"] = 0  # the contract, not the dynamics, is under test
    mutation = draw(st.one_of(st.none(), st.sampled_from(MUTATIONS)))
    if mutation == "garbage":
        return draw(st.sampled_from(["name = [\n", "name = \"x\"\n[params\n", "\x00\x01", "[[changes]]\nmonth=\n"]))
    if mutation == "name":
        doc["name"] = draw(BAD_VALUES)
    elif mutation == "key":
        params.setdefault("admin", {})[draw(st.sampled_from(["committee_task", "bogus", "tasks"]))] = 72
    elif mutation == "group":
        params[draw(st.sampled_from(["admn", "no_such_group"]))] = {"x": 1}
    elif mutation == "value":
        path = draw(st.sampled_from(list(PARAMETERS)))
        group, name = path.split(".")
        params.setdefault(group, {})[name] = draw(BAD_VALUES | st.integers(10**6, 10**12))
    elif mutation == "month":
        changes.append({"month": draw(st.sampled_from([0, -3, 1201, "25", 2.5])), "admin": {"committee_tasks": 100}})
    elif mutation == "not a lever":
        changes.append({"month": 5, "population": {"share_elderly": 0.3}})
    elif mutation == "extends":
        doc["extends"] = draw(st.sampled_from(["no_such", "", "generated"]))  # "generated" extends itself
    elif mutation == "top key":
        doc["descripton"] = "a misspelt key"
    elif mutation == "twice":
        changes += [{"month": 9, "admin": {"committee_tasks": 100}}, {"month": 9, "admin": {"committee_tasks": 120}}]
    if params:
        doc["params"] = params
    if changes:
        doc["changes"] = changes
    return doc


def toml_text(doc: dict | str) -> str:
    """The document as TOML; a value TOML cannot hold becomes a broken line, also worth trying."""
    if isinstance(doc, str):
        return doc
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return 'name = "x\n'


@settings(max_examples=40, **SETTINGS)
@given(doc=scenario_documents())
def test_generated_scenario_files_run_or_give_one_line(doc):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "generated.toml"
        path.write_text(toml_text(doc))
        out = out_folder(root)
        code, err, _ = invoke(["run", str(path), "--months", str(MONTHS), "--scale", str(SCALE),
                               "--out", str(out), "--quiet"])
        assert_contract(code, err, [str(path)], out)
        if code == 0:
            assert len(pd.read_parquet(out / "district.parquet")) == MONTHS
        code, err, shown = invoke(["show", str(path)])
        assert_contract(code, err, [str(path)])
        if code == 0:
            assert shown.startswith(f"{doc['name']}: ")


# --- spreadsheets -----------------------------------------------------------------
@st.composite
def tables(draw) -> tuple[pd.DataFrame, str]:
    """A table of scenario rows and the row to run: valid, or with one mistake."""
    names = draw(st.lists(st.from_regex(r"[a-z]{1,6}", fullmatch=True), min_size=1, max_size=3, unique=True))
    frame = pd.DataFrame({"name": names})
    if draw(st.booleans()):
        frame["extends"] = draw(st.sampled_from(["", "tasks_72", "pre_reform"]))
    for path in draw(st.lists(st.sampled_from([p for p in PARAMETERS if p != "population.population_scale"]),
                              min_size=1, max_size=3, unique=True)):
        dated = PARAMETERS[path].lever and draw(st.booleans())
        column = f"{path}@{draw(st.integers(2, 13))}" if dated else path
        frame[column] = [draw(st.one_of(good_value(path), st.just(""))) for _ in names]
    frame["start.spinup_years"] = 0  # the contract, not the dynamics, is under test
    row = draw(st.sampled_from(names))
    mutation = draw(st.one_of(st.none(), st.sampled_from(["column", "dated", "cell", "row", "extends"])))
    if mutation == "column":
        frame[draw(st.sampled_from(["purchase.budget_yaun", "budget", "admin.committee_tasks@"]))] = 1
    elif mutation == "dated":
        frame[draw(st.sampled_from(["population.share_elderly@5", "admin.committee_tasks@0",
                                    "admin.committee_tasks@x"]))] = 0.3
    elif mutation == "cell":
        column = draw(st.sampled_from([c for c in frame.columns if c not in ("name", "extends")]))
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[names.index(row)], column] = draw(st.sampled_from(["lots", "1e999", "-5e9", "yes"]))
    elif mutation == "row":
        row = "missing_row"
    elif mutation == "extends":
        frame["extends"] = "nope"
    return frame, row


@settings(max_examples=25, **SETTINGS)
@given(table=tables(), excel=st.integers(0, 3))
def test_generated_spreadsheet_rows_run_or_give_one_line(table, excel):
    frame, row = table
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / ("rows.xlsx" if excel == 0 else "rows.csv")
        (frame.to_excel(path, index=False) if excel == 0 else frame.to_csv(path, index=False))
        out = out_folder(root)
        code, err, _ = invoke(["run", f"{path}#{row}", "--months", str(MONTHS), "--scale", str(SCALE),
                               "--out", str(out), "--quiet"])
        assert_contract(code, err, [str(path)], out)
        if code == 0:
            assert len(pd.read_parquet(out / "district.parquet")) == MONTHS


# --- experiment files -------------------------------------------------------------
FACTORS = ["admin.committee_tasks", "purchase.budget_yuan", "social_work.posts_per_community",
           "consultation.enabled", "detection.grid_helpers"]


@st.composite
def experiment_documents(draw) -> dict | str:
    """A small valid experiment (a few runs of a few months), or one with a single mistake."""
    design = draw(st.sampled_from(["scenarios", "grid", "factorial", "lhs", "sobol", "morris"]))
    doc: dict = {"name": "fuzz", "design": design}
    if design == "scenarios":
        doc["scenarios"] = draw(st.lists(st.sampled_from(["pre_reform", "tasks_72", "posts_0"]),
                                         min_size=1, max_size=2, unique=True))
    else:
        doc["base"] = draw(st.sampled_from(["tasks_72", "pre_reform"]))  # cold copies: see the test
        ranged = design in ("lhs", "sobol", "morris")
        paths = draw(st.lists(st.sampled_from([f for f in FACTORS if not ranged or f != "consultation.enabled"]),
                              min_size=1, max_size=2 if design != "sobol" else 1, unique=True))
        factors = {}
        for path in paths:
            p = PARAMETERS[path]
            if design == "grid":
                factors[path] = draw(st.lists(good_value(path), min_size=1, max_size=2, unique=True))
            elif p.kind is bool:
                factors[path] = {"low": False, "high": True}
            else:
                low, high = sorted(draw(st.lists(st.integers(int(p.low), int(p.high)), min_size=2, max_size=2,
                                                 unique=True)))
                factors[path] = {"low": low, "high": high} if high - low >= 1 else {"low": p.low, "high": p.high}
        doc["factors"] = factors
        if ranged:
            doc["samples"] = 2
    doc.update(replicates=draw(st.integers(1, 2)), months=draw(st.integers(1, 3)), scale=SCALE)
    if draw(st.booleans()):
        doc["indicators"] = draw(st.lists(st.sampled_from(["need_coverage", "org_count", "satisfaction"]),
                                          min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        doc["record"] = draw(st.sampled_from(["all", "last"]))
    mutation = draw(st.one_of(st.none(), st.sampled_from(
        ["design", "name", "replicates", "months", "scale", "indicator", "record", "top key", "scenario",
         "factor path", "factor value", "range", "samples", "base", "garbage"])))
    if mutation == "garbage":
        return draw(st.sampled_from(["design = \n", "name = 'x'\n[factors\n", "\x00"]))
    bad = {"design": ("design", "random"), "name": ("name", draw(st.sampled_from(["../up", "", "a b", 3]))),
           "replicates": ("replicates", draw(st.sampled_from([0, -1, "2", 1.5]))),
           "months": ("months", draw(st.sampled_from([0, 1201, "12", 2.5]))),
           "scale": ("scale", draw(st.sampled_from([0, 2.0, "small", float("nan")]))),
           "indicator": ("indicators", draw(st.sampled_from([[], ["need_coverag"], "need_coverage"]))),
           "record": ("record", "every"), "top key": ("replicate", 2),
           "samples": ("samples", draw(st.sampled_from([0, 3, -1, "4"]))),
           "base": ("base", draw(st.sampled_from(["nope", "yuzhong_2016"]))),
           "scenario": ("scenarios", draw(st.sampled_from([[], ["no_such"], ["tasks_72", "tasks_72"], "tasks_72"])))}
    if mutation in bad:
        key, value = bad[mutation]
        doc[key] = value
    elif mutation == "factor path":
        doc["factors"] = {"admin.tasks": [72]}
    elif mutation == "factor value":
        doc["factors"] = {"admin.committee_tasks": draw(st.sampled_from([[5], ["x"], [72, 72], [], 72]))}
    elif mutation == "range":
        doc["factors"] = {"purchase.budget_yuan": draw(st.sampled_from(
            [{"low": 6e7, "high": 1e7}, {"low": 1e7, "high": 1e7}, {"low": 0.0, "high": float("inf")},
             {"low": 1}, {"low": "a", "high": "b"}]))}
    return doc


@settings(max_examples=30, **SETTINGS)
@given(doc=experiment_documents())
def test_generated_experiment_files_run_or_give_one_line(doc):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cold_copies(root)  # the scenarios it names, found beside it, without a spin-up
        path = root / "fuzz.toml"
        path.write_text(toml_text(doc))
        out = out_folder(root)
        code, err, printed = invoke(["experiment", "run", str(path), "--out", str(out), "--workers", "1",
                                     "--no-progress"])
        assert_contract(code, err, [str(path)], out)
        if code == 0:
            runs = pd.read_parquet(out / "runs.parquet")
            assert runs["run_id"].nunique() == int(printed.split(" of ")[1].split()[0])


# --- option lines -----------------------------------------------------------------
BAD_OPTIONS = {
    "--months": ["0", "-5", "1201", "1000000000", "x", "", "2.5"],
    "--scale": ["0", "-1", "2", "nan", "inf", "tiny", ""],
    "--seed": ["-1", str(2**64), "seed", ""],
    "--seeds": ["0", "-2", "1001", "many"],
    "--workers": ["0", "-1", "x", "100000"],
    "--dask": ["local:0", "local:x", "foo://h:1", "not an address", ""],
    "--lang": ["fr", ""],
    "--window": ["0", "-1", "x"],
    "--port": ["0", "70000", "-1", "http"],
}
JUNK = st.sampled_from(["--nope", "-x", "walk", "--months", "--", "extra", "--out", "--scale=x"])


@st.composite
def option_lines(draw, root: Path) -> tuple[list[str], list[str]]:
    """A command line, valid or with one mistake, and the words its one-line error may name."""
    kind = draw(st.sampled_from(["run", "show", "calibrate", "experiment run", "experiment report",
                                 "app", "params", "scenarios", "junk"]))
    out = str(root / "out")
    if kind == "run":
        argv = ["run", str(root / draw(st.sampled_from(["tasks_72.toml", "pre_reform.toml"]))),
                "--months", str(draw(st.integers(1, 2))),
                "--scale", str(SCALE), "--seed", str(draw(st.integers(0, 2**32 - 1))), "--out", out, "--quiet"]
    elif kind == "show":
        argv = ["show", draw(st.sampled_from(["tasks_72", "yuzhong_2016", "no_such", str(root), "x.csv#y"]))]
    elif kind == "experiment run":
        argv = ["experiment", "run", str(root / "tiny.toml"), "--out", out, "--workers", "1", "--no-progress"]
    elif kind == "params":
        argv = ["params"] + draw(st.sampled_from([[], ["--markdown"]]))
    elif kind == "scenarios":
        argv = ["scenarios"]
    elif kind == "junk":
        argv = draw(st.lists(JUNK, min_size=0, max_size=3))
    # The commands below are too slow (or start a server) when valid: they always carry a mistake.
    elif kind == "calibrate":
        argv = ["calibrate", "--seeds", draw(st.sampled_from(BAD_OPTIONS["--seeds"])), "--scale", str(SCALE)]
    elif kind == "experiment report":
        argv = ["experiment", "report", str(root / "no_results"), "--lang", "en", "--window", "12"]
    else:
        argv = ["app", "--port", draw(st.sampled_from(BAD_OPTIONS["--port"]))]
    options = [i for i, a in enumerate(argv) if a in BAD_OPTIONS]
    mistake = draw(st.sampled_from(["none", "value", "out", "junk", "file"]))
    if mistake == "value" and options:
        i = draw(st.sampled_from(options))
        argv[i + 1] = draw(st.sampled_from(BAD_OPTIONS[argv[i]]))
    elif mistake == "out" and "--out" in argv:
        argv[argv.index("--out") + 1] = draw(st.sampled_from(["", str(root / "a_file"), str(root / "a_file" / "x")]))
    elif mistake == "junk":
        argv.insert(draw(st.integers(0, len(argv))), draw(JUNK))
    elif mistake == "file" and kind == "experiment run":
        argv[2] = draw(st.sampled_from([str(root / "none.toml"), str(root), str(root / "a_file")]))
    if kind == "experiment run" and draw(st.integers(0, 4)) == 0:
        argv += ["--dask", draw(st.sampled_from(BAD_OPTIONS["--dask"]))]
    names = [part for a in argv for part in (a, a.split("#")[0]) if part] + ["sanshe", "argument", "arguments"]
    return argv, names


@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_generated_option_lines_run_or_give_one_line(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a_file").write_text("not a folder")
        cold_copies(root, "tasks_72", "pre_reform")
        (root / "tiny.toml").write_text('name = "tiny"\ndesign = "scenarios"\nscenarios = ["tasks_72"]\n'
                                        f'months = 1\nscale = {SCALE}\nreplicates = 1\n')
        argv, names = data.draw(option_lines(root))
        code, err, _ = invoke(argv)
        assert_contract(code, err, names)
        if code == 0 and "--out" in argv:  # the results are where they were asked for, nowhere else
            out = argv[argv.index("--out") + 1]
            assert out.strip() and (Path(out) / "manifest.json").is_file(), argv
        if code == 0 and argv[:1] == ["run"]:
            assert len(pd.read_parquet(root / "out" / "district.parquet")) == int(argv[argv.index("--months") + 1])
        assert (root / "a_file").read_text() == "not a folder"


def test_the_strategies_make_both_valid_and_invalid_inputs():
    """A fuzzer that only ever makes mistakes (or never does) tests half the contract."""
    codes = []

    @settings(max_examples=30, **SETTINGS)
    @given(doc=scenario_documents())
    def collect(doc):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "g.toml"
            path.write_text(toml_text(doc))
            codes.append(invoke(["show", str(path)])[0])

    collect()
    assert 0 in codes and 2 in codes and not math.isnan(sum(codes))
