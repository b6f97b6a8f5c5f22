"""Reference periods.

Stored as text, one form per kind of period, with the reference year beside it:

==================  =================  ====
source text         stored period      year
==================  =================  ====
``2020JJ00``, 2020  ``2020``           2020
``2020KW02``        ``2020Q2``         2020
``2020MM03``        ``2020-03``        2020
``2017-05/2018-04`` ``2017-05/2018-04`` 2018 (rolling twelve months: the year it ends)
==================  =================  ====
"""
from __future__ import annotations

import re

# re.ASCII: \d would also match other scripts' digits (int('٢٠٢٠') is 2020)
_FORMS = [
    (re.compile(r"^(\d{4})(?:JJ00)?$", re.ASCII), lambda m: (m[1], int(m[1]))),
    (re.compile(r"^(\d{4})\.0$", re.ASCII), lambda m: (m[1], int(m[1]))),
    (re.compile(r"^(\d{4})KW0([1-4])$", re.ASCII), lambda m: (f"{m[1]}Q{m[2]}", int(m[1]))),
    (re.compile(r"^(\d{4})Q([1-4])$", re.ASCII), lambda m: (f"{m[1]}Q{m[2]}", int(m[1]))),
    (re.compile(r"^(\d{4})MM(0[1-9]|1[0-2])$", re.ASCII), lambda m: (f"{m[1]}-{m[2]}", int(m[1]))),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII), lambda m: (f"{m[1]}-{m[2]}", int(m[1]))),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])/(\d{4})-(0[1-9]|1[0-2])$", re.ASCII),
     lambda m: (f"{m[1]}-{m[2]}/{m[3]}-{m[4]}", int(m[3]))),
]
MIN_YEAR, MAX_YEAR = 1900, 2100


def parse_period(text: object) -> tuple[str, int]:
    """Return ``(period, reference_year)`` or raise ValueError naming the text."""
    raw = str(text).strip()
    for pattern, build in _FORMS:
        match = pattern.match(raw)
        if match:
            period, year = build(match)
            if not MIN_YEAR <= year <= MAX_YEAR:
                break
            return period, year
    raise ValueError(
        f"unknown period {raw!r}: expected a year (2020), CBS form (2020JJ00, 2020KW01, "
        "2020MM03), a month (2020-03) or a rolling year (2017-05/2018-04)")


def whole_years(frame):
    """Per row of a frame with ``period`` and ``year`` (the stored forms above): whether
    it is a whole year's figure (the period is its year), as a boolean array. A month's, a
    quarter's or a rolling year's figure never stands in for a year: a count 12 or 4 times
    too small, or another twelve months."""
    return (frame["period"].astype(str).to_numpy(dtype=object)
            == frame["year"].astype(str).to_numpy(dtype=object))
