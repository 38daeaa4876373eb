"""Stopping commands cleanly, and option mistakes before any work.

A sweep (``sanshe experiment run`` in a subprocess, two local workers)
stopped by Ctrl-C, SIGTERM or SIGKILL leaves no process and no temporary
file behind, says in one line what it saved (not after SIGKILL), and the
same command then resumes to results identical to an uninterrupted sweep.
Every process a command starts carries a unique environment variable
(``SANSHE_STOP_TEST``), so the test finds them all in ``/proc/*/environ``,
whoever their parent is (the forkserver's workers are not children of the
command). ``sanshe app`` stops its whole server on SIGTERM and frees its port.
"""

import ctypes
import fcntl
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from conftest import cold_copies, result_files, saved_run_ids
from experiments.cli import main
from experiments.engine import LOCK_FILE, run_experiment
from experiments.spec import load_experiment
from sanshe import cli as base_cli

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """
name = "stopping"
design = "scenarios"
scenarios = ["tasks_296", "tasks_72"]
replicates = 4
base_seed = 11
months = 12
scale = 0.005
indicators = ["need_coverage", "committee_admin_share", "volunteer_rate"]
"""
RUNS = 8
SAVED = re.compile(r"interrupted: (\d+) of 8 runs saved in (.+); run the same command again to resume")


def tagged(tag: str) -> list[int]:
    """The processes whose environment holds ``SANSHE_STOP_TEST=tag``."""
    needle = f"SANSHE_STOP_TEST={tag}\0".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if needle in (entry / "environ").read_bytes():
                    pids.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return pids


def remaining(tag: str, within: float = 5.0) -> list[int]:
    """The tagged processes still there after up to ``within`` seconds.

    A process needs a moment to exit; a zombie waiting for its parent counts as gone.
    """
    deadline = time.monotonic() + within
    while True:
        alive = [pid for pid in tagged(tag) if _state(pid) not in ("Z", None)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def catches_sigterm(pid: int) -> bool:
    """Whether the process has installed its SIGTERM handler (the command has started).

    Before that, as for any program, SIGTERM just ends it.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def kill_tagged(tag: str) -> None:
    """After a failed test: end what the test started, by process id."""
    for pid in tagged(tag):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def start(command: list[str], tag: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "SANSHE_STOP_TEST": tag, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def sweep_command(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "experiment", "run", str(path), "--out", str(out),
            "--workers", "2", "--no-progress"]


def saved_runs(out: Path) -> set[str]:
    """The runs saved in ``out`` (their ids, read from the chunk files)."""
    return saved_run_ids(out)


def new_tag(name: str) -> str:
    return f"{os.getpid()}-{name}-{time.time_ns()}"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """The experiment file and its uninterrupted results."""
    folder = tmp_path_factory.mktemp("stopping")
    path = folder / "stopping.toml"
    cold_copies(folder)  # the sweep's scenarios without a spin-up: these tests are about stopping
    path.write_text(SWEEP)
    run_experiment(load_experiment(path), folder / "whole", workers=2, progress=False)
    return path, pd.read_parquet(folder / "whole" / "runs.parquet")


STOPS = {
    "Ctrl-C in a terminal (SIGINT to every process of the command)": (signal.SIGINT, True),
    "kill (SIGTERM to the command)": (signal.SIGTERM, False),
    "kill -9 (SIGKILL to the command)": (signal.SIGKILL, False),
}


@pytest.mark.parametrize("how", list(STOPS))
def test_a_stopped_sweep_leaves_nothing_behind_and_resumes_to_the_same_results(tmp_path, capsys, experiment, how):
    path, whole = experiment
    sig, group = STOPS[how]
    out = tmp_path / "out"
    tag = new_tag("sweep")
    proc = start(sweep_command(path, out), tag, start_new_session=group)
    try:
        deadline = time.monotonic() + 120
        while len(saved_runs(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, f"the sweep ended before it could be stopped: {proc.communicate()}"
        sent = time.monotonic()
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        assert remaining(tag) == [], "a process of the stopped sweep is still running"
    finally:
        kill_tagged(tag)
    saved = len(saved_runs(out))
    assert 2 <= saved < RUNS
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        # What a kill can leave half-written: the next run sweeps it up, and a chunk's
        # community panel written without its district file (its runs are not done).
        (out / "runs" / ".chunk-0123456789abcdef0123.parquet.x1y2z3.tmp").write_bytes(b"half a file")
        (out / "runs" / "chunk-0123456789abcdef0123.communities.parquet").write_bytes(b"a panel")
    else:
        assert proc.returncode == 128 + sig, (proc.returncode, stderr)
        assert took < 10, f"stopping took {took:.1f} s"
        assert stdout == ""
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        m = SAVED.fullmatch(lines[0])
        assert m and int(m[1]) == saved and m[2] == str(out), lines[0]
        assert not list(out.rglob("*.tmp"))

    # The same command again (in this process, to save a start-up) resumes.
    assert main(sweep_command(path, out)[3:]) == 0
    assert f"{RUNS} of {RUNS} runs done ({RUNS - saved} run now), 0 failed" in capsys.readouterr().out
    assert not list(out.rglob("*.tmp"))
    assert not (out / "runs" / "chunk-0123456789abcdef0123.communities.parquet").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), whole)


def test_a_worker_killed_from_outside_ends_the_sweep_in_one_line_and_it_resumes(tmp_path, capsys, experiment):
    """A sweep whose worker the system kills says so, exits 1, stops the rest, and resumes.

    The system may kill a worker (out of memory, say): the sweep says so in one
    line with what it saved, exits 1, stops its other processes, and resumes.
    """
    path, whole = experiment
    out = tmp_path / "out"
    tag = new_tag("worker")
    proc = start(sweep_command(path, out), tag)
    try:
        deadline = time.monotonic() + 120
        while len(saved_runs(out)) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        servers = [pid for pid in tagged(tag) if _parent(pid) == proc.pid
                   and b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        workers = [pid for pid in tagged(tag) if _parent(pid) in servers]  # forked by the forkserver
        assert proc.poll() is None and workers, "no worker to kill"
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=30)
        assert remaining(tag) == []
    finally:
        kill_tagged(tag)
    lines = stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, (proc.returncode, stderr)
    assert "a worker process died" in lines[0] and "run the same command again to resume" in lines[0]
    assert not list(out.rglob("*.tmp"))
    assert main(sweep_command(path, out)[3:]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), whole)


def test_a_second_sweep_into_a_locked_folder_is_one_line_and_exit_2(tmp_path, experiment, capsys):
    path, _ = experiment
    out = tmp_path / "busy"
    out.mkdir()
    with open(out / LOCK_FILE, "w") as lock:  # as a sweep running into ``out`` holds it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["experiment", "run", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"--out: {out} is in use by another sweep" in lines[0], lines
    assert not saved_runs(out)


@pytest.mark.parametrize("argv,expected", [
    (["--dask", "foo://x:1"], ("--dask: found 'foo://x:1', allowed: local:N with N in [1, 256], or a scheduler "
                               "address scheme://host:port or host:port (schemes: tcp, tls, ucx, ws, wss, inproc)")),
    (["--dask", "not an address"], "--dask: found 'not an address', allowed: local:N"),
    (["--dask", "local:0"], "--dask: found 'local:0', allowed: local:N with N in [1, 256]"),
    (["--dask", "tcp://127.0.0.1:99999"], "--dask: found 'tcp://127.0.0.1:99999', allowed"),
    (["--workers", "0"], "--workers: found 0, allowed: an integer in [1, 256]"),
    (["--workers", "257"], "--workers: found 257, allowed: an integer in [1, 256]"),
    (["--out", ""], "--out: found '', allowed: a folder to write the results to"),
    (["--out", "{file}"], "--out: {file} exists and is not a folder"),
    (["--out", "{file}/sub"], "--out: cannot create {file}/sub: {file} is not a folder"),
])
def test_option_mistakes_are_one_line_and_exit_2_before_any_work(tmp_path, capsys, argv, expected):
    file = tmp_path / "taken.txt"
    file.write_text("keep me")
    argv = [a.format(file=file) for a in argv]
    expected = expected.format(file=file)
    out = ["--out", str(tmp_path / "o")] if "--out" not in argv else []
    assert main(["experiment", "run", str(ROOT / "experiments" / "smoke.toml"), *out, *argv, "--no-progress"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert file.read_text() == "keep me" and not (tmp_path / "o").exists() and not Path("results/smoke").exists()


def test_a_scheduler_that_does_not_answer_is_one_line_within_seconds(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    assert main(["experiment", "run", str(ROOT / "experiments" / "smoke.toml"), "--out", str(tmp_path / "o"),
                 "--dask", f"tcp://127.0.0.1:{port}", "--no-progress"]) == 2
    assert time.monotonic() - t0 < 10
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"error: --dask: no scheduler answered at tcp://127.0.0.1:{port} within 5 s"]
    assert not (tmp_path / "o").exists()  # no run started, nothing written


def test_a_stopped_scenario_run_says_what_it_wrote(tmp_path):
    """SIGTERM to ``sanshe run`` and Ctrl-C to ``python -m sanshe.cli run``: one line, 143 or 130, no temporary file.

    The two entry points run side by side.
    """
    procs = {}
    for module, sig in (("experiments.cli", signal.SIGTERM), ("sanshe.cli", signal.SIGINT)):
        out = tmp_path / module
        tag = new_tag(module)
        procs[module] = (start([sys.executable, "-m", module, "run", "pre_reform", "--months", "1200",
                                "--scale", "0.02", "--out", str(out), "--quiet"], tag), sig, out, tag)
    try:
        deadline = time.monotonic() + 60
        for proc, _sig, _, _ in procs.values():
            while not catches_sigterm(proc.pid):
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
        time.sleep(1)  # simulating (1200 months take far longer)
        for proc, sig, _, _ in procs.values():
            assert proc.poll() is None
            proc.send_signal(sig)
        for module, (proc, sig, out, tag) in procs.items():
            _, stderr = proc.communicate(timeout=20)
            assert remaining(tag) == []
            assert proc.returncode == 128 + sig, (module, stderr)
            assert stderr.strip().splitlines() == [f"interrupted; nothing written to {out}"], module
    finally:
        for _, _, _, tag in procs.values():
            kill_tagged(tag)
    assert not list(tmp_path.rglob("*.tmp"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server binds it
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_app_stops_its_whole_server_on_sigterm_and_frees_the_port():
    port = _free_port()
    tag = new_tag("app")
    proc = start([sys.executable, "-m", "experiments.cli", "app", "--port", str(port)], tag)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except urllib.error.HTTPError:  # an answer all the same
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the dashboard never answered"
                time.sleep(0.2)
        assert len(tagged(tag)) >= 2  # sanshe and the server
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while not _port_free(port):
            assert time.monotonic() < deadline, "the port is still taken 10 s after SIGTERM"
            time.sleep(0.1)
        assert remaining(tag) == []
    finally:
        kill_tagged(tag)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_app_on_a_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"--port: {port} cannot be used on 127.0.0.1" in lines[0], lines


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_results_follow_the_umask(tmp_path, monkeypatch, umask, mode):
    old = os.umask(umask)
    try:
        assert base_cli.main(["run", "pre_reform", "--months", "2", "--scale", "0.005",
                               "--out", str(tmp_path / "run"), "--quiet"]) == 0
        spec = tmp_path / "e.toml"
        spec.write_text(SWEEP.replace("replicates = 4", "replicates = 1").replace("months = 12", "months = 2"))
        run_experiment(load_experiment(spec), tmp_path / "sweep", workers=1, progress=False)
    finally:
        os.umask(old)
    chunks = result_files(tmp_path / "sweep")
    assert chunks and saved_runs(tmp_path / "sweep") == set(pd.read_parquet(tmp_path / "sweep" / "runs.parquet").run_id)
    files = [tmp_path / "run" / "district.parquet", tmp_path / "run" / "manifest.json",
             tmp_path / "sweep" / "runs.parquet", tmp_path / "sweep" / "manifest.json", *chunks]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == mode, (f, oct(f.stat().st_mode))


def test_a_stop_that_arrives_inside_a_callback_that_drops_exceptions_is_raised_when_it_returns():
    """A signal handled inside one of llvmlite's ctypes callbacks (numba writing its cache) is not lost.

    Python drops an exception raised in a ctypes callback ("Exception ignored"), so a
    KeyboardInterrupt raised there would let the command run on (seen: ``sanshe run``
    ignoring SIGTERM while a kernel compiled under load). The callback here is a
    function whose code claims llvmlite's file; SIGTERM arrives while it runs, and the
    stop must be raised in the loop after it returns, within the 5 s it is given.
    """
    code = compile("def callback():\n"
                   "    os.kill(os.getpid(), signal.SIGTERM)\n"
                   "    t = time.monotonic()\n"
                   "    while time.monotonic() - t < 0.2:\n"
                   "        pass\n",
                   "/venv/site-packages/llvmlite/binding/executionengine.py", "exec")
    namespace = {"os": os, "signal": signal, "time": time}
    exec(code, namespace)
    callback = ctypes.CFUNCTYPE(None)(namespace["callback"])
    returned = []
    with base_cli.stop_signals() as stop, pytest.raises(KeyboardInterrupt):
        callback()
        returned.append(time.monotonic())
        while time.monotonic() < returned[0] + 5:
            pass
    assert returned, "raised inside the callback, where Python drops it"
    assert stop.signum == signal.SIGTERM


def test_a_stop_that_arrives_while_numba_unpickles_a_kernel_constant_is_raised_after_it():
    """A signal handled inside numba's callback that unpickles a kernel's constants waits until it returns.

    Compiled code calls ``numba/core/serialize.py`` from C; a KeyboardInterrupt
    raised there came out as "SystemError: CPUDispatcher(tender) returned a
    result with an exception set" and a traceback (seen once in CI, Ctrl-C to
    ``sanshe run``). The function here claims that file; SIGINT arrives while it
    runs, and the stop must be raised in the loop after it returns.
    """
    code = compile("def _numba_unpickle():\n"
                   "    os.kill(os.getpid(), signal.SIGINT)\n"
                   "    t = time.monotonic()\n"
                   "    while time.monotonic() - t < 0.2:\n"
                   "        pass\n",
                   "/venv/site-packages/numba/core/serialize.py", "exec")
    namespace = {"os": os, "signal": signal, "time": time}
    exec(code, namespace)
    returned = []
    with base_cli.stop_signals() as stop, pytest.raises(KeyboardInterrupt):
        namespace["_numba_unpickle"]()
        returned.append(time.monotonic())
        while time.monotonic() < returned[0] + 5:
            pass
    assert returned, "raised inside numba's callback, where it turns into a SystemError"
    assert stop.signum == signal.SIGINT
