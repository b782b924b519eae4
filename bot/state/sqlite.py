"""SQLite state (the embedded default): WAL journal, full fsync on commit, numbered migrations."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiosqlite

from bot.state.repository import GuildSettings, Stats, Submission, SubmissionStatus, Verdict, fresh_turns

MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE guild_settings (guild_id INTEGER PRIMARY KEY, threshold REAL);
    CREATE TABLE autoanswer_channels (guild_id INTEGER NOT NULL, channel_id INTEGER NOT NULL, PRIMARY KEY (guild_id, channel_id));
    CREATE TABLE answered_threads (thread_id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, at REAL NOT NULL);
    CREATE TABLE usage (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id INTEGER NOT NULL, kind TEXT NOT NULL, intent TEXT NOT NULL,
                        answered INTEGER NOT NULL, confidence REAL NOT NULL, at REAL NOT NULL);
    CREATE INDEX usage_guild ON usage (guild_id);
    CREATE TABLE unanswered (guild_id INTEGER NOT NULL, question_hash TEXT NOT NULL, intent TEXT NOT NULL, best_score REAL NOT NULL,
                             times INTEGER NOT NULL, last_at REAL NOT NULL, PRIMARY KEY (guild_id, question_hash));
    CREATE TABLE answers (message_id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,
                          question_hash TEXT NOT NULL, intent TEXT NOT NULL, top_id TEXT, at REAL NOT NULL);
    CREATE TABLE feedback (message_id INTEGER NOT NULL, user_id INTEGER NOT NULL, verdict TEXT NOT NULL, at REAL NOT NULL,
                           PRIMARY KEY (message_id, user_id));
    """,
    # 2: Hugging Face lookup cache (answers.hub)
    """
    CREATE TABLE hub_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at REAL NOT NULL, expires_at REAL NOT NULL);
    CREATE INDEX hub_cache_expires ON hub_cache (expires_at);
    """,
    # 3: users' rigs, conversation turns for follow-ups, community benchmark submissions
    """
    CREATE TABLE rigs (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL, updated_at REAL NOT NULL);
    CREATE TABLE conversations (conv_id INTEGER PRIMARY KEY, turns TEXT NOT NULL, updated_at REAL NOT NULL);
    CREATE INDEX conversations_updated ON conversations (updated_at);
    CREATE TABLE conversation_messages (message_id INTEGER PRIMARY KEY, conv_id INTEGER NOT NULL, at REAL NOT NULL);
    CREATE INDEX conversation_messages_at ON conversation_messages (at);
    CREATE TABLE community_benchmarks (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                                       user_name TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, created_at REAL NOT NULL,
                                       reviewed_by INTEGER, reviewer_name TEXT, reviewed_at REAL, reason TEXT);
    CREATE INDEX community_benchmarks_user ON community_benchmarks (user_id, created_at);
    CREATE INDEX community_benchmarks_status ON community_benchmarks (status);
    """,
]
HUB_CACHE_PURGE_AFTER_S = 30 * 86400
SUBMISSION_COLUMNS = "id, guild_id, user_id, user_name, status, data, created_at, reviewed_by, reviewer_name, reviewed_at, reason"


class SQLiteState:
    """StateRepository on one aiosqlite connection (writes are serialised on its thread)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._turns_lock = asyncio.Lock()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("state database is not open")
        return self._db

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self.db.execute("PRAGMA journal_mode=WAL")
        await self.db.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a crash or power loss
        await self.db.execute("PRAGMA busy_timeout=5000")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute("PRAGMA secure_delete=ON")  # deleted rows (a cleared rig) are overwritten, not left in free pages
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -------------------------------------------------------------------------------------
    async def guild_settings(self, guild_id: int) -> GuildSettings:
        settings = GuildSettings(guild_id)
        async with self.db.execute("SELECT threshold FROM guild_settings WHERE guild_id = ?", (guild_id,)) as cur:
            row = await cur.fetchone()
        if row:
            settings.threshold = row[0]
        async with self.db.execute("SELECT channel_id FROM autoanswer_channels WHERE guild_id = ?", (guild_id,)) as cur:
            settings.autoanswer_channels = {r[0] for r in await cur.fetchall()}
        return settings

    async def set_autoanswer(self, guild_id: int, channel_id: int, enabled: bool) -> None:
        if enabled:
            await self.db.execute("INSERT OR IGNORE INTO autoanswer_channels VALUES (?, ?)", (guild_id, channel_id))
        else:
            await self.db.execute("DELETE FROM autoanswer_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
        await self.db.commit()

    async def set_threshold(self, guild_id: int, threshold: float | None) -> None:
        await self.db.execute(
            "INSERT INTO guild_settings (guild_id, threshold) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET threshold = excluded.threshold",
            (guild_id, threshold),
        )
        await self.db.commit()

    async def claim_thread(self, thread_id: int, guild_id: int) -> bool:
        cur = await self.db.execute("INSERT OR IGNORE INTO answered_threads VALUES (?, ?, ?)", (thread_id, guild_id, time.time()))
        await self.db.commit()
        return cur.rowcount == 1

    async def record_usage(self, guild_id: int | None, kind: str, intent: str, answered: bool, confidence: float) -> None:
        await self.db.execute(
            "INSERT INTO usage (guild_id, kind, intent, answered, confidence, at) VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id or 0, kind, intent, int(answered), float(confidence), time.time()),
        )
        await self.db.commit()

    async def record_unanswered(self, guild_id: int | None, question_hash: str, intent: str, best_score: float) -> None:
        await self.db.execute(
            "INSERT INTO unanswered VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (guild_id, question_hash) DO UPDATE SET "
            "times = times + 1, last_at = excluded.last_at, best_score = max(best_score, excluded.best_score)",
            (guild_id or 0, question_hash, intent, float(best_score), time.time()),
        )
        await self.db.commit()

    async def record_answer(
        self, message_id: int, guild_id: int | None, channel_id: int, question_hash: str, intent: str, top_id: str | None
    ) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message_id, guild_id or 0, channel_id, question_hash, intent, top_id, time.time()),
        )
        await self.db.commit()

    async def record_feedback(self, message_id: int, user_id: int, verdict: Verdict) -> bool:
        async with self.db.execute("SELECT 1 FROM answers WHERE message_id = ?", (message_id,)) as cur:
            if await cur.fetchone() is None:
                return False
        await self.db.execute(
            "INSERT INTO feedback VALUES (?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO UPDATE SET verdict = excluded.verdict, "
            "at = excluded.at",
            (message_id, user_id, verdict, time.time()),
        )
        await self.db.commit()
        return True

    async def feedback_for(self, message_id: int) -> dict[str, int]:
        async with self.db.execute("SELECT verdict, count(*) FROM feedback WHERE message_id = ? GROUP BY verdict", (message_id,)) as cur:
            counts = {v: n for v, n in await cur.fetchall()}
        return {"solved": counts.get("solved", 0), "not_helpful": counts.get("not_helpful", 0)}

    async def stats(self, guild_id: int, limit: int = 5) -> Stats:
        async def one(sql: str, *args) -> int:
            async with self.db.execute(sql, args) as cur:
                row = await cur.fetchone()
            return int(row[0] or 0) if row else 0

        commands = await one("SELECT count(*) FROM usage WHERE guild_id = ? AND kind = 'command'", guild_id)
        questions = await one("SELECT count(*) FROM usage WHERE guild_id = ? AND kind != 'command'", guild_id)
        answered = await one("SELECT count(*) FROM usage WHERE guild_id = ? AND kind != 'command' AND answered = 1", guild_id)
        solved = await one(
            "SELECT count(*) FROM feedback f JOIN answers a USING (message_id) WHERE a.guild_id = ? AND f.verdict = 'solved'", guild_id
        )
        unhelpful = await one(
            "SELECT count(*) FROM feedback f JOIN answers a USING (message_id) WHERE a.guild_id = ? AND f.verdict = 'not_helpful'", guild_id
        )
        async with self.db.execute(
            "SELECT question_hash, intent, times, best_score FROM unanswered WHERE guild_id = ? ORDER BY times DESC, last_at DESC LIMIT ?",
            (guild_id, limit),
        ) as cur:
            top_unanswered = [tuple(r) for r in await cur.fetchall()]
        async with self.db.execute(
            "SELECT a.question_hash, a.intent, count(*) AS n FROM feedback f JOIN answers a USING (message_id) "
            "WHERE a.guild_id = ? AND f.verdict = 'not_helpful' GROUP BY a.question_hash, a.intent ORDER BY n DESC LIMIT ?",
            (guild_id, limit),
        ) as cur:
            downvoted = [tuple(r) for r in await cur.fetchall()]
        return Stats(commands, questions, answered, questions - answered, solved, unhelpful, top_unanswered, downvoted)

    # -------------------------------------------------------------------------------------
    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        async with self.db.execute("SELECT value, expires_at FROM hub_cache WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return (str(row[0]), float(row[1])) if row else None

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None:
        now = time.time()
        await self.db.execute(
            "INSERT INTO hub_cache VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "stored_at = excluded.stored_at, expires_at = excluded.expires_at",
            (key, value, now, now + ttl_s),
        )
        await self.db.execute("DELETE FROM hub_cache WHERE expires_at < ?", (now - HUB_CACHE_PURGE_AFTER_S,))
        await self.db.commit()

    # -------------------------------------------------------------------------------------
    async def rig_get(self, user_id: int) -> str | None:
        async with self.db.execute("SELECT data FROM rigs WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def rig_put(self, user_id: int, data: str) -> None:
        await self.db.execute(
            "INSERT INTO rigs VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (user_id, data, time.time()),
        )
        await self.db.commit()

    async def rig_delete(self, user_id: int) -> bool:
        cur = await self.db.execute("DELETE FROM rigs WHERE user_id = ?", (user_id,))
        await self.db.commit()
        await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the old page leaves the WAL file too
        return cur.rowcount == 1

    # -------------------------------------------------------------------------------------
    async def conversation_turns(self, conv_id: int, max_age_s: float) -> list[dict]:
        async with self.db.execute("SELECT turns FROM conversations WHERE conv_id = ?", (conv_id,)) as cur:
            row = await cur.fetchone()
        return fresh_turns(row[0] if row else None, max_age_s)

    async def conversation_add(self, conv_id: int, turn: dict, keep: int, max_age_s: float) -> None:
        async with self._turns_lock:  # read-modify-write: one at a time on this connection
            await self._conversation_add(conv_id, turn, keep, max_age_s)

    async def _conversation_add(self, conv_id: int, turn: dict, keep: int, max_age_s: float) -> None:
        now = time.time()
        async with self.db.execute("SELECT turns FROM conversations WHERE conv_id = ?", (conv_id,)) as cur:
            row = await cur.fetchone()
        turns = [*fresh_turns(row[0] if row else None, max_age_s), turn][-keep:]
        await self.db.execute(
            "INSERT INTO conversations VALUES (?, ?, ?) ON CONFLICT (conv_id) DO UPDATE SET turns = excluded.turns, "
            "updated_at = excluded.updated_at",
            (conv_id, json.dumps(turns), now),
        )
        await self.db.execute("DELETE FROM conversations WHERE updated_at < ?", (now - max_age_s,))
        await self.db.execute("DELETE FROM conversation_messages WHERE at < ?", (now - max_age_s,))
        await self.db.commit()

    async def conversation_link(self, message_id: int, conv_id: int) -> None:
        await self.db.execute("INSERT OR REPLACE INTO conversation_messages VALUES (?, ?, ?)", (message_id, conv_id, time.time()))
        await self.db.commit()

    async def conversation_of(self, message_id: int, max_age_s: float) -> int | None:
        async with self.db.execute(
            "SELECT conv_id FROM conversation_messages WHERE message_id = ? AND at >= ?", (message_id, time.time() - max_age_s)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    # -------------------------------------------------------------------------------------
    async def bench_submit(self, guild_id: int, user_id: int, user_name: str, data: str, status: str = "pending") -> int:
        cur = await self.db.execute(
            "INSERT INTO community_benchmarks (guild_id, user_id, user_name, status, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, user_name, status, data, time.time()),
        )
        await self.db.commit()
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    async def bench_count_since(self, user_id: int, since: float) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM community_benchmarks WHERE user_id = ? AND created_at >= ?", (user_id, since)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def bench_get(self, submission_id: int) -> Submission | None:
        async with self.db.execute(f"SELECT {SUBMISSION_COLUMNS} FROM community_benchmarks WHERE id = ?", (submission_id,)) as cur:
            row = await cur.fetchone()
        return Submission(*row) if row else None

    async def bench_review(
        self, submission_id: int, status: SubmissionStatus, reviewer_id: int, reviewer_name: str, reason: str | None = None
    ) -> bool:
        cur = await self.db.execute(
            "UPDATE community_benchmarks SET status = ?, reviewed_by = ?, reviewer_name = ?, reviewed_at = ?, reason = ? "
            "WHERE id = ? AND status = 'pending'",
            (status, reviewer_id, reviewer_name, time.time(), reason, submission_id),
        )
        await self.db.commit()
        return cur.rowcount == 1

    async def bench_complete(self, submission_id: int, data: str) -> bool:
        cur = await self.db.execute(
            "UPDATE community_benchmarks SET status = 'pending', data = ? WHERE id = ? AND status = 'draft'", (data, submission_id)
        )
        await self.db.commit()
        return cur.rowcount == 1

    async def bench_mark_reproduced(self, submission_ids: list[int]) -> None:
        await self.db.executemany(
            "UPDATE community_benchmarks SET status = 'reproduced' WHERE id = ? AND status IN ('approved', 'reproduced')",
            [(i,) for i in submission_ids],
        )
        await self.db.commit()

    async def bench_list(self, statuses: tuple[str, ...], limit: int = 10_000) -> list[Submission]:
        marks = ", ".join("?" for _ in statuses) or "''"
        async with self.db.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM community_benchmarks WHERE status IN ({marks}) ORDER BY id LIMIT ?", (*statuses, limit)
        ) as cur:
            return [Submission(*row) for row in await cur.fetchall()]
