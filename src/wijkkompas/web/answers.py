"""Whole answers kept for visitors who are not logged in (issue 18).

A statistics page or API answer is the same for every visitor who is not logged in and
asks the same address in the same way, as long as the store's data are the same; a
public plan's page and document as long as the plan keeps its version. Each worker
keeps the bytes it sent for such a request (:class:`Answers`, the outermost layer of the
app) and sends them again, without routing, rendering, JSON, gzip or middleware, until
what the answer was made of changes.

What an answer is kept under (:func:`request_key`): the scheme, host, path and query
string, the ``lang`` cookie, whether the client takes gzip, and the HTMX headers the
pages read (``HX-Request``, ``HX-History-Restore-Request``). Never kept: a request with a session
cookie (a logged-in user, or a visitor who was given a CSRF token), an ``Authorization``
header or a conditional or partial request (``If-None-Match``, ``If-Modified-Since``,
``Range``); an answer that is not a 200, that sets a cookie, or that its route did not
declare shareable with :func:`share` (a route reading anything else of the request, such
as the search's ``Referer``, does not declare it).

When a kept answer is sent again (:meth:`Answers._valid`):

- it was made on the data generation the worker serves now
  (:attr:`~wijkkompas.web.state.WebData.generation`, moved on by ``check_fresh`` when the
  store file changes or its results are built, the same look every request makes);
- for a plan: the plan's current version and visibility, read from the plans database
  for every such request (one indexed row, :class:`PlanChecks`), are the version the
  answer showed and ``public`` (a visitor who is not logged in sees public plans only);
  the plans asked about meanwhile are read together, one query at a time.
  The version is the one the route read *before* it read the plan, so an answer is never
  kept under a version newer than what it shows; a save in another worker is seen by the
  next request.

One answer made at a time: a request whose answer is being made for another request
with the same key (the first visitor of a page after a start, or of a plan's page after
a save) waits for it and is sent it when it is valid for this request, by the checks
above made after this request arrived; else it is made again for this request.

Made once for every worker after a save: a route that saves a plan declares it first
(:func:`saving`); once the save's answer is sent, this worker makes the plan's page and
document (``plan_paths``) as a visitor who is not logged in asks them, and writes them
where every worker of the server reads them (:mod:`~wijkkompas.web.shared`). A request
whose kept answer is stale is sent the shared one of the version its check read (or a
later one), and while a save of that plan is on its way, it waits for it (up to
:data:`SHARED_WAIT_S`) instead of making it; a page made for a visitor is shared too.

Memory: at most ``$WIJKKOMPAS_ANSWER_CACHE_MB`` (default 64) per worker, least recently
used first out; an answer larger than an eighth of it is not kept; 0 turns keeping off.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from ..settings import settings
from .auth import CHECKED, COOKIE
from .shared import SharedAnswers

log = logging.getLogger("wijkkompas.web")

SHARE = "wk_share"  # the scope key a route's declaration is kept under
SAVES = "wk_saves"  # the plans a request declared it saves, with their marks
SAVED = (200, 201, 303)  # a save's answer when it succeeded (API, form redirect)
SHARED_WAIT_S = 2.0  # how long a request waits for the answers of a save on its way
SHARED_POLL_S = 0.01
VARY_ON = (b"host", b"hx-request", b"hx-history-restore-request")
NEVER_WITH = (b"authorization", b"if-none-match", b"if-modified-since", b"range")


def share(request: Request, plan: tuple[str, int] | None = None) -> None:
    """Declare the answer of this request the same for every visitor who is not logged
    in and asks in the same way (:func:`request_key`), while the data stay the same and,
    with ``plan`` = (id, version), while that plan keeps that version. ``version`` must
    be read before the plan itself. The routes that read nothing but the store declare
    it with :data:`SHARED`."""
    request.scope[SHARE] = plan


async def shareable(request: Request) -> None:
    """:func:`share` as a route's dependency (async: a sync one costs a thread hop)."""
    share(request)


SHARED = (Depends(shareable),)  # ``@router.get(..., dependencies=SHARED)``


def request_key(scope) -> tuple | None:
    """What a kept answer of this request is found under; None when it must not be."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    picked: dict[bytes, bytes] = {}
    language = gzip = b""
    for name, value in scope["headers"]:
        if name in NEVER_WITH:
            return None
        if name == b"cookie":
            for part in value.split(b";"):
                key, _, token = part.strip().partition(b"=")
                if key == COOKIE.encode():
                    return None
                if key == b"lang":
                    language = token
        elif name == b"accept-encoding":
            gzip = b"1" if b"gzip" in value else b""
        elif name in VARY_ON:
            picked[name] = value
    return (scope.get("scheme"), scope["path"], scope["query_string"], language, gzip,
            *(picked.get(name, b"") for name in VARY_ON))


@dataclass(frozen=True)
class Answer:
    """What was sent: the start message (status, headers) and the whole body, with what
    it was made of."""

    start: dict
    body: bytes
    generation: int
    plan: tuple[str, int] | None


class Kept:
    """Answers by request key, least recently used out beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._items: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, answer: Answer) -> None:
        if len(answer.body) > self.limit // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._items[key] = answer
            self.size += len(answer.body)
            while self.size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._items)


class PlanChecks:
    """Plans' (version, visibility) read for the kept answers of their pages.

    One read at a time, of every plan asked about: requests that arrive while a read is
    on its way wait for the next one, which starts when it ends and reads the plans they
    all ask about in one query. So every request is answered by a read that began after
    it arrived, and however many visitors ask for however many plans, the database sees
    one small query at a time from this worker: on a busy machine each round trip waits
    its turn for the database, and one read per plan queued behind the others (the load
    test's ten plans on two threads) made kept plan pages wait seconds
    (docs/performance.md). On a thread of its own, not the app's thread pool, where the
    reads queued behind the editors' loads, checks and saves."""

    def __init__(self, read: Callable[[Any, Iterable[str]], dict[str, Any]]) -> None:
        self._read = read
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="wijkkompas-plan-check")
        self._next: tuple[set[str], asyncio.Future] | None = None  # joined, not begun
        self._running = False

    async def state(self, data, plan_id: str):
        if self._next is None:
            self._next = (set(), asyncio.get_running_loop().create_future())
        asked, states = self._next
        asked.add(plan_id)
        if not self._running:
            self._begin(data)
        return (await asyncio.shield(states)).get(plan_id)

    def _begin(self, data) -> None:
        assert self._next is not None
        asked, waiting = self._next
        self._next, self._running = None, True
        reading = asyncio.get_running_loop().run_in_executor(self._pool, self._read, data,
                                                             sorted(asked))

        def done(read: asyncio.Future) -> None:
            self._running = False
            if read.exception() is not None:
                waiting.set_exception(read.exception())  # type: ignore[arg-type]
            else:
                waiting.set_result(read.result())
            if self._next is not None:
                self._begin(data)

        reading.add_done_callback(done)


class Answers:
    """Pure ASGI middleware: a kept answer sent again while it is valid, else the app's
    answer, kept when its route declared it shareable (the module docstring says
    when)."""

    def __init__(self, app, data_of: Callable[[], Any],
                 plan_states: Callable[[Any, Iterable[str]], dict[str, Any]],
                 limit_mb: float | None = None,
                 shared_of: Callable[[Any], SharedAnswers | None] | None = None,
                 plan_paths: tuple[str, ...] = ()) -> None:
        self.app, self.data_of = app, data_of
        self.checks = PlanChecks(plan_states)
        mb = settings().answer_cache_mb if limit_mb is None else limit_mb
        self.kept = Kept(int(mb * 1024 * 1024))
        self._making: dict[tuple, asyncio.Event] = {}  # answers on their way, by key
        self._shared_of = shared_of or (lambda data: None)
        self.plan_paths = plan_paths  # a public plan's pages made after a save: "/x/{}"

    async def __call__(self, scope, receive, send):
        key = request_key(scope) if self.kept.limit else None
        if key is None:
            if scope["type"] != "http" or scope["method"] == "GET" or not self.kept.limit:
                return await self.app(scope, receive, send)
            return await self._changing(scope, receive, send)
        data = self.data_of()
        data.check_fresh()
        generation, stamp = data.generation, data.stamp
        if await self._sent_kept(scope, key, data, generation, send):
            return
        if await self._sent_shared(scope, key, data, generation, send):
            return
        making = self._making.get(key)
        if making is not None:
            await making.wait()
            if await self._sent_kept(scope, key, data, generation, send):
                return
        await self._make(scope, receive, send, key, generation, stamp)

    async def _make(self, scope, receive, send, key: tuple, generation: int,
                    stamp: int | None) -> None:
        made = asyncio.Event()
        mine = self._making.setdefault(key, made) is made
        try:
            await self.app(scope, receive,
                           self._keeping(scope, send, key, generation, stamp))
        finally:
            if mine:
                del self._making[key]
                made.set()

    def shared_of(self, data) -> SharedAnswers | None:
        try:
            return self._shared_of(data)
        except Exception:  # the plans database unreachable: the route answers, with its error
            return None

    async def _changing(self, scope, receive, send) -> None:
        """A request that may save a plan (not a GET): a route that saves one declares
        it first (:func:`saving`); once its answer is sent and the save succeeded, the
        plan's pages are made for the visitors who are not logged in
        (:meth:`_make_plan_pages`), and the save's mark is removed."""
        marks: list[tuple[str, Any]] = []
        data = self.data_of()
        scope[SAVES] = (lambda: self.shared_of(data), marks)  # asked by a save only
        status = 0

        async def watched(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
            if marks and status in SAVED:
                await self._make_plan_pages(scope, marks[0][0])
        finally:
            for _, mark in marks:
                SharedAnswers.end_saving(mark)

    async def _make_plan_pages(self, scope, plan_id: str) -> None:
        """A saved plan's pages (:attr:`plan_paths`) made as a visitor who is not logged
        in asks them (in Dutch, gzip), kept here and shared with the other workers."""
        data = self.data_of()
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        for pattern in self.plan_paths:
            path = pattern.format(plan_id)
            asked = {"type": "http", "asgi": scope.get("asgi", {"version": "3.0"}),
                     "http_version": scope.get("http_version", "1.1"), "method": "GET",
                     "scheme": scope.get("scheme", "http"), "path": path,
                     "raw_path": path.encode(), "query_string": b"",
                     "root_path": scope.get("root_path", ""),
                     "headers": [(b"host", host), (b"accept-encoding", b"gzip")],
                     "client": scope.get("client"), "server": scope.get("server")}
            if "app" in scope:  # set by Starlette
                asked["app"] = scope["app"]
            if "state" in scope:  # the lifespan's, copied per request by the server
                asked["state"] = dict(scope["state"])
            key = request_key(asked)
            assert key is not None
            try:
                await self._make(asked, _no_body, _unsent, key, data.generation,
                                 data.stamp)
            except Exception:  # the save's answer was sent: visitors make the page
                log.warning("making %s after a save failed", path, exc_info=True)

    async def _sent_kept(self, scope, key: tuple, data, generation: int, send) -> bool:
        found = self.kept.get(key)
        if found is None or not await self._valid(scope, found, data, generation):
            return False
        await send(found.start)
        await send({"type": "http.response.body", "body": found.body})
        return True

    async def _valid(self, scope, answer: Answer, data, generation: int) -> bool:
        if answer.generation != generation:
            return False
        if answer.plan is None:
            return True
        plan_id, version = answer.plan
        try:
            state = await self.checks.state(data, plan_id)
        except Exception:  # the database unreachable: the route answers, with its error
            return False
        if state is not None:  # read after this request arrived: the route may use it
            scope[CHECKED] = (plan_id, state)  # (auth.require_plan)
        return state == (version, "public")

    async def _sent_shared(self, scope, key: tuple, data, generation: int, send) -> bool:
        """The answer another worker (or this one) made of the plan version this
        request's check read, or of a later one (:mod:`~wijkkompas.web.shared`); while
        a save of the plan is on its way, its answers are waited for, up to
        :data:`SHARED_WAIT_S`."""
        checked = scope.get(CHECKED)
        if checked is None:  # not a plan's, or no kept answer to say which
            return False
        shared = self.shared_of(data)
        if shared is None:
            return False
        plan_id, state = checked
        version, visibility = state
        if visibility != "public":
            return False
        found = shared.read(plan_id, version, key, data.stamp)
        deadline = time.monotonic() + SHARED_WAIT_S
        while found is None and time.monotonic() < deadline and shared.being_saved(plan_id):
            await asyncio.sleep(SHARED_POLL_S)
            found = shared.read(plan_id, version, key, data.stamp)
        if found is None:
            return False
        self.kept.put(key, Answer(found.start, found.body, generation,
                                  (plan_id, found.version)))
        await send(found.start)
        await send({"type": "http.response.body", "body": found.body})
        return True

    def _keeping(self, scope, send, key: tuple, generation: int, stamp: int | None):
        start: dict = {}
        parts: list[bytes] = []

        async def send_and_keep(message):
            await send(message)
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body" or start.get("status") != 200:
                return
            parts.append(message.get("body", b""))
            if message.get("more_body") or SHARE not in scope:
                return
            if any(name.lower() == b"set-cookie" for name, _ in start.get("headers", [])):
                return
            answer = Answer({**start, "headers": list(start.get("headers", []))},
                            b"".join(parts), generation, scope[SHARE])
            self.kept.put(key, answer)
            if answer.plan is not None and stamp is not None:
                shared = self.shared_of(self.data_of())
                if shared is not None:
                    shared.write(*answer.plan, key, answer.start, answer.body, stamp)

        return send_and_keep


def saving(request: Request, plan_id: str) -> None:
    """Declare that this request is about to save the plan (before it saves): the other
    workers wait for the new version's answers instead of making them, and once the
    save succeeded this worker makes them (:meth:`Answers._changing`)."""
    if SAVES not in request.scope:  # the app without Answers, or keeping off
        return
    shared_of, marks = request.scope[SAVES]
    shared = shared_of()
    marks.append((plan_id, shared.begin_saving(plan_id) if shared is not None else None))


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


async def _unsent(message) -> None:
    """Where the answers made after a save go besides being kept: nobody asked them."""
