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
import sys
from pathlib import Path

from model import calibration, describe
from model.output import print_summary, run_scenario, write_outputs
from model.parameters import PARAMETERS
from model.scenario import ScenarioError, load_scenario


class UsageError(Exception):
    """A bad command line; the message is one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(f"{self.prog}: {message}")  # e.g. "sanshe experiment report: argument --lang: ..."


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The command's parser and its subcommands (the experiment engine adds its own)."""
    parser = Parser(prog="sanshe", description="sanshe: simulate the three-society linkage of an "
                    "urban district, one scenario, a calibration or an experiment at a time.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run = sub.add_parser("run", help="run one scenario and write its indicators")
    run.add_argument("scenario", help="a scenario file (TOML) or the name of a built-in scenario")
    run.add_argument("--months", type=int, default=120, help="months to simulate (default 120)")
    run.add_argument("--scale", type=float, default=None,
                     help="population_scale: resident rows per person (default: the scenario's)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--out", required=True, help="output directory")
    run.add_argument("--quiet", action="store_true", help="do not print the indicator summary")
    sub.add_parser("scenarios", help="list the built-in scenarios")
    params = sub.add_parser("params", help="every parameter with unit, default, range and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    cal = sub.add_parser("calibrate", help="the reform scenario against the report's figures")
    cal.add_argument("--seeds", type=int, default=10, help="seeds to run (default 10)")
    cal.add_argument("--scale", type=float, default=0.05, help="population_scale (default 0.05)")
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
    try:
        return dispatch(build_parser()[0].parse_args(argv))
    except (ScenarioError, UsageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _calibrate(args: argparse.Namespace) -> int:
    """Print the calibration table; exit code 1 when a target is outside its band."""
    if args.seeds < 1:
        raise UsageError(f"--seeds: found {args.seeds}, allowed: an integer >= 1")
    try:
        scale = PARAMETERS["population.population_scale"].check(args.scale)
    except ValueError as e:
        raise UsageError(f"--scale: {e}") from None
    results = calibration.run_calibration(args.seeds, scale)
    print(calibration.report(results, args.seeds, scale))
    return 0 if all(r.inside for r in results) else 1


def _run(args: argparse.Namespace) -> int:
    if args.months < 1:
        raise UsageError(f"--months: found {args.months}, allowed: an integer >= 1")
    if args.seed < 0:
        raise UsageError(f"--seed: found {args.seed}, allowed: an integer >= 0")
    scenario = load_scenario(args.scenario)
    if args.scale is not None:
        try:
            scenario.params["population.population_scale"] = \
                PARAMETERS["population.population_scale"].check(args.scale)
        except ValueError as e:
            raise UsageError(f"--scale: {e}") from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a directory")
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
