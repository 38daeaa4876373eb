"""The ``sanshe`` command with the experiment engine's subcommands.

``sanshe experiment run FILE [--out DIR] [--workers N] [--dask ADDRESS | --dask local:N]``
runs what is missing of an experiment; ``sanshe experiment report DIR
[--baseline NAME] [--lang en|zh]`` writes its HTML report; ``sanshe app
[--port P]`` serves the live dashboard (:mod:`experiments.app`); every other subcommand is the model's
(:mod:`sanshe.cli`). A user's mistake is one line on standard error and exit
code 2; results already written are never removed.

Ctrl-C (SIGINT) and SIGTERM stop a command cleanly: every process it started
is stopped, no temporary file is left, one line says what was saved, and the
exit code is 130 or 143 (128 + the signal's number). ``sanshe app`` stops
its server and exits with 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from experiments.engine import (
    MAX_WORKERS,
    SweepAborted,
    SweepInterrupted,
    check_dask,
    check_out,
    check_workers,
    run_experiment,
)
from experiments.spec import ExperimentError, load_experiment
from model.scenario import ScenarioError
from sanshe import cli as base_cli

STOP_GRACE_S = 5  # sanshe app: seconds between SIGTERM and SIGKILL to the server's processes


def build_parser() -> argparse.ArgumentParser:
    """The model's parser with the engine's subcommands: ``experiment run``, ``experiment report``, ``app``."""
    parser, sub = base_cli.build_parser()
    exp = sub.add_parser("experiment", help="run experiments: comparisons and sweeps")
    exp_sub = exp.add_subparsers(dest="experiment_command", required=True, parser_class=base_cli.Parser)
    run = exp_sub.add_parser("run", help="run what is missing of an experiment and compact its results")
    run.add_argument("file", help="an experiment file (TOML)")
    run.add_argument("--out", default=None, help="output directory (default results/NAME)")
    run.add_argument("--workers", type=int, default=None,
                     help=f"local processes, 1 to {MAX_WORKERS} (default: all cores)")
    run.add_argument("--dask", default=None, metavar="ADDRESS",
                     help="a Dask scheduler address (tcp://host:8786 or host:8786), or local:N "
                          "for a local cluster of N workers")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    report = exp_sub.add_parser("report", help="analyse an experiment's saved results into one HTML report")
    report.add_argument("dir", help="the experiment's output directory")
    report.add_argument("--baseline", default=None, metavar="NAME",
                        help="scenario, design point label (as the report's tables show it, e.g. "
                             "'budget_yuan=20,000,000') or point number to take paired differences against "
                             "(default: the first scenario, or the point where each factor of a grid or "
                             "factorial is at its lowest level)")
    report.add_argument("--lang", default="en", choices=("en", "zh"), help="report language (default en)")
    report.add_argument("--window", type=int, default=12, metavar="MONTHS",
                        help="outcomes are means over each run's last MONTHS months (default 12; 1 = final month)")
    report.add_argument("--discover", action="append", default=[], metavar="CONDITION",
                        help="scenario discovery: factor ranges that keep e.g. 'need_coverage>=0.6' (repeatable)")
    report.add_argument("--out", default=None, help="the HTML file (default DIR/report.html or DIR/report_zh.html)")
    app = sub.add_parser("app", help="the live dashboard (a Solara page) on 127.0.0.1")
    app.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``sanshe`` command and return its exit code.

    A user's mistake is one line and exit 2; a sweep aborted from outside, exit 1;
    an interruption, one line saying what was saved and 128 + the signal.
    """
    started, args = time.time_ns(), None
    with base_cli.stop_signals() as stop:
        try:
            args = build_parser().parse_args(argv)
            if args.command == "app":
                return _app(args)
            if args.command == "experiment" and args.experiment_command == "report":
                return _experiment_report(args)
            if args.command == "experiment":
                return _experiment_run(args)
            return base_cli.dispatch(args)
        except (ScenarioError, base_cli.UsageError, ExperimentError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except SweepAborted as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as e:
            print(_interrupted(args, e, started), file=sys.stderr)
            return 128 + stop.signum
        except BrokenPipeError:  # `sanshe params | head`: the reader has gone
            return base_cli.quiet_broken_pipe()


def _interrupted(args: argparse.Namespace | None, e: KeyboardInterrupt, started: int) -> str:
    """The one line an interrupted command prints: what it saved."""
    if isinstance(e, SweepInterrupted):
        return (f"interrupted: {e.done} of {e.total} runs saved in {e.out}; "
                "run the same command again to resume")
    if getattr(args, "command", None) != "experiment":
        return base_cli.interrupted_line(args, started)
    if args.experiment_command == "run":
        return "interrupted before any run started; nothing saved"
    folder = Path(args.dir)
    html = Path(args.out) if args.out else folder / ("report_zh.html" if args.lang == "zh" else "report.html")
    figures = folder / ("figures_zh" if args.lang == "zh" else "figures")
    drawn = sum(1 for f in figures.glob("*") if base_cli.written_since(f, started)) if figures.is_dir() else 0
    return (f"interrupted; {html} {'written' if base_cli.written_since(html, started) else 'not written'}"
            + (f"; {drawn} figure files written to {figures}" if drawn else ""))


def _experiment_run(args: argparse.Namespace) -> int:
    # The options first, before any work (each mistake is one line naming it).
    check_workers(args.workers)
    check_dask(args.dask)
    if args.out is not None:
        check_out(args.out)
    spec = load_experiment(args.file)
    out = Path(args.out) if args.out is not None else Path("results") / spec.name
    result = run_experiment(spec, out, workers=args.workers, dask=args.dask,
                            progress=not args.no_progress)
    print(f"{spec.name}: {result.runs_done} of {result.runs_total} runs done "
          f"({result.runs_run_now} run now), {len(result.failed)} failed"
          + (f" (listed in {out / 'failures'})" if result.failed else "")
          + f"; {result.seconds:.1f} s; results in {out}")
    return 1 if result.failed else 0


# Runs solara's command line in the server process after asking Linux to end
# this process when sanshe's goes (so a server never outlives a killed sanshe).
_SERVER = """
import os, signal, sys
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):  # sanshe is already gone
    sys.exit(0)
sys.argv = ["solara", *sys.argv[2:]]
from solara.__main__ import main
main()
"""


def _app(args: argparse.Namespace) -> int:
    """Serve :mod:`experiments.app` with solara's server until interrupted.

    The server runs in its own session (process group), so Ctrl-C or SIGTERM
    reach sanshe only, which then stops the whole group: SIGTERM, then
    SIGKILL after ``STOP_GRACE_S`` seconds; the port is free afterwards.
    """
    if not 1 <= args.port <= 65535:
        raise base_cli.UsageError(f"--port: found {args.port}, allowed: an integer in [1, 65535]")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind(("127.0.0.1", args.port))
        except OSError as e:
            raise base_cli.UsageError(f"--port: {args.port} cannot be used on 127.0.0.1 "
                                       f"({e.strerror or e}); allowed: a free port") from None
    command = [sys.executable, "-c", _SERVER, str(os.getpid()), "run", "experiments.app",
               "--host", "127.0.0.1", "--port", str(args.port), "--production", "--no-open",
               "--no-check-version", "--log-level", "warning"]
    # The front-end files come from the solara-assets package through solara's
    # asset route (its default), so the page needs no internet; no telemetry.
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    server = subprocess.Popen(command, env=env, start_new_session=True)
    print(f"sanshe dashboard: http://127.0.0.1:{args.port}/ (Ctrl+C stops it)", flush=True)
    try:
        return server.wait()
    except KeyboardInterrupt:
        _stop_group(server)
        print("sanshe dashboard stopped", file=sys.stderr)
        return 0
    finally:
        if server.poll() is None:  # any other way out
            _stop_group(server)


def _stop_group(process: subprocess.Popen, grace: float = STOP_GRACE_S) -> None:
    """Stop ``process`` and every process of its group: SIGTERM, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # the group's last processes, if any
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _experiment_report(args: argparse.Namespace) -> int:
    from experiments.report import build_report

    report = build_report(args.dir, baseline=args.baseline, lang=args.lang, window=args.window,
                          discover=args.discover, out=args.out)
    folder = next(iter(report.figures.values()))["png"].parent if report.figures else report.html.parent
    print(f"report: {report.html} ({len(report.figures)} figures, PNG and SVG in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
