"""Errors that reach users: each names the file, row and column where it can.

Rows are counted as a spreadsheet or text editor shows them: the header is row 1,
the first data row is row 2.
"""
from __future__ import annotations

from collections.abc import Sequence


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


class SettingsError(WijkkompasError):
    """An environment variable holds a value wijkkompas cannot use (settings.py)."""


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
    A document with several problems raises one PlanError: the first problem's key and
    reason, the others in ``more`` (each a PlanError); :attr:`errors` lists them all.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 nl: str | None = None, more: Sequence[PlanError] = ()) -> None:
        self.file, self.key, self.reason, self.nl = file, key, message, nl
        self.more = list(more)
        super().__init__(self.message_in("en"))

    @property
    def errors(self) -> list[PlanError]:
        """Every problem, each a PlanError of its own (the first without ``more``)."""
        if not self.more:
            return [self]
        return [PlanError(self.reason, file=self.file, key=self.key, nl=self.nl), *self.more]

    def reason_in(self, language: str) -> str:
        """The reason in ``language`` (``nl`` or ``en``); English when there is no Dutch."""
        return self.nl if language == "nl" and self.nl else self.reason

    def message_in(self, language: str) -> str:
        """``str(exc)`` in ``language``: the plan (or file) and the key before the reason;
        several problems one a line under the plan."""
        if not self.more:
            return self._located(language, self.file)
        head = f"{len(self.errors)} {'fouten' if language == 'nl' else 'errors'}"
        return (f"{self.file}: {head}" if self.file else head) + "".join(
            f"\n  {e._located(language, None)}" for e in self.errors)

    def _located(self, language: str, file: str | None) -> str:
        # an error without a Dutch reason is said in English, key word and all
        dutch = language == "nl" and bool(self.nl)
        where = ", ".join(p for p in (file, f"{'onderdeel' if dutch else 'key'} {self.key!r}"
                                      if self.key else None) if p)
        reason = self.reason_in(language)
        return f"{where}: {reason}" if where else reason


class StaleVersionError(PlanError):
    """An update was based on an older version of the plan than the stored one;
    ``current_version`` is the stored one when it was read (None: not known)."""

    def __init__(self, message: str, *, current_version: int | None = None, **kwargs) -> None:
        self.current_version = current_version
        super().__init__(message, **kwargs)
