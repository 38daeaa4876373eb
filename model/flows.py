"""What a month passes from one mechanism to the next and to the indicators.

One :class:`MonthFlow` is made at the start of every month
(:meth:`model.model.SansheModel.step`) and nowhere else, so no flow of last
month can leak into this one and no mechanism depends on another resetting
it. Stocks (residents' trust, organizations' reserves, ...) live with their
mechanism; only what happened this month is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model import kernels


def _no_keys() -> np.ndarray:
    return np.zeros(0, np.int64)


@dataclass(slots=True)
class MonthFlow:
    """This month's flows.

    Attributes:
        abandoned: keys (``row * 8 + category``) of needs that ended unmet (needs arise).
        voice: residents whose concern topped a consultation's agenda (consultation);
            read by satisfaction and trust.
        met: keys of needs met (service delivery).
        met_by_contracts_people: needs met through purchase contracts, in people (service delivery).
        tranches_yuan: contract tranches paid to each organization, by row of the organization
            table (purchase of services); read by organizations' settlement.
        purchase_spent_yuan: their total (purchase of services).
        births: organizations founded (yearly cycle; 0 in other months).
        closed: staffed organizations closed by the exit hazard (yearly cycle).
        revoked: dormant organizations revoked by annual inspection (yearly cycle).
        cleaned_up: organizations removed by the reform's clean-up campaign (yearly cycle, F9).
        deregistered: of those, trade associations that deregistered (F9).
    """

    voice: np.ndarray
    abandoned: np.ndarray = field(default_factory=_no_keys)
    met: np.ndarray = field(default_factory=_no_keys)
    met_by_contracts_people: float = 0.0
    tranches_yuan: np.ndarray = field(default_factory=lambda: np.zeros(0))
    purchase_spent_yuan: float = 0.0
    births: int = 0
    closed: int = 0
    revoked: int = 0
    cleaned_up: int = 0
    deregistered: int = 0
    _closed_c: tuple | None = None

    def closed_by_community(self, community: np.ndarray, vulnerable: np.ndarray, n_communities: int,
                            n_categories: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Needs met and needs abandoned this month by community: all (int64) and vulnerable residents' (float).

        Satisfaction, the recorder and the indicators read them; they are
        counted once, on the first call after service delivery (and again if
        ``met`` or ``abandoned`` is replaced), by :func:`model.kernels.tally_keys`.
        """
        kept = self._closed_c
        if kept is None or kept[0] is not self.met or kept[1] is not self.abandoned:
            vul = vulnerable.view(np.uint8)
            met_c, met_v = kernels.tally_keys(self.met, n_categories, community, vul, n_communities)
            ab_c, ab_v = kernels.tally_keys(self.abandoned, n_categories, community, vul, n_communities)
            kept = self._closed_c = (self.met, self.abandoned, met_c, ab_c, met_v, ab_v)
        return kept[2], kept[3], kept[4], kept[5]

    @classmethod
    def start(cls, residents: int) -> MonthFlow:
        """The flows of a month that has not happened yet, for ``residents`` resident rows."""
        return cls(voice=np.zeros(residents, bool))
