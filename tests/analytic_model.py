"""A Mesa model whose indicators are known functions of its parameters.

The analysis can therefore be checked against the true effects.

Indicators each month, with ``e`` a seed's shared noise (the same at every
design point: common random numbers) and ``u`` noise of the run itself:

- ``y = 1 + 2a + 3b + 1.5ab + 0c + e + 0.05u`` (a 2^3 factorial: main
  effects of a and b 2.75 and 3.75, interaction a × b 0.75, synergy
  y111 − y100 − y010 − y001 + 2y000 = 1.5);
- ``z = 4x1 + 2x2 + 0x3`` (x uniform on [0, 1]: first-order Sobol indices
  0.8, 0.2, 0; Morris mu* 4, 2, 0);
- ``share = 0.5 + 0.1a`` (a share, for formatting).
"""

import mesa
import numpy as np


class AnalyticModel(mesa.Model):
    def __init__(self, params: dict, seed: int):
        super().__init__(rng=seed)
        self.p = {k: float(params.get(k, 0.0)) for k in ("a", "b", "c", "x1", "x2", "x3")}
        self.shared = np.random.default_rng(seed).normal()
        point = [int(round(1000 * self.p[k])) for k in ("a", "b", "c")]
        self.own = np.random.default_rng([seed, *point]).normal(size=1_000)
        self.month = 0

    def step(self):
        self.month += 1

    def indicators(self):
        p = self.p
        y = 1 + 2 * p["a"] + 3 * p["b"] + 1.5 * p["a"] * p["b"] + self.shared + 0.05 * self.own[self.month]
        return {"y": y, "z": 4 * p["x1"] + 2 * p["x2"], "share": 0.5 + 0.1 * p["a"]}


def make(params: dict, seed: int) -> AnalyticModel:
    """The engine's factory; a = 0.5 fails, to test the report's list of failed runs."""
    if params.get("a") == 0.5:
        raise ValueError("a = 0.5 is the injected failure")
    return AnalyticModel(params, seed)
