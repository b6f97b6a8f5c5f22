"""CBS square statistics (vierkantstatistieken): 100 m and 500 m grid cells as areas.

CBS publishes figures per square of 100 m and of 500 m ("Kaart van 100 meter bij 100
meter met statistieken", https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data/kaart-van-100-meter-bij-100-meter-met-statistieken,
and the 500 m one beside it) as one GeoPackage per year, ``cbs_vk100_2022_v1.gpkg``,
with a layer such as ``vierkant_100m_2020``. What this reader relies on, and where it
was found:

- the cell code column ``crs28992res100m`` (``crs28992res500m``) with values
  ``E1234N5678``, the south-west corner in hectometres (CBS, "Statistische gegevens per
  vierkant en postcode 2022-2021-2020-2019", chapter 3 "Codering vierkant",
  https://www.cbs.nl/nl-nl/longread/diversen/2023/statistische-gegevens-per-vierkant-en-postcode-2022-2021-2020-2019/3-codering-vierkant;
  the column names as lower case, and the layer name, as public code that reads the
  files uses them);
- the figure columns in snake case, ``aantal_inwoners``, ``aantal_part_huishoudens``,
  ``aantal_woningen``, ``gemiddelde_woz_waarde_woning``, ``percentage_koopwoningen``,
  ``aantal_personen_met_uitkering_onder_aowlft`` (as public code reading the 2020-2024
  GeoPackages names them; PDOK's WFS of the same data uses camel case,
  ``aantalInwoners``, which this reader does not read);
- only cells with at least 5 residents or 5 dwellings are published (chapter 2
  "Technische gegevens" of the same publication,
  https://www.cbs.nl/nl-nl/longread/diversen/2023/statistische-gegevens-per-vierkant-en-postcode-2022-2021-2020-2019/2-technische-gegevens);
- ``-99997`` where a figure is withheld for confidentiality (*geheim*): the value every
  public reader of the files treats as "no figure". Its meaning, and that of ``-99995``
  (seen in CBS's 2024 postcode and wijk files), could not be confirmed from CBS's own
  text offline: every value from -99999 to -99990 is read as **suppressed** (no value;
  never zero, never a number), which is what each of them is at least.

Not confirmed: whether counts in the files are rounded (CBS rounds counts to fives in
its postcode tables; figures are kept as published either way), and the unit of
``gemiddelde_woz_waarde_woning`` (read as x 1000 euro, the unit of the Kerncijfers wijken
en buurten; the catalog's ``woz_waarde_vierkant``).

The cell's square is derived from its code (:mod:`wijkkompas.geo.grid`), not read from
the file's geometry, so the file's geometry column is not read at all; the squares go
into the store as the level's boundaries (weights, hot spots and the map read them like
any other boundaries). The containing wijk and gemeente are added at ingest by overlay
with the boundaries in the store (:func:`wijkkompas.geo.grid.locate`).

A file whose layer metadata carries ``wijkkompas.synthetic`` (written by
``scripts/synthetic_grid.py``) is read the same way, under a source id and title that
say SYNTHETIC.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import IngestError
from ..geo.grid import GRID_VINTAGE, LEVEL_OF_SIZE, cells_frame, parse_cbs_codes
from .base import OBS_COLUMNS, ReadResult, Skip, SourceInfo, empty_areas, file_sha256

NAME = "CBS square statistics (GeoPackage)"
CODE_COLUMNS = {"crs28992res100m": 100, "crs28992res500m": 500}
#: file column -> catalog id. Counts and shares that mean what the Kerncijfers wijken en
#: buurten entries mean share their ids, so a cell and its buurt are read alike; the
#: rest are in ``catalog/default/vierkant.yaml``.
COLUMNS = {
    "aantal_inwoners": "inwoners",
    "aantal_part_huishoudens": "huishoudens",
    "aantal_woningen": "woningvoorraad",
    "gemiddelde_woz_waarde_woning": "woz_waarde_vierkant",
    "percentage_koopwoningen": "koopwoningen_pct",
    "aantal_personen_met_uitkering_onder_aowlft": "uitkeringen_onder_aow",
}
#: CBS's codes for "no figure" in these files (see the module docstring)
NO_FIGURE = (-99999.0, -99990.0)
SYNTHETIC_KEY = "wijkkompas.synthetic"
_YEAR_IN_LAYER = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")
_YEAR_IN_FILE = re.compile(r"vk(?:100|500)_((?:19|20)\d\d)(?!\d)", re.IGNORECASE)


def sniff(path: Path) -> bool:
    """A GeoPackage whose layer has a CBS cell code column (``crs28992res100m``/``500m``)."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        return False
    try:
        return _code_column(_info(path, None)) is not None
    except Exception:  # noqa: BLE001 - an unreadable file is not ours to claim; the
        return False   # reader that claims it (or ingest) reports what is wrong


def _info(path: Path, layer: str | None) -> dict:
    import pyogrio

    return pyogrio.read_info(path, layer=layer)


def _code_column(info: dict) -> str | None:
    fields = {str(f).lower(): str(f) for f in info["fields"]}
    return next((fields[c] for c in CODE_COLUMNS if c in fields), None)


def read(path: Path, catalog=None, *, period: str | int | None = None,
         layer: str | None = None, source_id: str | None = None,
         vintage: int | str | None = None, **_other) -> ReadResult:
    """Read one CBS square statistics GeoPackage into a :class:`ReadResult`.

    ``period`` overrides the year read from the layer or file name; ``layer`` picks a
    layer (default: the first). ``vintage`` is accepted only as :data:`GRID_VINTAGE`
    (the grid has one). Rows with a code that is not a cell code are skipped, each with
    the reason; a file without any valid code is refused.
    """
    import pyogrio

    path = Path(path)
    file = str(path)
    if vintage is not None and int(vintage) != GRID_VINTAGE:
        raise IngestError(f"grid cells have one indeling, {GRID_VINTAGE}; --vintage "
                          f"{vintage} does not apply to them", file=file)
    try:
        layers = pyogrio.list_layers(path)
        layer = layer or str(layers[0][0])
        info = _info(path, layer)
    except Exception as exc:  # noqa: BLE001 - GDAL's errors differ by version
        raise IngestError(f"not a readable GeoPackage ({exc})", file=file) from None
    code_col = _code_column(info)
    if code_col is None:
        raise IngestError(f"layer {layer!r} has no cell code column (crs28992res100m or "
                          "crs28992res500m)", file=file)
    size = CODE_COLUMNS[code_col.lower()]
    level = LEVEL_OF_SIZE[size]
    fields = {str(f).lower(): str(f) for f in info["fields"]}
    wanted = [fields[c] for c in COLUMNS if c in fields]
    frame = pyogrio.read_dataframe(path, layer=layer, columns=[code_col, *wanted],
                                   read_geometry=False)
    if frame.empty:
        raise IngestError(f"layer {layer!r} holds no cells", file=file)
    skipped = [Skip(file, None, original, "not read: no catalog entry for this grid "
                    "column (wijkkompas.sources.grid.COLUMNS)")
               for lower, original in fields.items()
               if lower not in COLUMNS and lower != code_col.lower()]
    codes, reason = parse_cbs_codes(frame[code_col], size)
    for row in np.flatnonzero(reason.notna().to_numpy()):
        skipped.append(Skip(file, int(row) + 1, code_col,
                            f"{frame[code_col].iloc[row]!r} {reason.iloc[row]}"))
    good = codes.notna().to_numpy()
    if not good.any():
        raise IngestError(f"no valid cell code in column {code_col!r} (first values: "
                          f"{frame[code_col].head(3).tolist()})", file=file, column=code_col)
    doubled = codes[good].duplicated(keep=False)
    if doubled.any():
        first = codes[good][doubled].iloc[0]
        raise IngestError(f"cell {first} appears {int((codes == first).sum())} times",
                          file=file, column=code_col)
    period_label = _period(period, layer, path)
    metadata = info.get("layer_metadata") or {}
    observations = _observations(frame[good], codes[good], wanted, period_label,
                                 skipped, file)
    cells = codes[good].to_numpy(dtype=object)
    boundaries = cells_frame(cells)
    boundaries["name"] = [f"Vierkant {c[5:]} ({size} m)" for c in cells]
    areas = pd.DataFrame({"code": cells, "vintage": np.int16(GRID_VINTAGE),
                          "name": boundaries["name"].to_numpy(), "level": level,
                          "wijk_code": None, "gemeente_code": None})
    areas = pd.concat([empty_areas(), areas], ignore_index=True)
    areas["vintage"] = areas["vintage"].astype("int16")
    source = _source(path, size, period_label, SYNTHETIC_KEY in metadata, source_id)
    observations["source"] = source.id
    return ReadResult(source=source, observations=observations, areas=areas,
                      skipped=skipped, boundaries=boundaries)


def _period(period, layer: str, path: Path) -> str:
    if period is not None:
        return str(period)
    found = _YEAR_IN_FILE.search(path.name)
    if found:
        return found.group(1)
    found = _YEAR_IN_LAYER.search(layer)
    if found:
        return found.group(0)
    raise IngestError("the year of the figures is in neither the file name "
                      "(cbs_vk100_2022.gpkg) nor the layer name (vierkant_100m_2022): give "
                      "it with --period", file=str(path))


def _observations(frame: pd.DataFrame, codes: pd.Series, columns: list[str], period: str,
                  skipped: list[Skip], file: str) -> pd.DataFrame:
    """The long table: one row per cell and figure; no-figure codes are suppressed."""
    parts = []
    for column in columns:
        raw = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        text = frame[column].notna().to_numpy() & np.isnan(raw)
        if text.any():
            skipped.append(Skip(file, None, column, f"{int(text.sum())} cells hold text "
                                "where a number belongs; left out"))
        present = ~np.isnan(raw)
        withheld = present & (raw >= NO_FIGURE[0]) & (raw <= NO_FIGURE[1])
        other_negative = present & (raw < 0) & ~withheld
        if other_negative.any():
            skipped.append(Skip(file, None, column, f"{int(other_negative.sum())} cells "
                                "hold a negative value that is no CBS code; left out"))
        keep = present & ~other_negative
        parts.append(pd.DataFrame({
            "area_code": codes.to_numpy(dtype=object)[keep],
            "indicator": COLUMNS[column.lower()],
            "value": np.where(withheld, np.nan, raw)[keep],
            "status": np.where(withheld, "suppressed", "observed")[keep]}))
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["area_code", "indicator", "value", "status"])
    year = int(period[:4])
    long = long.assign(vintage=np.int16(GRID_VINTAGE), period=period, year=np.int16(year),
                       source="")
    long["vintage"] = long["vintage"].astype("int16")
    long["year"] = long["year"].astype("int16")
    return long[OBS_COLUMNS]


def _source(path: Path, size: int, period: str, synthetic: bool,
            source_id: str | None) -> SourceInfo:
    if synthetic:
        return SourceInfo(
            id=source_id or f"synthetisch-vierkant{size}-{period}",
            title=f"SYNTHETIC {size} m grid {period} (scripts/synthetic_grid.py; not CBS "
                  "figures)",
            publisher="wijkkompas (synthetic)", file=str(path), sha256=file_sha256(path),
            format="gpkg")
    return SourceInfo(
        id=source_id or f"cbs-vierkant{size}-{period}",
        title=f"CBS Kaart van {size} meter bij {size} meter met statistieken {period}",
        publisher="Centraal Bureau voor de Statistiek", licence="CC BY 4.0",
        url="https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data/"
            f"kaart-van-{size}-meter-bij-{size}-meter-met-statistieken",
        file=str(path), sha256=file_sha256(path), format="gpkg")
