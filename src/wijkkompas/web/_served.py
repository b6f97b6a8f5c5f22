"""``wijkkompas serve`` in a subprocess on a free loopback port, for tests and benchmarks
that need real worker processes (the in-process TestClient has only one).

    with Served(store_dir, plans_url, workers=2) as server:
        httpx.get(server.url + "/api/sources")
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, store_dir, plans_url: str, *, workers: int = 2,
                 secret: str | None = None, timeout: float = 300) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.args = [sys.executable, "-c", "from wijkkompas.cli import main; main()", "serve",
                     "--store", str(store_dir), "--db", plans_url, "--workers", str(workers),
                     "--port", str(self.port)]
        self.env = dict(os.environ, WIJKKOMPAS_SECRET_KEY=secret or secrets.token_urlsafe(32))
        self.process: subprocess.Popen | None = None

    def start(self) -> Served:
        # a file, not a pipe: a pipe nobody reads would block the server once full
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(self.args, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"wijkkompas serve exited: {self.stop()}")
            try:
                urllib.request.urlopen(self.url + "/api/sources", timeout=5)
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"wijkkompas serve did not answer within {self.timeout} s")

    def stop(self) -> str:
        """Stop the server (SIGTERM: uvicorn stops its workers) and return its output."""
        if self.process is None:
            return ""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return output

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
