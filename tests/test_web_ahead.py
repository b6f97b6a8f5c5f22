"""The web app's background thread (``web.state.Ahead``): tasks in order, tasks asked for
later run once their key has been quiet, and an idle look every few seconds."""
from __future__ import annotations

import threading
import time

from wijkkompas.web.state import Ahead


def _until(condition, bound: float = 60.0) -> None:
    deadline = time.monotonic() + bound  # a bound for a stuck thread, not a speed test
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_key_asked_for_again_runs_once_with_its_last_arguments():
    ran: list = []
    lock = threading.Lock()

    def task(*args):
        with lock:
            ran.append(args)

    ahead = Ahead()
    try:
        ahead.submit_after("plan-a", 0.5, task, "a", 1)
        ahead.submit_after("plan-b", 0.5, task, "b", 1)
        ahead.submit_after("plan-a", 0.5, task, "a", 2)  # before the first was due
        ahead.submit(task, "now")
        _until(lambda: len(ran) >= 3)
        time.sleep(1.0)  # nothing further comes
        assert ran[0] == ("now",)  # a plain task does not wait for the later ones
        assert sorted(ran[1:]) == [("a", 2), ("b", 1)]
    finally:
        ahead.stop()
    assert not ahead.running


def test_idle_runs_when_nothing_else_does_and_an_idle_free_thread_sleeps():
    looks: list = []
    ahead = Ahead(idle=lambda: looks.append(time.monotonic()), every=0.2)
    try:
        _until(lambda: len(looks) >= 3)
    finally:
        ahead.stop()
    quiet = Ahead(every=0.05)  # no idle work: the loop waits, it does not spin
    try:
        cpu = time.process_time()
        time.sleep(1.0)
        assert time.process_time() - cpu < 0.5
    finally:
        quiet.stop()
