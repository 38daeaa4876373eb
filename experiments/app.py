"""The live dashboard: ``sanshe app [--port P]`` serves this Mesa SolaraViz page on 127.0.0.1.

Choose a scenario and a seed, change levers, step or play, and watch the
district: the 77 communities as their network coloured by an indicator you
choose, beside the main indicators over time.

Controls come from the parameter declaration (:data:`model.parameters.PARAMETERS`):
every lever gets a slider or a checkbox with its declared default, range
and unit, never a second copy of them. The "levers" choice says what they
do: "as in the scenario" runs the scenario as written and ignores them;
"as set below" puts every lever's control value into the scenario the way
a sweep does (:meth:`model.scenario.Scenario.with_levers`: a lever the
scenario switches at a month, such as the reform at month 25 of
``yuzhong_2016``, takes the value at that month; any other from month 1).
Press Reset to rebuild the model with the new choices. A table on the page
shows the levers of the running model, so what runs is never in doubt.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from experiments import figures as fg
from model.indicators import COMMUNITY_INDICATORS
from model.model import SansheModel
from model.parameters import PARAMETERS, Params
from model.scenario import builtin_dir, load_scenario

DEFAULT_SCENARIO = "yuzhong_2016"
DEFAULT_SCALE = 0.02
"""Population scale of the dashboard: 12,600 resident rows, a month in a few tens of milliseconds."""

LEVER_MODES = ("as in the scenario", "as set below")

MAIN_INDICATORS = ["need_coverage", "coverage_vulnerable", "satisfaction", "trust_committee",
                   "consultation_rate", "volunteer_rate", "committee_admin_share", "org_count",
                   "certified_share"]


def lever_controls() -> dict[str, dict[str, Any]]:
    """One SolaraViz control per lever, generated from the declaration."""
    controls = {}
    for path, p in PARAMETERS.items():
        if not p.lever:
            continue
        label = f"{path} ({p.unit})"
        if p.kind is bool:
            controls[path] = {"type": "Checkbox", "value": p.default, "label": label}
            continue
        step = _step(p.low, p.high, p.default, integer=p.kind is int)
        controls[path] = {"type": "SliderInt" if p.kind is int else "SliderFloat", "value": p.default,
                          "min": p.low, "max": p.high, "step": step, "label": label}
    return controls


def _step(low: float, high: float, default: float, integer: bool) -> float:
    """The coarsest slider step of 1, 2 or 5 times a power of ten that suits the range.

    It gives at least about a hundred steps across the range and lands on the
    default, so a moved slider can always return to it.
    """
    raw = (high - low) / 100
    power = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    candidates = sorted({float(m * power * 10**e) for m in (1, 2, 5) for e in range(-3, 1)}, reverse=True)
    for step in candidates:
        if step > raw or (integer and step < 1):
            continue
        offsets = np.array([default - low, high - low]) / step
        if np.allclose(offsets, np.round(offsets), atol=1e-9):
            return int(step) if integer else step
    return 1 if integer else raw


def model_params() -> dict[str, Any]:
    """Everything the page lets a user choose: scenario, seed, scale, levers."""
    names = sorted(p.stem for p in builtin_dir().glob("*.toml"))
    return {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO, "values": names, "label": "scenario"},
        "levers": {"type": "Select", "value": LEVER_MODES[0], "values": list(LEVER_MODES), "label": "levers"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 999, "step": 1, "label": "seed"},
        "population_scale": {"type": "SliderFloat", "value": DEFAULT_SCALE, "min": 0.005, "max": 0.1,
                             "step": 0.005, "label": "population scale (share of residents simulated)"},
        **lever_controls(),
    }


class DashboardModel(SansheModel):
    """A sanshe model built from the dashboard's choices.

    Args:
        scenario_name: a built-in scenario name.
        seed: the run's seed.
        population_scale: share of residents simulated.
        levers: "as in the scenario" (the lever controls are ignored) or
            "as set below" (every lever control's value goes into the scenario,
            see :meth:`model.scenario.Scenario.with_levers`).
        scenario: Mesa's own Scenario object, which SolaraViz passes on Reset;
            not used (sanshe's scenarios are ``scenario_name``).
        **lever_values: lever path -> value, from the controls.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 0,
                 population_scale: float = DEFAULT_SCALE, levers: str = LEVER_MODES[0],
                 scenario: Any = None, **lever_values: Any) -> None:
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


@solara.component
def DistrictMap(model: DashboardModel):
    """The communities as the district network, coloured by a chosen indicator (this month)."""
    update_counter.get()
    colour, set_colour = solara.use_state("need_coverage")
    solara.Select(label="colour communities by", value=colour, values=list(COMMUNITY_INDICATORS),
                  on_value=set_colour)
    n = model.n_communities
    if model.recorder.community:
        values = model.recorder.community[-1][:, COMMUNITY_INDICATORS.index(colour)]
    else:
        values = np.full(n, np.nan)
    fig = fg.district_map(values, colour, model.sanshe_scenario.name, f"month {model.month}")
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def MainIndicators(model: DashboardModel):
    """The main district indicators from month 1 to now."""
    update_counter.get()
    frame = model.recorder.district_frame()
    fig = fg.run_panel(frame, MAIN_INDICATORS, f"{model.sanshe_scenario.name}, seed {model.seed}, "
                       f"month {model.month}, levers {model.lever_mode}")
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def LeversNow(model: DashboardModel):
    """The running model's levers this month, and the months at which they change."""
    update_counter.get()
    rows = ["| lever | now | declared default | later changes |", "|---|---|---|---|"]
    for path, p in PARAMETERS.items():
        if not p.lever:
            continue
        later = "; ".join(f"{c.value} from month {c.month}" for c in model.changes
                          if c.path == path and c.month > model.month)
        rows.append(f"| {path} | {model.params[path]} | {p.default} | {later} |")
    solara.Markdown("\n".join(rows))


def make_page(model: DashboardModel | None = None) -> Any:
    """The SolaraViz page (a new model of the defaults unless one is given)."""
    fg.use_language("en")
    model = model if model is not None else DashboardModel()
    return SolaraViz(model, components=[(DistrictMap, 0), (MainIndicators, 0), (LeversNow, 1)],
                     model_params=model_params(),
                     name="sanshe: three-society linkage, live", play_interval=200)


@solara.component
def Page():
    """The page ``solara run experiments.app`` serves."""
    model = solara.use_memo(DashboardModel, [])
    return make_page(model)
