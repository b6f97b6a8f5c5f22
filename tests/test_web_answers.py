"""Whole answers kept for visitors who are not logged in (web/answers.py): sent again as
they were, never for a logged-in user, a cookie being set or a route that did not declare
it, and never after the data or the plan changed (another process's ingest or save)."""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from test_accounts_web import client_for
from test_web_plan_api import writer

from wijkkompas.web import answers, views
from wijkkompas.web.answers import Answer, Kept, PlanChecks, request_key

PROFILE = "/api/areas/GM0518"


def kept(app) -> Kept:
    TestClient(app).get("/over")  # the middleware stack is built on the first request
    return app.middleware_stack.kept


def counting(monkeypatch, name: str) -> list:
    """Count the calls of ``views.<name>`` (the routes call it through the module)."""
    calls: list = []
    real = getattr(views, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, name, wrapper)
    return calls


def test_a_statistics_page_is_sent_again_as_it_was(site, monkeypatch):
    app = site[0]
    calls = counting(monkeypatch, "rankings")
    anonymous = TestClient(app)
    first = anonymous.get("/ranglijst?level=wijk&page=3")
    second = TestClient(app).get("/ranglijst?level=wijk&page=3")
    assert first.status_code == second.status_code == 200
    assert len(calls) == 1  # the second visitor got the kept bytes: no route ran
    assert second.content == first.content and second.headers == first.headers
    assert "content-security-policy" in second.headers  # headers and all, as first sent
    assert second.headers["vary"] == first.headers["vary"]


def test_how_a_request_is_asked_keeps_answers_apart(site):
    app = site[0]
    client = TestClient(app)
    page = client.get("/")
    fragment = client.get("/", headers={"HX-Request": "true"})
    assert "<html" in page.text and "<html" not in fragment.text
    english = TestClient(app, cookies={"lang": "en"}).get("/")
    assert 'lang="en"' in english.text and 'lang="nl"' in page.text
    plain = client.get(PROFILE, headers={"Accept-Encoding": "identity"})
    zipped = client.get(PROFILE)  # TestClient takes gzip
    assert plain.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip" and plain.content == zipped.content
    again = client.get("/", headers={"HX-Request": "true"})
    assert again.content == fragment.content


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer x"}, {"If-None-Match": '"x"'},
                                     {"Range": "bytes=0-10"}, {"Cookie": "wk_session=abc"}])
def test_requests_that_may_differ_are_never_answered_from_what_was_kept(headers):
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    assert request_key(scope) is None
    assert request_key({**scope, "headers": []}) is not None
    assert request_key({**scope, "headers": [], "method": "POST"}) is None


def test_not_kept_for_a_logged_in_user_a_set_cookie_an_error_or_an_undeclared_route(
        site, monkeypatch):
    app, private, public = site
    keep = kept(app)
    size = len(keep)
    editor = client_for(site, "editor")
    assert editor.get(f"/plannen/{private}").status_code == 200  # private: a role shows it
    assert editor.get("/signalen?level=buurt").status_code == 200
    assert TestClient(app).get("/gebied/BU99999999").status_code == 404
    english = TestClient(app).get("/vergelijk?lang=en")
    assert "set-cookie" in english.headers  # the language remembered: not kept
    assert TestClient(app).get("/plannen").status_code == 200  # depends on every plan
    assert TestClient(app).get("/zoek?q=Moerwijk").status_code == 200  # reads Referer
    assert len(keep) == size
    calls = counting(monkeypatch, "plans_list")
    TestClient(app).get("/plannen")
    assert len(calls) == 1


def test_a_plan_saved_elsewhere_is_shown_at_the_next_request(site, catalog):
    """The plans database is shared by the workers: a version saved by another process
    (here: the plans store itself, not this app) is seen by the next visitor."""
    from wijkkompas.plans import PlanStore
    from wijkkompas.plans.accounts import Accounts

    app, _, public = site
    anonymous = TestClient(app)
    before = anonymous.get(f"/api/plans/{public}").json()["plan"]
    page = anonymous.get(f"/plannen/{public}")
    assert anonymous.get(f"/plannen/{public}").content == page.content  # kept
    database = PlanStore(views.plan_store(app.state.data).url, catalog=catalog)
    plan = database.get(public)
    saved = database.save(replace(plan, title="Een nieuwe titel"), author="elders")
    now = anonymous.get(f"/api/plans/{public}").json()["plan"]
    assert now["version"] == saved.version == before["version"] + 1
    assert now["title"] == "Een nieuwe titel"
    assert "Een nieuwe titel" in anonymous.get(f"/plannen/{public}").text
    progress = anonymous.get(f"/api/plans/{public}/progress")
    assert progress.status_code == 200
    accounts = Accounts(database)
    accounts.set_visibility(public, "private")
    try:
        for path in (f"/plannen/{public}", f"/api/plans/{public}",
                     f"/api/plans/{public}/progress"):
            assert anonymous.get(path).status_code == 404, path
    finally:
        accounts.set_visibility(public, "public")
    assert anonymous.get(f"/plannen/{public}").status_code == 200


def test_a_plan_made_again_uses_the_state_its_check_just_read(site, catalog, monkeypatch):
    """A kept plan answer found stale: the route makes it again from the version and
    visibility that check read (after the request arrived), without reading them again."""
    from wijkkompas.plans import PlanStore
    from wijkkompas.web.auth import accounts_for

    app, _, public = site
    anonymous = TestClient(app)
    for path in (f"/plannen/{public}", f"/api/plans/{public}"):
        assert anonymous.get(path).status_code == 200
    accounts = accounts_for(app.state.data)
    asked: list = []
    real = accounts.access
    monkeypatch.setattr(accounts, "access", lambda *a, **k: asked.append(a) or real(*a, **k))
    database = PlanStore(views.plan_store(app.state.data).url, catalog=catalog)
    saved = database.save(replace(database.get(public), title="Weer een titel"),
                          author="elders")
    assert "Weer een titel" in anonymous.get(f"/plannen/{public}").text
    assert anonymous.get(f"/api/plans/{public}").json()["plan"]["version"] == saved.version
    assert asked == []  # the checks' reads served the routes
    assert anonymous.get(f"/plannen/{public}?andere=1").status_code == 200  # not kept
    assert len(asked) == 1


def test_a_plan_saved_through_this_app_is_shown_at_once(site):
    app, private, public = site
    admin = writer(site, "admin")
    anonymous = TestClient(app)
    document = anonymous.get(f"/api/plans/{public}").json()["plan"]
    document["vision"] = "Een visie van zojuist"
    assert admin.put(f"/api/plans/{public}", json=document).status_code == 200
    assert anonymous.get(f"/api/plans/{public}").json()["plan"]["vision"] == \
        "Een visie van zojuist"


def test_new_data_are_never_answered_with_what_was_kept(tmp_path, monkeypatch):
    """Figures ingested into the store (here by this process, as `ingest` would in
    another) make the next request after the app's look at the store (at most one a
    second) compute its answer again: the same bytes as an app started on the new data."""
    from test_store import result

    from wijkkompas.store import Store
    from wijkkompas.web import create_app

    def health(period: str):
        read = result(period=period)
        read.observations["indicator"] = "ervaren_gezondheid_goed"  # in the catalog
        return read

    def shown(response) -> dict:
        return next(i for i in response.json()["indicators"]
                    if i["id"] == "ervaren_gezondheid_goed")

    monkeypatch.setenv("WIJKKOMPAS_PLANS_DB", str(tmp_path / "plans.sqlite"))
    store = Store(tmp_path / "store")
    store.ingest([health("2012")])
    app = create_app(store.directory, secret="test-secret")
    client = TestClient(app)
    old = client.get("/api/indicators")
    assert client.get("/api/indicators").content == old.content  # kept
    store.ingest([health("2016")])
    time.sleep(1.05)  # past the app's once-a-second look at the store file
    new = client.get("/api/indicators")
    assert (shown(old)["last_year"], shown(new)["last_year"]) == (2012, 2016)
    fresh = TestClient(create_app(store.directory, secret="test-secret"))
    assert new.content == fresh.get("/api/indicators").content


def test_what_is_kept_stays_within_its_memory():
    keep = Kept(limit=800)
    for i in range(20):
        keep.put((i,), Answer({}, b"x" * 100, 0, None))
    assert keep.size <= 800 and len(keep) == 8
    assert keep.get((0,)) is None and keep.get((19,)) is not None  # the oldest went first
    keep.put(("big",), Answer({}, b"x" * 101, 0, None))  # more than an eighth: not kept
    assert keep.get(("big",)) is None


def test_keeping_answers_can_be_turned_off(site, monkeypatch):
    from wijkkompas.web import create_app

    monkeypatch.setenv("WIJKKOMPAS_ANSWER_CACHE_MB", "0")
    app = create_app(site[0].state.data.store.directory, secret="test-secret")
    calls = counting(monkeypatch, "about")
    client = TestClient(app)
    assert client.get("/over").status_code == client.get("/over").status_code == 200
    assert len(calls) == 2 and len(app.middleware_stack.kept) == 0
    assert answers.settings().answer_cache_mb == 0


def test_plan_checks_read_one_at_a_time_each_begun_after_its_request():
    """Requests arriving while a read is on its way share the next read, of every plan
    they ask about, which begins after the first ended: never a state read before the
    request arrived, never more than one read at a time."""
    reads: list[tuple[float, float, list[str]]] = []
    gate = threading.Event()

    def read(_data, plan_ids):
        began = time.monotonic()
        gate.wait(10)  # the first read is held until the others have arrived
        reads.append((began, time.monotonic(), list(plan_ids)))
        return {plan_id: (len(reads), "public") for plan_id in plan_ids if plan_id != "gone"}

    checks = PlanChecks(read)

    async def asked():
        first = asyncio.ensure_future(checks.state(None, "p"))
        await asyncio.sleep(0.05)
        arrived = time.monotonic()
        later = [asyncio.ensure_future(checks.state(None, "p")) for _ in range(5)]
        others = [asyncio.ensure_future(checks.state(None, plan)) for plan in ("q", "gone")]
        await asyncio.sleep(0.05)
        gate.set()
        return await first, await asyncio.gather(*later), await asyncio.gather(*others), arrived

    first, later, (other, gone), arrived = asyncio.run(asked())
    assert first == (1, "public")
    assert later == [(2, "public")] * 5 and other == (2, "public") and gone is None
    assert [plans for _, _, plans in reads] == [["p"], ["gone", "p", "q"]]  # one for all
    (_, first_ended, _), (second_began, _, _) = reads
    assert second_began >= first_ended and second_began >= arrived


def test_a_failing_plan_check_answers_from_the_route(monkeypatch, site):
    app, _private, public = site
    client = TestClient(app)
    assert client.get(f"/api/plans/{public}?check=1").status_code == 200
    holder = app.middleware_stack

    def broken(_data, _plan_ids):
        raise OSError("database gone")

    monkeypatch.setattr(holder, "checks", PlanChecks(broken))
    calls = counting(monkeypatch, "plan_record")
    response = client.get(f"/api/plans/{public}?check=1")
    assert response.status_code == 200 and calls  # the route ran, not the kept answer


class Made:
    """An app whose answers are made only when the test lets them (``gate``), counting
    how often one was made; it declares each answer shareable, for the plan's version
    it read first when ``plan`` holds one."""

    def __init__(self, plan: dict | None = None) -> None:
        self.made = 0
        self.plan = plan
        self.gate = asyncio.Event()
        self.generation = 0
        self.stamp = None  # the store file: none here, so nothing is shared

    def check_fresh(self) -> None:
        pass

    async def __call__(self, scope, receive, send):
        self.made += 1
        version = self.plan["version"] if self.plan else None
        await self.gate.wait()
        scope[answers.SHARE] = ("p", version) if self.plan else None
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": f"{self.made}:{version}".encode()})


def asked(middleware, count: int, between=None) -> list[bytes]:
    """``count`` requests for the same address at once, the app let go once all arrived
    (``between`` runs then); the bodies each was sent."""
    async def one() -> bytes:
        sent: list[bytes] = []

        async def send(message):
            if message["type"] == "http.response.body":
                sent.append(message["body"])

        scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"",
                 "headers": [], "scheme": "http"}
        await middleware(scope, None, send)
        return b"".join(sent)

    async def run() -> list[bytes]:
        waiting = [asyncio.ensure_future(one()) for _ in range(count)]
        await asyncio.sleep(0.05)
        if between:
            between()
        middleware.app.gate.set()
        return await asyncio.gather(*waiting)

    return asyncio.run(run())


def test_requests_for_an_answer_being_made_wait_for_it():
    app = Made()
    middleware = answers.Answers(app, lambda: app, lambda _data, _ids: {}, limit_mb=1)
    assert asked(middleware, 6) == [b"1:None"] * 6 and app.made == 1


def test_an_answer_made_before_a_save_is_not_sent_to_who_asked_after_it():
    """The plan moves on while its page is being made for the first visitor: the others,
    who asked after the save, are not sent the page of the version before."""
    plan = {"version": 1}
    app = Made(plan)
    middleware = answers.Answers(app, lambda: app,
                                 lambda _data, ids: {i: (plan["version"], "public") for i in ids},
                                 limit_mb=1)
    bodies = asked(middleware, 4, between=lambda: plan.update(version=2))
    assert bodies[0] == b"1:1" and all(b.endswith(b":2") for b in bodies[1:])
    assert app.made == 4  # each made its own: none was kept for version 2 in time
    again = asked(middleware, 3)  # now one of them is kept
    assert len(set(again)) == 1 and again[0] in bodies[1:] and app.made == 4


def test_a_save_makes_the_plans_pages_once_for_every_worker(site, monkeypatch):
    """After a save the saving worker makes the plan's page and document as a visitor
    who is not logged in is sent them and shares them (web/shared.py): another worker
    (a second app on the same store and plans database) sends them without making
    them (a visitor who asks while the save is on its way: tests/test_web_shared.py)."""
    from wijkkompas.web import create_app
    from wijkkompas.web.shared import SharedAnswers

    app, _, public = site
    other = create_app(app.state.data.store.directory)
    pages = (f"/plannen/{public}", f"/api/plans/{public}")
    for client in (TestClient(app), TestClient(other)):
        for path in pages:
            assert client.get(path).status_code == 200
    admin = writer(site, "admin")
    document = admin.get(f"/api/plans/{public}").json()["plan"]
    document["vision"] = "Gedeeld na het opslaan"
    saved = admin.put(f"/api/plans/{public}", json=document)
    assert saved.status_code == 200
    shared = views.shared_answers(app.state.data)
    assert isinstance(shared, SharedAnswers) and not shared.being_saved(public)
    made = [counting(monkeypatch, "plan_detail"), counting(monkeypatch, "plan_record")]
    there = TestClient(other)
    page, api = there.get(pages[0]), there.get(pages[1])
    assert made == [[], []]  # sent from what the saving worker made
    assert "Gedeeld na het opslaan" in page.text
    assert api.json()["plan"]["version"] == saved.json()["version"]
    assert page.content == TestClient(app).get(pages[0]).content
