"""Factories for sweeping Mesa's own example models (``mesa.examples``) with the experiment engine.

Used as ``model = "mesa_examples_factories:boltzmann"``: each
takes ``(params, seed)`` and returns a model whose DataCollector collects the
initial state in ``__init__`` and then once per ``step()``; ``uneven`` is a
small model that collects at irregular times, to check how rows become months.
"""

from __future__ import annotations

import mesa
from mesa.datacollection import DataCollector
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
from mesa.examples.basic.schelling.model import Schelling, SchellingScenario


def boltzmann(params: dict, seed: int) -> BoltzmannWealth:
    """Boltzmann wealth: ``n`` agents on a ``side`` × ``side`` grid."""
    side = int(params.get("side", 6))
    return BoltzmannWealth(BoltzmannScenario(rng=seed, n=int(params.get("n", 30)), width=side, height=side))


def schelling(params: dict, seed: int) -> Schelling:
    """Schelling segregation on a ``side`` × ``side`` grid."""
    side = int(params.get("side", 10))
    return Schelling(SchellingScenario(rng=seed, width=side, height=side,
                                       density=float(params.get("density", 0.8)),
                                       homophily=float(params.get("homophily", 0.4))))


class Uneven(mesa.Model):
    """A model that collects at irregular times and counts its steps in ``done``.

    It collects nothing at construction, twice during step 2 (the second row
    is the step's final state) and nothing during step 3.
    """

    def __init__(self, seed: int) -> None:
        super().__init__(rng=seed)
        self.done = 0
        self.state = "initial"
        self.datacollector = DataCollector(model_reporters={"done": "done", "state": "state"})

    def step(self) -> None:
        self.done += 1
        if self.done == 2:
            self.state = "halfway"
            self.datacollector.collect(self)
        self.state = f"after step {self.done}"
        if self.done != 3:
            self.datacollector.collect(self)


def uneven(params: dict, seed: int) -> Uneven:
    return Uneven(seed)
