"""The toy model of ``toy_model.py``, failing on one seed in four: for tests of how failed runs are kept in place."""

import toy_model


def make(params: dict, seed: int):
    """The toy model, or an error when ``seed`` is a multiple of 4."""
    if seed % 4 == 0:
        raise ValueError("every fourth seed fails (flaky_model)")
    return toy_model.make(params, seed)
