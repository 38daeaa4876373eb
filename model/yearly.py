"""The yearly cycle of the committees (DESIGN §4, 'every 12 months'): the exam and task creep.

The yearly steps of organizations (:mod:`model.organizations`) and of the
purchase of services (:mod:`model.purchasing`) live with their mechanisms;
:meth:`model.model.SansheModel.yearly_cycle` lists them all in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.model import SansheModel


def certification_exam(model: SansheModel) -> None:
    """Community workers sit the national social-work exam (F10).

    Training support multiplies the pass rate by ``training_pass_multiplier``.
    Workers turn over during the year and are replaced by uncertified hires.
    """
    p, rng = model.params, model.stream("exam")
    sw, c = p.social_work, p.committee
    pass_prob = sw.exam_pass_prob if sw.training_support else sw.exam_pass_prob / sw.training_pass_multiplier
    for com in model.committees:
        com.certified -= int(rng.binomial(com.certified, c.worker_turnover_year))
        com.certified += int(rng.binomial(com.workers - com.certified, pass_prob))
    t = model.social_worker_table
    rows = t.live_rows()
    uncertified = rows[~t.certified[rows]]
    t.certified[uncertified[rng.random(uncertified.size) < pass_prob]] = True


def task_creep(model: SansheModel) -> None:
    """Without admission control (准入) new items reach the list every year (P1)."""
    a = model.params.admin
    if not a.admission_control:
        model.task_creep_factor *= 1.0 + a.creep_rate_year
