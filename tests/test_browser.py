"""The dashboard served by ``sanshe app`` and the experiment report, in a real headless Chromium.

The system's Chromium (``/usr/bin/chromium``, from Debian's packages; ``.ci/run``
installs it when missing) is driven by Playwright, which downloads no browser
of its own. Marker ``browser``: outside the default run, ``make test-browser``
runs these. Without the browser they are skipped, unless
``SANSHE_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import run_experiment_file

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SANSHE = Path(sys.executable).with_name("sanshe")
WAIT_MS = 180_000  # the busiest machine's patience: the page builds a model after twenty simulated years
A4_WIDTH_PX = 210 / 25.4 * 96  # 793.7 CSS pixels

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("SANSHE_REQUIRE_BROWSER") != "1",
    reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    """``sanshe app --port PORT`` as a user starts it, once it answers HTTP."""
    # As a terminal starts it: Ctrl-C at its default even when this test runs where SIGINT is ignored (a
    # background job), which sanshe, like nohup, would rightly keep ignoring.
    server = subprocess.Popen([str(SANSHE), "app", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise AssertionError(f"sanshe app did not answer on port {port}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def chromium():
    assert os.path.exists(CHROMIUM), f"SANSHE_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dashboard():
    """The URL of one ``sanshe app`` for this module's page tests."""
    port = _free_port()
    server = _serve(port)
    yield f"http://127.0.0.1:{port}/"
    _stop(server)


@pytest.fixture
def page(chromium, dashboard):
    """A fresh dashboard page (its own model) at 1600 × 1000, loaded."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(dashboard, timeout=WAIT_MS)
    page.get_by_role("button", name="Step").wait_for()
    page.locator("img").nth(1).wait_for()
    yield page
    context.close()


def _month(page) -> str:
    return page.locator(".sanshe-month").inner_text().strip()


@needs_chromium
def test_dashboard_has_named_tabs_slider_values_and_large_plots(page):
    from playwright.sync_api import expect

    tabs = page.get_by_role("tab")
    expect(tabs).to_have_text(["District", "Levers"])
    assert not page.get_by_text(re.compile(r"page \d", re.IGNORECASE)).count()
    # Every slider shows its value with its unit; yuzhong_2016's values and its month-25 switch.
    for label in ("seed: 0", "population scale: 2.0% of residents", "admin.committee_tasks: 72 items",
                  "purchase.budget_yuan: 30,000,000 yuan per year", "committee.consultation_share: 25% of free hours",
                  "consultation.enabled: on", "in the scenario: 296 items in months 1–24, 72 items from month 25"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    body = page.locator("body").inner_text()
    assert not re.search(r"\b(True|False)\b|30000000|\d\.0\b(?! ?%)", body), body
    # Both plots span most of the page's width (the sidebar aside), the map above the indicators.
    widths = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getBoundingClientRect().width)")
    assert len(widths) == 2 and min(widths) >= 0.6 * 1600, widths
    # The second tab's table is on the page before it is chosen, so it shows at once.
    cell = page.locator("td", has_text="72 items from month 25").first
    expect(cell).to_be_attached()
    expect(cell).to_be_hidden()
    page.get_by_role("tab", name="Levers").click()
    expect(cell).to_be_visible()


@needs_chromium
def test_dashboard_controls_follow_the_chosen_scenario(page):
    from playwright.sync_api import expect

    expect(page.get_by_text("admin.committee_tasks: 72 items", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("scenario")).first.click()
    page.get_by_role("option", name="pre_reform", exact=True).click()
    expect(page.get_by_text("admin.committee_tasks: 296 items", exact=True)).to_be_visible()
    expect(page.get_by_text("purchase.budget_yuan: 0 yuan per year", exact=True)).to_be_visible()
    expect(page.get_by_text("admin.platform_enabled: off", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("^in the scenario:"))).to_have_count(0)  # pre_reform switches nothing
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("tab", name="Levers").click()
    expect(page.get_by_text("pre_reform, seed 0, month 0", exact=False)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^admin\.committee_tasks 296 items 72 items"))).to_be_visible()


@needs_chromium
def test_five_quick_step_clicks_give_five_months(page):
    from playwright.sync_api import expect

    assert _month(page) == "month 0"
    step = page.get_by_role("button", name="Step")
    for _ in range(5):
        step.click()
    expect(page.locator(".sanshe-month")).to_have_text("month 5")
    page.get_by_role("tab", name="Levers").click()
    expect(page.get_by_text("yuzhong_2016, seed 0, month 5", exact=False)).to_be_visible()
    assert _month(page) == "month 5"  # and no more


@needs_chromium
def test_play_runs_months_and_pause_gives_step_back(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Step")).to_be_disabled()
    expect(page.locator(".sanshe-month")).to_have_text(re.compile(r"^month ([2-9]|\d\d+)"))
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.get_by_role("button", name="Step")).to_be_enabled()


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, its children's children included (from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, parent in parents.items() if parent == p]
        found += kids
        todo += kids
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sanshe_app_stops_its_whole_server_and_frees_its_port(stop):
    port = _free_port()
    server = _serve(port)
    try:
        started = _descendants(server.pid)
        assert started, "sanshe app serves from a process of its own"
        server.send_signal(stop)
        assert server.wait(60) == 0
        output = server.stdout.read()
        assert "sanshe dashboard stopped" in output and "Traceback" not in output, output
    finally:
        _stop(server)
    assert [pid for pid in started if _running(pid)] == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # free for the next server


REPORTED = """
name = "layout"
description = "The flagship's scenarios, tiny: a report as wide as the real one."
description_zh = "旗舰实验的情景（极小规模）：与正式报告同样宽的报告。"
design = "scenarios"
scenarios = ["pre_reform", "yuzhong_2016",
             "linkage_000", "linkage_100", "linkage_010", "linkage_001",
             "linkage_110", "linkage_101", "linkage_011", "linkage_111"]
replicates = 2
base_seed = 7
months = 26
scale = 0.005
record = "all"

[factorial]
factors = ["deburdening", "purchasing", "posts"]
factors_zh = ["减负", "购买服务", "社工岗位"]

[factorial.corners]
linkage_000 = [0, 0, 0]
linkage_100 = [1, 0, 0]
linkage_010 = [0, 1, 0]
linkage_001 = [0, 0, 1]
linkage_110 = [1, 1, 0]
linkage_101 = [1, 0, 1]
linkage_011 = [0, 1, 1]
linkage_111 = [1, 1, 1]
"""


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A small experiment with the flagship's ten scenarios, and its report in English and Chinese."""
    from experiments.report import build_report

    out = run_experiment_file(tmp_path_factory.mktemp("layout"), REPORTED, "layout")[0]
    return {lang: build_report(out, lang=lang).html for lang in ("en", "zh")}


# Elements wider than the page, or whose content is wider than their box (a table that
# scrolls or clips sideways): what a reader cannot see at once, or loses on paper.
# Only the outermost such element is named (not each of its cells).
OVERFLOWING = """width => {
    const over = Array.from(document.querySelectorAll('body *')).filter(e => {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return false;
        return r.right > width + 1 || e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
            && getComputedStyle(e).overflowX !== 'visible';
    });
    return over.filter(e => !over.some(o => o !== e && o.contains(e)))
        .map(e => e.tagName + (e.className ? '.' + e.className : '') + ' ' + (e.innerText || '').slice(0, 50));
}"""

# The page's left and right print margins in CSS pixels, as its @page rules set them (0 when none).
PAGE_MARGINS = """() => {
    let total = 0;
    for (const sheet of document.styleSheets) {
        for (const rule of sheet.cssRules) {
            if (rule.type !== CSSRule.PAGE_RULE) continue;
            for (const value of [rule.style.marginLeft, rule.style.marginRight]) {
                if (!value) continue;
                const probe = document.createElement('div');
                probe.style.width = value;
                document.body.appendChild(probe);
                total += probe.getBoundingClientRect().width;
                probe.remove();
            }
        }
    }
    return total;
}"""


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_fits_1280_px_and_prints_on_a4_without_clipping(chromium, reported, lang, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(reported[lang].as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate(OVERFLOWING, 1280) == []
    # On A4: laid out at the paper's width less its margins, nothing wider, nothing clipped.
    page.emulate_media(media="print")
    printable = int(A4_WIDTH_PX - page.evaluate(PAGE_MARGINS))
    page.set_viewport_size({"width": printable, "height": 1100})
    assert page.evaluate("document.documentElement.scrollWidth") <= printable
    assert page.evaluate(OVERFLOWING, printable) == []
    pdf = tmp_path / f"report_{lang}.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page") >= 1
    context.close()
