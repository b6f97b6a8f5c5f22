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

    def __init__(self, message: str, conflicts: object) -> None:
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
    ``nl`` is the reason in Dutch, for the web forms (the web app speaks Dutch first);
    ``reason`` and ``str(exc)`` stay English, as the CLI and the HTTP API say them.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 nl: str | None = None) -> None:
        self.file, self.key, self.reason, self.nl = file, key, message, nl
        super().__init__(self._located(message, "key"))

    def reason_in(self, language: str) -> str:
        """The reason in ``language`` (``nl`` or ``en``); English when there is no Dutch."""
        return self.nl if language == "nl" and self.nl else self.reason

    def message_in(self, language: str) -> str:
        """``str(exc)`` in ``language``: the plan (or file) and the key before the reason."""
        if language == "nl" and self.nl:
            return self._located(self.nl, "onderdeel")
        return str(self)

    def _located(self, reason: str, key_word: str) -> str:
        where = ", ".join(p for p in (self.file, f"{key_word} {self.key!r}" if self.key
                                      else None) if p)
        return f"{where}: {reason}" if where else reason


class StaleVersionError(PlanError):
    """An update was based on an older version of the plan than the stored one."""
