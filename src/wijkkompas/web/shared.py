"""Answers the workers of one server share: a public plan's page and document, made once
after a save and written as files beside the store, so that every worker sends them
without making them again (issue 18, :mod:`wijkkompas.web.answers`).

Each worker keeps its own answers in memory; a plan's answers go stale with every save,
and each worker used to make the new version's page again for its first visitor, who
waited for it behind the editors' work (in the load test a plan is saved every second
or two, and a third of the plan requests waited for a page being made). Now the worker
that saves makes them right after the save, as a visitor who is not logged in would be
sent them, and writes them here; a worker whose kept answer is stale reads the file.

Layout: ``<folder>/<plan>/<version>-<key>.answer`` (``<plan>`` and ``<key>`` hashed: a
plan id may hold dots, a key is a request's key, :func:`~wijkkompas.web.answers.request_key`),
one JSON line (status, headers, the store file's stamp the answer was made on) and the
body; written whole (a temporary file renamed into place), the plan's older versions
removed when a newer one is written. ``<plan>/saving-*``: a save on its way (made before
the save, removed after its answers were made), so that a worker that reads the new
version before its answers are written waits for them instead of making them too.

A file is used only for the version its reader's check read or a later one, made on the
store file the reader serves (the stamp), and never for a plan that is not public: the
same rules as a kept answer (:meth:`~wijkkompas.web.answers.Answers._valid`).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".answer"
SAVING = "saving-"
SAVING_STALE_S = 60.0  # a save's mark this old is of a worker that stopped: ignored


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


@dataclass(frozen=True)
class SharedAnswer:
    """A plan version's answer as a worker sent it: start message, body, and the store
    file's stamp it was made on."""

    version: int
    start: dict
    body: bytes
    stamp: int


class SharedAnswers:
    """The shared answers of one server (its store, plans database and wijkkompas
    version: :func:`~wijkkompas.web.views.shared_answers` names the folder by them).
    Every method takes a file that cannot be written or read as not there: a worker
    then makes the answer itself."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _plan(self, plan_id: str) -> Path:
        return self.folder / _digest(plan_id)

    def write(self, plan_id: str, version: int, key: tuple, start: dict, body: bytes,
              stamp: int) -> None:
        """Keep an answer of ``version`` (written whole), and drop the plan's older
        ones."""
        folder = self._plan(plan_id)
        path = folder / f"{version}-{_digest(repr(key))}{SUFFIX}"
        head = {"status": start["status"], "stamp": stamp,
                "headers": [[k.decode("latin-1"), v.decode("latin-1")]
                            for k, v in start.get("headers", [])]}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
            temporary.write_bytes(json.dumps(head).encode("ascii") + b"\n" + body)
            os.replace(temporary, path)
            for other in folder.glob(f"*{SUFFIX}"):
                if _version(other) < version:
                    with contextlib.suppress(OSError):
                        other.unlink()
        except OSError:
            return

    def read(self, plan_id: str, at_least: int, key: tuple,
             stamp: int | None) -> SharedAnswer | None:
        """The newest kept answer of ``key`` of version ``at_least`` or later, made on
        the store file's ``stamp``; None when there is none."""
        if stamp is None:
            return None
        found = sorted(((_version(p), p) for p in
                        self._plan(plan_id).glob(f"*-{_digest(repr(key))}{SUFFIX}")),
                       reverse=True)
        for version, path in found:
            if version < at_least:
                return None
            try:
                head, _, body = path.read_bytes().partition(b"\n")
                meta = json.loads(head)
            except (OSError, ValueError):
                continue  # replaced or removed this instant
            if meta.get("stamp") != stamp:
                continue
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["headers"]]
            return SharedAnswer(version, {"type": "http.response.start",
                                          "status": meta["status"], "headers": headers},
                                body, stamp)
        return None

    def begin_saving(self, plan_id: str) -> Path | None:
        """Mark a save of the plan as on its way (before it is made): workers that read
        its new version wait for its answers. The mark, for :meth:`end_saving`."""
        folder = self._plan(plan_id)
        mark = folder / f"{SAVING}{os.getpid()}-{uuid.uuid4().hex}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            mark.touch()
        except OSError:
            return None
        return mark

    @staticmethod
    def end_saving(mark: Path | None) -> None:
        if mark is not None:
            with contextlib.suppress(OSError):
                mark.unlink()

    def being_saved(self, plan_id: str) -> bool:
        """A save of the plan is on its way (its mark younger than
        :data:`SAVING_STALE_S`; older ones are removed)."""
        now = time.time()
        for mark in self._plan(plan_id).glob(f"{SAVING}*"):
            try:
                if now - mark.stat().st_mtime < SAVING_STALE_S:
                    return True
                mark.unlink()
            except OSError:
                continue
        return False


def _version(path: Path) -> int:
    try:
        return int(path.name.split("-", 1)[0])
    except ValueError:
        return -1
