"""The open JSON API on the bot's HTTP server (off unless ``RUNLOCALAI_API_ENABLED=true``).

``GET /v1/estimate``, ``/v1/ask``, ``/v1/models``, ``/v1/hardware`` answer with the same JSON contract as the command
line (``contract_json`` / ``Answer.to_json``); ``/v1/openapi.json`` describes them. Every parameter is validated:
a bad one is a 400 with the sentence the CLI and the bot would show (``InputError``). Each client address gets
``api_rate_per_minute`` requests a minute (429 with Retry-After), and a request longer than
``api_max_request_bytes`` (its URL and any body) is refused with 413.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from answers.engine import AnswerEngine
from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.lookup import suggest
from answers.user_errors import InputError
from answers.values import parse_context_text, parse_quant_text
from estimator.runtimes import RUNTIMES

API_VERSION = "1"
MAX_QUESTION = 4000
MAX_HARDWARE = 16
MAX_LIST = 100
MAX_CLIENTS = 10_000  # addresses tracked by the rate limiter (the oldest idle one is forgotten first)
KV_TYPES = ("f16", "q8_0", "q4_0")
Brain = Callable[[], tuple[KnowledgeBase, AnswerEngine]]


class RateLimiter:
    """A sliding one-minute window per client address, in bounded memory."""

    def __init__(self, per_minute: int, max_clients: int = MAX_CLIENTS):
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, client: str, now: float | None = None) -> float | None:
        """None when the request may go ahead, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(client, None) or deque()
        while hits and hits[0] <= now - 60:
            hits.popleft()
        self._hits[client] = hits  # most recently seen last
        while len(self._hits) > self.max_clients:
            self._hits.popitem(last=False)
        if len(hits) >= self.per_minute:
            return max(0.0, 60 - (now - hits[0]))
        hits.append(now)
        return None


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------
class Params:
    """Query parameters with one sentence per problem (the InputError the CLI would print)."""

    def __init__(self, request: web.Request, allowed: set[str]):
        self.query = request.query
        unknown = sorted(set(self.query) - allowed)
        if unknown:
            raise InputError(f"Unknown parameter {unknown[0][:40]!r}; this endpoint takes: {', '.join(sorted(allowed))}.")
        for key in self.query:
            if len(self.query.getall(key)) > 1 and key != "hardware":
                raise InputError(f"Give {key!r} once.")

    def text(self, name: str, limit: int = 100, required: bool = False) -> str | None:
        value = self.query.get(name)
        if value is None or not value.strip():
            if required:
                raise InputError(f"The {name!r} parameter is required.")
            return None
        if len(value) > limit:
            raise InputError(f"{name!r} is too long (at most {limit} characters).")
        if any(ord(c) < 32 for c in value):
            raise InputError(f"{name!r} contains control characters.")
        return value.strip()

    def whole(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name, 20)
        if value is None:
            return None
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            raise InputError(f"{name!r} must be a whole number, got {value[:20]!r}.") from None
        if not low <= number <= high:
            raise InputError(f"{name!r} must be between {low:,} and {high:,}.")
        return number

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self.text(name, 20)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"{name!r} must be a number, got {value[:20]!r}.") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise InputError(f"{name!r} must be between {low:g} and {high:g}.")
        return number

    def hardware(self) -> list[str]:
        names = [n.strip() for value in self.query.getall("hardware", []) for n in value.split(",") if n.strip()]
        if len(names) > MAX_HARDWARE:
            raise InputError(f"At most {MAX_HARDWARE} hardware names.")
        if any(len(n) > 100 or any(ord(c) < 32 for c in n) for n in names):
            raise InputError("Each hardware name is at most 100 printable characters.")
        return names


def estimate_query(params: Params) -> EstimateQuery:
    model = params.text("model", required=True)
    hardware = params.hardware()
    ram_gb = params.number("ram_gb", 0.5, 65536)
    vram_gb = params.number("vram_gb", 0.5, 4096)
    bandwidth = params.number("bandwidth_gbs", 1, 100_000)
    if not hardware and vram_gb is None and ram_gb is None:
        raise InputError("Name the hardware (hardware=rtx-3090), or give vram_gb and bandwidth_gbs, or ram_gb for CPU only.")
    runtime = params.text("runtime", 40)
    if runtime is not None and runtime not in RUNTIMES:
        raise InputError(f"Unknown runtime {runtime[:40]!r}.", [r.name for r in RUNTIMES.values()][:5])
    kv_cache = params.text("kv_cache", 10) or "f16"
    if kv_cache not in KV_TYPES:
        raise InputError(f"kv_cache must be one of {', '.join(KV_TYPES)}.")
    quant = params.text("quant", 40)
    context = params.text("context", 20)
    return EstimateQuery(
        model=model,
        hardware=hardware,
        gpus=params.whole("gpus", 1, 16),
        vram_gb=vram_gb,
        bandwidth_gbs=bandwidth,
        ram_gb=ram_gb,
        quant=parse_quant_text(quant) if quant else None,
        context=parse_context_text(context) if context else None,
        runtime=runtime,
        kv_cache=kv_cache,
        concurrency=params.whole("concurrency", 1, 1024) or 1,
    )


def model_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "family": entry.family,
        "params_b": entry.params_b,
        "active_params_b": entry.active_params_b,
        "max_context": entry.architecture.max_context,
        "hf_repo": entry.hf_repo,
    }


def hardware_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "device": entry.device,
        "memory_gb": entry.memory_gb,
        "bandwidth_gbs": entry.bandwidth_gbs,
        "fp16_tflops": entry.fp16_tflops,
    }


def _listing(kb: KnowledgeBase, kind: str, params: Params) -> dict[str, Any]:
    q = params.text("q", 100)
    limit = params.whole("limit", 1, MAX_LIST) or 25
    entries = kb.catalog.models if kind == "model" else kb.catalog.hardware
    if q:
        ids = [i for i, _ in suggest(kb, kind, q, limit=limit)]
        chosen = [e for e in (kb.catalog.get(kind, i) for i in ids) if e is not None]
    else:
        chosen = list(entries)[:limit]
    render = model_json if kind == "model" else hardware_json
    return {"count": len(chosen), "total": len(entries), "items": [render(e) for e in chosen]}


# ------------------------------------------------------------------------------------------------
# The application
# ------------------------------------------------------------------------------------------------
def error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def add_api_routes(app: web.Application, brain: Brain, rate_per_minute: int = 30, max_request_bytes: int = 8192) -> None:
    """Mount /v1/... on ``app``; ``brain`` returns the current catalog and engine (they change on reload)."""
    limiter = RateLimiter(rate_per_minute)

    def endpoint(
        allowed: set[str], work: Callable[[KnowledgeBase, AnswerEngine, Params], Any]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            size = len(str(request.rel_url)) + (request.content_length or 0)
            if size > max_request_bytes:
                return error(413, f"The request is {size:,} bytes; the limit is {max_request_bytes:,}.")
            wait = limiter.check(request.remote or "unknown")
            if wait is not None:
                return error(429, f"Too many requests: {rate_per_minute} a minute per client.", **{"Retry-After": str(math.ceil(wait))})
            try:
                kb, engine = brain()
            except AttributeError:  # the catalog is still loading
                return error(503, "Starting up; try again in a few seconds.", **{"Retry-After": "5"})
            try:
                params = Params(request, allowed)
                result = await asyncio.to_thread(work, kb, engine, params)
            except InputError as exc:
                return error(400, exc.full_message())
            return web.json_response(result, dumps=lambda data: json.dumps(data, ensure_ascii=False))

        return handle

    def estimate(kb: KnowledgeBase, _: AnswerEngine, params: Params) -> Any:
        return run_estimate(kb, estimate_query(params)).to_json()

    def ask(_: KnowledgeBase, engine: AnswerEngine, params: Params) -> Any:
        question = params.text("q", MAX_QUESTION, required=True)
        assert question is not None
        return engine.answer(question).to_json()

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(OPENAPI)

    app.router.add_get("/v1/estimate", endpoint(ESTIMATE_PARAMS, estimate))
    app.router.add_get("/v1/ask", endpoint({"q"}, ask))
    app.router.add_get("/v1/models", endpoint({"q", "limit"}, lambda kb, _, p: _listing(kb, "model", p)))
    app.router.add_get("/v1/hardware", endpoint({"q", "limit"}, lambda kb, _, p: _listing(kb, "hardware", p)))
    app.router.add_get("/v1/openapi.json", openapi)


ESTIMATE_PARAMS = {
    "model",
    "hardware",
    "gpus",
    "quant",
    "context",
    "runtime",
    "kv_cache",
    "ram_gb",
    "vram_gb",
    "bandwidth_gbs",
    "concurrency",
}


def _param(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


_STRING = {"type": "string", "maxLength": 100}
_ERRORS = {
    "400": {"description": "a parameter cannot be used; `error` says which and why", "content": {"application/json": {}}},
    "413": {"description": "the request is larger than the server accepts"},
    "429": {"description": "too many requests from this client; see Retry-After"},
}
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "runlocalai",
        "version": API_VERSION,
        "description": "Will this model run on this hardware, and how fast? The same JSON contract as `runlocalai estimate --json` "
        "and `runlocalai ask --json` (fields may be added, never renamed or dropped).",
    },
    "paths": {
        "/v1/estimate": {
            "get": {
                "summary": "Memory, fit verdict and speed for a model on hardware",
                "parameters": [
                    _param("model", "catalog model name or id (fuzzy)", _STRING, True),
                    _param("hardware", "GPU / Mac / platform name or id; repeat or comma-separate for several", _STRING),
                    _param("gpus", "N identical GPUs of the one hardware", {"type": "integer", "minimum": 1, "maximum": 16}),
                    _param("quant", "Q4_K_M, Q8_0, AWQ, EXL2 4.65bpw, MLX 4bit, FP8 ...", {"type": "string", "maxLength": 40}),
                    _param("context", "context in tokens: 8192, 32k, 128k", {"type": "string", "maxLength": 20}),
                    _param("runtime", "llama.cpp, ollama, vllm, ...", {"type": "string", "enum": sorted(RUNTIMES)}),
                    _param("kv_cache", "KV cache type", {"type": "string", "enum": list(KV_TYPES)}),
                    _param("ram_gb", "system RAM, GiB", {"type": "number", "minimum": 0.5}),
                    _param("vram_gb", "custom GPU memory, GiB as marketed", {"type": "number", "minimum": 0.5}),
                    _param("bandwidth_gbs", "custom memory bandwidth, GB/s", {"type": "number", "minimum": 1}),
                    _param("concurrency", "sequences decoded together", {"type": "integer", "minimum": 1, "maximum": 1024}),
                ],
                "responses": {"200": {"description": "the estimate contract (`runlocalai estimate --json`)"}, **_ERRORS},
            }
        },
        "/v1/ask": {
            "get": {
                "summary": "Answer a free-text question as the bot would",
                "parameters": [_param("q", "the question", {"type": "string", "maxLength": MAX_QUESTION}, True)],
                "responses": {"200": {"description": "the answer contract (`runlocalai ask --json`)"}, **_ERRORS},
            }
        },
        "/v1/models": {
            "get": {
                "summary": "Catalog models, or the best matches for q",
                "parameters": [_param("q", "name to look up", _STRING), _param("limit", "items", {"type": "integer", "maximum": MAX_LIST})],
                "responses": {"200": {"description": "{count, total, items: [{id, name, family, params_b, ...}]}"}, **_ERRORS},
            }
        },
        "/v1/hardware": {
            "get": {
                "summary": "Catalog GPUs, Macs and platforms, or the best matches for q",
                "parameters": [_param("q", "name to look up", _STRING), _param("limit", "items", {"type": "integer", "maximum": MAX_LIST})],
                "responses": {"200": {"description": "{count, total, items: [{id, name, device, memory_gb, ...}]}"}, **_ERRORS},
            }
        },
        "/v1/openapi.json": {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI 3.0"}}}},
    },
}
