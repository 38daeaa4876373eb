"""The live dashboard's logic and its page, rendered headless with solara's test rendering.

Quick (no server, no browser): the controls' labels and values, the step
queue, the plots' text size and the page's tabs. The page served by ``sanshe
app`` to a real Chromium is tested in ``tests/test_browser.py`` (marker
``browser``, ``make test-browser``).
"""

import functools
import re
import threading

import ipyvuetify as v
import ipywidgets as w
import pandas as pd
import pytest
import solara
from matplotlib.text import Text

from experiments import app
from experiments import figures as fg
from experiments.cli import main
from model.parameters import PARAMETERS
from model.scenario import builtin_dir, load_scenario

LEVERS = [path for path, p in PARAMETERS.items() if p.lever]


def test_lever_controls_come_from_the_declaration_and_reach_every_scenarios_value():
    controls = app.lever_controls("pre_reform")
    assert list(controls) == LEVERS
    for path, c in controls.items():
        p = PARAMETERS[path]
        if p.kind is bool:
            assert c["type"] == "Checkbox"
            continue
        assert (c["min"], c["max"]) == (p.low, p.high)
        assert c["type"] == ("SliderInt" if p.kind is int else "SliderFloat")
        assert 0 < c["step"] <= max((p.high - p.low) / 50, 1 if p.kind is int else 0)
        # A moved slider can come back to the default, to any scenario's value, and reach both ends.
        targets = [p.default, p.high, *(app.scenario_levers(name)[path] for name in app.builtin_names())]
        for target in targets:
            k = (target - p.low) / c["step"]
            assert abs(k - round(k)) < 1e-6, (path, target, c["step"])


def test_controls_show_the_chosen_scenarios_values_and_its_dated_changes():
    # pre_reform runs 296 items from month 1, not the declared default of 72.
    assert PARAMETERS["admin.committee_tasks"].default == 72
    assert app.lever_controls("pre_reform")["admin.committee_tasks"]["value"] == 296
    assert app.lever_controls("pre_reform")["purchase.budget_yuan"]["value"] == 0.0
    assert app.lever_controls("no_consultation")["consultation.enabled"]["value"] is False
    # yuzhong_2016 switches at month 25: the control shows the value it switches to, and the timeline says when.
    reform = load_scenario("yuzhong_2016")
    assert app.scenario_levers("yuzhong_2016")["admin.committee_tasks"] == 72
    assert app.lever_timeline(reform, "admin.committee_tasks") == "296 items in months 1–24, 72 items from month 25"
    assert app.lever_timeline(reform, "purchase.budget_yuan") == (
        "0 yuan per year in months 1–24, 30,000,000 yuan per year from month 25")
    assert app.lever_timeline(reform, "consultation.enabled") == ""  # never switched
    assert app.lever_timeline(reform, "admin.admission_control") == ""  # "switched" to the value it has
    assert app.lever_timeline(load_scenario("pre_reform"), "admin.committee_tasks") == ""
    # Choosing a scenario sets the controls to its values and keeps the other choices.
    chosen = app.choose_scenario({**app.default_choices("yuzhong_2016"), "seed": 7}, "tasks_150")
    assert chosen["scenario_name"] == "tasks_150" and chosen["seed"] == 7
    assert chosen["admin.committee_tasks"] == 150
    assert chosen["purchase.budget_yuan"] == PARAMETERS["purchase.budget_yuan"].default


@pytest.mark.parametrize("name", sorted(p.stem for p in builtin_dir().glob("*.toml")))
def test_untouched_controls_as_set_below_run_the_scenario_as_written(name):
    written = load_scenario(name)
    controls = {path: PARAMETERS[path].check(c["value"]) for path, c in app.lever_controls(name).items()}
    through_controls = written.with_levers(controls, origin="the dashboard")

    def month_one(scenario):
        return {path: scenario.params.get(path, p.default) for path, p in PARAMETERS.items()}

    assert month_one(through_controls) == month_one(written)
    assert through_controls.changes == written.changes  # months and values (origins aside)


def test_slider_labels_show_the_value_with_its_unit_in_the_number_style():
    assert app.lever_label("purchase.budget_yuan", 30_000_000.0) == "purchase.budget_yuan: 30,000,000 yuan per year"
    assert app.lever_label("admin.committee_tasks", 296) == "admin.committee_tasks: 296 items"
    assert app.lever_label("admin.assessment_weight", 0.8) == "admin.assessment_weight: 80%"
    assert app.lever_label("committee.consultation_share", 0.25) == "committee.consultation_share: 25% of free hours"
    assert app.lever_label("social_work.exam_pass_prob", 0.06) == "social_work.exam_pass_prob: 6% per year"
    assert app.lever_label("orgs.registration_multiplier", 0.25) == "orgs.registration_multiplier: ×0.25"
    assert app.lever_label("consultation.enabled", True) == "consultation.enabled: on"
    assert app.lever_label("orgs.cleanup_campaign", False) == "orgs.cleanup_campaign: off"
    for path in LEVERS:
        p = PARAMETERS[path]
        for value in ((False, True) if p.kind is bool else (p.low, p.default, p.high)):
            label = app.lever_label(path, value)
            assert label.startswith(f"{path}: ")
            shown = label.removeprefix(f"{path}: ")
            assert not re.search(r"True|False|e[+-]\d|\d\.0\b|^-0\b", shown), label
            if p.kind is not bool and not p.unit.startswith("share") and p.unit != "multiplier":
                assert shown.endswith(f" {p.unit}"), label


def test_a_share_slider_shows_the_decimals_its_step_asks_for():
    assert app.lever_text("admin.assessment_weight", 0.35) == "35%"
    assert app._step_of("admin.assessment_weight") == 0.01  # whole percent steps: no decimals needed


class _Months:
    """A stand-in model: counts its months; its ``during`` hook runs inside a step."""

    def __init__(self, during=lambda month: None):
        self.month, self.during, self.months_seen = 0, during, []

    def step(self):
        self.month += 1
        self.months_seen.append(self.month)
        self.during(self.month)


def test_step_clicks_during_a_step_are_queued_not_lost(monkeypatch):
    monkeypatch.setattr(app.StepQueue, "spawn", staticmethod(lambda work: work()))  # run in this thread
    queued = []
    model = _Months()
    queue = app.StepQueue(model, queued.append)
    # Four more clicks arrive while the first month runs: each waits its turn.
    model.during = lambda month: [queue.request() for _ in range(4)] if month == 1 else None
    queue.request()
    assert model.months_seen == [1, 2, 3, 4, 5]
    assert queue.pending == 0 and not queue.busy
    assert queued[-1] == 0 and max(queued) == 4


def test_step_clicks_while_the_worker_thread_steps_all_run():
    release, finished = threading.Event(), threading.Event()
    model = _Months(during=lambda month: release.wait(60) if month == 1 else None)
    queue = app.StepQueue(model, lambda queued: finished.set() if queued == 0 and model.month == 5 else None)
    for _ in range(5):  # five quick clicks: the first month is still running for the last four
        queue.request()
    assert queue.busy and model.month <= 1
    release.set()
    assert finished.wait(60), "the queued months did not run"
    assert model.months_seen == [1, 2, 3, 4, 5]


def test_play_runs_month_after_month_after_the_queued_ones_until_paused(monkeypatch):
    monkeypatch.setattr(app.StepQueue, "spawn", staticmethod(lambda work: work()))
    model = _Months()
    queue = app.StepQueue(model, interval=0)
    model.during = lambda month: [queue.request() for _ in range(2)] if month == 1 else None
    queue.request()  # month 1, during which two more are clicked: months 2 and 3
    assert model.months_seen == [1, 2, 3] and not queue.busy
    model.during = lambda month: queue.play(False) if month == 7 else None
    queue.play(True)
    assert model.months_seen == [1, 2, 3, 4, 5, 6, 7] and not queue.playing and not queue.busy


def test_play_stops_when_the_model_stops_running(monkeypatch):
    monkeypatch.setattr(app.StepQueue, "spawn", staticmethod(lambda work: work()))
    model = _Months()
    model.running = True
    model.during = lambda month: setattr(model, "running", month < 4)
    queue = app.StepQueue(model, interval=0)
    queue.play(True)
    assert model.months_seen == [1, 2, 3, 4] and not queue.playing


def test_reset_drops_the_months_queued_for_the_old_model(monkeypatch):
    monkeypatch.setattr(app.StepQueue, "spawn", staticmethod(lambda work: None))  # nothing runs yet
    old, new = _Months(), _Months()
    queue = app.StepQueue(old)
    for _ in range(3):
        queue.request()
    queue.retarget(new)
    queue.drain()
    assert old.month == 0 and new.month == 0
    queue.request()
    queue.drain()
    assert new.month == 1


def test_plots_have_no_text_below_the_readable_size():
    frame = pd.DataFrame({"month": [1, 2], **{i: [0.1, 0.2] for i in app.MAIN_INDICATORS}})
    fig = fg.run_panel(frame, app.MAIN_INDICATORS, "title")

    def smallest():
        return min(t.get_fontsize() for t in fig.findobj(Text) if t.get_text())

    assert smallest() < app.MIN_FONT_PT  # the report's own panel is denser
    app.readable(fig)
    assert smallest() >= app.MIN_FONT_PT


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
    assert (25, "purchase.budget_yuan", 30_000_000.0) in changes
    # A lever the scenario never switches holds from month 1.
    assert reform.params.consultation.enabled is False
    with pytest.raises(ValueError, match="not levers"):
        app.DashboardModel("pre_reform", **{"population.communities": 3})


@pytest.fixture
def built(monkeypatch):
    """Every DashboardModel the page builds (Reset builds a new one)."""
    models = []
    original = app.DashboardModel.__init__

    @functools.wraps(original)
    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        models.append(self)

    monkeypatch.setattr(app.DashboardModel, "__init__", record)
    return models


def _texts(rc) -> str:
    """Every text the rendered page shows: widget labels, descriptions, tab titles, Markdown's HTML."""
    out, seen, todo = [], set(), list(rc.find(w.Widget).widgets)
    while todo:
        widget = todo.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        for attr in ("label", "children", "value", "description", "template", "v_slots"):
            value = getattr(widget, attr, None)
            for x in value if isinstance(value, list | tuple) else [value]:
                if isinstance(x, str):
                    out.append(x)
                elif isinstance(x, w.Widget):
                    todo.append(x)
                elif isinstance(x, dict) and isinstance(x.get("children"), w.Widget):
                    todo.append(x["children"])
    return "\n".join(out)


def _label(rc, kind, prefix):
    """The one control of ``kind`` whose label starts with ``prefix``."""
    found = [x for x in rc.find(kind).widgets if str(getattr(x, "label", "")).startswith(prefix)]
    assert len(found) == 1, (prefix, [getattr(x, "label", "") for x in rc.find(kind).widgets])
    return found[0]


def test_headless_page_named_tabs_controls_follow_the_scenario_steps_and_resets(built, monkeypatch):
    monkeypatch.setattr(app.StepQueue, "spawn", staticmethod(lambda work: work()))  # steps in this thread
    model = app.DashboardModel(seed=3, population_scale=0.005)  # Reset keeps the scale: quick builds

    @solara.component
    def Root():
        with solara.AppLayout():
            app.make_page(model)

    _, rc = solara.render(Root(), handle_error=False)
    # Named tabs, and the second tab's content is there before it is chosen (no wait when it is).
    tabs = [t.children[0] for t in rc.find(v.Tab).widgets]
    assert tabs == ["District", "Levers"]
    assert "| admin.committee_tasks | 296 items | 72 items | 72 items from month 25 |" in app.levers_rows(model)
    assert "<td>72 items from month 25</td>" in _texts(rc)
    # Every slider shows its value and unit; the controls show yuzhong_2016's values and timelines.
    assert _label(rc, v.Slider, "admin.committee_tasks:").label == "admin.committee_tasks: 72 items"
    assert _label(rc, v.Slider, "seed:").label == "seed: 3"
    assert _label(rc, v.Slider, "population scale:").label == "population scale: 0.5% of residents"
    assert "in the scenario: 296 items in months 1–24, 72 items from month 25" in _texts(rc)
    assert not re.search(r"\b(True|False)\b|30000000", _texts(rc))
    # The plots fill the page's width.
    images = rc.find(w.Image).widgets
    assert len(images) == 2 and all(i.layout.width == "100%" for i in images)

    before = [bytes(i.value) for i in images]
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.month == 1
    after = [bytes(i.value) for i in rc.find(w.Image).widgets]
    assert all(a != b for a, b in zip(before, after, strict=True))
    assert "month 1" in _texts(rc)

    # Choose a scenario: the controls take its values.
    rc.find(v.Select, label="scenario").widget.v_model = "pre_reform"
    assert _label(rc, v.Slider, "admin.committee_tasks:").label == "admin.committee_tasks: 296 items"
    assert _label(rc, v.Checkbox, "admin.platform_enabled:").label == "admin.platform_enabled: off"
    assert "in the scenario:" not in _texts(rc)  # pre_reform switches nothing at a month
    assert _label(rc, v.Slider, "admin.committee_tasks:").disabled  # "as in the scenario": shown, not set
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = built[-1]
    assert rebuilt.sanshe_scenario.name == "pre_reform" and rebuilt.seed == 3
    assert rebuilt.params.population.population_scale == 0.005
    assert rebuilt.params.admin.committee_tasks == 296

    # As set below: a moved control goes into the scenario.
    rc.find(v.Select, label="levers").widget.v_model = "as set below"
    checkbox = _label(rc, v.Checkbox, "consultation.enabled:")
    assert not checkbox.disabled
    checkbox.v_model = False
    assert _label(rc, v.Checkbox, "consultation.enabled:").label == "consultation.enabled: off"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = built[-1]
    assert rebuilt.params.consultation.enabled is False
    assert rebuilt.params.admin.committee_tasks == 296 and rebuilt.params.purchase.budget_yuan == 0.0
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert rebuilt.month == 1

    # The map's colour follows the chosen indicator.
    images_before = [bytes(i.value) for i in rc.find(w.Image).widgets]
    rc.find(v.Select, label="colour communities by").widget.v_model = "trust_committee"
    images_after = [bytes(i.value) for i in rc.find(w.Image).widgets]
    assert [a != b for a, b in zip(images_before, images_after, strict=True)] == [True, False]  # the map only


def test_app_port_mistake_is_one_line(capsys):  # a port in use: tests/test_stopping.py
    assert main(["app", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "--port: found 70000, allowed" in err and err.count("\n") == 1 and "Traceback" not in err

