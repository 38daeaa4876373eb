"""Common random numbers: moving a lever leaves the random draws of unrelated mechanisms untouched.

Every (mechanism, month) has its own generator derived from the run's seed
(``SansheModel.stream``). A mechanism's draws then change only if the lever
changes how many numbers it draws; the mechanisms upstream of a lever must
draw exactly the same numbers with the lever moved, so that the comparison of
two scenarios is paired. A generator's state after the month identifies
what it drew: the same seed and the same state mean the same numbers.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from model import SansheModel
from model.scenario import LeverChange, Scenario

MONTHS = 30  # two yearly cycles after the change: budgets, tenders, reviews, the exam
CHANGE_MONTH = 13

UPSTREAM = {"build", "network", "needs.arrive", "needs.category", "admin", "services.capacity",
            "tender.define", "tender.evaluate", "organizations.close"}
"""Mechanisms whose draws no lever below reaches: the district's construction, the
arrival and kind of needs, the administrative load, the capacity draws of delivery,
the projects' draws, the evaluation's draws and the closure hazard."""

LEVERS = {
    "purchase.budget_yuan": (60_000_000.0, UPSTREAM | {"exam"}),
    "admin.committee_tasks": (150, UPSTREAM | {"exam"}),
    "social_work.posts_per_community": (4, UPSTREAM),  # conversions change who sits the exam
}


class LoggedModel(SansheModel):
    """The model, keeping every generator it hands out with its mechanism and month."""

    def __init__(self, *args, **kwargs) -> None:
        self.handed_out: list[tuple[str, int, object]] = []
        super().__init__(*args, **kwargs)

    def stream(self, name: str):
        generator = super().stream(name)
        self.handed_out.append((name, self.month, generator))
        return generator


def draws(changes: list[LeverChange]) -> dict[tuple[str, int], list[int]]:
    """For each (mechanism, month), the final state of each generator it was handed."""
    scenario = Scenario(name="streams")
    scenario.params.update({"population.population_scale": 0.01, "start.spinup_years": 0})
    scenario.changes = changes
    model = LoggedModel(scenario, seed=3)
    model.run(MONTHS)
    states = defaultdict(list)
    for name, month, generator in model.handed_out:
        states[name, month].append(generator.bit_generator.state["state"]["state"])
    return dict(states)


@pytest.fixture(scope="module")
def default_draws():
    return draws([])


@pytest.mark.parametrize("path", list(LEVERS))
def test_moving_a_lever_leaves_the_draws_of_unrelated_mechanisms_untouched(default_draws, path):
    value, untouched = LEVERS[path]
    moved = draws([LeverChange(month=CHANGE_MONTH, path=path, value=value)])
    changed = {key for key in set(default_draws) | set(moved) if default_draws.get(key) != moved.get(key)}
    assert all(month >= CHANGE_MONTH for _, month in changed), "draws before the change moved"
    assert changed, f"moving {path} changed no draw at all: the comparison below would test nothing"
    reached = {name for name, _ in changed}
    assert not reached & untouched, f"moving {path} changed the draws of {sorted(reached & untouched)}"


def test_no_mechanism_is_handed_the_same_stream_twice_in_a_month(default_draws):
    """Two generators of one (mechanism, month) would draw the same numbers: correlated draws."""
    twice = [key for key, states in default_draws.items() if len(states) > 1]
    assert not twice, f"streams handed out twice in a month: {twice[:5]}"


def test_a_stream_is_numpys_seed_sequence_generator_bit_for_bit():
    """``SansheModel.stream`` seeds PCG64 with compiled SeedSequence words: the same state as numpy's, for any key."""
    import zlib

    import numpy as np

    from model.model import _SeedState

    rng = np.random.default_rng(12)
    for t in range(3000):
        seed = int(rng.integers(0, 2**63)) >> int(rng.integers(0, 64))
        if t % 7 == 0:
            seed = seed * 2**70 + 5  # more than four 32-bit words
        key = (zlib.crc32(f"mechanism {t}".encode()), int(rng.integers(0, 2**33)))
        if t % 3 == 0:  # the spin-up's keys
            key = (key[0], 0, int(rng.integers(0, 600)))
        ours = np.random.PCG64(_SeedState(seed, key))
        numpys = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))
        assert ours.state == numpys.state, (seed, key)
    assert np.array_equal(_SeedState(3, (1, 2)).generate_state(8),
                          np.random.SeedSequence(3, spawn_key=(1, 2)).generate_state(8))
