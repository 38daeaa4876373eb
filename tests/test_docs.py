"""The documentation agrees with the code.

The generated tables of docs/ODD.md are current, and every link of the ODD
and the how-to leads somewhere real.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sanshe import describe

DOCS = Path(__file__).resolve().parent.parent / "docs"
ODD = DOCS / "ODD.md"
LINKED_DOCS = ("ODD.md", "howto.md")

LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
IDENTIFIER = re.compile(r"`([A-Za-z_][A-Za-z0-9_.]*)`")


def _relative_links(text: str) -> list[tuple[str, str]]:
    """``(text, target)`` of every link that points into the repository."""
    return [(t, target) for t, target in LINK.findall(text)
            if not re.match(r"[a-z]+:|#", target)]


def _section(text: str, heading: str) -> str:
    """The body of the level-2 section whose heading starts with ``heading``."""
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_odd_generated_tables_match_the_declarations():
    """A changed parameter, calibration target or indicator must be refreshed into the ODD."""
    text = ODD.read_text(encoding="utf-8")
    assert describe.render_odd(text) == text, (
        f"docs/ODD.md is stale: run `{describe.ODD_REFRESH_COMMAND}`")


def test_odd_has_every_generated_block_once():
    text = ODD.read_text(encoding="utf-8")
    assert tuple(describe.odd_generated_sections()) == describe.ODD_BLOCKS
    for name in describe.ODD_BLOCKS:
        assert text.count(describe._odd_begin(name)) == 1, name
        assert text.count(describe._odd_end(name)) == 1, name


def test_refresh_rewrites_a_stale_table_and_keeps_the_prose(tmp_path):
    text = ODD.read_text(encoding="utf-8")
    stale = tmp_path / "ODD.md"
    stale.write_text(text.replace("| admin.committee_tasks |", "| admin.tasks_renamed |"), encoding="utf-8")
    assert describe.refresh_odd(stale)
    assert stale.read_text(encoding="utf-8") == text
    assert not describe.refresh_odd(stale)


def test_refresh_names_a_missing_marker(tmp_path):
    broken = tmp_path / "ODD.md"
    broken.write_text(ODD.read_text(encoding="utf-8").replace(describe._odd_end("PARAMETERS"), ""),
                      encoding="utf-8")
    with pytest.raises(ValueError, match="PARAMETERS"):
        describe.refresh_odd(broken)


@pytest.mark.parametrize("name", LINKED_DOCS)
def test_every_relative_link_points_at_an_existing_file(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    links = _relative_links(text)
    assert links, f"{name} has no links to check"
    missing = [target for _, target in links if not (DOCS / target.split("#", 1)[0]).exists()]
    assert not missing, f"{name}: links to missing files: {missing}"


@pytest.mark.parametrize("name", LINKED_DOCS)
def test_every_linked_code_name_is_defined_in_the_linked_file(name):
    """A code name linked to a Python file is defined in that file.

    A link such as [`Committee.allocate_time`](../model/agents.py) names a
    function, class or module-level constant that the file defines.
    """
    text = (DOCS / name).read_text(encoding="utf-8")
    wrong = []
    for label, target in _relative_links(text):
        m = IDENTIFIER.fullmatch(label)
        path = DOCS / target.split("#", 1)[0]
        if not m or path.suffix != ".py" or re.search(r"\.(py|md|toml)$", m.group(1)):
            continue
        symbol = m.group(1).split(".")[-1]
        pattern = rf"^\s*(def|class)\s+{re.escape(symbol)}\b|^{re.escape(symbol)}\s*[:=]"
        if not re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE):
            wrong.append(f"{label} -> {target}")
    assert not wrong, f"{name}: linked names not defined in their files: {wrong}"


def test_every_submodel_links_to_its_function():
    """Section 7 of the ODD links each process of the schedule and the yearly cycle."""
    submodels = _section(ODD.read_text(encoding="utf-8"), "7. Submodels")
    linked = {label.strip("`").split(".")[-1] for label, _ in _relative_links(submodels)}
    mechanisms = "needs|administration|committees|participation|services|trust|organizations|purchasing|social_work"
    functions = set(re.findall(rf"(?:{mechanisms})\.(\w+)\(self\)",
                               (ODD.parent.parent / "model" / "model.py").read_text(encoding="utf-8")))
    assert len(functions) >= 15
    assert not functions - linked, f"submodels not linked in the ODD: {sorted(functions - linked)}"


def test_calibration_page_lists_every_free_parameter_with_its_prior():
    from sanshe.calibration import FREE

    page = (DOCS / "calibration.md").read_text()
    for f in FREE:
        assert f"| `{f.path}` | {f.low:g} – {f.high:g} |" in page, f.path
