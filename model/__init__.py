"""sanshe: an agent-based model of the three-society linkage (三社联动) in an urban district.

The simulation package. It never imports the experiment engine.

The names below are loaded when first used (PEP 562), so a program that needs
only the parameters or a scenario (``sanshe experiment run`` rerunning a
finished sweep, ``sanshe show``) does not pay for importing Mesa, numba and
every mechanism.
"""

from importlib import import_module

_WHERE = {"SansheModel": "model.model", "PARAMETERS": "model.parameters", "Params": "model.parameters",
          "Scenario": "model.scenario", "ScenarioError": "model.scenario", "load_scenario": "model.scenario"}

__all__ = ["PARAMETERS", "Params", "SansheModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """One of :data:`__all__`, imported from its module on first use."""
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
