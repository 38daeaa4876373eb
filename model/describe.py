"""Text views of the parameter declaration and of scenarios, for the command line and the docs."""

from __future__ import annotations

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


def parameter_table(markdown: bool = False) -> str:
    """Every parameter with unit, default, range, whether it is a lever, and source."""
    rows = [(path, p.unit, _default(p), _range(p), "lever" if p.lever else "", p.source, p.doc)
            for path, p in PARAMETERS.items()]
    if markdown:
        out = ["| parameter | unit | default | range | lever | source | meaning |",
               "|---|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = []
    for r in rows:
        out.append(f"{r[0]:{widths[0]}s}  {r[1]:{widths[1]}s}  {r[2]:>{widths[2]}s}  "
                   f"{r[3]:{widths[3]}s}  {r[4]:5s}  {r[5]}")
    return "\n".join(out)


def show_scenario(sc: Scenario) -> str:
    """A scenario's values that differ from the defaults, and its dated lever changes."""
    out = [f"{sc.name}: {' '.join(sc.description.split())}",
           f"source: {' <- '.join(reversed(sc.chain))}"]
    diffs = {k: v for k, v in sc.params.items() if v != PARAMETERS[k].default}
    out.append("from month 1:" if diffs else "from month 1: the defaults")
    for path, value in sorted(diffs.items()):
        p = PARAMETERS[path]
        shown = str(value).lower() if p.kind is bool else _fmt(value)
        out.append(f"  {path} = {shown}   (default {_default(p)} {p.unit})")
    for ch in sc.changes:
        p = PARAMETERS[ch.path]
        shown = str(ch.value).lower() if p.kind is bool else _fmt(ch.value)
        out.append(f"month {ch.month}: {ch.path} = {shown}")
    return "\n".join(out)
