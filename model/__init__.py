"""sanshe: an agent-based model of the three-society linkage (三社联动) in an urban district.

The simulation package. It never imports the experiment engine.
"""

from model.model import SansheModel
from model.parameters import PARAMETERS, Params
from model.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["PARAMETERS", "Params", "SansheModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
