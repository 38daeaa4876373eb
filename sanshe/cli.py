"""The ``sanshe`` command.

``sanshe run SCENARIO.toml [--months N] [--scale S] [--seed K] --out DIR``
runs one scenario and writes ``district.parquet``, ``communities.parquet``
and ``manifest.json`` to ``DIR``. ``sanshe scenarios`` lists the built-in
scenarios, ``sanshe params [--markdown]`` the parameters, ``sanshe show
SCENARIO`` a scenario's values that differ from the defaults.

A user's mistake (missing or malformed file, bad option) prints one line to
standard error and exits with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from model.parameters import MAX_MONTHS, PARAMETERS
from model.scenario import ScenarioError, load_scenario
from sanshe import describe
from sanshe.output import folder_problem, print_summary, run_scenario, write_outputs
from sanshe.stopping import raise_stop


class UsageError(Exception):
    """A bad command line; the message is one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes raise :class:`UsageError` (one line, exit 2) instead of exiting."""

    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        """Raise the mistake as a :class:`UsageError` instead of printing the usage and exiting."""
        raise UsageError(f"{self.prog}: {message}")  # e.g. "sanshe experiment report: argument --lang: ..."


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The command's parser and its subcommands (the experiment engine adds its own)."""
    parser = Parser(prog="sanshe", description="sanshe: simulate the three-society linkage of an "
                    "urban district, one scenario, a calibration or an experiment at a time.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run = sub.add_parser("run", help="run one scenario and write its indicators")
    run.add_argument("scenario", help="a scenario file (TOML) or the name of a built-in scenario")
    run.add_argument("--months", type=int, default=120,
                     help=f"months to simulate, at most {MAX_MONTHS} (default 120)")
    run.add_argument("--scale", type=float, default=None,
                     help="population_scale: resident rows per person (default: the scenario's)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--out", required=True, help="output directory")
    run.add_argument("--quiet", action="store_true", help="do not print the indicator summary")
    sub.add_parser("scenarios", help="list the built-in scenarios")
    params = sub.add_parser("params", help="every parameter with unit, default, range and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    cal = sub.add_parser("calibrate", help="the reform scenario against the report's figures; its screening and fit")
    cal.add_argument("--seeds", type=int, default=None, help="the check: seeds to run (default 10)")
    cal.add_argument("--scale", type=float, default=None,
                     help="population_scale (default 0.05 for the check, 0.02 for --screen and --fit)")
    how = cal.add_mutually_exclusive_group()
    how.add_argument("--screen", metavar="DIR", default=None,
                     help="Morris screening of the assumptions and free parameters for the targets, into DIR")
    how.add_argument("--fit", metavar="DIR", default=None,
                     help="fit the free parameters by ABC-SMC into DIR (resumable); DIR/posterior.parquet")
    cal.add_argument("--trajectories", type=int, default=None, help="--screen: Morris trajectories (default 4)")
    cal.add_argument("--particles", type=int, default=None, help="--fit: particles a generation (default 100)")
    cal.add_argument("--generations", type=int, default=None, help="--fit: generations at most (default 8)")
    cal.add_argument("--seed", type=int, default=None, help="--fit: the fit's seed (default 0)")
    cal.add_argument("--leave-out", action="append", default=None, metavar="TARGET",
                     help="--fit: hold out this fitted target (F3, F4, F6, F9_cleaned_up, ...); repeatable")
    cal.add_argument("--workers", type=int, default=None, help="--screen, --fit: local processes (default: all cores)")
    cal.add_argument("--dask", default=None, metavar="ADDRESS",
                     help="--screen, --fit: a Dask scheduler address, or local:N")
    show = sub.add_parser("show", help="the resolved values of a scenario that differ from the defaults")
    show.add_argument("scenario", help="a scenario file, a built-in name, or table.xlsx#row")
    return parser, sub


def dispatch(args: argparse.Namespace) -> int:
    """Carry out one of the model's subcommands; user mistakes raise ScenarioError or UsageError."""
    if args.command == "run":
        return _run(args)
    if args.command == "scenarios":
        print(describe.scenario_list())
    elif args.command == "params":
        print(describe.parameter_table(markdown=args.markdown))
    elif args.command == "show":
        print(describe.show_scenario(load_scenario(args.scenario)))
    elif args.command == "calibrate":
        return _calibrate(args)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command (``python -m sanshe.cli``).

    ``sanshe`` itself is :func:`experiments.cli.main`, which adds the experiment
    engine's commands.
    """
    started, args = time.time_ns(), None
    with stop_signals() as stop:
        try:
            args = build_parser()[0].parse_args(argv)
            return dispatch(args)
        except (ScenarioError, UsageError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(interrupted_line(args, started), file=sys.stderr)
            return 128 + stop.signum
        except BrokenPipeError:  # `sanshe params | head`: the reader has gone
            return quiet_broken_pipe()


class Stop:
    """The first stop signal a command received (SIGINT unless SIGTERM came first)."""

    signum: int = signal.SIGINT


@contextlib.contextmanager
def stop_signals() -> Iterator[Stop]:
    """Meanwhile SIGINT (Ctrl-C) and SIGTERM raise KeyboardInterrupt in the main thread, once.

    A second signal while the command is stopping is ignored, so the clean-up is
    not cut short. A signal the command was started with ignored (``nohup``, a
    background job) stays ignored. The command then prints one line
    (:func:`interrupted_line`) and exits with 128 + the signal.
    """
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    received: list[int] = []

    def handler(signum, frame) -> None:
        if not received:
            received.append(signum)
            stop.signum = signum
            raise_stop(frame)

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def interrupted_line(args: argparse.Namespace | None, started: int) -> str:
    """The one line an interrupted model command prints: what it wrote."""
    folder = (getattr(args, "fit", None) or getattr(args, "screen", None)) if args is not None else None
    if getattr(args, "command", None) == "calibrate" and folder:
        return (f"interrupted; the finished runs{' and generations' if args.fit else ''} are kept in {folder}; "
                "run the same command again to resume")
    if getattr(args, "command", None) != "run":
        return "interrupted"
    out, names = Path(args.out), ("district.parquet", "communities.parquet", "manifest.json")
    written = [n for n in names if written_since(out / n, started)]
    if not written:
        return f"interrupted; nothing written to {out}"
    return (f"interrupted; written to {out}: {', '.join(written)}; not written: "
            f"{', '.join(n for n in names if n not in written)}")


def written_since(path: Path, started: int) -> bool:
    """Whether ``path`` was written after ``started`` (``time.time_ns()``)."""
    try:
        return path.stat().st_mtime_ns >= started
    except OSError:
        return False


def quiet_broken_pipe() -> int:
    """The reader of standard output has gone (``| head``): stop quietly, as ``cat`` does.

    Return 128 + SIGPIPE, and keep Python from complaining at exit.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


MAX_CALIBRATION_SEEDS = 1000
"""More seeds than this would take days; the calibration's bands need tens."""


CALIBRATE_OPTIONS = {"--seeds": ("seeds", "check"), "--trajectories": ("trajectories", "screen"),
                     "--particles": ("particles", "fit"), "--generations": ("generations", "fit"),
                     "--seed": ("seed", "fit"), "--leave-out": ("leave_out", "fit"),
                     "--workers": ("workers", "screen fit"),
                     "--dask": ("dask", "screen fit")}
"""Each option of ``sanshe calibrate`` and the modes it takes effect in (the check, --screen, --fit)."""


def _calibrate(args: argparse.Namespace) -> int:
    """The check (exit 1 when a target fails), the screening (--screen) or the fit (--fit)."""
    mode = "screen" if args.screen is not None else "fit" if args.fit is not None else "check"
    for option, (name, modes) in CALIBRATE_OPTIONS.items():  # an option that would take no effect is refused
        if getattr(args, name) is not None and mode not in modes.split():
            where = {"check": "without --screen or --fit", "screen": "with --screen", "fit": "with --fit"}[mode]
            raise UsageError(f"{option}: takes no effect {where}; allowed with "
                             f"{' or '.join('the check' if m == 'check' else '--' + m for m in modes.split())}")
    try:
        scale = PARAMETERS["population.population_scale"].check(
            args.scale if args.scale is not None else 0.05 if mode == "check" else 0.02)
    except ValueError as e:
        raise UsageError(f"--scale: {e}") from None
    from sanshe import calibration  # loads a scenario at import: only this command needs it

    if mode == "check":
        seeds = check_range("--seeds", _given(args.seeds, 10), 1, MAX_CALIBRATION_SEEDS)
        results = calibration.run_calibration(seeds, scale)
        print(calibration.report(results, seeds, scale))
        return 0 if all(r.inside for r in results) else 1
    from experiments.spec import ExperimentError

    try:
        return _screen_or_fit(args, mode, scale, calibration)
    except ExperimentError as e:  # a bad option or a damaged folder: one line, exit 2
        raise UsageError(str(e)) from None


def _screen_or_fit(args: argparse.Namespace, mode: str, scale: float, calibration) -> int:
    """``sanshe calibrate --screen DIR`` or ``--fit DIR``: the options checked first, then the runs."""
    from experiments.engine import check_dask, check_out, check_workers

    check_workers(args.workers)
    check_dask(args.dask)
    out = check_out(args.screen or args.fit)
    if mode == "screen":
        trajectories = check_range("--trajectories", _given(args.trajectories, 4), 2, 1000)
        table = calibration.screen(out, trajectories, scale, args.workers, args.dask)
        table.to_csv(out / "screening.csv", index=False)
        print(f"Morris screening, {trajectories} trajectories at scale {scale}: largest μ* over the fitted targets "
              f"in units of each target's band (all in {out / 'screening.csv'})")
        for r in table.head(20).itertuples():
            print(f"  {r.parameter:50s} {r.largest_fitted:8.3f}")
        return 0
    from experiments import abc

    particles = check_range("--particles", _given(args.particles, 100), 4, 100_000)
    generations = check_range("--generations", _given(args.generations, 8), 1, 100)
    seed = check_range("--seed", _given(args.seed, 0), 0, MAX_SEED)
    fitted = [t.name for t in calibration.TARGETS if t.kind is calibration.Kind.FITTED]
    for name in args.leave_out or ():
        if name not in fitted:
            raise UsageError(f"--leave-out: found {name!r}, allowed: {', '.join(fitted)}")
    if args.leave_out and len(set(args.leave_out)) == len(fitted):
        raise UsageError("--leave-out: found every fitted target, allowed: at least one left to fit")
    problem = calibration.fit_problem(scale, leave_out=tuple(args.leave_out or ()))
    result = abc.fit(problem, out, particles, generations, seed, args.workers, args.dask)
    text = calibration.fit_report(problem, result)
    (out / "fit.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 1 if result.stopped else 0


def _given(value: int | None, default: int) -> int:
    """An option's value, or its default when it was not given (a given 0 stays 0, to be checked)."""
    return default if value is None else value


MAX_SEED = 2**32 - 1
"""Seeds are 32-bit, like the replicate seeds the experiment engine spawns."""


def check_range(option: str, value: int, low: int, high: int) -> int:
    """An integer option inside [low, high], or one line naming it."""
    if not low <= value <= high:
        raise UsageError(f"{option}: found {value}, allowed: an integer in [{low}, {high}]")
    return value


def output_dir(option: str, value: str) -> Path:
    """A folder the command may write into: it exists as a folder, or it can be created.

    Checked before any work, so a long run never ends on a refusal.
    """
    if not value.strip():
        raise UsageError(f"{option}: found {value!r}, allowed: a folder to write into")
    problem = folder_problem(Path(value))
    if problem:
        raise UsageError(f"{option}: {problem}")
    return Path(value)


def _run(args: argparse.Namespace) -> int:
    check_range("--months", args.months, 1, MAX_MONTHS)
    check_range("--seed", args.seed, 0, MAX_SEED)
    out = output_dir("--out", args.out)
    scenario = load_scenario(args.scenario)
    if args.scale is not None:
        try:
            scenario.params["population.population_scale"] = \
                PARAMETERS["population.population_scale"].check(args.scale)
        except ValueError as e:
            raise UsageError(f"--scale: {e}") from None
    scenario.check_horizon(args.months)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    result = run_scenario(scenario, months=args.months, seed=args.seed)
    try:
        write_outputs(result, out)
    except OSError as e:
        raise UsageError(f"--out: cannot write to {out}: {e.strerror or e}") from None
    if not args.quiet:
        print_summary(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
