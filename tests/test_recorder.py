"""Recording fewer months computes fewer indicators and changes none of the values recorded."""

from __future__ import annotations

import pandas as pd

from model import Params, SansheModel


def run(months: int, district_from: int = 1, communities_from: int | None = 1,
        indicators: tuple[str, ...] | None = None) -> SansheModel:
    m = SansheModel(params=Params({"population.population_scale": 0.01, "start.spinup_years": 1}), seed=4)
    m.recorder.district_from, m.recorder.communities_from = district_from, communities_from
    m.recorder.indicators = indicators
    m.run(months)
    return m


def test_the_last_month_alone_has_the_values_it_has_in_a_full_record():
    full, last = run(14), run(14, district_from=14, communities_from=None)
    assert len(last.recorder.district) == 1 and last.recorder.community == []
    # coverage_gini reads 12 months of history, kept whether or not those months are recorded
    pd.testing.assert_frame_equal(last.recorder.district_frame(),
                                  full.recorder.district_frame().tail(1).reset_index(drop=True))
    assert last.recorder.community_frame(last).empty


def test_the_last_year_of_the_community_panel_is_the_full_panel_s_last_year():
    full, tail = run(14), run(14, district_from=14, communities_from=3)
    panel = full.recorder.community_frame(full)
    pd.testing.assert_frame_equal(tail.recorder.community_frame(tail),
                                  panel[panel["month"] >= 3].reset_index(drop=True))


def test_recording_some_indicators_computes_those_alone_with_the_values_of_a_full_record(monkeypatch):
    from dataclasses import replace

    from model import indicators

    kept = ("volunteer_rate", "coverage_gini", "org_count")

    def untouchable(view):
        raise AssertionError("an indicator that is not kept was computed")

    full = run(14)
    monkeypatch.setattr(indicators, "_REGISTRY", [
        ind if ind.name in kept or ind.district is None else replace(ind, district=untouchable)
        for ind in indicators._REGISTRY])
    some = run(14, communities_from=None, indicators=kept)
    frame = some.recorder.district_frame()
    assert set(frame.columns) == {"month", *kept}
    assert list(frame.columns) == [c for c in full.recorder.district_frame().columns if c in frame.columns]
    pd.testing.assert_frame_equal(frame, full.recorder.district_frame()[list(frame.columns)])
