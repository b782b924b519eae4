"""Deployment files stay in step with the code: every setting documented, compose and unit parse."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import BotSettings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _env_keys() -> set[str]:
    return {
        line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")
    }


def test_env_example_documents_every_setting():
    keys = _env_keys()
    expected = {"DISCORD_TOKEN"} | {f"RUNLOCALAI_{name.upper()}" for name in BotSettings.model_fields if name != "discord_token"}
    expected -= {"RUNLOCALAI_API_BASE", "RUNLOCALAI_GATEWAY_URL", "RUNLOCALAI_SYNC_COMMANDS"}  # test-only endpoints / switches
    assert expected <= keys, f"undocumented settings: {sorted(expected - keys)}"
    unknown = {k for k in keys if k.startswith("RUNLOCALAI_")} - {f"RUNLOCALAI_{n.upper()}" for n in BotSettings.model_fields}
    assert not unknown, f".env.example names settings the bot does not read: {sorted(unknown)}"


def test_settings_parse_the_example_values(monkeypatch):
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            if value:
                monkeypatch.setenv(key, value)
    monkeypatch.setenv("RUNLOCALAI_SHARD_COUNT", "4")
    monkeypatch.setenv("RUNLOCALAI_SHARD_IDS", "[0, 1]")
    settings = BotSettings(_env_file=None)
    assert settings.shard_ids == [0, 1] and settings.min_confidence == 0.6


def test_compose_and_unit_files_are_well_formed():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert compose["services"]["bot"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert compose["services"]["postgres"]["profiles"] == ["postgres"]
    unit = (DEPLOY / "runlocalai-bot.service").read_text()
    assert "ExecStart=/opt/runlocalai/bin/runlocalai bot" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "USER runlocalai" in dockerfile and "catalog build" in dockerfile
