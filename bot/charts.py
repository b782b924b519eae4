"""Charts under /willitrun and /compare answers: drawn in a warm worker process off the event loop, attached to
the reply when they arrive in time, never required. Every number a chart shows is also in the embed's text and
in the image's description (alt text for screen readers); if drawing fails or is late, the reply goes out
without the picture and the failure is logged.

The worker is one spawned process (Pillow only; it never imports discord or the catalog), started on first use
or by ``renderer.start()`` at start-up. A job that stays unfinished for ``STUCK_AFTER_S`` gets the worker
replaced."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import threading
import time
import weakref
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import discord

from answers.estimates import EstimateQuery, EstimateResult
from answers.side_by_side import SideBySide
from answers.speed_curve import Point, curve_contexts, speed_curve
from bot import render
from bot.chart_content import compare_alt, compare_lines, compare_spec, curve_line, estimate_alt, estimate_spec
from bot.chart_specs import ChartSpec
from bot.chart_worker import draw_chart, ready, warm_up

if TYPE_CHECKING:
    from answers.knowledge_base import KnowledgeBase

log = logging.getLogger("runlocalai.charts")

# The whole chart step of a reply (speed curve + drawing); an answer without the picture beats a late one. A reply
# not deferred (work done within DEFER_AFTER_S) still goes out well inside Discord's 3 s: 1.5 s + 0.5 s + sending.
CHART_BUDGET_S = 0.5
STUCK_AFTER_S = 10.0
WORKERS = 1
DRAWN_KEPT = 64  # PNGs kept for repeated questions (about 50 KB each)
ESTIMATE_FILENAME = "willitrun.png"
COMPARE_FILENAME = "compare.png"


class ChartRenderer:
    """A warm process pool for drawing, with a per-chart deadline."""

    def __init__(self, workers: int = WORKERS, keep: int = DRAWN_KEPT):
        self.workers = workers
        self.keep = keep
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._running: dict[Future[bytes], float] = {}
        self._drawing: dict[ChartSpec, Future[bytes]] = {}  # one job per distinct chart, however many ask at once
        self._drawn: OrderedDict[ChartSpec, bytes] = OrderedDict()  # popular questions repeat: their charts too

    def start(self) -> None:
        """Start the worker now (it warms up in the background): call at start-up so the first chart is fast."""
        self._ensure()

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)
                self._pool.submit(ready)  # spawns the worker and runs the warm-up now, not on the first chart
            return self._pool

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Start the worker if needed and wait until it has warmed up (start-up, tests, benchmarks)."""
        await asyncio.wait_for(asyncio.wrap_future(self._ensure().submit(ready)), timeout)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._drawing.clear()
        if pool is not None:
            _stop(pool)

    def _replace_if_stuck(self) -> None:
        now = time.monotonic()
        with self._lock:
            stuck = [f for f, started in self._running.items() if not f.done() and now - started > STUCK_AFTER_S]
        if stuck:
            log.warning("a chart has been drawing for over %.0f s: replacing the chart worker", STUCK_AFTER_S)
            self.close()

    async def render(self, spec: ChartSpec, timeout: float | None = None) -> bytes | None:
        """The PNG, or None (logged) if drawing failed or took longer than ``timeout`` seconds (default: the
        chart budget)."""
        timeout = CHART_BUDGET_S if timeout is None else timeout
        if timeout <= 0:
            log.warning("no time left to draw a chart; sending without it")
            return None
        with self._lock:
            if spec in self._drawn:
                self._drawn.move_to_end(spec)
                return self._drawn[spec]
            future = self._drawing.get(spec)
        if future is None:
            self._replace_if_stuck()
            try:
                future = self._ensure().submit(draw_chart, spec)
            except (BrokenProcessPool, RuntimeError):
                log.warning("chart worker unavailable; sending without the chart", exc_info=True)
                self.close()
                return None
            with self._lock:
                self._drawing[spec] = future
                self._running[future] = time.monotonic()
            future.add_done_callback(lambda f: self._done(spec, f))
        waited = asyncio.wrap_future(future)
        waited.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved even if nobody waits any more
        try:  # shielded: one reply giving up does not cancel the drawing others wait for (or the next one reuses)
            return await asyncio.wait_for(asyncio.shield(waited), timeout)
        except TimeoutError:
            log.warning("chart not drawn within %.2f s; sending without it", timeout)
        except BrokenProcessPool:
            log.warning("chart worker died; sending without the chart", exc_info=True)
            self.close()
        except Exception:
            log.exception("chart drawing failed; sending without it")
        return None

    def _done(self, spec: ChartSpec, future: Future[bytes]) -> None:
        """Runs in the pool's thread when a drawing ends: keep the PNG, forget the job."""
        with self._lock:
            self._running.pop(future, None)
            if self._drawing.get(spec) is future:
                del self._drawing[spec]
            if not future.cancelled() and future.exception() is None:
                self._drawn[spec] = future.result()
                while len(self._drawn) > self.keep:
                    self._drawn.popitem(last=False)


def _stop(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot stop a job that is running: end its worker processes (ours, by their handles)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


renderer = ChartRenderer()


# ------------------------------------------------------------------------------------------------
# Payloads
# ------------------------------------------------------------------------------------------------
async def attach(payload: dict[str, Any], spec: ChartSpec, alt: str, filename: str, timeout: float | None = None) -> dict[str, Any]:
    """Draw ``spec`` and attach it under the payload's embed (``attachment://filename``) with ``alt`` as its
    description; the payload is returned unchanged if the chart does not come."""
    png = await renderer.render(spec, timeout)
    if png is None:
        return payload
    payload["embed"].set_image(url=f"attachment://{filename}")
    payload["file"] = discord.File(io.BytesIO(png), filename=filename, description=alt)
    return payload


def curve_query(result: EstimateResult) -> EstimateQuery | None:
    """The question behind an estimate, for the speed curve (None for models or hardware outside the catalog)."""
    hardware = [h["id"] for h in result.hardware_refs]
    if ":" in result.model_ref["id"] or not hardware or "custom" in hardware:
        return None
    est = result.estimate
    return EstimateQuery(
        model=result.model_ref["id"],
        hardware=hardware,
        quant=est.quant.name,
        context=est.context,
        prompt_tokens=est.request.prompt_tokens,
        gen_tokens=est.request.gen_tokens,
        runtime=est.runtime.id,
        kv_cache=est.request.kv_cache,
    )


def add_curve_text(embed: discord.Embed, points: list[Point]) -> discord.Embed:
    """The speed curve's numbers as text: appended to the Speed field (or a field of its own)."""
    if not any(p.decode_tps is not None for p in points):
        return embed
    line = curve_line(points)
    for index, f in enumerate(embed.fields):
        if (f.name or "").startswith("Speed"):
            embed.set_field_at(index, name=f.name, value=f"{f.value}\nAs the context fills (tok/s): {line}", inline=False)
            return render.finalize(embed)
    embed.insert_field_at(min(1, len(embed.fields)), name="Speed as the context fills (tok/s)", value=line, inline=False)
    return render.finalize(embed)


_curves: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, asyncio.Future[list[Point]]]] = weakref.WeakKeyDictionary()


def _curve_task(kb: KnowledgeBase, query: EstimateQuery, contexts: list[int]) -> asyncio.Future[list[Point]]:
    """One thread computing a curve however many replies want it at once (a burst of the same question); the
    estimates it runs are cached, so later ones are quick anyway."""
    pending = _curves.setdefault(asyncio.get_running_loop(), {})
    key = (id(kb), kb.catalog.fingerprint, repr(query), tuple(contexts))
    task = pending.get(key)
    if task is None:
        task = pending[key] = asyncio.ensure_future(asyncio.to_thread(speed_curve, kb, query, contexts))
        task.add_done_callback(lambda _: pending.pop(key, None))
    return task


async def with_estimate_chart(payload: dict[str, Any], result: EstimateResult, kb: KnowledgeBase | None) -> dict[str, Any]:
    """Add the speed curve (computed by answers.speed_curve in a thread) to the embed and the chart under it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHART_BUDGET_S
    renderer.start()  # a cold worker starts while the curve is computed
    points: list[Point] = []
    query = curve_query(result)
    if kb is not None and query is not None:
        contexts = curve_contexts(result.estimate.request.model.arch.max_context, result.estimate.context)
        try:
            points = await asyncio.wait_for(asyncio.shield(_curve_task(kb, query, contexts)), deadline - loop.time())
        except TimeoutError:
            log.warning("speed curve not computed within the chart budget; chart without it")
        except Exception:
            log.exception("speed curve failed; chart without it")
    try:
        add_curve_text(payload["embed"], points)
        spec, alt = estimate_spec(result, points), estimate_alt(result, points)
    except Exception:
        log.exception("could not describe the estimate chart; sending without it")
        return payload
    return await attach(payload, spec, alt, ESTIMATE_FILENAME, deadline - loop.time())


async def with_compare_chart(payload: dict[str, Any], figures: SideBySide | None) -> dict[str, Any]:
    """Add the side-by-side numbers to the embed and the chart under it."""
    if figures is None:
        return payload
    try:
        name, value = compare_lines(figures)
        payload["embed"].add_field(name=name, value=value, inline=False)
        render.finalize(payload["embed"])
        spec, alt = compare_spec(figures), compare_alt(figures)
    except Exception:
        log.exception("could not describe the compare chart; sending without it")
        return payload
    return await attach(payload, spec, alt, COMPARE_FILENAME)
