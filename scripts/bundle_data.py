"""Build the bundled observations from the real source files in ../shared/data.

Run: ``python scripts/bundle_data.py [--shared DIR]``. Every file is read with the
project's own readers (the same code path as ``wijkkompas ingest``), loaded into a
temporary store, which checks that no two files disagree, and written back out per
source as compact Parquet in the long layout (``src/wijkkompas/data/observations/``),
with each source's attribution in the file's metadata. Then the harmonised companions
of the KWB 2022 bundle (``scripts/harmonised_companions.py``) are computed from the
bundled files. Boundaries are bundled by ``scripts/bundle_boundaries.py`` (run it
first: the companions overlay the bundled boundaries).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from wijkkompas.catalog import load_catalog
from wijkkompas.ingest import read_file
from wijkkompas.sources import longtable
from wijkkompas.sources.base import SourceInfo
from wijkkompas.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harmonised_companions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "wijkkompas" / "data" / "observations"
FILES = [
    # national: health 2012/2016/2020 (2020 indeling), KWB 2024 for gemeenten and wijken
    "nl-gezondheid-2012-2016-2020/gezondheid_18plus_wijk_buurt_2012_2016_2020.csv.gz",
    "nl-gemeenten-wijken-kwb/kwb_2024_gemeente_wijk_basic.csv",
    # Den Haag region: the ELAN wijk panel 2009-2022, police crime 2011-2017, loneliness 2016
    "haaglanden-wijkpanel-2009-2022/df_count_ver_3.csv",
    "haaglanden-wijkpanel-2009-2022/df_numeric_ver_6.csv",
    "haaglanden-wijkpanel-2009-2022/df_count_gem_ver_6.csv",
    "haaglanden-wijkpanel-2009-2022/df_numeric_gem_ver_6.csv",
    "haaglanden-wijkpanel-2009-2022/WijkEenzaamheid2016.csv",
    "haaglanden-politie-misdrijven-2011-2017/haaglanden_misdrijven_per_buurt_per_jaar_2011_2017.csv",
    # Amsterdam: Kerncijfers 2017, 2019, 2020, 2024, SES-WOA 2019, nearness of facilities
    "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2017.csv",
    "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2019.csv",
    "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2020.csv",
    "amsterdam-buurten-kwb/Kerncijfers_wijken_en_buurten_2024.csv",
    # SES-WOA 2019 (85163NED) uses the codes of the 2019 indeling, like the 2019 Kerncijfers
    ("amsterdam-buurten-kwb/SES_WOA_scores_per_wijk_en_buurt_amsterdam_2019.csv",
     {"vintage": 2019}),
    "amsterdam-buurten-kwb/proximity_to_facilities_2020.csv",
    "amsterdam-buurten-kwb/proximity_to_facilities_2024.csv",
    # Utrecht: Kerncijfers 2023 and 2024 in CBS's spreadsheet layout
    "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx",
    "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2024.xlsx",
]
# Republications: loaded after the publishers' own files. Where a republished figure
# differs from the publisher's (CBS revises the Kerncijfers after first release; the
# "Woon ik veilig?" site copied an earlier release than Amsterdam's export), the
# publisher's figure is kept and the difference is counted.
REPUBLISHED = [
    # crime per buurt 2021-2025 (CBS/Politie 47022NED) + a KWB 2024 subset, whole NL
    "nl-misdrijven-kwb2024/misdrijven_kwb2024_wijk_buurt.csv",
    # KWB 2022 (85318NED) per wijk and gemeente, all NL, 2022 indeling, as republished in
    # the R package tmap 4.2. Its inwoners 2022 differ from the ELAN panel's 2022 counts
    # for the panel's 70 wijken and 22 gemeenten (Den Haag 553,417 vs 577,339: the panel
    # counts another population than CBS's 1 January); the panel's figures stay, so that
    # the bundle holds one figure per area, and those 92 are left out of this source
    "nl-wijken-2022-kwb/wijk_2022_kwb_attributes.csv",
    "nl-wijken-2022-kwb/gemeente_2022_kwb_attributes.csv",
]


def read_all(shared: Path, entries: list, catalog) -> list:
    results = []
    for entry in entries:
        name, options = entry if isinstance(entry, tuple) else (entry, {})
        for result in read_file(shared / name, catalog, **options):
            print(f"{name}: {len(result.observations):,} figures ({result.source.id}), "
                  f"{len(result.skipped)} skipped")
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    catalog = load_catalog()
    primary = read_all(args.shared, FILES, catalog)
    republished = read_all(args.shared, REPUBLISHED, catalog)
    results = primary + republished
    with tempfile.TemporaryDirectory() as folder:
        store = Store(folder)
        store.ingest(primary)  # raises when two publishers' files disagree
        report = store.ingest(republished, on_conflict="keep")
        for file in report.files:
            print(f"{file.file}: {file.kept:,} figures differ from the publisher's; "
                  "the publisher's are kept")
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.parquet"):
            old.unlink()
        sources = {r.source.id: r.source for r in results}
        for source_id, info in sorted(sources.items()):
            figures = store.query(
                "SELECT o.*, coalesce(a.name, '') AS name FROM observations o LEFT JOIN areas a "
                "ON a.code = o.area_code AND a.vintage = o.vintage WHERE o.source = ? "
                "ORDER BY o.indicator, o.area_code, o.vintage, o.period", [source_id])
            bare = SourceInfo(id=info.id, title=info.title, publisher=info.publisher,
                              licence=info.licence, url=info.url, table=info.table)
            path = OUT / f"{source_id}.parquet"
            longtable.write(figures, [bare], path)
            print(f"wrote {path.relative_to(ROOT)}: {len(figures):,} figures, "
                  f"{path.stat().st_size / 1024:,.0f} KiB")
    # the harmonised companions of KWB 2022, computed from the files just written
    print("\n".join(harmonised_companions.build(args.shared, OUT)))


if __name__ == "__main__":
    main()
