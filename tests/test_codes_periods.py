"""CBS region codes, the hierarchy they encode, and reference periods."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wijkkompas.geo.codes import gemeente_of, is_valid, level_of, normalise_code, parent_of, wijk_of
from wijkkompas.periods import parse_period


@pytest.mark.parametrize("code, level", [
    ("NL01", "land"), ("GM0363", "gemeente"), ("WK036300", "wijk"), ("WK0363AA", "wijk"),
    ("BU03630000", "buurt"), ("BU0363AE01", "buurt"), ("BU16800009", "buurt"),
    ("GM363", None), ("WK0363A", None), ("BU0363ae01", None), ("XX0363", None), ("", None),
])
def test_levels(code, level):
    assert level_of(code) == level


def test_padded_codes_as_cbs_writes_them():
    assert normalise_code("GM0363    ") == "GM0363"
    assert normalise_code(" bu0363ae01") == "BU0363AE01"


def test_hierarchy_of_new_amsterdam_codes():
    assert wijk_of("BU0363AE01") == "WK0363AE"
    assert gemeente_of("BU0363AE01") == "GM0363"
    assert parent_of("BU0363AE01") == "WK0363AE"
    assert parent_of("WK0363AE") == "GM0363"
    assert parent_of("GM0363") == "NL01"
    assert parent_of("NL01") is None
    assert wijk_of("GM0363") is None


@given(st.from_regex(r"BU[0-9]{4}[0-9A-Z]{4}", fullmatch=True))
def test_every_buurt_code_has_a_valid_wijk_and_gemeente(code):
    assert is_valid(wijk_of(code)) and is_valid(gemeente_of(code))
    assert wijk_of(code)[2:] == code[2:8]


@pytest.mark.parametrize("text, expected", [
    ("2020JJ00", ("2020", 2020)), ("2020", ("2020", 2020)), (2016, ("2016", 2016)),
    ("2016.0", ("2016", 2016)), ("2019KW03", ("2019Q3", 2019)), ("2019Q3", ("2019Q3", 2019)),
    ("2011MM01", ("2011-01", 2011)), ("2011-12", ("2011-12", 2011)),
    ("2017-05/2018-04", ("2017-05/2018-04", 2018)), (" 2024 ", ("2024", 2024)),
])
def test_periods(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2020X", "20", "1850", "2011-13", "mei 2018", "", "2020KW05"])
def test_unknown_periods_name_the_text(text):
    with pytest.raises(ValueError, match="unknown period"):
        parse_period(text)


@given(st.from_regex(r"BU\d{4}[0-9A-Z]{4}", fullmatch=True))
def test_a_code_with_other_scripts_digits_is_no_code(code):
    """``\\d`` also matches Arabic-Indic or Devanagari digits; CBS codes are ASCII."""
    assert is_valid(code) == code.isascii()
