"""Prometheus metrics and an optional HTTP endpoint with /health and /metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

if TYPE_CHECKING:
    from bot.client import RunLocalAIBot

log = logging.getLogger("runlocalai.metrics")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.command_seconds = Histogram(
            "runlocalai_command_seconds",
            "Time from receiving a command to finishing it",
            ["command"],
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.command_errors = Counter(
            "runlocalai_command_errors_total", "Commands that ended in an error", ["command", "kind"], registry=self.registry
        )
        self.answers = Counter(
            "runlocalai_answers_total", "Free-text questions by source and outcome", ["source", "outcome"], registry=self.registry
        )
        self.estimator_seconds = Histogram(
            "runlocalai_estimator_seconds", "Estimator run time (estimate + advice)", registry=self.registry, buckets=LATENCY_BUCKETS
        )
        self.search_seconds = Histogram(
            "runlocalai_search_seconds", "Answer-engine time per message", registry=self.registry, buckets=LATENCY_BUCKETS
        )
        self.catalog_reloads = Counter("runlocalai_catalog_reloads_total", "Catalog hot reloads", ["result"], registry=self.registry)

    @contextmanager
    def time_estimator(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.estimator_seconds.observe(time.perf_counter() - started)

    @contextmanager
    def time_search(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.search_seconds.observe(time.perf_counter() - started)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


async def start_http(bot: RunLocalAIBot, host: str, port: int) -> web.AppRunner:
    """Serve /health (JSON) and /metrics (Prometheus text) until the runner is cleaned up."""

    async def health(_: web.Request) -> web.Response:
        ready = bot.is_ready()
        body = {
            "status": "ok" if ready else "starting",
            "ready": ready,
            "guilds": len(bot.guilds),
            "latency_ms": round(bot.latency * 1000, 1) if ready and bot.latency == bot.latency else None,
            "shards": sorted(bot.shards) if getattr(bot, "shards", None) else [],
            "catalog": bot.kb.catalog.fingerprint if getattr(bot, "brain", None) else None,
        }
        return web.Response(text=json.dumps(body), content_type="application/json", status=200 if ready else 503)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=bot.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    settings = bot.settings
    app = web.Application(client_max_size=settings.api_max_request_bytes)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    if settings.api_enabled:  # the open JSON API (bot/api.py), off by default
        from bot.api import add_api_routes

        add_api_routes(app, lambda: (bot.kb, bot.engine), settings.api_rate_per_minute, settings.api_max_request_bytes)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on http://%s:%d/health and /metrics%s", host, port, "; JSON API on /v1/" if settings.api_enabled else "")
    return runner
