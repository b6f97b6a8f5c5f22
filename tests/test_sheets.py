"""Spreadsheets whose <dimension> element is stale read every row (wijkkompas.sources.sheets)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wijkkompas.catalog import load_catalog
from wijkkompas.sources import mapped, statline
from wijkkompas.sources.sheets import sheet_rows

HEALTH_2020 = "nl-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18+.xlsx"
KWB_2023 = "utrecht-kwb-2023-2024/CBS-Utrecht-kwb-2023.xlsx"


def stale_copy(source: Path, folder: Path, ref: str = "A1:A1") -> Path:
    """The workbook with its first sheet's <dimension> rewritten to ``ref``, same file name."""
    target = folder / source.name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>',
                                      f'<dimension ref="{ref}"/>'.encode(), data)
                assert count == 1
            new.writestr(item, data)
    return target


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_stale_copy_really_is_stale(real_data, tmp_path):
    path = stale_copy(real_data / KWB_2023, tmp_path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        assert len(list(sheet.iter_rows(values_only=True))) == 1  # what openpyxl trusts
        rows = sheet_rows(sheet)
    finally:
        book.close()
    assert len(rows) == 34 and len({len(r) for r in rows}) == 1


@pytest.mark.parametrize("ref", ["A1:A1", "A1", "A1:C5"])
def test_mapped_read_xlsx_reads_all_rows_of_a_stale_sheet(real_data, tmp_path, ref):
    expected = mapped.read_xlsx(real_data / KWB_2023)
    got = mapped.read_xlsx(stale_copy(real_data / KWB_2023, tmp_path, ref))
    assert len(expected) == 33
    pd.testing.assert_frame_equal(got, expected)


def test_statline_reads_all_rows_of_a_stale_sheet(real_data, tmp_path, catalog):
    expected = statline.read(real_data / HEALTH_2020, catalog)
    path = stale_copy(real_data / HEALTH_2020, tmp_path)
    assert statline.sniff(path)
    got = statline.read(path, catalog)
    assert len(got.observations) == len(expected.observations) > 0
    pd.testing.assert_frame_equal(got.observations.reset_index(drop=True),
                                  expected.observations.reset_index(drop=True))
    pd.testing.assert_frame_equal(got.areas, expected.areas)
