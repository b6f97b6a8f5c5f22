"""Area-weighted harmonisation against tobler's ``area_interpolate``, run here.

Compared: :func:`crosswalk_from_boundaries` + :func:`harmonise` (``population=None``, so
rates are weighed by the intersected area, tobler's intensive rule) -> tobler's
``area_interpolate(source, target, extensive_variables=..., intensive_variables=...)``
(``allocate_total=True``, the default) on the bundled wijk boundaries of 2016 (source,
2,979 shapes) and 2024 (target, 3,475), with the RIVM 2016 wijk figures: residents
(``inwoners``, extensive: x_j = sum_i x_i a_ij / sum_j a_ij) and the share in good health
(``ervaren_gezondheid_goed``, intensive: x_j = sum_i x_i a_ij / sum_i a_ij).
``min_share=0`` keeps every piece, as tobler does (by default we drop slivers under 1%).

Tolerance: relative 1e-6. tobler builds its area table in float32 and standardises it in
float32 (``_area_tables_binning``, ``dtype=np.float32``); we take the same float32 areas
but divide in float64. A float32 operation is good to 2^-24 = 6e-8; a few of them give
the largest difference seen, 2.7e-7. The same cause makes tobler lose 0.04 of the
16,974,935 residents, while our counts add up to the source total to 1e-12.

Where we differ by design (tested here): a target that no source overlaps gets 0 from
tobler and no figure from us; a target with a source lacking the rate gets no figure
from us (an average over part of the sources is biased), while tobler averages whatever
it is given. tobler cannot be given NaN at all under pandas 3: its ``_nan_check``
writes into the read-only array of a copy-on-write column and raises, so the rate goes
to tobler without the sources that lack it.
"""
import numpy as np
import pandas as pd
import pytest
import shapely

RATE = "ervaren_gezondheid_goed"


@pytest.fixture(scope="module")
def overlay(demo_store, catalog):
    from wijkkompas.change.harmonise import crosswalk_from_boundaries, harmonise

    source = demo_store.boundaries("wijk", 2016)
    target = demo_store.boundaries("wijk", 2024)
    cw = crosswalk_from_boundaries(source, target, from_vintage=2016, to_vintage=2024,
                                   min_share=0.0, level="wijk")
    obs = demo_store.observations(level="wijk", vintage=2016, indicators=["inwoners", RATE])
    mine = harmonise(obs, cw, catalog, population=None).observations
    wide = obs.pivot_table(index="area_code", columns="indicator", values="value")
    geoms = source.geometry.to_numpy()
    shaped = source[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    src = shaped.merge(wide, left_on="code", right_index=True, how="left")
    return src, target, cw, mine.set_index(["indicator", "area_code"])["value"], obs


def _tobler(src, target, **variables):
    from tobler.area_weighted import area_interpolate

    ref = area_interpolate(src, target, **variables)
    ref.index = target["code"].to_numpy()
    return ref


def test_residents_equal_tobler_extensive(overlay):
    src, target, cw, mine, obs = overlay
    assert len(src) == 2979 and len(target) == 3475
    assert src["inwoners"].notna().all()
    ref = _tobler(src, target, extensive_variables=["inwoners"])["inwoners"]
    ours = mine.loc["inwoners"]
    assert len(ours) == 3474
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), rtol=1e-6)
    # the one target no 2016 wijk overlaps: 0 from tobler, no figure from us
    (empty,) = sorted(set(ref.index) - set(ours.index))
    assert ref[empty] == 0 and empty not in set(cw.table["to_code"])
    total = src["inwoners"].sum()
    assert total == 16_974_935
    assert ours.sum() == pytest.approx(total, rel=1e-12)
    assert ref.sum() == pytest.approx(total, rel=1e-6) and ref.sum() != ours.sum()


def test_rate_equals_tobler_intensive(overlay):
    src, target, cw, mine, obs = overlay
    lacking = src[RATE].isna()
    assert lacking.sum() == 31
    ref = _tobler(src[~lacking], target, intensive_variables=[RATE])[RATE]
    ours = mine.loc[RATE]
    assert len(ours) > 3300
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), rtol=1e-6)
    # the targets we leave without a figure are exactly those with a source lacking it
    touched = set(cw.table.loc[cw.table["from_code"].isin(src.loc[lacking, "code"]),
                               "to_code"])
    assert set(cw.table["to_code"]) - set(ours.index) == touched
    assert len(touched) == 118 and len(ours) == 3474 - 118


def test_nan_is_refused_by_tobler_under_copy_on_write(overlay):
    src, target, *_ = overlay
    if int(pd.__version__.split(".")[0]) >= 3:
        with pytest.raises(ValueError, match="read-only"):
            _tobler(src, target, intensive_variables=[RATE])
    else:  # older pandas: tobler replaces NaN by 0, with a warning
        with pytest.warns(UserWarning, match="nan values"):
            _tobler(src, target, intensive_variables=[RATE])
