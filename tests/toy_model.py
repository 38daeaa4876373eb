"""A small Mesa model, not sanshe, for testing that the engine sweeps any model."""

import mesa
import numpy as np


class Holder(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1.0

    def give(self):
        if self.wealth >= 1.0:
            other = self.random.choice(self.model.holders)
            other.wealth += 1.0
            self.wealth -= 1.0


class MoneyModel(mesa.Model):
    """Boltzmann wealth: each step every holder gives one unit to a random other."""

    def __init__(self, n: int = 50, tax: float = 0.0, seed: int = 0):
        super().__init__(rng=seed)
        self.tax = tax
        self.holders = [Holder(self) for _ in range(n)]

    def step(self):
        self.agents.shuffle_do("give")
        if self.tax > 0:
            total = sum(h.wealth for h in self.holders)
            for h in self.holders:
                h.wealth = (1 - self.tax) * h.wealth + self.tax * total / len(self.holders)

    def indicators(self):
        w = np.sort([h.wealth for h in self.holders])
        n = w.size
        gini = float((2 * np.arange(1, n + 1) - n - 1) @ w / (n * w.sum()))
        return {"gini": gini, "max_wealth": float(w[-1])}


def make(params: dict, seed: int) -> MoneyModel:
    """The factory the engine calls; a tax of exactly 0.13 fails, to test failure isolation."""
    if params.get("tax") == 0.13:
        raise ValueError("tax 0.13 is the injected failure")
    return MoneyModel(n=int(params.get("n", 50)), tax=float(params.get("tax", 0.0)), seed=seed)
