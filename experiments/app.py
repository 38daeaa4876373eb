"""The live dashboard: ``sanshe app [--port P]`` serves this Solara page on 127.0.0.1.

Choose a scenario and a seed, change levers, step or play, and watch the
district: on the tab "District", the 77 communities as their network
coloured by an indicator you choose, above the main indicators over time;
on the tab "Levers", the running model's levers this month and their later
dated changes.

Controls come from the parameter declaration (:data:`model.parameters.PARAMETERS`):
every lever gets a slider or a checkbox with its declared range and unit,
never a second copy of them, and each shows its value with its unit in the
project's number style (:mod:`experiments.numbers`). The controls show the
chosen scenario's values: choosing a scenario sets them, and a lever the
scenario switches at a month shows the value it switches to, with its
timeline beneath ("296 items in months 1–24, 72 items from month 25"). The
"levers" choice says what they do: "as in the scenario" runs the scenario as
written (the controls only show it); "as set below" puts every lever's
control value into the scenario the way a sweep does
(:meth:`model.scenario.Scenario.with_levers`: a lever the scenario switches
at a month takes the value at that month; any other from month 1), so the
untouched controls run the scenario as written. Press Reset to rebuild the
model with the new choices.

Step never loses a click: clicks are counted (:class:`StepQueue`) and run one
after the other in a worker thread, however quickly they come; Play runs in
the same worker, after the queued months.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from experiments import figures as fg
from experiments import numbers as nb
from model.indicators import COMMUNITY_INDICATORS
from model.model import SansheModel
from model.parameters import PARAMETERS, Params
from model.scenario import Scenario, builtin_dir, load_scenario

DEFAULT_SCENARIO = "yuzhong_2016"
DEFAULT_SCALE = 0.02
"""Population scale of the dashboard: 12,600 resident rows, a month in a few tens of milliseconds."""

LEVER_MODES = ("as in the scenario", "as set below")

TABS = ("District", "Levers")
"""The page's tabs, by name."""

MAIN_INDICATORS = ["need_coverage", "coverage_vulnerable", "satisfaction", "trust_committee",
                   "consultation_rate", "volunteer_rate", "committee_admin_share", "org_count",
                   "certified_share"]

MIN_FONT_PT = 11
"""The smallest text of the dashboard's plots, in points (shown at about 1.3 px a point or more at 1600 px)."""

PLAY_INTERVAL_S = 0.2
"""Pause between two months while playing."""

SCALE_RANGE = (0.005, 0.1, 0.005)
"""Population scale slider: low, high, step."""

CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; max-width: 100%; height: auto; white-space: normal;
    line-height: 1.3; margin-bottom: 2px; }
"""
"""A slider's label (its value and unit) on a line of its own above the slider, as wide as the sidebar."""


def lever_paths() -> list[str]:
    """The lever paths, in declaration order."""
    return [path for path, p in PARAMETERS.items() if p.lever]


def builtin_names() -> list[str]:
    """The built-in scenarios' names, sorted."""
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


@cache
def _scenario(name: str) -> Scenario:
    return load_scenario(name)


def scenario_levers(name: str) -> dict[str, Any]:
    """The values the controls show for scenario ``name``: every lever's value as the scenario sets it.

    A lever the scenario switches at a month shows the value it switches to
    (the value "as set below" replaces, see :meth:`Scenario.with_levers`), so
    untouched controls run the scenario as written; any other lever shows
    its value from month 1 (the declared default where the scenario is silent).
    """
    scenario = _scenario(name)
    values = {path: scenario.params.get(path, PARAMETERS[path].default) for path in lever_paths()}
    for change in sorted(scenario.changes, key=lambda c: c.month):
        values[change.path] = change.value
    return values


def lever_text(path: str, value: Any) -> str:
    """A lever's value with its unit, in the project's number style ("72 items", "80%", "on")."""
    p = PARAMETERS[path]
    if p.kind is bool:
        return "on" if value else "off"
    if p.unit.startswith("share"):  # "share", "share of free hours", "share per year"
        decimals = max(0, -int(np.floor(np.log10(100 * _step_of(path)) + 1e-9)))
        return f"{nb.percent(value, decimals)}{p.unit.removeprefix('share')}"
    if p.unit == "multiplier":
        return f"×{nb.number(value, max(0, -int(np.floor(np.log10(_step_of(path)) + 1e-9))))}"
    return f"{nb.count(value) if p.kind is int else nb.number(value)} {p.unit}"


def lever_label(path: str, value: Any) -> str:
    """A control's label: the lever and its value with its unit."""
    return f"{path}: {lever_text(path, value)}"


def lever_timeline(scenario: Scenario, path: str) -> str:
    """The lever's values over the months of ``scenario`` ("296 items in months 1–24, 72 items from month 25").

    "" for a lever that keeps one value all along (a dated change to the value it has is no change).
    """
    if not any(c.path == path for c in scenario.changes):
        return ""
    spans: list[list[Any]] = []  # [start, end, shown], neighbours of one shown value merged
    for period in scenario.timeline()[path]:
        shown = lever_text(path, period.value)
        if spans and spans[-1][2] == shown:
            spans[-1][1] = period.end
        else:
            spans.append([period.start, period.end, shown])
    if len(spans) == 1:
        return ""
    parts = []
    for start, end, shown in spans:
        if end is None:
            parts.append(f"{shown} from month {start}")
        elif end == start:
            parts.append(f"{shown} in month {start}")
        else:
            parts.append(f"{shown} in months {start}–{end}")
    return ", ".join(parts)


def lever_controls(scenario_name: str = DEFAULT_SCENARIO) -> dict[str, dict[str, Any]]:
    """One control per lever, generated from the declaration, showing ``scenario_name``'s values."""
    values = scenario_levers(scenario_name)
    controls = {}
    for path in lever_paths():
        p = PARAMETERS[path]
        if p.kind is bool:
            controls[path] = {"type": "Checkbox", "value": values[path]}
            continue
        controls[path] = {"type": "SliderInt" if p.kind is int else "SliderFloat", "value": values[path],
                          "min": p.low, "max": p.high, "step": _step_of(path)}
    return controls


@cache
def _step_of(path: str) -> float:
    """The slider step of lever ``path``: lands on its default and on every built-in scenario's value."""
    p = PARAMETERS[path]
    values = [p.default, *(scenario_levers(name)[path] for name in builtin_names())]
    return _step(p.low, p.high, values, integer=p.kind is int)


def _step(low: float, high: float, values: list[float], integer: bool) -> float:
    """The coarsest slider step of 1, 2 or 5 times a power of ten that suits the range.

    It gives at least about a hundred steps across the range and lands on each
    of ``values`` (the default, the scenarios' values), so a moved slider can
    always return to them.
    """
    raw = (high - low) / 100
    power = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    candidates = sorted({float(m * power * 10**e) for m in (1, 2, 5) for e in range(-3, 1)}, reverse=True)
    for step in candidates:
        if step > raw or (integer and step < 1):
            continue
        offsets = (np.array([*values, high], dtype=float) - low) / step
        if np.allclose(offsets, np.round(offsets), atol=1e-9):
            return int(step) if integer else step
    return 1 if integer else raw


class DashboardModel(SansheModel):
    """A sanshe model built from the dashboard's choices.

    Args:
        scenario_name: a built-in scenario name.
        seed: the run's seed.
        population_scale: share of residents simulated.
        levers: "as in the scenario" (the lever controls are ignored) or
            "as set below" (every lever control's value goes into the scenario,
            see :meth:`model.scenario.Scenario.with_levers`).
        **lever_values: lever path -> value, from the controls.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 0,
                 population_scale: float = DEFAULT_SCALE, levers: str = LEVER_MODES[0],
                 **lever_values: Any) -> None:
        unknown = sorted(k for k in lever_values if k not in PARAMETERS or not PARAMETERS[k].lever)
        if unknown:
            raise ValueError(f"not levers: {', '.join(unknown)}")
        if levers not in LEVER_MODES:
            raise ValueError(f"levers: found {levers!r}, allowed: {', '.join(LEVER_MODES)}")
        base = load_scenario(scenario_name)
        self.lever_mode = levers
        if levers == "as set below":
            base = base.with_levers({k: PARAMETERS[k].check(v) for k, v in lever_values.items()},
                                    origin="the dashboard")
        params = {**base.params, "population.population_scale": float(population_scale)}
        resolved = dataclasses.replace(base, params=params)
        super().__init__(resolved, seed=int(seed), params=Params(params))


def default_choices(scenario_name: str = DEFAULT_SCENARIO) -> dict[str, Any]:
    """Everything the page lets a user choose, as they start: the scenario's own lever values."""
    return {"scenario_name": scenario_name, "levers": LEVER_MODES[0], "seed": 0,
            "population_scale": DEFAULT_SCALE, **scenario_levers(scenario_name)}


def choose_scenario(choices: dict[str, Any], name: str) -> dict[str, Any]:
    """The choices after choosing scenario ``name``: the controls take its values."""
    return {**choices, "scenario_name": name, **scenario_levers(name)}


def _choices_of(model: DashboardModel) -> dict[str, Any]:
    """The choices that rebuild ``model``'s scenario, seed and scale (the controls at its scenario's values)."""
    return {**default_choices(model.sanshe_scenario.name), "seed": model.seed,
            "population_scale": model.params.population.population_scale}


class StepQueue:
    """Step clicks and Play, run in order by one worker, one month at a time: a click while a month runs waits its turn.

    :meth:`request` adds a month and :meth:`play` switches playing on or
    off; unless months are already being run, either starts a worker
    (:meth:`spawn`), which takes the queued months one at a time and, while
    playing, one more every ``interval`` seconds, until there is nothing to
    do. It steps the model under :attr:`lock` (which the plots hold while
    they read the model). ``on_change`` is called after each click, after
    each month played, and when the queue is empty again (months clicked
    during a month run first, and the page is drawn once for them).

    Args:
        target: the model to step (replaced by :meth:`retarget` on Reset).
        on_change: called with the months still queued.
        interval: seconds between two months while playing.
    """

    def __init__(self, target: Any, on_change: Callable[[int], None] = lambda queued: None,
                 interval: float = PLAY_INTERVAL_S) -> None:
        self.target = target
        self.on_change = on_change
        self.interval = interval
        self.lock = threading.RLock()
        self._state = threading.Lock()
        self._pending = 0
        self._playing = False
        self._draining = False

    @property
    def pending(self) -> int:
        """Months asked for and not yet run."""
        return self._pending

    @property
    def playing(self) -> bool:
        """Whether months run one after the other until paused."""
        return self._playing

    @property
    def busy(self) -> bool:
        """Whether a worker is running months."""
        return self._draining

    @staticmethod
    def spawn(work: Callable[[], None]) -> None:
        """Run ``work`` in a daemon thread (solara's threads keep the page's context)."""
        threading.Thread(target=work, daemon=True, name="sanshe-steps").start()

    def request(self, months: int = 1) -> None:
        """Ask for ``months`` more months; start running them unless that is already happening."""
        with self._state:
            self._pending += months
            queued = self._pending
        self.on_change(queued)
        self._start()

    def play(self, on: bool) -> None:
        """Play (a month every ``interval`` seconds, after the queued ones) or pause."""
        with self._state:
            self._playing = on
            queued = self._pending
        self.on_change(queued)
        self._start()

    def _start(self) -> None:
        with self._state:
            start = not self._draining and (self._pending > 0 or self._playing)
            self._draining = self._draining or start
        if start:
            self.spawn(self.drain)

    def _next(self) -> bool | None:
        """Take the next month: True if it was queued, False if played, None if there is nothing to do."""
        with self._state:
            if self._pending > 0:
                self._pending -= 1
                return True
            if self._playing and getattr(self.target, "running", True):
                return False
            self._playing = False
            self._draining = False
            return None

    def drain(self) -> None:
        """Run the queued months, then the played ones, until there is nothing to do."""
        try:
            while (queued := self._next()) is not None:
                with self.lock:
                    self.target.step()
                if not queued:
                    self.on_change(self._pending)
                    time.sleep(self.interval)
                elif self._pending == 0:  # months still queued run first: one drawing for them all
                    self.on_change(0)
        except BaseException:
            with self._state:
                self._pending, self._playing, self._draining = 0, False, False
            self.on_change(0)
            raise

    def retarget(self, target: Any) -> None:
        """Step ``target`` from now on, paused, dropping the months still queued for the previous model."""
        with self.lock, self._state:
            self.target = target
            self._pending = 0
            self._playing = False
        self.on_change(0)


def readable(fig: Figure, min_pt: float = MIN_FONT_PT) -> Figure:
    """``fig`` with no text smaller than ``min_pt`` points, laid out again."""
    for t in fig.findobj(Text):
        if t.get_text() and t.get_fontsize() < min_pt:
            t.set_fontsize(min_pt)
    fig.tight_layout()
    return fig


def png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def map_figure(model: DashboardModel, colour: str, lock: threading.RLock) -> Figure:
    """The district map of ``model`` this month, coloured by ``colour``."""
    with lock:
        month = model.month
        if model.recorder.community:
            values = model.recorder.community[-1][:, COMMUNITY_INDICATORS.index(colour)].copy()
        else:
            values = np.full(model.n_communities, np.nan)
    return readable(fg.district_map(values, colour, model.sanshe_scenario.name, f"month {month}"))


def indicators_figure(model: DashboardModel, lock: threading.RLock) -> Figure:
    """The main district indicators of ``model`` from month 1 to now."""
    with lock:
        month = model.month
        frame = model.recorder.district_frame().copy()
    fig = fg.run_panel(frame, MAIN_INDICATORS, f"{model.sanshe_scenario.name}, seed {model.seed}, "
                       f"month {month}, levers {model.lever_mode}")
    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole months
    return readable(fig)


def levers_rows(model: DashboardModel) -> list[str]:
    """The Markdown table of the running model's levers: now, declared default, later changes."""
    rows = ["| lever | now | declared default | later changes |", "|---|---|---|---|"]
    for path in lever_paths():
        later = "; ".join(f"{lever_text(path, c.value)} from month {c.month}" for c in model.changes
                          if c.path == path and c.month > model.month)
        rows.append(f"| {path} | {lever_text(path, model.params[path])} | "
                    f"{lever_text(path, PARAMETERS[path].default)} | {later} |")
    return rows


@solara.component
def LeverControl(path: str, value: Any, on_value: Callable[[Any], None], disabled: bool, timeline: str):
    """One lever's control, labelled with its value and unit, and the scenario's timeline of it."""
    p = PARAMETERS[path]
    label = lever_label(path, value)
    if p.kind is bool:
        solara.Checkbox(label=label, value=bool(value), on_value=on_value, disabled=disabled)
    else:
        slider = solara.SliderInt if p.kind is int else solara.SliderFloat
        slider(label, value=value, min=p.low, max=p.high, step=_step_of(path), on_value=on_value,
               disabled=disabled, thumb_label=False)
    if timeline:
        solara.Text(f"in the scenario: {timeline}", style={"font-size": "0.8rem", "color": "#555"})


@solara.component
def Controls(choices: solara.Reactive[dict], queued: int, month: int, playing: bool,
             on_reset: Callable[[], None], on_step: Callable[[], None], on_play: Callable[[bool], None]):
    """The sidebar: Reset, Play, Step, the month, and every choice."""
    c = choices.value

    def set_choice(name: str) -> Callable[[Any], None]:
        return lambda value: choices.set({**choices.value, name: value})

    with solara.Card("Run"):
        with solara.Row(justify="space-between"):
            solara.Button(label="Reset", color="primary", on_click=on_reset)
            solara.Button(label="Pause" if playing else "Play", color="primary", on_click=lambda: on_play(not playing))
            solara.Button(label="Step", color="primary", on_click=on_step, disabled=playing)
        solara.Text(f"month {nb.count(month)}" + (f", {nb.count(queued)} more queued" if queued else ""),
                    classes=["sanshe-month"])
    with solara.Card("Scenario"):
        solara.Select(label="scenario", value=c["scenario_name"], values=builtin_names(),
                      on_value=lambda name: choices.set(choose_scenario(choices.value, name)))
        solara.SliderInt(f"seed: {c['seed']}", value=c["seed"], min=0, max=999, on_value=set_choice("seed"),
                         thumb_label=False)
        low, high, step = SCALE_RANGE
        solara.SliderFloat(f"population scale: {nb.percent(c['population_scale'], 1)} of residents",
                           value=c["population_scale"], min=low, max=high, step=step,
                           on_value=set_choice("population_scale"), thumb_label=False)
    with solara.Card("Levers"):
        solara.Select(label="levers", value=c["levers"], values=list(LEVER_MODES), on_value=set_choice("levers"))
        if c["levers"] == LEVER_MODES[0]:
            solara.Text("The controls show the scenario's values; choose \"as set below\" to change them.",
                        style={"font-size": "0.8rem"})
        scenario = _scenario(c["scenario_name"])
        for path in lever_paths():
            LeverControl(path, c[path], set_choice(path), disabled=c["levers"] == LEVER_MODES[0],
                         timeline=lever_timeline(scenario, path))
        solara.Text("Press Reset to run the new choices.", style={"font-size": "0.8rem"})


@solara.component
def DistrictTab(model: DashboardModel, month: int, lock: threading.RLock):
    """The district map, above the main indicators over time, each as wide as the page (drawn once a month)."""
    colour, set_colour = solara.use_state("need_coverage")
    solara.Select(label="colour communities by", value=colour, values=list(COMMUNITY_INDICATORS),
                  on_value=set_colour)
    map_png = solara.use_memo(lambda: png(map_figure(model, colour, lock)), [model, month, colour])
    solara.Image(map_png, width="100%")
    panel_png = solara.use_memo(lambda: png(indicators_figure(model, lock)), [model, month])
    solara.Image(panel_png, width="100%")


@solara.component
def Dashboard(initial: DashboardModel | None = None):
    """The whole page: controls in the sidebar, the tabs "District" and "Levers"."""
    fg.use_language("en")
    model = solara.use_reactive(solara.use_memo(lambda: initial if initial is not None else DashboardModel(), []))
    choices = solara.use_reactive(solara.use_memo(lambda: _choices_of(model.value), []))
    _, set_tick = solara.use_state(0)
    queued, set_queued = solara.use_state(0)

    def changed(pending: int) -> None:  # after a click or a month: draw the page again
        set_queued(pending)
        set_tick(lambda tick: tick + 1)

    queue = solara.use_memo(lambda: StepQueue(model.value, changed), [])

    def reset() -> None:
        built = DashboardModel(**choices.value)
        queue.retarget(built)
        model.set(built)

    m = model.value
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("sanshe: three-society linkage, live")
    with solara.Sidebar():
        Controls(choices, queued, m.month, queue.playing, reset, queue.request, queue.play)
    # Vuetify's tabs with their items inside switch in the browser, with no round trip to the
    # server (which may be busy with a month or a Reset); both are on the page from the start.
    with solara.v.Tabs():
        for name in TABS:
            solara.v.Tab(children=[name])
        with solara.v.TabItem(eager=True):
            DistrictTab(m, m.month, queue.lock)
        with solara.v.TabItem(eager=True):
            with queue.lock:  # not halfway through a month
                heading = (f"**{m.sanshe_scenario.name}**, seed {m.seed}, month {nb.count(m.month)}, "
                           f"levers {m.lever_mode}")
                rows = levers_rows(m)
            solara.Markdown(heading)
            solara.Markdown("\n".join(rows))


def make_page(model: DashboardModel | None = None) -> Any:
    """The dashboard (a new model of the defaults unless one is given)."""
    return Dashboard(model)


@solara.component
def Page():
    """The page ``solara run experiments.app`` serves."""
    return make_page()
