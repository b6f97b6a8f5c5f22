"""The answers the workers of one server share (web/shared.py, issue 18)."""
from __future__ import annotations

import asyncio
import os
import time

from fastapi.testclient import TestClient

from wijkkompas.web import answers
from wijkkompas.web.answers import Answer, Answers
from wijkkompas.web.shared import SAVING_STALE_S, SharedAnswers

KEY = ("http", "/plannen/p.1", b"", b"", b"1", b"testserver", b"", b"")
START = {"type": "http.response.start", "status": 200,
         "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"x-\xe9", b"\xff")]}


def test_an_answer_is_read_back_as_it_was_written(tmp_path):
    shared = SharedAnswers(tmp_path)
    shared.write("p.1", 3, KEY, START, b"<p>versie 3</p>\n", stamp=7)
    found = shared.read("p.1", 3, KEY, stamp=7)
    assert found is not None and found.version == 3 and found.body == b"<p>versie 3</p>\n"
    assert found.start == START  # headers and all, latin-1 bytes too
    assert shared.read("p.1", 3, KEY, stamp=8) is None  # made on other data
    assert shared.read("p.1", 3, KEY, stamp=None) is None
    assert shared.read("p.1", 4, KEY, stamp=7) is None  # older than what was checked
    assert shared.read("p.2", 3, KEY, stamp=7) is None
    assert shared.read("p.1", 3, (*KEY[:2], b"lang=en", *KEY[3:]), stamp=7) is None


def test_a_newer_version_replaces_the_older_ones(tmp_path):
    shared = SharedAnswers(tmp_path)
    other = (*KEY[:1], "/api/plans/p.1", *KEY[2:])
    shared.write("p.1", 3, KEY, START, b"3", stamp=7)
    shared.write("p.1", 3, other, START, b"3 api", stamp=7)
    shared.write("p.1", 5, KEY, START, b"5", stamp=7)
    assert shared.read("p.1", 3, KEY, stamp=7).body == b"5"  # a later one will do
    assert shared.read("p.1", 3, other, stamp=7) is None  # removed with version 3
    assert len(list(tmp_path.rglob("*.answer"))) == 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_save_on_its_way_is_marked_until_it_ends(tmp_path):
    shared = SharedAnswers(tmp_path)
    assert not shared.being_saved("p.1")
    first, second = shared.begin_saving("p.1"), shared.begin_saving("p.1")
    assert shared.being_saved("p.1") and not shared.being_saved("p.2")
    shared.end_saving(first)
    assert shared.being_saved("p.1")
    shared.end_saving(second)
    assert not shared.being_saved("p.1")
    stale = shared.begin_saving("p.1")  # of a worker that stopped
    old = time.time() - SAVING_STALE_S - 1
    os.utime(stale, (old, old))
    assert not shared.being_saved("p.1") and not stale.exists()


def test_a_folder_that_cannot_be_written_shares_nothing(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    shared = SharedAnswers(blocked / "answers")
    shared.write("p.1", 1, KEY, START, b"x", stamp=1)
    assert shared.read("p.1", 1, KEY, stamp=1) is None
    assert shared.begin_saving("p.1") is None and not shared.being_saved("p.1")
    shared.end_saving(None)


class Data:
    generation, stamp = 0, 7

    def check_fresh(self) -> None:
        pass


def test_a_visitor_who_asks_while_a_save_is_on_its_way_waits_for_its_answers(tmp_path):
    """The visitor's check reads version 2; its answers are not written yet, but the
    save's mark says they are coming: the visitor is sent them, not a page made again."""
    shared = SharedAnswers(tmp_path)
    made: list = []

    async def app(scope, receive, send):
        made.append(scope["path"])
        await send({**START})
        await send({"type": "http.response.body", "body": b"gemaakt"})

    middleware = Answers(app, Data, lambda _data, ids: {i: (2, "public") for i in ids},
                         limit_mb=1, shared_of=lambda data: shared)
    middleware.kept.put(KEY, Answer(START, b"versie 1", 0, ("p.1", 1)))
    scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/plannen/p.1",
             "query_string": b"", "headers": [(b"host", b"testserver"),
                                              (b"accept-encoding", b"gzip")]}
    assert answers.request_key(scope) == KEY
    mark = shared.begin_saving("p.1")
    sent: list[bytes] = []

    async def send(message):
        if message["type"] == "http.response.body":
            sent.append(message["body"])

    async def saver():
        await asyncio.sleep(0.2)
        shared.write("p.1", 2, KEY, START, b"versie 2", stamp=7)
        shared.end_saving(mark)

    async def both():
        await asyncio.gather(middleware(dict(scope), None, send), saver())

    asyncio.run(both())
    assert sent == [b"versie 2"] and made == []
    sent.clear()
    asyncio.run(middleware(dict(scope), None, send))  # now kept in this worker
    assert sent == [b"versie 2"] and made == []


def test_the_threads_of_a_worker_are_the_setting(demo_store, monkeypatch):
    import anyio.to_thread

    from wijkkompas.web import create_app

    monkeypatch.setenv("WIJKKOMPAS_WEB_THREADS", "3")
    with TestClient(create_app(demo_store.directory)) as client:
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
