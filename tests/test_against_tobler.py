"""Area-weighted harmonisation, and the residents' shares of a postcode (at the end),
against tobler's ``area_interpolate``, run here.

Compared, exactly up to float32 (below): :func:`crosswalk_from_boundaries` +
:func:`harmonise` (``population=None``, so rates are weighed by the intersected area,
tobler's intensive rule) -> tobler's ``area_interpolate(source, target,
extensive_variables=..., intensive_variables=...)`` (``allocate_total=True``, the
default) on the bundled wijk boundaries of 2016 (source, 2,979 shapes) and 2024
(target, 3,475), with the RIVM 2016 wijk figures: residents (``inwoners``, extensive:
x_j = sum_i x_i a_ij / sum_j a_ij) and the share in good health
(``ervaren_gezondheid_goed``, intensive: x_j = sum_i x_i a_ij / sum_i a_ij).
``min_share=0`` keeps every piece, as tobler does (by default we drop slivers under 1%).

Tolerance: relative 1e-6. tobler builds its area table in float32 and standardises it in
float32 (``dtype=np.float32`` in its area table); we compute the intersected areas and
divide in float64. A float32 operation is good to 2^-24 = 6e-8; a few of them give
differences of a few 1e-7, well inside the tolerance. The same cause makes tobler lose 0.04 of the
16,974,935 residents, while our counts add up to the source total to 1e-12.

Where we differ by design (tested here): a target that no source overlaps gets 0 from
tobler and no figure from us; a target with a source lacking the rate gets no figure
from us when the sources lacking it cover more than ``max_missing`` (5 %) of it, while
tobler averages whatever it is given (below that, ours is tobler's average of the rest).
tobler cannot be given NaN at all under pandas 3: its ``_nan_check`` writes into the
read-only array of a copy-on-write column and raises, so the rate goes to tobler without
the sources that lack it.

With the default crosswalk (slivers under 1 % dropped) and the default weights the
comparison is a looser one, as the estimates differ by design: the residents of 2024
moved onto the 2016 wijken (bundled), and of 2022 onto 2024 (the full 2022 wijk layer,
``full_data``): totals conserved (ours to 1e-9, tobler's to 1 resident: float32 sums
over 16,000 pieces), correlation above 0.9999, and for 2024 -> 2016 the absolute
differences under 1 % of the total (the slivers).
"""
import numpy as np
import pandas as pd
import pytest
import shapely

from wijkkompas.change.harmonise import crosswalk_from_boundaries, harmonise

RATE = "ervaren_gezondheid_goed"


@pytest.fixture(scope="module")
def overlay(demo_store, catalog):
    source = demo_store.boundaries("wijk", 2016)
    target = demo_store.boundaries("wijk", 2024)
    cw = crosswalk_from_boundaries(source, target, from_vintage=2016, to_vintage=2024,
                                   min_share=0.0, level="wijk")
    obs = demo_store.observations(level="wijk", vintage=2016, indicators=["inwoners", RATE])
    result = harmonise(obs, cw, catalog, population=None)
    mine = result.observations
    wide = obs.pivot_table(index="area_code", columns="indicator", values="value")
    geoms = source.geometry.to_numpy()
    shaped = source[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    src = shaped.merge(wide, left_on="code", right_index=True, how="left")
    return src, target, cw, mine.set_index(["indicator", "area_code"])["value"], result


def _tobler(src, target, **variables):
    from tobler.area_weighted import area_interpolate

    ref = area_interpolate(src, target, **variables)
    ref.index = target["code"].to_numpy()
    return ref


def test_residents_equal_tobler_extensive(overlay):
    src, target, cw, mine, result = overlay
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
    src, target, cw, mine, result = overlay
    lacking = src[RATE].isna()
    assert lacking.sum() == 31
    ref = _tobler(src[~lacking], target, intensive_variables=[RATE])[RATE]
    ours = mine.loc[RATE]
    assert len(ours) > 3300
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), rtol=1e-6)
    # a target with a source lacking the rate: estimated from the others (the same as
    # tobler's average of the sources it is given, above) when those lacking it cover at
    # most max_missing (5 %) of it, else no figure
    touched = set(cw.table.loc[cw.table["from_code"].isin(src.loc[lacking, "code"]),
                               "to_code"])
    left_out = set(cw.table["to_code"]) - set(ours.index)
    assert left_out and left_out <= touched
    gone = result.missing[result.missing["indicator"] == RATE]
    assert set(gone["from_code"]) <= set(src.loc[lacking, "code"])
    estimated = gone[gone["estimated"].astype(bool)]
    assert (estimated["target_share"] <= 0.05).all()
    assert set(gone.loc[~gone["estimated"].astype(bool), "to_code"]) == left_out
    assert touched - left_out <= set(estimated["to_code"])


def test_nan_is_refused_by_tobler_under_copy_on_write(overlay):
    src, target, *_ = overlay
    if int(pd.__version__.split(".")[0]) >= 3:
        with pytest.raises(ValueError, match="read-only"):
            _tobler(src, target, intensive_variables=[RATE])
    else:  # older pandas: tobler replaces NaN by 0, with a warning
        with pytest.warns(UserWarning, match="nan values"):
            _tobler(src, target, intensive_variables=[RATE])


def _tobler_totals(source, target, column):
    """tobler's area interpolation of one count.

    A missing value is given as 0, which is what tobler does with it (``_nan_check``;
    under pandas copy-on-write its in-place replacement fails on a read-only array).
    """
    import shapely
    from tobler.area_weighted import area_interpolate

    src = source[["code", column, "geometry"]].copy()
    src[column] = src[column].fillna(0.0)
    src["geometry"] = src.geometry.make_valid()
    geoms = target.geometry.to_numpy()
    tgt = target[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)][["code", "geometry"]]
    tgt = tgt.assign(geometry=tgt.geometry.make_valid()).reset_index(drop=True)
    out = area_interpolate(src, tgt, extensive_variables=[column])
    return pd.Series(out[column].to_numpy(), index=tgt["code"])


def test_residents_conserved_2024_to_2016_like_tobler(wijken_2024_2016):
    source, target, obs, _, result = wijken_2024_2016
    pop = obs.set_index("area_code")["value"]
    mine = result.observations.set_index("area_code")["value"]
    theirs = _tobler_totals(source.assign(inwoners=source["code"].map(pop)), target, "inwoners")
    # 17,942,715 residents in 2024; while water blocked its targets, 1,402,094 (7.8 %) were lost
    assert pop.sum() == pytest.approx(17_942_715)
    assert mine.sum() == pytest.approx(pop.sum(), rel=1e-9)
    assert theirs.sum() == pytest.approx(pop.sum(), abs=1)  # float sums over 16,000 pieces
    both = pd.concat([mine, theirs], axis=1, join="inner")
    assert len(both) == len(mine) > 2950
    # the same estimates, up to the slivers under 1 % that the crosswalk drops
    assert both.corr().iloc[0, 1] > 0.9999
    assert (both.iloc[:, 0] - both.iloc[:, 1]).abs().sum() < 0.01 * pop.sum()


def test_wijken_2022_to_2024_conserve_residents_like_tobler(shared_data, demo_store,
                                                           catalog, tmp_path):
    # the 2022 wijk layer (tmap's selection of the CBS wijkkaart) with Kerncijfers 2022
    import gzip
    import shutil

    from wijkkompas.sources.boundaries import read

    folder = shared_data / "nl-wijken-2022-kwb"
    path = tmp_path / "wijk_2022.geojson"
    with gzip.open(folder / "wijk_2022_kwb_wgs84.geojson.gz") as raw, open(path, "wb") as out:
        shutil.copyfileobj(raw, out)
    source = read(path, vintage=2022).boundaries
    attributes = pd.read_csv(folder / "wijk_2022_kwb_attributes.csv")
    obs = pd.concat([pd.DataFrame({
        "area_code": attributes["code"], "vintage": 2022, "period": "2022", "year": 2022,
        "indicator": indicator, "value": attributes[column].astype(float), "status": "observed",
        "source": "kwb-2022"}) for indicator, column in (("inwoners", "population"),
                                                        ("woz_waarde", "dwelling_value"))])
    obs = obs[obs["value"].notna()]  # suppressed and empty cells: no figure
    target = demo_store.boundaries("wijk", 2024)
    cw = crosswalk_from_boundaries(source, target)
    result = harmonise(obs, cw, catalog)
    pop = attributes.set_index("code")["population"].astype(float)
    out = result.observations
    mine = out[out["indicator"] == "inwoners"].set_index("area_code")["value"]
    theirs = _tobler_totals(source.assign(inwoners=source["code"].map(pop)), target, "inwoners")
    assert mine.sum() == pytest.approx(pop.sum(), rel=1e-9)
    assert theirs.sum() == pytest.approx(pop.sum(), abs=1)
    both = pd.concat([mine, theirs], axis=1, join="inner")
    assert both.corr().iloc[0, 1] > 0.9999
    # wijken with 0 residents (dunes, parks, business areas) have no WOZ value; they never
    # block a target, so no source without a WOZ figure is inhabited
    gone = result.missing[result.missing["indicator"] == "woz_waarde"]
    assert (pop.reindex(gone["from_code"]) > 0).all()
    zero = set(pop.index[pop == 0])
    assert len(zero) == 28 and not zero & set(gone["from_code"])
    woz = result.report.set_index("indicator").loc["woz_waarde"]
    assert woz["uninhabited"] > 20


# -- residents' shares of a postcode (geo/postcodes.resident_shares) --------------------

# postcodes in Den Haag, Utrecht, Amsterdam, Groningen and a village (Ede's Lunteren)
POSTCODES = ("2526", "2512", "2564", "3511", "3552", "1011", "1055", "9712", "6741")


@pytest.mark.parametrize("pc4", POSTCODES)
def test_residents_shares_equal_tobler_extensive(demo_store, pc4):
    """``resident_shares`` against tobler's ``area_interpolate`` on real inputs: CBS's
    inhabitants 2024 of the bundled wijken of 2024 as the density areas (the store has
    no buurt vintage with both boundaries and inhabitants), CBS's PC4 polygon.

    Our residents in a part X of the postcode P are ``R(X) = sum_b n_b |X & b| / |b|``;
    that is tobler's extensive estimate ``sum_i x_i a_ij / |s_i|`` with
    ``allocate_total=False`` (divided by the source's own area, not by the part of it
    the targets cover) for the target X. Each share is R(P & a) / R(P). Compared for the
    gemeente and the buurten (of 2014: another vintage, so made of the wijk pieces), to
    relative 1e-5 (tobler's float32 area table). Where we differ by design: a wijk of
    the density's own level takes its own piece only (the generalised boundaries
    overlap a little, and a neighbour's density over the overlap must not leak in;
    tobler adds it, up to 1.1 points of share here): there tobler is given that wijk
    alone as the source, and agrees to the same tolerance.
    """
    import geopandas as gpd
    from tobler.area_weighted import area_interpolate

    from wijkkompas.geo.postcodes import postcode_areas, postcode_info, resident_shares

    shape = postcode_info(pc4).geometry
    table = postcode_areas(demo_store, pc4).table
    shares, basis = resident_shares(demo_store, shape, table, level="wijk", prefer=2024)
    assert basis.startswith("inhabitants per wijk of 2024"), basis
    wijken = demo_store.boundaries("wijk", 2024)
    people = demo_store.observations(level="wijk", vintage=2024, indicators=["inwoners"],
                                     periods=["2024"]).set_index("area_code")["value"]
    source = wijken.assign(inwoners=wijken["code"].map(people))
    source = source[source["inwoners"].notna()
                    & source.intersects(shape)].reset_index(drop=True)
    parts = [shape]
    for row in table.itertuples():
        geom = demo_store.boundaries(row.level, row.vintage)
        geom = geom.loc[geom["code"] == row.code, "geometry"].iloc[0]
        parts.append(shapely.intersection(shape, geom))
    target = gpd.GeoDataFrame(geometry=parts, crs=source.crs)
    ref = area_interpolate(source, target, extensive_variables=["inwoners"],
                           allocate_total=False)["inwoners"].to_numpy()
    theirs = ref[1:] / ref[0]
    own = (table["level"] == "wijk").to_numpy()
    for i in np.flatnonzero(own):
        alone = source[source["code"] == table["code"].iloc[i]]
        piece = target.iloc[[i + 1]]
        theirs[i] = area_interpolate(alone, piece, extensive_variables=["inwoners"],
                                     allocate_total=False)["inwoners"].iloc[0] / ref[0]
    assert (~own).sum() >= 2 and own.sum() >= 1 and shares.notna().all()
    np.testing.assert_allclose(shares.to_numpy(), theirs, rtol=1e-5)
