"""The open JSON API (/v1/...) with aiohttp's client on loopback: the CLI's JSON contract, a clear 400 for every bad
parameter, rate limits, the size cap, the OpenAPI description, and off by default."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.api import OPENAPI, RateLimiter, add_api_routes


@pytest.fixture
async def client(kb, engine):
    app = web.Application(client_max_size=8192)
    add_api_routes(app, lambda: (kb, engine), rate_per_minute=1000, max_request_bytes=8192)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def get(client, path: str, **params) -> tuple[int, dict]:
    resp = await client.get(path, params=params)
    return resp.status, await resp.json()


async def test_estimate_is_the_cli_contract(client):
    status, body = await get(client, "/v1/estimate", model="llama-3.1-8b-instruct", hardware="rtx-4090", context="32k")
    assert status == 200
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "runlocalai",
            "estimate",
            "--model",
            "llama-3.1-8b-instruct",
            "--hardware",
            "rtx-4090",
            "--context",
            "32k",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert body == json.loads(cli.stdout)
    status, two = await get(client, "/v1/estimate", model="qwen3 32b", hardware="3090,3090", quant="q4_k_m", kv_cache="q8_0")
    assert status == 200 and [h["id"] for h in two["hardware"]] == ["rtx-3090", "rtx-3090"] and two["kv_cache"] == "q8_0"


async def test_ask_models_hardware_and_openapi(client):
    status, body = await get(client, "/v1/ask", q="what is a kv cache?")
    assert status == 200 and body["intent"] == "glossary" and not body["abstained"]
    status, models = await get(client, "/v1/models", q="qwen3 30", limit="5")
    assert status == 200 and models["items"][0]["id"] == "qwen3-30b-a3b" and models["count"] <= 5
    status, hardware = await get(client, "/v1/hardware")
    assert status == 200 and hardware["count"] == 25 and hardware["total"] > 100
    status, spec = await get(client, "/v1/openapi.json")
    assert status == 200 and spec == json.loads(json.dumps(OPENAPI)) and set(spec["paths"]) >= {"/v1/estimate", "/v1/ask"}


@pytest.mark.parametrize(
    "path,params,sentence",
    [
        ("/v1/estimate", {}, "'model' parameter is required"),
        ("/v1/estimate", {"model": "llama 3.1 8b"}, "Name the hardware"),
        ("/v1/estimate", {"model": "llama 3.1 9b", "hardware": "rtx 4090"}, "Did you mean"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx 9999 ultra"}, "I don't know the GPU"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "gpus": "0"}, "between 1 and 16"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "gpus": "two"}, "whole number"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "gpus": "9" * 40}, "too long"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "quant": "Q99_Z"}, "Q99"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "context": "-5"}, "context"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "context": "99999999k"}, "context"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "runtime": "skynet"}, "Unknown runtime"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "kv_cache": "fp3"}, "kv_cache must be"),
        ("/v1/estimate", {"model": "qwen3 8b", "ram_gb": "nan"}, "between"),
        ("/v1/estimate", {"model": "qwen3 8b", "ram_gb": "1e309"}, "between"),
        ("/v1/estimate", {"model": "qwen3 8b", "ram_gb": "-64"}, "between"),
        ("/v1/estimate", {"model": "qwen3 8b", "vram_gb": "24"}, "bandwidth"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "concurrency": "100000"}, "between 1 and 1,024"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": "rtx-4090", "evil": "1"}, "Unknown parameter 'evil'"),
        ("/v1/estimate", {"model": "a\x00b", "hardware": "rtx-4090"}, "control characters"),
        ("/v1/estimate", {"model": "@everyone 🚀", "hardware": "rtx-4090"}, "I don't know"),
        ("/v1/estimate", {"model": "qwen3 8b", "hardware": ",".join(["3090"] * 17)}, "At most 16"),
        ("/v1/ask", {}, "'q' parameter is required"),
        ("/v1/ask", {"q": "x" * 4001}, "too long"),
        ("/v1/models", {"limit": "1000"}, "between 1 and 100"),
        ("/v1/hardware", {"limit": "-1"}, "between 1 and 100"),
        ("/v1/hardware", {"q": "ｒｔｘ" * 40}, "too long"),
    ],
)
async def test_hostile_parameters_get_a_clear_400(client, path, params, sentence):
    status, body = await get(client, path, **params)
    assert status == 400 and sentence in body["error"] and "Traceback" not in body["error"]


async def test_repeated_parameters_and_other_methods(client):
    resp = await client.get("/v1/ask?q=a&q=b")
    assert resp.status == 400 and "once" in (await resp.json())["error"]
    assert (await client.post("/v1/ask", data="q=hi")).status == 405


async def test_rate_limit_and_size_cap(kb, engine):
    app = web.Application(client_max_size=1024)
    add_api_routes(app, lambda: (kb, engine), rate_per_minute=3, max_request_bytes=1024)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        statuses = [(await c.get("/v1/models", params={"limit": "1"})).status for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        resp = await c.get("/v1/models")
        assert int(resp.headers["Retry-After"]) > 0 and "3 a minute" in (await resp.json())["error"]
    app = web.Application()
    add_api_routes(app, lambda: (kb, engine), rate_per_minute=100, max_request_bytes=1024)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        resp = await c.get("/v1/ask", params={"q": "what is gqa " * 200})
        assert resp.status == 413 and "limit is 1,024" in (await resp.json())["error"]


def test_rate_limiter_memory_is_bounded():
    limiter = RateLimiter(per_minute=2, max_clients=100)
    for i in range(1000):
        assert limiter.check(f"10.0.{i // 256}.{i % 256}", now=1.0) is None
    assert len(limiter._hits) == 100
    assert limiter.check("a", now=0.0) is None and limiter.check("a", now=1.0) is None
    assert limiter.check("a", now=2.0) == pytest.approx(58.0) and limiter.check("a", now=61.0) is None


async def test_api_is_off_unless_enabled_and_starting_is_503(kb, engine):
    from bot.observability import Metrics, start_http
    from bot.settings import BotSettings

    class Starting:
        settings = BotSettings(discord_token="x", api_enabled=True)
        metrics = Metrics()
        guilds = ()
        latency = float("nan")

        def is_ready(self) -> bool:
            return False

        @property
        def kb(self):
            return self.brain.kb  # no brain yet: still loading

        @property
        def engine(self):
            return self.brain.engine

    import socket

    import aiohttp

    for enabled in (False, True):
        bot = Starting()
        bot.settings = BotSettings(discord_token="x", api_enabled=enabled)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        runner = await start_http(bot, "127.0.0.1", port)  # type: ignore[arg-type]
        try:
            async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/v1/models") as resp:
                assert resp.status == (503 if enabled else 404)
        finally:
            await runner.cleanup()
