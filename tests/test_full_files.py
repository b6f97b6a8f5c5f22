"""The full-file layer: the whole published files in ../shared/data (or the folder in
WIJKKOMPAS_SHARED_DATA), skipped where they are absent.

The reader tests run on the real extracts in tests/data/real. This layer checks what only
the whole files can show: that each extract is what scripts/trim_test_data.py makes of
its file, that every extract reads exactly like the same areas of the full file (so the
extracts stand for the files), and the published totals (13,808 buurten, 1,369,939
figures, the row numbers of known quirks). The reading speed on the national table is
measured by ``benchmarks/bench_read.py``, not asserted here.
"""
from __future__ import annotations

import gzip
import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from wijkkompas.change.harmonise import crosswalk_from_table
from wijkkompas.ingest import read_file
from wijkkompas.sources import boundaries as gb
from wijkkompas.sources import mapped, statline

pytestmark = [pytest.mark.full_data, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

ROOT = Path(__file__).resolve().parents[1]
HEALTH = "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz"
PANEL = "haaglanden-wijkpanel-2009-2022"


def _trim_script():
    spec = importlib.util.spec_from_file_location("trim_test_data",
                                                  ROOT / "scripts" / "trim_test_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _content(path: Path):
    """What a reader sees of a file: gzip and zip containers are opened (their compressed
    bytes may differ between zlib versions)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    return data


# --------------------------------------------------------------------------- the extracts
def test_trim_script_rebuilds_the_extracts(shared_data, real_data, tmp_path):
    report = _trim_script().build(shared_data, tmp_path)
    made = {relative for relative, _count, _size in report}
    kept = {str(p.relative_to(real_data)) for p in real_data.rglob("*") if p.is_file()}
    assert kept == made  # nothing stale, nothing missing
    for relative in sorted(made):
        assert _content(tmp_path / relative) == _content(real_data / relative), relative
    assert sum(size for *_, size in report) < 3 * 2**20


# (file, reader options): every extract a reader reads
READ = [
    (HEALTH, {}),
    ("nl-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18+.xlsx", {}),
    ("nl-gezondheid-2012-2016-2020/2016_65+.xlsx", {}),
    ("utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx", {}),
    ("utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2024.xlsx", {}),
    ("amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2017.csv", {}),
    ("amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2019.csv", {}),
    ("amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2020.csv", {}),
    ("amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2024.csv", {}),
    ("amsterdam-buurten-kwb/SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv",
     {"vintage": 2019}),
    ("amsterdam-buurten-kwb/proximity_to_facilities_2020.csv", {}),
    ("amsterdam-buurten-kwb/proximity_to_facilities_2024.csv", {}),
    ("amsterdam-buurten-kwb/buurten.csv", {}),
    (f"{PANEL}/df_count_ver_3.csv", {}),
    (f"{PANEL}/df_numeric_ver_6.csv", {}),
    (f"{PANEL}/df_count_gem_ver_6.csv", {}),
    (f"{PANEL}/df_numeric_gem_ver_6.csv", {}),
    (f"{PANEL}/WijkEenzaamheid2016.csv", {}),
    (f"{PANEL}/wijk_2016_6.geojson", {}),
    ("haaglanden-politie-misdrijven-2011-2017/"
     "haaglanden_misdrijven_per_buurt_per_jaar_2011_2017.csv", {}),
    ("nl-misdrijven-kwb2024/misdrijven_kwb2024_wijk_buurt.csv", {}),
    ("gebiedsindelingen-2014/Gemeente_2015_layer_q1e3.json", {}),
    ("gebiedsindelingen-2014/Wijk_2014_layer_q1e3.json", {}),
    ("gebiedsindelingen-2014/Buurt_2014_layer_q1e3.json", {}),
    ("nl-gemeenten-wijken-kwb/gemeenten_2024.geojson", {}),
    ("nl-gemeenten-wijken-kwb/wijken_2024.geojson", {}),
]


def _rows_of(frame: pd.DataFrame, column: str, codes) -> pd.DataFrame:
    part = frame[frame[column].isin(codes)]
    key = [c for c in ("code", "area_code", "period", "indicator") if c in part]
    return part.sort_values(key).reset_index(drop=True)


@pytest.mark.parametrize("relative, options", READ, ids=[Path(r).name for r, _ in READ])
def test_extract_reads_like_the_full_file(shared_data, real_data, catalog, relative, options):
    [part] = read_file(real_data / relative, catalog, **options)
    [whole] = read_file(shared_data / relative, catalog, **options)
    for field in ("id", "title", "publisher", "licence", "table", "format"):
        assert getattr(part.source, field) == getattr(whole.source, field), field
    codes = set(part.areas["code"])
    assert len(codes) > 1 and codes <= set(whole.areas["code"])
    # the same areas, named and placed alike, with exactly the same figures
    pd.testing.assert_frame_equal(_rows_of(part.areas, "code", codes),
                                  _rows_of(whole.areas, "code", codes))
    assert len(part.observations) > 0 or part.boundaries is not None
    pd.testing.assert_frame_equal(_rows_of(part.observations, "area_code", codes),
                                  _rows_of(whole.observations, "area_code", codes))
    if part.boundaries is not None:
        mine = _rows_of(part.boundaries, "code", codes)
        theirs = _rows_of(whole.boundaries, "code", codes)
        pd.testing.assert_frame_equal(pd.DataFrame(mine.drop(columns="geometry")),
                                      pd.DataFrame(theirs.drop(columns="geometry")))
        assert shapely.equals_exact(np.asarray(mine.geometry.array),
                                    np.asarray(theirs.geometry.array), 1e-6).all()


# --------------------------------------------------------------------------- totals
@pytest.fixture(scope="module")
def health(shared_data, catalog):
    return statline.read(shared_data / HEALTH, catalog)


def test_health_table_totals(health):
    # one row per non-empty indicator cell: 52,023 rows x 35 columns minus the empty ones
    assert len(health.observations) == 1_369_939
    assert health.areas["level"].value_counts().to_dict() == {
        "buurt": 13808, "wijk": 3177, "gemeente": 355, "land": 1}
    assert len(set(health.observations["indicator"])) == 35 - 3


def test_kerncijfers_totals(shared_data, catalog):
    amsterdam = statline.read(
        shared_data / "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2017.csv", catalog)
    assert len(amsterdam.areas) == 580  # NL00, GM0363, 99 wijken, 479 buurten
    utrecht = statline.read(shared_data / "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx",
                            catalog)
    assert utrecht.areas["level"].value_counts().to_dict() == {"buurt": 111, "wijk": 10,
                                                               "gemeente": 1}


def _shipped(shared_data, catalog, name: str, relative: str):
    return mapped.read(shared_data / relative, catalog, mapping=mapped.SHIPPED / f"{name}.yaml")


def test_panel_totals(shared_data, catalog):
    wijken = _shipped(shared_data, catalog, "haaglanden-wijkpanel-wijk",
                      f"{PANEL}/df_count_ver_3.csv")
    assert len(wijken.areas) == 70
    assert [s.row for s in wijken.skipped if "WK1916--" in s.reason] == [800, 801]
    missing = wijken.observations[wijken.observations.status == "missing"]
    assert missing.groupby(["indicator", "period"]).size().eq(70).all()
    gemeenten = _shipped(shared_data, catalog, "haaglanden-wijkpanel-gemeente",
                         f"{PANEL}/df_count_gem_ver_6.csv")
    assert len(gemeenten.areas) == 22
    lonely = _shipped(shared_data, catalog, "rivm-eenzaamheid-wijk-2016",
                      f"{PANEL}/WijkEenzaamheid2016.csv")
    assert len(lonely.areas) == 2981
    assert [s.row for s in lonely.skipped if "WK191104" in s.reason] == [2826, 2827]


def test_crime_totals(shared_data, catalog):
    police = _shipped(shared_data, catalog, "politie-haaglanden-misdrijven-2011-2017",
                      "haaglanden-politie-misdrijven-2011-2017/"
                      "haaglanden_misdrijven_per_buurt_per_jaar_2011_2017.csv")
    assert police.observations.area_code.nunique() == 341
    assert len(police.observations) == 341 * 7 * 12
    national = _shipped(shared_data, catalog, "cbs-misdrijven-kwb2024",
                        "nl-misdrijven-kwb2024/misdrijven_kwb2024_wijk_buurt.csv")
    assert national.areas.level.value_counts().to_dict() == {"buurt": 14574, "wijk": 3393}


@pytest.mark.parametrize("relative, count", [
    ("gebiedsindelingen-2014/Gemeente_2015_layer_q1e3.json", 393),
    ("gebiedsindelingen-2014/Wijk_2014_layer_q1e3.json", 2738),
    ("gebiedsindelingen-2014/Buurt_2014_layer_q1e3.json", 11691),
    # the 3,393 wijken of KWB 2024 plus 'Groot water' wijken (WKxxxx99) and Buitenland
    ("nl-gemeenten-wijken-kwb/wijken_2024.geojson", 3475),
    # 2,982 features, one wijk in two parts (WK191104) dissolved
    (f"{PANEL}/wijk_2016_6.geojson", 2981),
    ("nl-gemeenten-wijken-kwb/gemeenten_2024.geojson", 343),
])
def test_boundary_totals(shared_data, relative, count):
    assert len(gb.read(shared_data / relative).boundaries) == count


def test_buurten_2014_lost_to_quantization(shared_data):
    read = gb.read(shared_data / "gebiedsindelingen-2014/Buurt_2014_layer_q1e3.json")
    assert read.boundaries.is_empty.sum() == 1116  # too small for ~270 m quantization


def test_amsterdam_crosswalk_totals(shared_data):
    path = shared_data / "amsterdam-buurten-kwb" / "buurten.csv"
    assert len(gb.read(path).boundaries) == 439
    table = pd.read_csv(path, usecols=["BUURTCODE_CBS_2015", "BUURTCODE_CBS_2022"])
    cw = crosswalk_from_table(table, from_vintage=2020, to_vintage=2022,
                              from_col="BUURTCODE_CBS_2015", to_col="BUURTCODE_CBS_2022",
                              weight_col=None, level="buurt")
    assert cw.one_to_one.all() and len(cw.table) == 439


# --------------------------------------------------------------------------- KWB 2022
def test_kwb2022_full_files(shared_data, catalog):
    folder = shared_data / "nl-wijken-2022-kwb"
    (wijken,) = read_file(folder / "wijk_2022_kwb_attributes.csv", catalog)
    (gemeenten,) = read_file(folder / "gemeente_2022_kwb_attributes.csv", catalog)
    assert len(wijken.areas) == 3340 and len(gemeenten.areas) == 345
    for result, total in ((wijken, 17_588_925), (gemeenten, 17_590_672)):
        obs = result.observations
        assert obs[obs.indicator == "inwoners"].value.sum() == total
    # CBS rounds the wijk populations to fives, so the wijken of a gemeente add up to it
    # only roughly: 317 of the 345 gemeenten differ, Wassenaar (GM0629) most, by 453 (0.8 %)
    w = wijken.observations
    w = w[w.indicator == "inwoners"]
    assert (w.value % 5 == 0).all()
    per_gemeente = w.groupby(w.area_code.str[2:6]).value.sum()
    g = gemeenten.observations
    g = g[g.indicator == "inwoners"]
    g = g.set_index(g.area_code.str[2:6]).value
    assert set(per_gemeente.index) == set(g.index)
    assert ((per_gemeente.reindex(g.index) - g).abs() <= 0.01 * g).all()
    # the boundaries: one shape per wijk of the figures
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "wijk_2022_kwb_wgs84.geojson"
        plain.write_bytes(gzip.decompress((folder / plain.name).with_suffix(".geojson.gz")
                                          .read_bytes()))
        bounds = gb.read(plain, None).boundaries
    assert set(bounds.code) == set(wijken.areas.code) and set(bounds.vintage) == {2022}
