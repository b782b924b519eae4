"""Shared fixtures: one catalog build per session, a fake Discord API per test, a logged-in bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from answers.engine import AnswerEngine
from answers.knowledge_base import KnowledgeBase
from tests.fake_discord import FakeDiscord


@pytest.fixture(scope="session")
def catalog_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from knowledge.store import ensure_database

    return ensure_database(tmp_path_factory.mktemp("catalog") / "catalog.sqlite")


@pytest.fixture(scope="session")
def kb(catalog_db: Path) -> KnowledgeBase:
    return KnowledgeBase.load(catalog_db)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> AnswerEngine:
    return AnswerEngine(kb)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeDiscord, kb: KnowledgeBase, tmp_path: Path):
    """A real RunLocalAIBot logged in over HTTP to the fake API (no gateway): setup_hook ran, commands synced."""
    from bot.client import RunLocalAIBot
    from bot.settings import BotSettings

    original = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base
    settings = BotSettings(
        discord_token="fake-token", state_db=tmp_path / "state.sqlite", api_base=fake.api_base, channel_cooldown_s=0, user_cooldown_s=0
    )
    client = RunLocalAIBot(settings, kb=kb)
    await client.login("fake-token")
    try:
        yield client
    finally:
        await client.close()
        discord.http.Route.BASE = original


@pytest.fixture(scope="session")
def postgres_dsn():
    """A real PostgreSQL server for the whole session (never skipped)."""
    dsn = os.environ.get("RUNLOCALAI_TEST_POSTGRES_DSN")
    if dsn:
        yield dsn
        return
    from tests.pg_server import PostgresStartError, TestPostgres

    server = TestPostgres()
    try:
        try:
            dsn = server.start()
        except PostgresStartError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield dsn
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
async def state(request, tmp_path: Path):
    """The same repository tests run against both implementations."""
    if request.param == "sqlite":
        from bot.state.sqlite import SQLiteState

        repo = SQLiteState(tmp_path / "state.sqlite")
    else:
        import asyncpg

        from bot.state.postgres import PostgresState
        from tests.pg_server import with_database

        dsn = request.getfixturevalue("postgres_dsn")
        database = f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
        admin = await asyncpg.connect(dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        await admin.execute(f'CREATE DATABASE "{database}"')
        await admin.close()
        repo = PostgresState(with_database(dsn, database))
    await repo.open()
    try:
        yield repo
    finally:
        await repo.close()
