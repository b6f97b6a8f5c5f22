"""The web app's caches (``web.state.LRU``): least recently used out, and a value made
once while several threads ask for it (a plan's page and document after a save)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from wijkkompas.web.state import LRU


def test_the_least_recently_used_goes_first():
    cache = LRU(2)
    cache.get_or("a", lambda: 1)
    cache.get_or("b", lambda: 2)
    assert cache.get_or("a", lambda: -1) == 1  # used again: now the newest
    cache.get_or("c", lambda: 3)
    assert list(cache) == ["a", "c"]


def test_threads_asking_for_a_value_being_made_wait_for_it():
    cache = LRU(8)
    made, started, release = [], threading.Event(), threading.Event()

    def make():
        made.append(1)
        started.set()
        assert release.wait(30)  # a bound for a stuck thread, not a speed test
        return object()

    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(cache.get_or, "plan", make)
        assert started.wait(30)
        others = [pool.submit(cache.get_or, "plan", make) for _ in range(5)]
        release.set()
        values = [first.result(), *(f.result() for f in others)]
    assert len(made) == 1 and all(v is values[0] for v in values)
    assert cache.get_or("plan", make) is values[0] and len(made) == 1


def test_an_error_reaches_every_waiter_and_the_next_ask_makes_it_again():
    cache = LRU(8)
    started, release = threading.Event(), threading.Event()

    def failing():
        started.set()
        assert release.wait(30)
        raise LookupError("no plan")

    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(cache.get_or, "plan", failing)
        assert started.wait(30)
        other = pool.submit(cache.get_or, "plan", failing)
        release.set()
        for future in (first, other):
            with pytest.raises(LookupError, match="no plan"):
                future.result()
    assert cache.get_or("plan", lambda: "made") == "made"
