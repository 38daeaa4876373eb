"""The whole district at scale 1.0 (slow; `make test-slow`)."""

import numpy as np
import pytest

from model import Params, SansheModel


@pytest.mark.slow
def test_full_district_runs_120_months():
    m = SansheModel(params=Params({"population.population_scale": 1.0}), seed=1)
    assert 600_000 <= m.residents.n <= 660_000
    m.run(120)
    df = m.recorder.district_frame()
    assert len(df) == 120
    last = df.iloc[-1]
    assert 0 < last["need_coverage"] < 1 and 0 < last["coverage_vulnerable"] < 1
    assert 0.2 < last["committee_admin_share"] < 0.6
    assert np.isfinite(df["satisfaction"]).all()
