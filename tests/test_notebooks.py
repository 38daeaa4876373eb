"""The tutorial notebooks run top to bottom, in this interpreter, and are committed without outputs.

Each notebook is executed with nbclient in a fresh kernel. The kernel is this
test's interpreter: a ``python3`` kernel spec pointing at ``sys.executable`` is
written to a temporary Jupyter path that comes before any other, so a user's or
a system's own ``python3`` spec (another Python, without sanshe) cannot be picked
up. The kernel gets the repository on ``PYTHONPATH`` (works with or without an
editable install) and writes whatever the notebooks write to a temporary folder
(``SANSHE_NOTEBOOK_OUT``), never into the repository.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 120
MAX_FILE_BYTES = 40_000  # committed without outputs, a notebook is text only

PROBE = "import json, sys\nprint(json.dumps({'executable': sys.executable, 'prefix': sys.prefix}))"


@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data folder holding one ``python3`` kernel spec: this interpreter."""
    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(root / "kernels" / "python3")
    return root


@pytest.fixture
def kernel_env(jupyter_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment the kernel inherits; returns the notebooks' output folder."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    out = tmp_path / "out"
    monkeypatch.setenv("SANSHE_NOTEBOOK_OUT", str(out))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return out


def test_there_are_notebooks_and_the_readme_lists_each():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    missing = [nb.name for nb in NOTEBOOKS if nb.name not in readme]
    assert not missing, f"notebooks/README.md does not list {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before "
                       "committing (e.g. `jupyter nbconvert --clear-output --inplace`)")
    assert path.stat().st_size <= MAX_FILE_BYTES, f"{path.name}: {path.stat().st_size} bytes"


def test_the_python3_kernel_spec_is_this_interpreter(kernel_env: Path, jupyter_path: Path):
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir) == jupyter_path / "kernels" / "python3"
    assert spec.argv[0] == sys.executable


SWEEPING = {"02_compare_reforms.ipynb", "03_sensitivity.ipynb", "05_problems.ipynb"}
"""Notebooks that run a sweep of spun-up districts (20 s to a minute or two each): `make test-slow` runs them."""


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.name in SWEEPING else p
                                  for p in NOTEBOOKS], ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_in_this_interpreter(path: Path, kernel_env: Path):
    before = sorted(NOTEBOOK_DIR.rglob("*"))
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))  # which Python ran the notebook
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
    except CellExecutionError as e:
        pytest.fail(f"{path.name} failed:\n{e}", pytrace=False)
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    probe = json.loads("".join(o.text for o in nb.cells[-1].outputs if o.output_type == "stream"))
    assert Path(probe["prefix"]).resolve() == Path(sys.prefix).resolve(), \
        f"{path.name} ran in {probe['executable']}, not in this interpreter ({sys.executable})"
    images = sum("image/png" in o.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
                 for o in cell.outputs)
    assert images, f"{path.name} displayed no figure"
    # Whatever the notebook wrote went to the temporary folder, not beside the notebooks.
    assert sorted(NOTEBOOK_DIR.rglob("*")) == before
