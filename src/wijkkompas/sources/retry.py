"""Retrying HTTP GETs with backoff: what every downloader (CBS OData, PDOK) shares.

A request is tried up to :attr:`Retry.tries` times. It is tried again after an answer
429 (too many requests) or 5xx (the server's trouble), and after a timeout; any other
answer, and a connection that cannot be made at all (offline, unknown host), is final at
once. Between tries it waits ``base * 2**(try-1)`` seconds (1, 2, 4 ... by default), at
most :attr:`Retry.cap`; a ``Retry-After`` header (seconds or an HTTP date) is honoured
instead, within the same cap. The sleep function is injectable so that tests never wait.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at call time, so a test may replace time.sleep


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to ask again. ``Retry(tries=1)`` never retries."""

    tries: int = 4
    base: float = 1.0
    cap: float = 60.0
    sleep: Callable[[float], None] = field(default=_sleep, compare=False)

    def __post_init__(self) -> None:
        if self.tries < 1:
            raise ValueError("Retry.tries must be at least 1")

    def wait(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        after = _retry_after(response) if response is not None else None
        delay = after if after is not None else self.base * 2 ** (attempt - 1)
        return max(0.0, min(delay, self.cap))


NO_RETRY = Retry(tries=1)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


def get(client: httpx.Client, url: str, retry: Retry, *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None) -> httpx.Response:
    """GET ``url`` with retries; the last answer (maybe an error status) is returned, and
    the last timeout or transport error raised when no answer came at all."""
    for attempt in range(1, retry.tries + 1):
        last = attempt == retry.tries
        try:
            response = client.get(url, headers=headers, params=params)
        except httpx.TimeoutException:
            if last:
                raise
            retry.sleep(retry.wait(attempt))
            continue
        if response.status_code in RETRY_STATUS and not last:
            retry.sleep(retry.wait(attempt, response))
            continue
        return response
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns


__all__ = ["Retry", "NO_RETRY", "RETRY_STATUS", "get"]
