"""Typed settings from the environment (and an optional .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUNLOCALAI_", env_file=".env", extra="ignore")

    discord_token: SecretStr | None = Field(None, validation_alias=AliasChoices("DISCORD_TOKEN", "RUNLOCALAI_DISCORD_TOKEN"))
    dev_guild_id: int | None = Field(None, description="sync commands to this guild only (instant, for development)")
    state_db: Path = Field(Path("runlocalai-state.sqlite"), description="guild settings, feedback, unanswered questions")
    state_dsn: SecretStr | None = Field(None, description="postgresql://... to keep state in PostgreSQL instead of SQLite")
    shard_count: int | None = Field(None, ge=1, description="total shards across all processes (None: Discord's recommendation)")
    shard_ids: list[int] | None = Field(None, description="shards this process runs, e.g. [0,1]; needs shard_count")
    http_port: int | None = Field(None, ge=1, le=65535, description="serve /health and /metrics on this port")
    http_host: str = "127.0.0.1"
    catalog_db: Path | None = Field(None, description="catalog SQLite (default: user cache, built on first start)")
    log_level: str = "INFO"
    message_content: bool = Field(True, description="request the privileged message-content intent")
    api_base: str | None = Field(None, description="Discord REST base URL override (tests point it at a local fake)")
    gateway_url: str | None = Field(None, description="Discord gateway URL override (tests point it at a local fake)")
    sync_commands: bool = True
    min_confidence: float = Field(0.6, ge=0, le=1)
    min_margin: float = Field(0.08, ge=0, le=1)
    autoanswer_confidence: float = Field(0.75, ge=0, le=1, description="default threshold for forum auto-answers")
    channel_cooldown_s: float = Field(30.0, ge=0)
    user_cooldown_s: float = Field(3.0, ge=0)
    home_guild_id: int | None = Field(None, description="the operators' own server (where operator_role_id is looked up)")
    operator_role_id: int | None = Field(None, description="members with this role on the home server may /setup reload")
    hf_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RUNLOCALAI_HF_TOKEN", "HF_TOKEN"),
        description="Hugging Face token for gated or private repositories (answers.hub.HubResolver); never logged",
    )
    hub_timeout_s: float = Field(2.0, gt=0, le=30, description="time budget of one Hugging Face lookup (all its requests)")
    follow_up_turns: int = Field(5, ge=1, le=20, description="turns of a thread or reply chain kept for follow-up questions")
    follow_up_ttl_s: float = Field(86400.0, gt=0, description="a conversation's turns are forgotten this long after its last turn")
    bench_per_hour: int = Field(5, ge=0, le=100, description="community benchmark submissions per user per hour (0: off)")
    api_enabled: bool = Field(False, description="serve the open JSON API (/v1/...) on the HTTP port")
    api_rate_per_minute: int = Field(30, ge=1, le=10_000, description="API requests per client address per minute")
    api_max_request_bytes: int = Field(8192, ge=256, le=1_048_576, description="largest API request (URL and body) accepted")

    @field_validator("shard_ids")
    @classmethod
    def _shards(cls, value: list[int] | None, info) -> list[int] | None:
        if value is not None:
            count = info.data.get("shard_count")
            if count is None:
                raise ValueError("shard_ids needs shard_count")
            if any(not 0 <= shard < count for shard in value):
                raise ValueError(f"shard ids must be between 0 and {count - 1}")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value
