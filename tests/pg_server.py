"""A throwaway PostgreSQL server on 127.0.0.1 for the state tests (real server, real protocol).

Uses $RUNLOCALAI_TEST_POSTGRES_DSN when set (CI may start one itself); otherwise runs initdb + pg_ctl from
the local PostgreSQL installation in a temporary directory. No PostgreSQL binaries -> the tests fail with a
clear message; they are never skipped."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    for candidate in ("pg_ctl", "initdb"):
        found = shutil.which(candidate)
        if found:
            return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if versions:
        return Path(versions[-1])
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL (`.ci/run` does it in CI)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="runlocalai-pg-"))
        self.port = _free_port()
        self.bindir = _bindir()
        self._as: list[str] = []
        if os.geteuid() == 0:  # postgres refuses to run as root
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "runlocalai", "--no-sync")
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=on",
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        return f"postgresql://runlocalai@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
