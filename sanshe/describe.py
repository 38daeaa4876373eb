"""Text views of the parameter declaration and of scenarios, for the command line and the docs."""

from __future__ import annotations

import sys
from pathlib import Path

from model.parameters import PARAMETERS, Param, _fmt
from model.scenario import Scenario, builtin_dir, load_scenario


def scenario_list() -> str:
    """The built-in scenarios, one per line with the first sentence of their description."""
    lines = []
    for path in sorted(builtin_dir().glob("*.toml")):
        sc = load_scenario(path)
        first = " ".join(sc.description.split()).split(". ")[0].rstrip(".")
        lines.append(f"{path.stem:28s} {first[:110]}{'…' if len(first) > 110 else ''}")
    return "\n".join(lines)


def _default(p: Param) -> str:
    return str(p.default).lower() if p.kind is bool else _fmt(p.default)


def _range(p: Param) -> str:
    return "true / false" if p.kind is bool else f"{_fmt(p.low)} – {_fmt(p.high)}"


ACTS_WORDS = {"month": "at once", "year": "yearly cycle", "review": "yearly review"}
"""How the parameter tables say when a value first acts (:attr:`model.parameters.Param.acts`)."""


def parameter_table(markdown: bool = False) -> str:
    """Every parameter with unit, default, range, whether it is a lever, when it acts, whether the fit sets it, source.

    "fitted" marks the free parameters of the calibration's fit
    (:data:`sanshe.calibration.FREE`, ``sanshe calibrate --fit``).
    """
    from sanshe.calibration import FREE  # loads a scenario: only the tables need it

    free = {f.path for f in FREE}
    rows = [(path, p.unit, _default(p), _range(p), "lever" if p.lever else "", ACTS_WORDS[p.acts],
             "fitted" if path in free else "", p.source, p.doc) for path, p in PARAMETERS.items()]
    if markdown:
        out = ["| parameter | unit | default | range | lever | acts | fitted | source | meaning |",
               "|---|---|---|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    out = []
    for r in rows:
        out.append(f"{r[0]:{widths[0]}s}  {r[1]:{widths[1]}s}  {r[2]:>{widths[2]}s}  "
                   f"{r[3]:{widths[3]}s}  {r[4]:5s}  {r[5]:{widths[5]}s}  {r[6]:6s}  {r[7]}")
    return "\n".join(out)


def show_scenario(sc: Scenario) -> str:
    """A scenario's resolved timeline.

    Every parameter that differs from its default or changes during the run, one
    value per period with where the value came from, then the notes on how values
    were placed (the one rule for dated levers).
    """
    out = [f"{sc.name}: {' '.join(sc.description.split())}",
           f"extends: {' <- '.join(Path(s).name for s in sc.chain)}" if len(sc.chain) > 1
           else f"file: {sc.source}"]
    timeline = sc.timeline()
    if not timeline:
        out.append("every parameter at its default, from month 1")
    else:
        out.append("timeline (one value per period; the rest at their defaults):")
    for path, periods in timeline.items():
        p = PARAMETERS[path]
        out.append(f"  {path}  ({p.unit}; default {_default(p)})")
        for period in periods:
            months = (f"from month {period.start}" if period.end is None
                      else f"month {period.start}" if period.end == period.start
                      else f"months {period.start}-{period.end}")
            shown = str(period.value).lower() if p.kind is bool else _fmt(period.value)
            acts = (f"  (acts from month {period.acts_from}: the next yearly "
                    f"{'review' if p.acts == 'review' else 'cycle'})" if period.acts_from != period.start else "")
            out.append(f"    {months:16s} {shown:>14s}   {period.origin}{acts}")
    if sc.notes:
        out.append("notes:")
        out += [f"  {note}" for note in sc.notes]
    return "\n".join(out)


# --- the generated blocks of docs/ODD.md ---------------------------------------
# The ODD description (docs/ODD.md) holds tables that must agree with the code:
# the parameter declaration, the calibration targets and the indicators. They
# sit between marker lines and are rewritten from the declarations by
# ``python -m sanshe.describe --refresh-odd docs/ODD.md``; tests/test_docs.py
# fails when the file differs from what the declarations generate now.

ODD_REFRESH_COMMAND = "python -m sanshe.describe --refresh-odd docs/ODD.md"
ODD_BLOCKS: tuple[str, ...] = ("PARAMETERS", "CALIBRATION", "INDICATORS")
"""The generated blocks of docs/ODD.md, in the order they appear."""


def _odd_begin(name: str) -> str:
    return f"<!-- BEGIN GENERATED {name} (by `{ODD_REFRESH_COMMAND}`; do not edit) -->"


def _odd_end(name: str) -> str:
    return f"<!-- END GENERATED {name} -->"


def _number(x: float) -> str:
    """A target or band limit as a reader checks it against the report.

    Millions of yuan in M, thousands separated, no trailing zeros.
    """
    if x == float("inf"):
        return "no limit"
    if abs(x) >= 1e6:
        return f"{x / 1e6:g} M"
    return f"{x:,g}"


def calibration_table() -> str:
    """The calibration targets of :data:`sanshe.calibration.TARGETS` as a Markdown table.

    Only what is declared (figure, target, band, and why the band is that
    wide) goes in, not measured values: those depend on seeds and scale and
    come from ``sanshe calibrate``, so the table can be checked for staleness
    without running the model.
    """
    from sanshe.calibration import NEXT_WINDOW, REPORT_WINDOW, TARGETS  # imports the model; only the docs need it

    out = [f"Each target is read from the district indicators of `yuzhong_2016` over the report year, months "
           f"{REPORT_WINDOW[0]}-{REPORT_WINDOW[1]} (the fourth reform year); a stock must be inside its band "
           f"in every month of it and still inside it in the year after (months {NEXT_WINDOW[0]}-"
           f"{NEXT_WINDOW[1]}). Only fitted targets measure the fit; held-out targets were never used to set "
           "a parameter; inputs reproduced and restatements are consistency checks.", "",
           "| kind | fact | figure | target | band | why this band | tuned, reproduced or repeated |",
           "|---|---|---|---|---|---|---|"]
    for t in TARGETS:
        band = _number(t.low) if t.low == t.high else f"{_number(t.low)} – {_number(t.high)}"
        target = "pattern" if t.target != t.target else _number(t.target)
        lever = f"`{t.lever[0]}`" + (f" × {t.lever[1]:g}" if t.lever and t.lever[1] != 1 else "") if t.lever else ""
        link = ", ".join(f"`{p}`" for p in t.tuned) or lever or t.repeats
        cells = (str(t.kind), t.fact, t.what, target, band, t.why, link)
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def indicator_table() -> str:
    """The indicator registry (:data:`model.indicators.INDICATORS`) as a Markdown table.

    The table gives each indicator's unit, which direction is better, where it
    is recorded (the district, each community, or both) and its meaning.
    """
    from model.indicators import INDICATORS

    better = {1: "higher", -1: "lower", 0: "neither"}
    out = ["| indicator | unit | better | recorded for | meaning |", "|---|---|---|---|---|"]
    for ind in INDICATORS.values():
        scope = " and ".join(s for s, f in (("district", ind.district), ("communities", ind.community)) if f)
        cells = (f"`{ind.name}`", ind.unit, better[ind.better], scope, ind.meaning)
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out += ["", "District indicators are in `district.parquet` (one row per month); community indicators in "
            "`communities.parquet` (one row per month and community, beside `month`, `community`, `street`)."]
    return "\n".join(out)


def odd_generated_sections() -> dict[str, str]:
    """The body of every generated block of docs/ODD.md, by block name (:data:`ODD_BLOCKS`)."""
    return {
        "PARAMETERS": parameter_table(markdown=True),
        "CALIBRATION": calibration_table(),
        "INDICATORS": indicator_table(),
    }


def render_odd(text: str) -> str:
    """``text`` (the content of docs/ODD.md) with every generated block rewritten.

    Raises:
        ValueError: a block's begin or end marker is missing or out of order,
            so the file cannot be refreshed without a person deciding where
            the table goes.
    """
    for name, body in odd_generated_sections().items():
        begin, end = _odd_begin(name), _odd_end(name)
        start = text.find(begin)
        stop = text.find(end, start + len(begin)) if start >= 0 else -1
        if start < 0 or stop < 0:
            raise ValueError(f"ODD: the markers of the generated block {name} are missing; "
                             f"expected the lines {begin!r} and {end!r}")
        # Blank lines around the body keep a table apart from the HTML comments in Markdown.
        text = text[: start + len(begin)] + "\n\n" + body + "\n\n" + text[stop:]
    return text


def refresh_odd(path: str | Path) -> bool:
    """Rewrite the generated blocks of the ODD file at ``path``; return whether it changed."""
    path = Path(path)
    old = path.read_text(encoding="utf-8")
    new = render_odd(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


def _main(argv: list[str] | None = None) -> int:
    """``python -m sanshe.describe``: refresh or check docs/ODD.md, or print one generated table."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sanshe.describe",
                                     description="Tables of docs/ODD.md generated from the declarations.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--refresh-odd", metavar="PATH", help="rewrite the generated blocks of the ODD file")
    what.add_argument("--check-odd", metavar="PATH",
                      help="exit with 1 when the generated blocks of the ODD file are stale")
    what.add_argument("--print", choices=ODD_BLOCKS, dest="block",
                      help="print one generated block")
    args = parser.parse_args(argv)
    if args.block:
        print(odd_generated_sections()[args.block])
        return 0
    path = Path(args.refresh_odd or args.check_odd)
    try:
        if args.refresh_odd:
            print(f"{path}: {'refreshed' if refresh_odd(path) else 'already up to date'}")
            return 0
        text = path.read_text(encoding="utf-8")
        stale = render_odd(text) != text
    except (OSError, ValueError) as e:
        print(f"error: {path}: {e}", file=sys.stderr)
        return 2
    print(f"{path}: {'stale; run ' + ODD_REFRESH_COMMAND if stale else 'up to date'}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(_main())
