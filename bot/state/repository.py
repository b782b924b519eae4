"""Mutable bot state behind one small interface: guild settings, answered threads, feedback, usage,
unanswered questions and the Hugging Face lookup cache. Implementations: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Verdict = Literal["solved", "not_helpful"]


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
