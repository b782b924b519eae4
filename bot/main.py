"""`runlocalai bot`: configure logging, check the token, run until SIGTERM/SIGINT; SIGHUP reloads the catalog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
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


def configure_logging(level: str, *secrets: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets))
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
    import discord

    point_at(settings)
    try:
        asyncio.run(serve(settings, token))
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
    except KeyboardInterrupt:
        return 130
    return 0
