"""PostgreSQL state (asyncpg), for deployments that run several bot processes or shards against one database."""

from __future__ import annotations

import json
import time

from bot.state.repository import GuildSettings, Stats, Submission, SubmissionStatus, Verdict, fresh_turns

MIGRATIONS: list[str] = [
    """
    CREATE TABLE guild_settings (guild_id BIGINT PRIMARY KEY, threshold DOUBLE PRECISION);
    CREATE TABLE autoanswer_channels (guild_id BIGINT NOT NULL, channel_id BIGINT NOT NULL, PRIMARY KEY (guild_id, channel_id));
    CREATE TABLE answered_threads (thread_id BIGINT PRIMARY KEY, guild_id BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL);
    CREATE TABLE usage (id BIGSERIAL PRIMARY KEY, guild_id BIGINT NOT NULL, kind TEXT NOT NULL, intent TEXT NOT NULL,
                        answered BOOLEAN NOT NULL, confidence DOUBLE PRECISION NOT NULL, at DOUBLE PRECISION NOT NULL);
    CREATE INDEX usage_guild ON usage (guild_id);
    CREATE TABLE unanswered (guild_id BIGINT NOT NULL, question_hash TEXT NOT NULL, intent TEXT NOT NULL,
                             best_score DOUBLE PRECISION NOT NULL, times INTEGER NOT NULL, last_at DOUBLE PRECISION NOT NULL,
                             PRIMARY KEY (guild_id, question_hash));
    CREATE TABLE answers (message_id BIGINT PRIMARY KEY, guild_id BIGINT NOT NULL, channel_id BIGINT NOT NULL,
                          question_hash TEXT NOT NULL, intent TEXT NOT NULL, top_id TEXT, at DOUBLE PRECISION NOT NULL);
    CREATE TABLE feedback (message_id BIGINT NOT NULL, user_id BIGINT NOT NULL, verdict TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,
                           PRIMARY KEY (message_id, user_id));
    """,
    # 2: Hugging Face lookup cache (answers.hub)
    """
    CREATE TABLE hub_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at DOUBLE PRECISION NOT NULL,
                            expires_at DOUBLE PRECISION NOT NULL);
    CREATE INDEX hub_cache_expires ON hub_cache (expires_at);
    """,
    # 3: users' rigs, conversation turns for follow-ups, community benchmark submissions
    """
    CREATE TABLE rigs (user_id BIGINT PRIMARY KEY, data TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL);
    CREATE TABLE conversations (conv_id BIGINT PRIMARY KEY, turns TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL);
    CREATE INDEX conversations_updated ON conversations (updated_at);
    CREATE TABLE conversation_messages (message_id BIGINT PRIMARY KEY, conv_id BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL);
    CREATE INDEX conversation_messages_at ON conversation_messages (at);
    CREATE TABLE community_benchmarks (id BIGSERIAL PRIMARY KEY, guild_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
                                       user_name TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL,
                                       created_at DOUBLE PRECISION NOT NULL, reviewed_by BIGINT, reviewer_name TEXT,
                                       reviewed_at DOUBLE PRECISION, reason TEXT);
    CREATE INDEX community_benchmarks_user ON community_benchmarks (user_id, created_at);
    CREATE INDEX community_benchmarks_status ON community_benchmarks (status);
    """,
]
HUB_CACHE_PURGE_AFTER_S = 30 * 86400
SUBMISSION_COLUMNS = "id, guild_id, user_id, user_name, status, data, created_at, reviewed_by, reviewer_name, reviewed_at, reason"


class PostgresState:
    """StateRepository on an asyncpg pool."""

    def __init__(self, dsn: str, min_size: int = 1, max_size: int = 10):
        self.dsn = dsn
        self._pool = None
        self._sizes = (min_size, max_size)

    @property
    def pool(self):
        if self._pool is None:
            raise RuntimeError("state database is not open")
        return self._pool

    async def open(self) -> None:
        import asyncpg

        self._pool = await asyncpg.create_pool(self.dsn, min_size=self._sizes[0], max_size=self._sizes[1])
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
            await conn.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")  # one migrator at a time
            version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_migrations VALUES ($1)", number)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def schema_version(self) -> int:
        return int(await self.pool.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    # -------------------------------------------------------------------------------------
    async def guild_settings(self, guild_id: int) -> GuildSettings:
        settings = GuildSettings(guild_id)
        settings.threshold = await self.pool.fetchval("SELECT threshold FROM guild_settings WHERE guild_id = $1", guild_id)
        rows = await self.pool.fetch("SELECT channel_id FROM autoanswer_channels WHERE guild_id = $1", guild_id)
        settings.autoanswer_channels = {r["channel_id"] for r in rows}
        return settings

    async def set_autoanswer(self, guild_id: int, channel_id: int, enabled: bool) -> None:
        if enabled:
            await self.pool.execute("INSERT INTO autoanswer_channels VALUES ($1, $2) ON CONFLICT DO NOTHING", guild_id, channel_id)
        else:
            await self.pool.execute("DELETE FROM autoanswer_channels WHERE guild_id = $1 AND channel_id = $2", guild_id, channel_id)

    async def set_threshold(self, guild_id: int, threshold: float | None) -> None:
        await self.pool.execute(
            "INSERT INTO guild_settings VALUES ($1, $2) ON CONFLICT (guild_id) DO UPDATE SET threshold = excluded.threshold",
            guild_id,
            threshold,
        )

    async def claim_thread(self, thread_id: int, guild_id: int) -> bool:
        status = await self.pool.execute(
            "INSERT INTO answered_threads VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", thread_id, guild_id, time.time()
        )
        return status.endswith(" 1")

    async def record_usage(self, guild_id: int | None, kind: str, intent: str, answered: bool, confidence: float) -> None:
        await self.pool.execute(
            "INSERT INTO usage (guild_id, kind, intent, answered, confidence, at) VALUES ($1, $2, $3, $4, $5, $6)",
            guild_id or 0,
            kind,
            intent,
            answered,
            float(confidence),
            time.time(),
        )

    async def record_unanswered(self, guild_id: int | None, question_hash: str, intent: str, best_score: float) -> None:
        await self.pool.execute(
            "INSERT INTO unanswered VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (guild_id, question_hash) DO UPDATE SET "
            "times = unanswered.times + 1, last_at = excluded.last_at, best_score = greatest(unanswered.best_score, excluded.best_score)",
            guild_id or 0,
            question_hash,
            intent,
            float(best_score),
            time.time(),
        )

    async def record_answer(
        self, message_id: int, guild_id: int | None, channel_id: int, question_hash: str, intent: str, top_id: str | None
    ) -> None:
        await self.pool.execute(
            "INSERT INTO answers VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO UPDATE SET "
            "question_hash = excluded.question_hash, intent = excluded.intent, top_id = excluded.top_id",
            message_id,
            guild_id or 0,
            channel_id,
            question_hash,
            intent,
            top_id,
            time.time(),
        )

    async def record_feedback(self, message_id: int, user_id: int, verdict: Verdict) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            if await conn.fetchval("SELECT 1 FROM answers WHERE message_id = $1", message_id) is None:
                return False
            await conn.execute(
                "INSERT INTO feedback VALUES ($1, $2, $3, $4) ON CONFLICT (message_id, user_id) DO UPDATE SET "
                "verdict = excluded.verdict, at = excluded.at",
                message_id,
                user_id,
                verdict,
                time.time(),
            )
        return True

    async def feedback_for(self, message_id: int) -> dict[str, int]:
        rows = await self.pool.fetch("SELECT verdict, count(*) AS n FROM feedback WHERE message_id = $1 GROUP BY verdict", message_id)
        counts = {r["verdict"]: r["n"] for r in rows}
        return {"solved": counts.get("solved", 0), "not_helpful": counts.get("not_helpful", 0)}

    async def stats(self, guild_id: int, limit: int = 5) -> Stats:
        one = self.pool.fetchval
        commands = await one("SELECT count(*) FROM usage WHERE guild_id = $1 AND kind = 'command'", guild_id)
        questions = await one("SELECT count(*) FROM usage WHERE guild_id = $1 AND kind <> 'command'", guild_id)
        answered = await one("SELECT count(*) FROM usage WHERE guild_id = $1 AND kind <> 'command' AND answered", guild_id)
        solved = await one(
            "SELECT count(*) FROM feedback f JOIN answers a USING (message_id) WHERE a.guild_id = $1 AND f.verdict = 'solved'", guild_id
        )
        unhelpful = await one(
            "SELECT count(*) FROM feedback f JOIN answers a USING (message_id) WHERE a.guild_id = $1 AND f.verdict = 'not_helpful'",
            guild_id,
        )
        top = await self.pool.fetch(
            "SELECT question_hash, intent, times, best_score FROM unanswered WHERE guild_id = $1 "
            "ORDER BY times DESC, last_at DESC LIMIT $2",
            guild_id,
            limit,
        )
        down = await self.pool.fetch(
            "SELECT a.question_hash, a.intent, count(*) AS n FROM feedback f JOIN answers a USING (message_id) "
            "WHERE a.guild_id = $1 AND f.verdict = 'not_helpful' GROUP BY a.question_hash, a.intent ORDER BY n DESC LIMIT $2",
            guild_id,
            limit,
        )
        return Stats(
            int(commands),
            int(questions),
            int(answered),
            int(questions) - int(answered),
            int(solved),
            int(unhelpful),
            [(r["question_hash"], r["intent"], r["times"], r["best_score"]) for r in top],
            [(r["question_hash"], r["intent"], r["n"]) for r in down],
        )

    # -------------------------------------------------------------------------------------
    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        row = await self.pool.fetchrow("SELECT value, expires_at FROM hub_cache WHERE key = $1", key)
        return (str(row["value"]), float(row["expires_at"])) if row else None

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None:
        now = time.time()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO hub_cache VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "stored_at = excluded.stored_at, expires_at = excluded.expires_at",
                key,
                value,
                now,
                now + ttl_s,
            )
            await conn.execute("DELETE FROM hub_cache WHERE expires_at < $1", now - HUB_CACHE_PURGE_AFTER_S)

    # -------------------------------------------------------------------------------------
    async def rig_get(self, user_id: int) -> str | None:
        value = await self.pool.fetchval("SELECT data FROM rigs WHERE user_id = $1", user_id)
        return None if value is None else str(value)

    async def rig_put(self, user_id: int, data: str) -> None:
        await self.pool.execute(
            "INSERT INTO rigs VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            user_id,
            data,
            time.time(),
        )

    async def rig_delete(self, user_id: int) -> bool:
        status = await self.pool.execute("DELETE FROM rigs WHERE user_id = $1", user_id)
        return status.endswith(" 1")

    # -------------------------------------------------------------------------------------
    async def conversation_turns(self, conv_id: int, max_age_s: float) -> list[dict]:
        return fresh_turns(await self.pool.fetchval("SELECT turns FROM conversations WHERE conv_id = $1", conv_id), max_age_s)

    async def conversation_add(self, conv_id: int, turn: dict, keep: int, max_age_s: float) -> None:
        now = time.time()
        async with self.pool.acquire() as conn, conn.transaction():
            # the row exists before it is locked, so concurrent first turns queue on the lock instead of racing
            await conn.execute("INSERT INTO conversations VALUES ($1, '[]', $2) ON CONFLICT DO NOTHING", conv_id, now)
            stored = await conn.fetchval("SELECT turns FROM conversations WHERE conv_id = $1 FOR UPDATE", conv_id)
            turns = [*fresh_turns(stored, max_age_s), turn][-keep:]
            await conn.execute(
                "INSERT INTO conversations VALUES ($1, $2, $3) ON CONFLICT (conv_id) DO UPDATE SET turns = excluded.turns, "
                "updated_at = excluded.updated_at",
                conv_id,
                json.dumps(turns),
                now,
            )
            await conn.execute("DELETE FROM conversations WHERE updated_at < $1", now - max_age_s)
            await conn.execute("DELETE FROM conversation_messages WHERE at < $1", now - max_age_s)

    async def conversation_link(self, message_id: int, conv_id: int) -> None:
        await self.pool.execute(
            "INSERT INTO conversation_messages VALUES ($1, $2, $3) ON CONFLICT (message_id) DO UPDATE SET conv_id = excluded.conv_id, "
            "at = excluded.at",
            message_id,
            conv_id,
            time.time(),
        )

    async def conversation_of(self, message_id: int, max_age_s: float) -> int | None:
        value = await self.pool.fetchval(
            "SELECT conv_id FROM conversation_messages WHERE message_id = $1 AND at >= $2", message_id, time.time() - max_age_s
        )
        return None if value is None else int(value)

    # -------------------------------------------------------------------------------------
    async def bench_submit(self, guild_id: int, user_id: int, user_name: str, data: str, status: str = "pending") -> int:
        return int(
            await self.pool.fetchval(
                "INSERT INTO community_benchmarks (guild_id, user_id, user_name, status, data, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                guild_id,
                user_id,
                user_name,
                status,
                data,
                time.time(),
            )
        )

    async def bench_count_since(self, user_id: int, since: float) -> int:
        return int(
            await self.pool.fetchval("SELECT count(*) FROM community_benchmarks WHERE user_id = $1 AND created_at >= $2", user_id, since)
        )

    async def bench_get(self, submission_id: int) -> Submission | None:
        row = await self.pool.fetchrow(f"SELECT {SUBMISSION_COLUMNS} FROM community_benchmarks WHERE id = $1", submission_id)
        return Submission(*row.values()) if row else None

    async def bench_review(
        self, submission_id: int, status: SubmissionStatus, reviewer_id: int, reviewer_name: str, reason: str | None = None
    ) -> bool:
        result = await self.pool.execute(
            "UPDATE community_benchmarks SET status = $1, reviewed_by = $2, reviewer_name = $3, reviewed_at = $4, reason = $5 "
            "WHERE id = $6 AND status = 'pending'",
            status,
            reviewer_id,
            reviewer_name,
            time.time(),
            reason,
            submission_id,
        )
        return result.endswith(" 1")

    async def bench_complete(self, submission_id: int, data: str) -> bool:
        status = await self.pool.execute(
            "UPDATE community_benchmarks SET status = 'pending', data = $1 WHERE id = $2 AND status = 'draft'", data, submission_id
        )
        return status.endswith(" 1")

    async def bench_mark_reproduced(self, submission_ids: list[int]) -> None:
        await self.pool.execute(
            "UPDATE community_benchmarks SET status = 'reproduced' WHERE id = ANY($1::bigint[]) AND status IN ('approved', 'reproduced')",
            submission_ids,
        )

    async def bench_list(self, statuses: tuple[str, ...], limit: int = 10_000) -> list[Submission]:
        rows = await self.pool.fetch(
            f"SELECT {SUBMISSION_COLUMNS} FROM community_benchmarks WHERE status = ANY($1::text[]) ORDER BY id LIMIT $2",
            list(statuses),
            limit,
        )
        return [Submission(*row.values()) for row in rows]
