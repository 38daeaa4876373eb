"""The live dashboard: ``sanshe app [--port P]`` serves this Mesa SolaraViz page on 127.0.0.1.

Choose a scenario and a seed, change levers, step or play, and watch the
district: the 77 communities as their network coloured by an indicator you
choose, beside the main indicators over time.

Controls come from the parameter declaration (:data:`model.parameters.PARAMETERS`):
every lever gets a slider or a checkbox with its declared default, range
and unit, never a second copy of them. A lever left at its declared
default keeps the scenario's value (including its dated changes, such as
the reform at month 25 in ``yuzhong_2016``); a lever moved away from it
overrides the scenario for the whole run. Press Reset to rebuild the model
with the new choices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from experiments import figures as fg
from model.indicators import COMMUNITY_INDICATORS
from model.model import SansheModel
from model.parameters import PARAMETERS, Params
from model.scenario import Scenario, builtin_dir, load_scenario

DEFAULT_SCENARIO = "yuzhong_2016"
DEFAULT_SCALE = 0.02
"""Population scale of the dashboard: 12,600 resident rows, a month in a few tens of milliseconds."""

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
        elif p.kind is int:
            controls[path] = {"type": "SliderInt", "value": p.default, "min": int(p.low), "max": int(p.high),
                              "step": max(1, int((p.high - p.low) // 200)), "label": label}
        else:
            controls[path] = {"type": "SliderFloat", "value": p.default, "min": p.low, "max": p.high,
                              "step": _float_step(p.low, p.high), "label": label}
    return controls


def _float_step(low: float, high: float) -> float:
    """About a hundred steps across the range, rounded to 1, 2 or 5 times a power of ten."""
    raw = (high - low) / 100
    power = 10 ** np.floor(np.log10(raw))
    return float(min((m * power for m in (1, 2, 5, 10) if m * power >= raw), default=raw))


def model_params() -> dict[str, Any]:
    """Everything the page lets a user choose: scenario, seed, scale, levers."""
    names = sorted(p.stem for p in builtin_dir().glob("*.toml"))
    return {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO, "values": names, "label": "scenario"},
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
        scenario: Mesa's own Scenario object, which SolaraViz passes on Reset;
            not used (sanshe's scenarios are ``scenario_name``).
        **levers: lever path -> value; values equal to the declared default
            leave the scenario's value alone.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 0,
                 population_scale: float = DEFAULT_SCALE, scenario: Any = None, **levers: Any) -> None:
        base = load_scenario(scenario_name)
        overrides = {path: PARAMETERS[path].check(value) for path, value in levers.items()
                     if path in PARAMETERS and value != PARAMETERS[path].default}
        unknown = sorted(set(levers) - set(PARAMETERS))
        if unknown:
            raise ValueError(f"not parameters: {', '.join(unknown)}")
        params = {**base.params, **overrides, "population.population_scale": float(population_scale)}
        changes = [c for c in base.changes if c.path not in overrides]
        resolved = Scenario(name=base.name, description=base.description, params=params, changes=changes,
                            source=base.source, chain=base.chain)
        self.overrides = overrides
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
    overrides = ", ".join(f"{k}={v}" for k, v in model.overrides.items()) or "no overrides"
    fig = fg.run_panel(frame, MAIN_INDICATORS,
                       f"{model.sanshe_scenario.name}, seed {model.seed}, month {model.month} ({overrides})")
    solara.FigureMatplotlib(fig, format="png")


def make_page(model: DashboardModel | None = None) -> Any:
    """The SolaraViz page (a new model of the defaults unless one is given)."""
    fg.use_language("en")
    model = model if model is not None else DashboardModel()
    return SolaraViz(model, components=[(DistrictMap, 0), (MainIndicators, 0)], model_params=model_params(),
                     name="sanshe: three-society linkage, live", play_interval=200)


@solara.component
def Page():
    """The page ``solara run experiments.app`` serves."""
    model = solara.use_memo(DashboardModel, [])
    return make_page(model)
