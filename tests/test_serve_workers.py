"""`wijkkompas serve --workers 2` on PostgreSQL: both workers answer, a session made by
one worker is accepted by the other, and plan writes over many connections keep the
version history exact."""
from __future__ import annotations

import os

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from wijkkompas.cli import app
from wijkkompas.plans import PlanStore, example_path, import_plan
from wijkkompas.plans.accounts import Accounts

PASSWORD = "lang genoeg wachtwoord"


@pytest.fixture(scope="module")
def postgres():
    from wijkkompas.plans._pgcluster import TempCluster, find_bin

    if find_bin() is None:
        pytest.skip("no PostgreSQL server binaries (initdb): install Debian's 'postgresql' "
                    "package (apt-get install postgresql, as .ci/setup-postgres.sh does)")
    with TempCluster() as cluster:
        yield cluster.url


def test_workers_share_sessions_and_lose_no_update(demo_store, postgres, catalog):
    from wijkkompas.web._served import Served

    plans = PlanStore(postgres, catalog=catalog)
    plan = import_plan(example_path(), plans, demo_store, catalog, author="test")
    Accounts(plans).create_user("editor", PASSWORD, display_name="Editor")
    Accounts(plans).grant("editor", plan.id, "editor")
    with Served(demo_store.directory, postgres, workers=2) as server:
        # a fresh connection per request, so that both workers answer in turn
        def client(cookies=None, token=None) -> httpx.Client:
            headers = {"Connection": "close"} | ({"X-CSRF-Token": token} if token else {})
            return httpx.Client(base_url=server.url, cookies=cookies, headers=headers,
                                timeout=120)

        with client() as anonymous:
            token = anonymous.get("/inloggen").text.split('name="csrf_token" value="')[1]
            token = token.split('"')[0]
            login = anonymous.post("/inloggen", data={"username": "editor",
                                                      "password": PASSWORD,
                                                      "csrf_token": token})
            assert login.status_code == 303, login.text
            cookies = dict(anonymous.cookies)
        sessions = [client(cookies).get("/api/session").json() for _ in range(8)]
        # which processes answered: each names its database connections after its pid
        # (the kernel hands connections to the workers, so ask until both have answered)
        for _ in range(100):
            if len(worker_pids(plans, server)) >= 2:
                break
            sessions.append(client(cookies).get("/api/session").json())
        assert len(worker_pids(plans, server)) == 2
        assert {s["user"]["username"] for s in sessions if s["user"]} == {"editor"}
        assert all(s["user"] for s in sessions)  # every worker accepts the cookie
        editor = client(cookies, sessions[0]["csrf_token"])
        created = editor.post("/api/plans", json={
            **{k: v for k, v in plan.to_dict().items() if k != "version"},
            "id": "via-workers", "title": "Via twee workers"})
        assert created.status_code == 201, created.text
        first = editor.get(f"/api/plans/{plan.id}").json()["plan"]
        for n in range(6):
            for plan_id in (plan.id, "via-workers"):
                document = editor.get(f"/api/plans/{plan_id}").json()["plan"]
                document["vision"] = f"versie {n}"
                saved = editor.put(f"/api/plans/{plan_id}", json=document)
                assert saved.status_code == 200, saved.text
                assert saved.json()["version"] == document["version"] + 1
        stale = editor.put(f"/api/plans/{plan.id}", json={**first, "title": "Verouderd"})
        assert stale.status_code == 409 and stale.json()["current_version"] == 7
        editor.close()
    assert [v.version for v in plans.versions(plan.id)] == list(range(1, 8))
    assert [v.version for v in plans.versions("via-workers")] == list(range(1, 8))
    assert plans.get("via-workers").vision == "versie 5"
    assert {v.author for v in plans.versions(plan.id)[1:]} == {"editor"}


def worker_pids(plans: PlanStore, server) -> set[int]:
    """The processes other than this test and the server's parent (which only migrated)
    that hold a connection to the plans database."""
    with plans.engine.connect() as connection:
        names = connection.execute(text(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE application_name LIKE 'wijkkompas-%'")).scalars()
        pids = {int(name.rsplit("-", 1)[1]) for name in names}
    return pids - {os.getpid(), server.process.pid}


def test_several_workers_need_a_shared_secret_key(demo_store, monkeypatch):
    monkeypatch.delenv("WIJKKOMPAS_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--store",
                                      str(demo_store.directory)])
    assert result.exit_code == 1 and "WIJKKOMPAS_SECRET_KEY" in result.output
