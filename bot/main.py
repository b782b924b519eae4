"""`runlocalai bot`: configure logging, check the token, run until SIGTERM/SIGINT; SIGHUP reloads the catalog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys

from pydantic import ValidationError

from bot.settings import BotSettings

log = logging.getLogger("runlocalai")


class RedactSecrets(logging.Filter):
    """Never let a secret (token, database password) reach a log line, whatever logs it."""

    def __init__(self, *secrets: str):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "[redacted]")
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


def _not_about_voice(record: logging.LogRecord) -> bool:
    """discord.py warns at every start that voice libraries are missing; this bot has no voice features."""
    return not (record.name == "discord.client" and "voice will NOT be supported" in record.getMessage())


def configure_logging(level: str, *secrets: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets))
    handler.addFilter(_not_about_voice)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def point_at(settings: BotSettings) -> None:
    """Endpoint overrides (a local fake Discord in tests); the bot's behaviour is unchanged."""
    import discord
    import yarl

    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def serve(settings: BotSettings, token: str) -> None:
    from bot.client import RunLocalAIBot
    from bot.observability import start_http

    bot = RunLocalAIBot(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task] = set()

    def reload() -> None:
        task = loop.create_task(bot.reload_catalog())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    http = await start_http(bot, settings.http_host, settings.http_port) if settings.http_port else None
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()  # re-raise login/connection failures
        else:
            log.info("shutting down (signal received)")
            await bot.close()  # closes the gateway, HTTP session and the state database
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
    if http is not None:
        await http.cleanup()
    log.info("stopped")


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
    dsn = settings.state_dsn.get_secret_value() if settings.state_dsn else ""
    configure_logging(settings.log_level, token, dsn)
    import discord  # imported late: `runlocalai --help` stays fast

    point_at(settings)
    try:
        asyncio.run(serve(settings, token))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # start-up failures: one line each, no traceback
        reason = startup_failure(exc, settings)
        if reason is None:
            raise
        print(f"runlocalai: {reason}", file=sys.stderr)
        return 1 if not isinstance(exc, discord.LoginFailure | discord.PrivilegedIntentsRequired) else 2
    return 0


def startup_failure(exc: BaseException, settings: BotSettings) -> str | None:
    """One sentence for the ways starting the bot fails outside our code (None: a bug, keep the traceback)."""
    import aiohttp
    import discord

    api = settings.api_base or "https://discord.com/api"
    if isinstance(exc, discord.LoginFailure):
        return "Discord rejected the token (LoginFailure); check DISCORD_TOKEN (Bot -> Reset Token in the developer portal)"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return (
            "the message content intent is not enabled for this bot; enable it in the developer portal "
            "(Bot -> Privileged Gateway Intents) or set RUNLOCALAI_MESSAGE_CONTENT=false"
        )
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve Discord's address ({exc.host}): check DNS and the network, then try again"
    if isinstance(exc, aiohttp.ClientConnectorError):
        why = exc.os_error.strerror or exc.os_error
        return f"cannot connect to Discord at {exc.host}:{exc.port} ({why}); check the network or a firewall"
    if isinstance(exc, discord.GatewayNotFound):
        return "Discord's gateway could not be found (Discord may be down); try again in a few minutes"
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered {exc.status} at start-up ({exc.text or 'no detail'}); try again later (API {api})"
    if isinstance(exc, discord.ConnectionClosed):
        return f"Discord closed the gateway connection (code {exc.code}); try again later"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timed out talking to Discord; check the network and try again"
    if isinstance(exc, sqlite3.Error | PermissionError):
        return f"cannot open the state or catalog database ({exc}); check RUNLOCALAI_STATE_DB / RUNLOCALAI_CATALOG_DB and permissions"
    if isinstance(exc, OSError):
        return f"start-up failed: {exc.strerror or exc}"
    return None
