"""Mutable bot state behind one small interface: guild settings, answered threads, feedback, usage,
unanswered questions, the Hugging Face lookup cache, users' rigs, conversation turns (follow-ups) and community
benchmark submissions. Implementations: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Verdict = Literal["solved", "not_helpful"]
SubmissionStatus = Literal["draft", "pending", "approved", "rejected", "reproduced"]


@dataclass
class GuildSettings:
    guild_id: int
    autoanswer_channels: set[int] = field(default_factory=set)
    threshold: float | None = None  # None: the bot's default


@dataclass
class Stats:
    commands: int
    questions: int
    answered: int
    abstained: int
    solved: int
    not_helpful: int
    top_unanswered: list[tuple[str, str, int, float]]  # (hash, intent, times asked, best score)
    downvoted: list[tuple[str, str, int]]  # (question hash, intent, not-helpful votes)

    @property
    def answer_rate(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


@dataclass
class Submission:
    """A community benchmark submission: the parsed row as JSON (answers.community), who sent it and who reviewed it."""

    id: int
    guild_id: int
    user_id: int
    user_name: str
    status: str  # draft (waiting for what the paste lacked) | pending | approved | rejected | reproduced
    data: str
    created_at: float
    reviewed_by: int | None = None
    reviewer_name: str | None = None
    reviewed_at: float | None = None
    reason: str | None = None


def fresh_turns(stored: str | None, max_age_s: float) -> list[dict[str, Any]]:
    """Stored conversation turns (JSON) newer than ``max_age_s``; anything unreadable counts as no turns."""
    if not stored:
        return []
    try:
        turns = json.loads(stored)
    except ValueError:
        return []
    cutoff = time.time() - max_age_s
    return [t for t in turns if isinstance(t, dict) and isinstance(t.get("at"), int | float) and t["at"] >= cutoff]


class StateRepository(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def guild_settings(self, guild_id: int) -> GuildSettings: ...

    async def set_autoanswer(self, guild_id: int, channel_id: int, enabled: bool) -> None: ...

    async def set_threshold(self, guild_id: int, threshold: float | None) -> None: ...

    async def claim_thread(self, thread_id: int, guild_id: int) -> bool:
        """True the first time a thread is claimed for an auto-answer, False ever after (atomic)."""
        ...

    async def record_usage(self, guild_id: int | None, kind: str, intent: str, answered: bool, confidence: float) -> None: ...

    async def record_unanswered(self, guild_id: int | None, question_hash: str, intent: str, best_score: float) -> None: ...

    async def record_answer(
        self, message_id: int, guild_id: int | None, channel_id: int, question_hash: str, intent: str, top_id: str | None
    ) -> None: ...

    async def record_feedback(self, message_id: int, user_id: int, verdict: Verdict) -> bool:
        """Store one vote per user per answer (a later vote replaces an earlier one). False if the message
        is not an answer of ours."""
        ...

    async def feedback_for(self, message_id: int) -> dict[str, int]: ...

    async def stats(self, guild_id: int, limit: int = 5) -> Stats: ...

    # Hugging Face lookups (answers.hub.HubResolver's cache; answers.hub_cache.HubCache is the same two methods)
    async def hub_cache_get(self, key: str) -> tuple[str, float] | None:
        """(value, expires_at as a Unix time), expired or not; None if the key was never stored."""
        ...

    async def hub_cache_put(self, key: str, value: str, ttl_s: float) -> None:
        """Store (or replace) a value for ``ttl_s`` seconds; rows expired for 30 days are deleted on the way."""
        ...

    # Rigs (answers.rig.Rig as JSON), one per user, deleted for real by rig_delete
    async def rig_get(self, user_id: int) -> str | None: ...

    async def rig_put(self, user_id: int, data: str) -> None: ...

    async def rig_delete(self, user_id: int) -> bool:
        """Delete the user's rig (True if there was one); the bytes do not stay behind in the database file."""
        ...

    # Conversations (follow-ups): the last turns of a thread or reply chain, each {"e": snapshot, "i": intent, "at": t}
    async def conversation_turns(self, conv_id: int, max_age_s: float) -> list[dict]:
        """Turns newer than ``max_age_s``, oldest first."""
        ...

    async def conversation_add(self, conv_id: int, turn: dict, keep: int, max_age_s: float) -> None:
        """Append a turn, keep the last ``keep`` and drop conversations idle longer than ``max_age_s`` on the way."""
        ...

    async def conversation_link(self, message_id: int, conv_id: int) -> None:
        """Remember which conversation a message (ours or the asker's) belongs to, so a reply to it continues it."""
        ...

    async def conversation_of(self, message_id: int, max_age_s: float) -> int | None: ...

    # Community benchmarks
    async def bench_submit(self, guild_id: int, user_id: int, user_name: str, data: str, status: str = "pending") -> int:
        """Store a submission (pending, or a draft that still lacks the GPU, model or quant); returns its id."""
        ...

    async def bench_complete(self, submission_id: int, data: str) -> bool:
        """A draft completed by its submitter becomes pending (False if it is not a draft any more)."""
        ...

    async def bench_count_since(self, user_id: int, since: float) -> int: ...

    async def bench_get(self, submission_id: int) -> Submission | None: ...

    async def bench_review(
        self, submission_id: int, status: SubmissionStatus, reviewer_id: int, reviewer_name: str, reason: str | None = None
    ) -> bool:
        """Approve or reject a pending submission (atomic: False if it was already reviewed or does not exist)."""
        ...

    async def bench_mark_reproduced(self, submission_ids: list[int]) -> None: ...

    async def bench_list(self, statuses: tuple[str, ...], limit: int = 10_000) -> list[Submission]:
        """Submissions with one of ``statuses``, oldest first."""
        ...
