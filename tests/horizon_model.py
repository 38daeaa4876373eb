"""A Mesa model whose effects change over time by construction.

The analysis at several horizons can therefore be checked against known
sign changes, fading effects and ranking flips.

Parameters a and b (0 or 1). Indicators in month m, with ``e`` a seed's
shared noise (the same at every design point: common random numbers) and
``u`` a run's own noise, uniform in [-0.01, 0.01]:

- ``flip = e + a·(+1 if m <= 10 else -1) + u``: the main effect of a, and
  the difference (a=1, b=0) − (0, 0), are +1 up to month 10 and −1 after;
  the point (a=1, b=0) is above (a=0, b=1) up to month 10 and below after
  (a ranking flip between two points that are not the baseline);
- ``pause = e + a·(+1 if m <= 10, 0 if m <= 15, else -1)``: the effect of
  a changes sign between months 10 and 20 and is exactly 0 in months 11-15;
- ``fade = e + b·(1 if m <= 10 else 0)``: the effect of b is +1 up to month
  10 and exactly 0 after (significant, then within noise);
- ``steady = e + 2b``: the effect of b is +2 and that of a exactly 0 in
  every month (nothing changes).

``make_collected`` builds the same model reporting through a Mesa
DataCollector that also collects while the model is built (month 0, the
initial state, as Mesa's examples do), where ``flip`` is ``e + 100a``: an
outcome at a horizon that counted month 0 would show it.
"""

import mesa
import numpy as np


class _Built(mesa.Model):
    """The indicators of the module's docstring as ``values()``."""

    def __init__(self, params: dict, seed: int):
        super().__init__(rng=seed)
        self.a = float(params.get("a", 0.0))
        self.b = float(params.get("b", 0.0))
        self.shared = np.random.default_rng(seed).normal(size=1_000)
        self.own = np.random.default_rng([seed, int(self.a), int(self.b)]).uniform(-0.01, 0.01, size=1_000)
        self.month = 0

    def step(self):
        self.month += 1

    def values(self) -> dict[str, float]:
        m, e = self.month, self.shared[self.month]
        return {"flip": e + self.a * (1.0 if m <= 10 else -1.0) + self.own[m],
                "pause": e + self.a * (1.0 if m <= 10 else 0.0 if m <= 15 else -1.0),
                "fade": e + self.b * (1.0 if m <= 10 else 0.0),
                "steady": e + 2 * self.b}


class HorizonModel(_Built):
    def indicators(self):
        return self.values()


class CollectedHorizonModel(_Built):
    """No ``indicators()``: a DataCollector, collecting in ``__init__`` (month 0) and each step."""

    def __init__(self, params: dict, seed: int):
        super().__init__(params, seed)
        self.datacollector = mesa.DataCollector(model_reporters={"flip": self._flip})
        self.datacollector.collect(self)

    def _flip(self) -> float:
        return self.values()["flip"] if self.month else self.shared[0] + 100 * self.a

    def step(self):
        super().step()
        self.datacollector.collect(self)


def make(params: dict, seed: int) -> HorizonModel:
    """The engine's factory (``model = "horizon_model:make"``)."""
    return HorizonModel(params, seed)


def make_collected(params: dict, seed: int) -> CollectedHorizonModel:
    """The model reporting through its DataCollector: the engine reads months 0..M."""
    return CollectedHorizonModel(params, seed)
