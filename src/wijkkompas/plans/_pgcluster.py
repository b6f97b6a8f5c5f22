"""A throwaway PostgreSQL cluster for tests and local trials (no server setup needed).

Uses Debian's server binaries (``/usr/lib/postgresql/<version>/bin``, or ``initdb`` on
the PATH). ``initdb`` refuses to run as root, so as root every server command runs as
the ``postgres`` OS user (created by the Debian package); otherwise as the current user.
The cluster listens only on a unix socket in its temporary directory (no TCP port is
opened), trusts local connections, and is deleted on :meth:`TempCluster.stop`.

    with TempCluster() as cluster:
        store = PlanStore(cluster.url)
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bin() -> Path | None:
    """The directory of the newest PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


def _free_port() -> int:
    # the port only names the socket file; a free TCP port avoids clashing with a server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempCluster:
    def __init__(self, bindir: Path | None = None) -> None:
        bindir = bindir or find_bin()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb) found; install the "
                               "Debian package 'postgresql' (.ci/setup-postgres.sh)")
        self.bindir: Path = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="wijkkompas-pg-"))
        self.data, self.port = self.dir / "data", _free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root, but there is no 'postgres' OS user to "
                                   "run initdb as") from None
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.started = False

    def _run(self, *args: str) -> None:
        def demote():
            if self.user is not None:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)

        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        if self.user is not None:
            env["HOME"] = str(self.dir)
        done = subprocess.run(args, preexec_fn=demote, env=env, cwd=self.dir,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr or done.stdout}\n{log}")

    def start(self) -> TempCluster:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off "
                   "-c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        self.started = True
        return self

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.dir}&port={self.port}"

    def stop(self) -> None:
        if self.started:
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
            except RuntimeError:
                pass
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> TempCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
