"""Fetching a preset's items (:mod:`wijkkompas.sources.presets`): resumable, retried, one
table at a time, each ingested whole or not at all.

For every :class:`~wijkkompas.sources.presets.Item`:

- a **table**: its ``Modified`` date is asked afresh (``TableInfos``; the v4
  ``Properties`` where v3 does not know the table). When the state file says the same
  date and filter were fetched before and the CSV is still there, nothing else is asked.
  Otherwise the table is downloaded (every page cached under a folder of its own for
  this ``Modified`` date, so an interrupted run resumes and a changed table is fetched
  anew) into ``<dest>/<item key>/``;
- a **boundary layer**: fetched from PDOK unless the state file and the GeoJSON show it
  was fetched before (a past year's boundaries do not change).

A table with ``months: sum`` (registered crime, 47022NED) is then turned into whole
years (:func:`wijkkompas.sources.months.to_years`: ``<TABLE>.jaar.csv`` beside the
monthly file, which is kept; complete years only), and the annual file is what is
ingested; the outcome's message says per year how many areas were summed and which had
no complete year. A table with ``totals: true`` is asked for the total of its other
dimensions only (the youth care tables' forms of care).

Then the file is ingested by itself (:func:`wijkkompas.ingest.ingest`, one transaction)
unless the state file says this very file (its sha256) is already in this store. A
table whose download or ingest fails gets one line in words in its :class:`Outcome` and
the run goes on with the next item; a table is only ingested after all its pages have
arrived. The state (``<dest>/fetch-state.json``) is written atomically after each item.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from ..errors import WijkkompasError
from . import months, odata, odata4, pdok
from .base import file_sha256
from .presets import Item
from .retry import Retry

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..store import IngestReport, Store

STATE_FILE = "fetch-state.json"


@dataclass
class Outcome:
    item: Item
    status: Literal["fetched", "unchanged", "failed"]
    path: Path | None = None
    message: str = ""
    ingested: bool = False
    report: IngestReport | None = None  # when the file was ingested


@dataclass
class Hooks:
    """What the caller (the CLI's progress bars) hears about."""

    start: Callable[[Item], None] = lambda item: None
    progress: Callable[[Item, int, int | None], None] = lambda item, done, total: None
    done: Callable[[Outcome], None] = lambda outcome: None


@dataclass
class Runner:
    dest: Path
    store: Store | None = None           # None: download only
    cache_dir: Path | None = None
    client: httpx.Client | None = None
    retry: Retry = field(default_factory=Retry)
    catalog: Catalog | None = None
    on_conflict: str = "replace"
    hooks: Hooks = field(default_factory=Hooks)

    def run(self, items: list[Item]) -> list[Outcome]:
        state = self._read_state()
        outcomes = []
        for item in items:
            self.hooks.start(item)
            try:
                outcome = self._one(item, state)
            except WijkkompasError as exc:
                outcome = Outcome(item, "failed", message=_one_line(str(exc)))
            except (OSError, ValueError) as exc:  # a disk or data problem of this item only
                outcome = Outcome(item, "failed",
                                  message=_one_line(f"{type(exc).__name__}: {exc}"))
            self._write_state(state)
            outcomes.append(outcome)
            self.hooks.done(outcome)
        return outcomes

    # -- one item ------------------------------------------------------------------------
    def _one(self, item: Item, state: dict) -> Outcome:
        folder = self.dest / item.key
        entry = state.get(item.key, {})
        if item.kind == "table":
            modified = self._modified(item)
            path = folder / f"{item.table}.csv"
            same = (entry.get("modified") == modified and entry.get("filter") == item.filter
                    and bool(entry.get("totals")) == item.totals
                    and path.is_file() and (folder / f"{item.table}.metadata.json").is_file())
            status: Literal["fetched", "unchanged"] = "unchanged" if same else "fetched"
            if not same:
                path = self._download_table(item, folder, modified)
                entry = {"modified": modified, "filter": item.filter, "totals": item.totals}
        else:
            path = folder / f"{item.level}_{item.year}.geojson"
            same = bool(entry.get("fetched")) and path.is_file()
            status = "unchanged" if same else "fetched"
            if not same:
                path = self._download_layer(item, folder)
                entry = {"fetched": True}
        message = ""
        if item.kind == "table" and item.months:
            # the monthly file stays; the whole years beside it are what is ingested
            path, summary = months.to_years(path, item.months)
            message = summary.sentence()
        entry["file"] = str(path)
        entry["sha256"] = file_sha256(path)
        state[item.key] = entry
        outcome = Outcome(item, status, path, message=message)
        if self.store is not None:
            self._ingest(item, path, entry, outcome)
        return outcome

    def _modified(self, item: Item) -> str:
        base = item.base_url or odata.BASE_URL
        try:
            return str(odata.table_info(item.table, self.client, base_url=base,
                                        retry=self.retry).get("Modified", ""))
        except odata.ODataError as exc:
            if exc.status != 404:
                raise
            return "v4:" + odata4.modified(item.table, self.client, retry=self.retry)

    def _download_table(self, item: Item, folder: Path, modified: str) -> Path:
        namespace = hashlib.sha256(f"{item.table}|{modified}|{item.base_url}".encode()
                                   ).hexdigest()[:16]
        return odata.fetch(
            item.table, folder, self.cache_dir, self.client,
            base_url=item.base_url or odata.BASE_URL, retry=self.retry,
            row_filter=item.filter or None, vintage=item.vintage,
            namespace=f"{item.table}/{namespace}", totals=item.totals,
            progress=lambda done, total: self.hooks.progress(item, done, total))

    def _download_layer(self, item: Item, folder: Path) -> Path:
        where = dict(item.where) or None

        def progress(done: int, total: int | None) -> None:
            self.hooks.progress(item, done, total)

        if item.protocol == "wfs":
            return pdok.fetch_wfs_layer(item.url, item.collection, folder, level=item.level,
                                        year=item.year, cache_dir=self.cache_dir,
                                        client=self.client, retry=self.retry, where=where,
                                        progress=progress)
        return pdok.fetch_layer(item.url, item.collection, folder, level=item.level,
                                year=item.year, cache_dir=self.cache_dir, client=self.client,
                                retry=self.retry, where=where, crs=item.crs or None,
                                progress=progress)

    def _ingest(self, item: Item, path: Path, entry: dict, outcome: Outcome) -> None:
        from ..ingest import ingest

        assert self.store is not None
        where = str(self.store.path)
        ingested = entry.setdefault("ingested", {})
        if ingested.get(where) == entry["sha256"] and self.store.path.is_file():
            return  # this very file is in this store already
        options: dict[str, Any] = {"vintage": item.vintage}
        if item.kind == "table":
            # a table without a Perioden column (the Kerncijfers) holds its item's year
            options["period"] = str(item.year)
        else:
            options["source_id"] = f"pdok-{item.level}-{item.year}" + (
                f"-{item.where[0][1]}" if item.where else "")
        outcome.report = ingest([path], self.store, catalog=self.catalog,
                                on_conflict=self.on_conflict, **options)
        outcome.ingested = True
        ingested[where] = entry["sha256"]

    # -- state ---------------------------------------------------------------------------
    def _read_state(self) -> dict:
        path = self.dest / STATE_FILE
        if not path.is_file():
            return {}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return {}  # a damaged state file: everything is checked again
        return state if isinstance(state, dict) else {}

    def _write_state(self, state: dict) -> None:
        self.dest.mkdir(parents=True, exist_ok=True)
        path = self.dest / STATE_FILE
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status == "failed"]


__all__ = ["Runner", "Outcome", "Hooks", "failed", "STATE_FILE"]
