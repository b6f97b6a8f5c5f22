"""Errors that reach users: each names the file, row and column where it can.

Rows are counted as a spreadsheet or text editor shows them: the header is row 1,
the first data row is row 2.
"""
from __future__ import annotations


class WijkkompasError(Exception):
    """Base class for every error the project raises on purpose."""


class IngestError(WijkkompasError):
    """A file cannot be read into observations; nothing of it is loaded."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.file, self.row, self.column, self.reason = file, row, column, message
        where = [part for part in (
            file,
            f"row {row}" if row is not None else None,
            f"column {column!r}" if column is not None else None,
        ) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ConflictError(WijkkompasError):
    """Incoming figures disagree with figures already in the store."""

    def __init__(self, message: str, conflicts: "object") -> None:
        self.conflicts = conflicts
        super().__init__(message)


class CatalogError(WijkkompasError):
    """A catalog or mapping file is invalid."""


class UnknownAreaError(WijkkompasError):
    """An area code or name that the store does not know."""


class PlanError(WijkkompasError):
    """A plan (file or stored document) is invalid or cannot be saved; nothing is changed.

    ``file`` names the plan file (or the plan id when the plan came from the database),
    ``key`` the dotted path inside the document (``goals[2].target.year``).
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file, self.key, self.reason = file, key, message
        where = ", ".join(p for p in (file, f"key {key!r}" if key else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class StaleVersionError(PlanError):
    """An update was based on an older version of the plan than the stored one."""
