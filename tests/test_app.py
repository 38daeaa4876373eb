"""The live dashboard, tested twice: rendered headless, and served to a real browser.

Rendered headless with solara's test rendering, and served by ``sanshe app``
to a real headless Chromium (the system's, from Debian's packages; ``.ci/run``
installs it when missing) driven by Playwright, which downloads no browser of
its own.
"""

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import ipyvuetify as v
import ipywidgets as w
import pytest
import solara

from experiments import app
from experiments.cli import main
from model.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_lever_controls_come_from_the_declaration():
    controls = app.lever_controls()
    levers = {path for path, p in PARAMETERS.items() if p.lever}
    assert set(controls) == levers
    for path, c in controls.items():
        p = PARAMETERS[path]
        assert c["value"] == p.default
        if p.kind is bool:
            assert c["type"] == "Checkbox"
            continue
        assert (c["min"], c["max"]) == (p.low, p.high)
        assert c["type"] == ("SliderInt" if p.kind is int else "SliderFloat")
        assert 0 < c["step"] <= max((p.high - p.low) / 50, 1 if p.kind is int else 0)
        # A moved slider can come back to the default and reach both ends.
        for target in (p.default, p.high):
            k = (target - p.low) / c["step"]
            assert abs(k - round(k)) < 1e-6, (path, target, c["step"])


def test_levers_as_in_the_scenario_ignore_the_controls():
    reform = app.DashboardModel("yuzhong_2016", seed=1, **{"admin.committee_tasks": 150})
    assert reform.params.admin.committee_tasks == 296  # pre-reform until month 25
    assert (25, "admin.committee_tasks", 72) in [(c.month, c.path, c.value) for c in reform.changes]
    assert reform.params.population.population_scale == app.DEFAULT_SCALE


def test_levers_as_set_below_go_into_the_scenario_like_a_sweep():
    values = {"admin.committee_tasks": 150, "purchase.budget_yuan": 30_000_000.0, "consultation.enabled": False}
    reform = app.DashboardModel("yuzhong_2016", seed=1, levers="as set below", **values)
    # A lever the scenario switches at month 25 takes the control's value there ...
    assert reform.params.admin.committee_tasks == 296
    changes = [(c.month, c.path, c.value) for c in reform.changes]
    assert (25, "admin.committee_tasks", 150) in changes
    # ... and the declared default is a value like any other (purchasing 30 M from the reform on).
    assert (25, "purchase.budget_yuan", 30_000_000.0) in changes
    # A lever the scenario never switches holds from month 1.
    assert reform.params.consultation.enabled is False
    before = app.DashboardModel("pre_reform", seed=1, levers="as set below", **values)
    assert before.params.purchase.budget_yuan == 30_000_000.0 and before.params.admin.committee_tasks == 150
    with pytest.raises(ValueError, match="not levers"):
        app.DashboardModel("pre_reform", **{"population.communities": 3})


@pytest.fixture
def built(monkeypatch):
    """Every DashboardModel the page builds (Reset builds a new one)."""
    models = []
    original = app.DashboardModel.__init__

    @functools.wraps(original)  # Mesa reads the signature: keyword parameters only
    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        models.append(self)

    monkeypatch.setattr(app.DashboardModel, "__init__", record)
    return models


def test_headless_render_steps_the_model_and_redraws_both_plots(built):
    model = app.DashboardModel(seed=3)

    @solara.component
    def Root():
        with solara.AppLayout():
            app.make_page(model)

    _, rc = solara.render(Root(), handle_error=False)
    images = rc.find(w.Image)
    assert len(images.widgets) == 2  # the district map and the indicators over time
    before = [bytes(i.value) for i in images.widgets]
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.month == 1
    after = [bytes(i.value) for i in rc.find(w.Image).widgets]
    # noqa below: two separate finds, so equal lengths are not by construction.
    assert all(a != b for a, b in zip(before, after))  # noqa: B905

    # Change the scenario and a lever, then Reset: the page builds a model with them.
    rc.find(v.Select, label="scenario").widget.v_model = "pre_reform"
    rc.find(v.Checkbox, label="consultation.enabled (bool)").widget.v_model = False
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = built[-1]
    assert rebuilt.sanshe_scenario.name == "pre_reform"
    assert rebuilt.params.consultation.enabled is True  # levers "as in the scenario": controls ignored
    rc.find(v.Select, label="levers").widget.v_model = "as set below"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = built[-1]
    assert rebuilt.params.consultation.enabled is False
    assert rebuilt.params.purchase.budget_yuan == PARAMETERS["purchase.budget_yuan"].default
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert rebuilt.month == 1

    # The map's colour follows the chosen indicator.
    images_before = [bytes(i.value) for i in rc.find(w.Image).widgets]
    rc.find(v.Select, label="colour communities by").widget.v_model = "trust_committee"
    images_after = [bytes(i.value) for i in rc.find(w.Image).widgets]
    # noqa below: two separate finds, so equal lengths are not by construction.
    assert sum(a != b for a, b in zip(images_before, images_after)) == 1  # the map only  # noqa: B905


def test_app_port_mistake_is_one_line(capsys):
    assert main(["app", "--port", "70000"]) == 2
    assert "--port: found 70000, allowed" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("SANSHE_REQUIRE_BROWSER") != "1",
                    reason="no system Chromium (apt-get install chromium; .ci/run installs it)")
def test_browser_loads_the_page_presses_step_and_the_plot_changes(tmp_path):
    assert CHROMIUM is not None, "SANSHE_REQUIRE_BROWSER=1 but no chromium on PATH"
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=60_000)
            plots = page.locator("img")
            plots.nth(1).wait_for(timeout=60_000)
            before = [plots.nth(i).get_attribute("src") for i in range(plots.count())]
            page.screenshot(path=str(tmp_path / "before.png"))
            step.click()
            # Both plots (the district map and the indicators) are redrawn for month 1.
            page.wait_for_function(
                "before => Array.from(document.querySelectorAll('img')).every((img, i) => img.src !== before[i])",
                arg=before, timeout=60_000)
            after = [plots.nth(i).get_attribute("src") for i in range(plots.count())]
            page.screenshot(path=str(tmp_path / "after.png"))
            assert len(before) == len(after) == 2 and all(a != b for a, b in zip(before, after, strict=True))
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
