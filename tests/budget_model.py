"""A Mesa model whose coverage and spending are known functions of a yearly purchase budget.

For the report's dose-response and cost views: with the budget ``B`` in
millions of yuan a year (factor ``purchase.budget_yuan``), each month

- ``need_coverage = 0.2 + 0.4 (1 - exp(-B / 20)) + 0.01 e`` (returns flatten: each
  step of 20 million gains less than the one before);
- ``purchase_spent_yuan_year = 0.9 B`` million (a tenth of the budget is not spent);
- ``cost_per_need_met_yuan = 1,000 + 10 B``;
- ``committee_admin_share = 0.6`` at every budget (exactly no difference),

with ``e`` a seed's shared noise (the same at every budget: common random numbers)
plus a little noise of the run itself.
"""

import math

import mesa
import numpy as np


class BudgetModel(mesa.Model):
    def __init__(self, params: dict, seed: int):
        super().__init__(rng=seed)
        self.budget = float(params.get("purchase.budget_yuan", 0.0)) / 1e6
        self.shared = np.random.default_rng(seed).normal()
        self.own = np.random.default_rng([seed, int(self.budget)]).normal(size=1_000)
        self.month = 0

    def step(self):
        self.month += 1

    def indicators(self):
        b = self.budget
        coverage = 0.2 + 0.4 * (1 - math.exp(-b / 20)) + 0.01 * self.shared + 0.001 * self.own[self.month]
        return {"need_coverage": coverage, "purchase_spent_yuan_year": 0.9e6 * b,
                "cost_per_need_met_yuan": 1000 + 10 * b, "committee_admin_share": 0.6}


def make(params: dict, seed: int) -> BudgetModel:
    """The engine's factory."""
    return BudgetModel(params, seed)
