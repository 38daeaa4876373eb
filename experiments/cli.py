"""The ``sanshe`` command with the experiment engine's subcommands.

``sanshe experiment run FILE [--out DIR] [--workers N] [--dask ADDRESS | --dask local:N]``
runs what is missing of an experiment; ``sanshe experiment report DIR
[--baseline NAME] [--lang en|zh]`` writes its HTML report; ``sanshe app
[--port P]`` serves the live dashboard (:mod:`experiments.app`); every other subcommand is the model's
(:mod:`model.cli`). A user's mistake is one line on standard error and exit
code 2; results already written are never removed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from experiments.engine import run_experiment
from experiments.spec import ExperimentError, load_experiment
from model import cli as model_cli
from model.scenario import ScenarioError


def build_parser() -> argparse.ArgumentParser:
    parser, sub = model_cli.build_parser()
    exp = sub.add_parser("experiment", help="run experiments: comparisons and sweeps")
    exp_sub = exp.add_subparsers(dest="experiment_command", required=True, parser_class=model_cli.Parser)
    run = exp_sub.add_parser("run", help="run what is missing of an experiment and compact its results")
    run.add_argument("file", help="an experiment file (TOML)")
    run.add_argument("--out", default=None, help="output directory (default results/NAME)")
    run.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    run.add_argument("--dask", default=None, metavar="ADDRESS",
                     help="a Dask scheduler address, or local:N for a local cluster of N workers")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    report = exp_sub.add_parser("report", help="analyse an experiment's saved results into one HTML report")
    report.add_argument("dir", help="the experiment's output directory")
    report.add_argument("--baseline", default=None, metavar="NAME",
                        help="scenario (or point number) to take paired differences against "
                             "(default: the first scenario, or a factorial's all-low corner)")
    report.add_argument("--lang", default="en", choices=("en", "zh"), help="report language (default en)")
    report.add_argument("--window", type=int, default=12, metavar="MONTHS",
                        help="outcomes are means over each run's last MONTHS months (default 12; 1 = final month)")
    report.add_argument("--discover", action="append", default=[], metavar="CONDITION",
                        help="scenario discovery: factor ranges that keep e.g. 'need_coverage>=0.6' (repeatable)")
    report.add_argument("--out", default=None, help="the HTML file (default DIR/report.html or DIR/report_zh.html)")
    app = sub.add_parser("app", help="the live dashboard (Mesa SolaraViz) on 127.0.0.1")
    app.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "app":
            return _app(args)
        if args.command == "experiment" and args.experiment_command == "report":
            return _experiment_report(args)
        if args.command == "experiment":
            return _experiment_run(args)
        return model_cli.dispatch(args)
    except (ScenarioError, model_cli.UsageError, ExperimentError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _experiment_run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise model_cli.UsageError(f"--workers: found {args.workers}, allowed: an integer >= 1")
    if args.dask is not None and args.dask.startswith("local:"):
        n = args.dask.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise model_cli.UsageError(f"--dask: found {args.dask!r}, allowed: local:N with N >= 1, or an address")
    spec = load_experiment(args.file)
    out = Path(args.out) if args.out else Path("results") / spec.name
    result = run_experiment(spec, out, workers=args.workers, dask=args.dask,
                            progress=not args.no_progress)
    print(f"{spec.name}: {result.runs_done} of {result.runs_total} runs done "
          f"({result.runs_run_now} run now), {len(result.failed)} failed"
          + (f" (listed in {out / 'failures'})" if result.failed else "")
          + f"; {result.seconds:.1f} s; results in {out}")
    return 1 if result.failed else 0


def _app(args: argparse.Namespace) -> int:
    """Serve :mod:`experiments.app` with solara's server until interrupted."""
    import subprocess

    if not 1 <= args.port <= 65535:
        raise model_cli.UsageError(f"--port: found {args.port}, allowed: an integer in [1, 65535]")
    print(f"sanshe dashboard: http://127.0.0.1:{args.port}/ (Ctrl+C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "experiments.app", "--host", "127.0.0.1",
               "--port", str(args.port), "--production", "--no-open", "--no-check-version",
               "--log-level", "warning"]
    # The front-end files come from the solara-assets package through solara's
    # asset route (its default), so the page needs no internet; no telemetry.
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    try:
        return subprocess.run(command, check=False, env=env).returncode
    except KeyboardInterrupt:
        return 0


def _experiment_report(args: argparse.Namespace) -> int:
    from experiments.report import build_report

    report = build_report(args.dir, baseline=args.baseline, lang=args.lang, window=args.window,
                          discover=args.discover, out=args.out)
    folder = next(iter(report.figures.values()))["png"].parent if report.figures else report.html.parent
    print(f"report: {report.html} ({len(report.figures)} figures, PNG and SVG in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
