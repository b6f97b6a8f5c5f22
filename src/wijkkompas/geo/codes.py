"""CBS region codes and the hierarchy they encode.

Assumptions (CBS "Wijk- en buurtkaart" conventions):

- ``NL01`` (sometimes ``NL00``) is the country;
- ``GMxxxx`` a gemeente, four digits;
- ``WKxxxxyy`` a wijk: the gemeente's four digits plus two characters, digits or, since
  Amsterdam's 2022 redivision, capital letters (``WK0363AA``);
- ``BUxxxxyyzz`` a buurt: the wijk's six characters plus two more (``BU0363AE01``).

So the parent of a buurt is readable from its code: ``BU0363AE01`` lies in wijk
``WK0363AE`` in gemeente ``GM0363``. CBS pads codes to ten characters with spaces in
its OData and CSV output; :func:`normalise_code` strips that.

Grid cells of CBS's square statistics (:mod:`wijkkompas.geo.grid`) are areas too, at the
levels ``vierkant100`` and ``vierkant500``: ``VK100E1234N5678`` is the 100 m cell whose
south-west corner is at RD New x = 123,400 m, y = 567,800 m (CBS's own cell code
``E1234N5678``, in hectometres, prefixed with the cell size because the 100 m and 500 m
grids share codes). A cell's code does not say which buurt it lies in; that is found by
overlay (:func:`wijkkompas.geo.grid.containing_areas`).
"""
from __future__ import annotations

import re

#: the levels of CBS's indeling (a code's prefix names them)
LEVELS = ("land", "gemeente", "wijk", "buurt")
#: the grid levels, coarse to fine; their areas are squares, not a CBS indeling
GRID_LEVELS = ("vierkant500", "vierkant100")
#: every level an area can have
AREA_LEVELS = (*LEVELS, *GRID_LEVELS)
_PATTERNS = {
    "land": re.compile(r"^NL0[01]$"),
    # re.ASCII: \d would also match other scripts' digits
    "gemeente": re.compile(r"^GM\d{4}$", re.ASCII),
    "wijk": re.compile(r"^WK\d{4}[0-9A-Z]{2}$", re.ASCII),
    "buurt": re.compile(r"^BU\d{4}[0-9A-Z]{4}$", re.ASCII),
    # a 500 m cell's corner is a multiple of 500 m: its hectometres end in 0 or 5
    "vierkant500": re.compile(r"^VK500E\d{3}[05]N\d{3}[05]$", re.ASCII),
    "vierkant100": re.compile(r"^VK100E\d{4}N\d{4}$", re.ASCII),
}
COUNTRY = "NL01"


def normalise_code(text: object) -> str:
    """Strip padding and upper-case a code as CBS writes it (``'GM0363    '`` -> ``'GM0363'``)."""
    return str(text).strip().upper()


def level_of(code: str) -> str | None:
    """The level of a normalised code, or None when it is not a valid CBS region code."""
    for level, pattern in _PATTERNS.items():
        if pattern.match(code):
            return level
    return None


def is_valid(code: str) -> bool:
    return level_of(code) is not None


def gemeente_of(code: str) -> str | None:
    """The gemeente a wijk or buurt code lies in (itself for a gemeente)."""
    level = level_of(code)
    if level in ("gemeente", "wijk", "buurt"):
        return "GM" + code[2:6]
    return None


def wijk_of(code: str) -> str | None:
    """The wijk a buurt code lies in (itself for a wijk)."""
    level = level_of(code)
    if level in ("wijk", "buurt"):
        return "WK" + code[2:8]
    return None


def parent_of(code: str) -> str | None:
    """The next level up: buurt -> wijk -> gemeente -> country."""
    level = level_of(code)
    if level == "buurt":
        return wijk_of(code)
    if level == "wijk":
        return gemeente_of(code)
    if level == "gemeente":
        return COUNTRY
    return None
