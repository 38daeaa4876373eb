"""Satisfaction and trust (DESIGN §4 step 8): expectancy-disconfirmation and asymmetric trust.

The vectorised rule is :func:`model.rules.update_satisfaction_trust`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import kernels, rules
from model.measures import Indicator
from model.parameters import N_CATEGORIES

F32 = np.float32


def update_satisfaction_and_trust(model: mesa.Model) -> None:
    """Satisfaction (expectancy-disconfirmation) and trust (falls faster than it rises)."""
    res, p = model.residents, model.params
    n_comm = model.n_communities
    met = res.served_last
    open_after = kernels.count_per_row(res.need_key, N_CATEGORIES, res.n)
    met_c, ab_c, _, _ = model.flow.closed_by_community(res.community, res.vulnerable, n_comm, N_CATEGORIES)
    closed = met_c + ab_c
    performance = np.divide(met_c, closed, out=np.full(n_comm, 0.5), where=closed > 0)
    wait = model.street_centre_table.wait_months[model.street_of]
    t = p.trust
    exp = rules.Experience(met=met, open_after=open_after,
                           community_performance=performance.astype(F32),
                           government_penalty=(t.street_wait_penalty * wait).astype(F32),
                           voice=model.flow.voice)
    rules.update_satisfaction_trust(
        res, exp, alpha_s=t.alpha_satisfaction, alpha_e=t.alpha_expectation,
        bystander_weight=t.bystander_weight, trust_gain=t.gain_month, loss_ratio=t.loss_ratio,
        voice_bonus=p.consultation.voice_trust_bonus)


INDICATORS = [
    Indicator("satisfaction", "score in [0, 1]", +1, "mean resident satisfaction",
              lambda v: float(v.res.satisfaction.mean()),
              lambda v: v.per_comm(v.res.satisfaction) / v.model.rows_per_community),
    Indicator("trust_committee", "score in [0, 1]", +1, "mean trust in the residents' committee",
              lambda v: float(v.res.trust_committee.mean()),
              lambda v: v.per_comm(v.res.trust_committee) / v.model.rows_per_community),
    Indicator("trust_government", "score in [0, 1]", +1, "mean trust in the street and district government",
              lambda v: float(v.res.trust_government.mean()),
              lambda v: v.per_comm(v.res.trust_government) / v.model.rows_per_community),
]
"""The indicators satisfaction and trust define."""
