"""`runlocalai bot`: configure logging, check the token, run."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from bot.settings import BotSettings


class RedactSecrets(logging.Filter):
    """Never let the token reach a log line, whatever logs it."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg = message.replace(self.secret, "[token]")
                record.args = ()
        return True


def configure_logging(level: str, secret: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord.http").setLevel(max(logging.INFO, logging.getLevelName(level)))


def point_at(settings: BotSettings) -> None:
    """Endpoint overrides (a local fake Discord in tests); the bot's behaviour is unchanged."""
    import discord
    import yarl

    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def run_bot() -> int:
    try:
        settings = BotSettings()
    except ValidationError as exc:
        err = exc.errors()[0]
        print(f"runlocalai: invalid setting {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return 2
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print(
            "runlocalai: DISCORD_TOKEN is not set; create a bot at https://discord.com/developers/applications "
            "and run DISCORD_TOKEN=... runlocalai bot",
            file=sys.stderr,
        )
        return 2
    token = settings.discord_token.get_secret_value().strip()
    configure_logging(settings.log_level, token)
    import discord

    from bot.client import RunLocalAIBot

    point_at(settings)
    client = RunLocalAIBot(settings)
    try:
        client.run(token, log_handler=None)
    except discord.LoginFailure:
        print("runlocalai: Discord rejected the token (LoginFailure); check DISCORD_TOKEN", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "runlocalai: the message content intent is not enabled for this bot; enable it in the developer portal "
            "or set RUNLOCALAI_MESSAGE_CONTENT=false",
            file=sys.stderr,
        )
        return 2
    return 0
