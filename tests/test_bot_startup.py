"""`runlocalai bot` start-up failures: one clear line each, a non-zero exit, no traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from tests.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


async def run_bot(tmp_path: Path, catalog_db: Path, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "runlocalai",
        "bot",
        cwd=ROOT,
        env={
            **os.environ,
            "DISCORD_TOKEN": "fake-token",
            "RUNLOCALAI_CATALOG_DB": str(catalog_db),
            "RUNLOCALAI_STATE_DB": str(tmp_path / "state.sqlite"),
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode or 0, err.decode()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def assert_one_clear_line(code: int, err: str, needle: str) -> None:
    ours = [line for line in err.splitlines() if line.startswith("runlocalai:")]
    assert code != 0
    assert len(ours) == 1 and needle in ours[0], err[-2000:]
    assert "Traceback" not in err, err[-2000:]


async def test_connection_refused(tmp_path, catalog_db):
    code, err = await run_bot(tmp_path, catalog_db, RUNLOCALAI_API_BASE=f"http://127.0.0.1:{closed_port()}/api/v10")
    assert_one_clear_line(code, err, "cannot connect to Discord")


async def test_dns_failure(tmp_path, catalog_db):
    code, err = await run_bot(tmp_path, catalog_db, RUNLOCALAI_API_BASE="http://discord.invalid/api/v10")  # .invalid never resolves
    assert_one_clear_line(code, err, "cannot resolve Discord's address")


@pytest.fixture
async def strict_fake():
    server = FakeDiscord(valid_token="the-real-token")
    await server.start()
    yield server
    await server.stop()


async def test_invalid_token(tmp_path, catalog_db, strict_fake):
    code, err = await run_bot(
        tmp_path, catalog_db, RUNLOCALAI_API_BASE=strict_fake.api_base, RUNLOCALAI_GATEWAY_URL=strict_fake.gateway_url
    )
    assert_one_clear_line(code, err, "Discord rejected the token")
    assert "fake-token" not in err  # the token is never printed


async def test_missing_privileged_intent(tmp_path, catalog_db, fake):
    fake.privileged_intents = False
    code, err = await run_bot(tmp_path, catalog_db, RUNLOCALAI_API_BASE=fake.api_base, RUNLOCALAI_GATEWAY_URL=fake.gateway_url)
    assert_one_clear_line(code, err, "message content intent is not enabled")
