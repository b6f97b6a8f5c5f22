"""How the commands print: the two consoles, Dutch numbers, progress bars and notes.

Results go to standard output (:data:`console`), so that ``wijkkompas score > scores.csv``
is a clean file; errors, warnings, notes and progress go to standard error (:data:`errors`).
"""
from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

# Messages are never wrapped inside a line (soft wrap): piped or logged output keeps each
# message whole whatever the terminal width; tables still fit the width.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _missing(value) -> bool:
    from pandas import isna  # loaded by then: every number printed comes from a frame

    return value is None or bool(isna(value))


def number(value, digits: int = 1, *, sign: bool = False) -> str:
    """Dutch number format: 1.234,5 (with ``sign``: +1.234,5); empty for a missing value."""
    if _missing(value):
        return ""
    plus = "+" if sign else ""
    text = f"{value:{plus},.{digits}f}" if abs(value) < 1e15 else f"{value:{plus}g}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def cell(value) -> str:
    """A text cell: empty for a missing value (None, or NaN from a string column)."""
    return "" if _missing(value) else str(value)


def progress() -> Progress:
    """A progress bar on standard error; plain lines (none) when that is not a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=errors, transient=True, disable=not errors.is_terminal)


def notes(lines: Iterable[str]) -> None:
    """Each note of a result on standard error, ``note: ...``."""
    for note in lines:
        errors.print(f"note: {note}", highlight=False)
