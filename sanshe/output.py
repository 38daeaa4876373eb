"""Running a scenario and writing its results: Parquet tables and a manifest."""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine imports this module for its files and versions, not to run the model
    import pandas as pd

    from model.model import SansheModel
    from model.scenario import Scenario

PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "matplotlib")


@dataclass
class RunResult:
    """What one run produced."""

    district: pd.DataFrame
    communities: pd.DataFrame
    manifest: dict[str, Any]


def run_scenario(scenario: Scenario, months: int, seed: int) -> RunResult:
    """Build the model for ``scenario`` and run it for ``months``."""
    t0 = time.perf_counter()
    from model.model import SansheModel

    model = SansheModel(scenario, seed=seed)
    t1 = time.perf_counter()
    model.run(months)
    t2 = time.perf_counter()
    manifest = {
        "scenario": scenario.as_dict(),
        "seed": seed,
        "scale": model.params.population.population_scale,
        "months": months,
        "start": start_record(model),
        "resident_rows": model.residents.n,
        "code_version": code_version(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "host": platform.node(),
        "wall_time_s": {"build_and_spinup": round(t1 - t0, 3), "run": round(t2 - t1, 3),
                        "total": round(t2 - t0, 3)},
    }
    return RunResult(model.recorder.district_frame(), model.recorder.community_frame(model), manifest)


def start_record(model: SansheModel) -> dict[str, Any]:
    """How the run's start was made (for the manifest): the spin-up before month 1."""
    years = model.params.start.spinup_years
    return {"spinup_years": years, "first_month": model.first_month,
            "how": (f"{years} years under the month-1 parameters, unrecorded, before month 1: the run "
                    "starts from the steady state of the regime it starts in") if years else
                   "no spin-up: month 1 follows the build"}


def code_version() -> dict[str, Any]:
    """The package version and, inside a git checkout, the commit and whether the tree was dirty.

    Read once per process, the first time it is asked: the code a process
    runs is what was checked out when it began, not what is checked out when
    it writes its record hours later. Each caller gets its own copy.
    """
    return dict(_code_version())


@functools.cache
def _code_version() -> dict[str, Any]:
    """The record :func:`code_version` copies, read from git once."""
    info: dict[str, Any] = {"package": _version("sanshe")}
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        info.update(commit=commit, dirty=bool(dirty))
    except (OSError, subprocess.SubprocessError):
        info.update(commit=None, dirty=None)
    return info


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run depends on, for the manifest."""
    return {name: _version(name) for name in PACKAGES}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_outputs(result: RunResult, out: Path) -> None:
    """Write the tables and the manifest.

    Each file is written to a temporary name and renamed, so an interrupted write
    never leaves a half file and other files in ``out`` are left alone.
    """
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "district.parquet",
                 lambda p: result.district.to_parquet(p, index=False, write_page_checksum=True))
    atomic_write(out / "communities.parquet",
                 lambda p: result.communities.to_parquet(p, index=False, write_page_checksum=True))
    atomic_write(out / "manifest.json",
            lambda p: Path(p).write_text(json.dumps(result.manifest, indent=2, ensure_ascii=False)))


def atomic_write(target: Path, write) -> None:
    """Call ``write(temporary_path)`` beside ``target``, then rename it into place.

    A reader sees the whole file or none, even after a kill. The file gets the mode
    a newly created file gets (``0o666`` less the umask), not the owner-only mode
    of the temporary file. An interruption (Ctrl-C) removes the temporary file.
    """
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it.

    Changing it, even briefly, would race with other threads creating files.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written into ``folder``, or None when they can.

    ``folder`` is created if it does not exist yet. Tried with an unnamed
    temporary file, which a read-only disk refuses even to root and which leaves
    nothing behind; checked before any work, so a long run never ends on a refusal.
    """
    try:
        if folder.exists() and not folder.is_dir():
            return f"{folder} exists and is not a folder"
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
    except OSError as e:
        return f"cannot reach {folder}: {e.strerror or e}"
    if not probe.is_dir():
        return f"cannot create {folder}: {probe} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=probe):
            return None
    except OSError as e:
        return f"cannot write to {probe}: {e.strerror or e}"


SUMMARY = (
    "need_coverage", "coverage_vulnerable", "unmet_wait_months", "satisfaction",
    "trust_committee", "trust_government", "consultation_rate", "volunteer_rate",
    "committee_admin_share", "street_centre_wait_months", "org_count", "orgs_per_10k",
    "org_staff", "contract_holders", "contract_top10_share", "certified_share",
    "certified_workers", "room_posts_filled", "social_worker_vacancies",
    "purchase_spent_yuan", "cost_per_need_met_yuan", "coverage_gini",
)


def print_summary(result: RunResult, out: Path) -> None:
    """Print the indicator summary: first year, last year and final month."""
    from model.indicators import DISTRICT_INDICATORS

    df = result.district
    m = result.manifest
    first = df[df.month <= 12]
    last = df[df.month > df.month.max() - 12]
    print(f"sanshe run: {m['scenario']['name']}, {m['months']} months, seed {m['seed']}, "
          f"scale {m['scale']} ({m['resident_rows']:,} resident rows), "
          f"{m['wall_time_s']['total']:.1f} s")
    print(f"{'indicator':28s} {'unit':>26s} {'year 1':>12s} {'last year':>12s} {'final':>12s}")
    for name in SUMMARY:
        unit = DISTRICT_INDICATORS[name][0]
        print(f"{name:28s} {unit[:26]:>26s} {_fmt(first[name].mean(), name)} "
              f"{_fmt(last[name].mean(), name)} {_fmt(df[name].iloc[-1], name)}")
    print(f"written: {out / 'district.parquet'}, {out / 'communities.parquet'}, {out / 'manifest.json'}")


def _fmt(x: float, name: str) -> str:
    """One cell of the summary, in the report's number style: counts as integers (``520``, not ``520.000``).

    Other values keep three decimals (shares and scores in [0, 1] alike), or none from 1,000 on.
    """
    import pandas as pd

    from experiments.numbers import count, is_count, number

    if pd.isna(x):
        return f"{'n/a':>12s}"
    if is_count(name):
        return f"{count(x):>12s}"
    return f"{number(x, 0 if abs(x) >= 1000 else 3):>12s}"
