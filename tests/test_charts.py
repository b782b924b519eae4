"""Charts under /willitrun and /compare: the figures come from the estimator, the pictures are legible PNGs on an
opaque card that stands out in both Discord themes, every number is also in the text and the alt text, and a
failed or late picture never costs the answer. Bot tests go through the real discord.py paths to the fake API,
which records the uploaded files."""

from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import Future
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from answers.advisors import compare_entries
from answers.estimates import EstimateQuery, run_estimate
from answers.render import fmt_tps
from answers.side_by_side import side_by_side
from answers.speed_curve import MAX_POINTS, curve_contexts, speed_curve
from bot import chart_content, chart_draw, charts, render
from bot.chart_specs import (
    DISCORD_DARK,
    DISCORD_LIGHT,
    HEIGHT_PX,
    MIN_FONT_PX,
    PALETTE,
    SERIES_KEYS,
    WIDTH_PX,
    BarsPanel,
    ChartSpec,
    CurvePanel,
    CurvePoint,
    Row,
    Segment,
    contrast_ratio,
    k_tokens,
)
from estimator.units import GB
from testkit.fake_discord import command_option
from testkit.interactions import answer_request, embed_text, invoke, press, sent_message

MAX_PNG_BYTES = 200_000


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image


def hex_rgb(key: str) -> tuple[int, int, int]:
    value = PALETTE[key].lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@pytest.fixture
async def warm_charts(monkeypatch):
    """A warm worker and a budget generous enough for a busy test machine: these tests are about what is
    attached; the budget itself has its own test."""
    await charts.renderer.wait_ready()
    monkeypatch.setattr(charts, "CHART_BUDGET_S", 30.0)


def q8b(context: int = 8192) -> EstimateQuery:
    return EstimateQuery(model="llama-3.1-8b-instruct", hardware=["rtx-3060-12gb"], context=context)


# ------------------------------------------------------------------------------------------------
# The figures (answers/)
# ------------------------------------------------------------------------------------------------
def test_curve_contexts_span_2k_to_the_model_limit_with_the_asked_context():
    assert curve_contexts(131_072, 8192) == [2048, 4096, 8192, 16384, 32768, 65536, 131072]
    assert curve_contexts(40_960, 32_768) == [2048, 4096, 8192, 16384, 32768, 40960]  # Qwen3's limit is a point
    assert curve_contexts(1_048_576, 3000) == [2048, 3000, 4096, 8192, 16384, 32768, 65536, 131072]  # capped at 128k
    odd = curve_contexts(1_048_576, 100_000)
    assert 100_000 in odd and odd[0] == 2048 and odd[-1] == 131072 and len(odd) <= MAX_POINTS
    assert curve_contexts(2048, 512) == [512, 2048]


def test_speed_curve_is_the_estimator_with_the_context_full(kb):
    query = q8b()
    contexts = curve_contexts(131_072, 8192)
    points = speed_curve(kb, query, contexts)
    assert [p.context for p in points] == contexts
    for p in points:
        direct = run_estimate(kb, replace(query, context=p.context, prompt_tokens=p.context - query.gen_tokens)).estimate
        assert p.decode_tps == pytest.approx(direct.decode_tps) and p.fit == direct.fit
        assert p.low == pytest.approx(direct.decode_band[0]) and p.high == pytest.approx(direct.decode_band[1])
    speeds = [p.decode_tps for p in points]
    assert speeds == sorted(speeds, reverse=True)  # a fuller context is never faster
    assert points[0].fit == "runs_well" and points[-1].fit == "offload"  # 128k spills out of 12 GB
    big = speed_curve(kb, EstimateQuery(model="llama-3.3-70b-instruct", hardware=["rtx-4090"], ram_gb=32), [2048, 131072])
    assert big[0].decode_tps is not None and big[-1].decode_tps is None and big[-1].fit == "wont_run"


def test_side_by_side_uses_the_comparisons_own_estimates(kb):
    a, b = kb.catalog.hardware_by_id("rtx-3090"), kb.catalog.hardware_by_id("rtx-4090")
    figures = side_by_side(kb, a, b)
    assert figures.kind == "hardware" and figures.model == "Llama 3.1 8B Instruct"
    rows = compare_entries(kb, a, b).payload["hardware"]
    for side, row in zip(figures.sides, rows, strict=True):
        assert round(side.decode_tps, 1) == row["decode_tokens_per_s"]  # the chart and the text agree
        assert side.decode_low < side.decode_tps < side.decode_high and side.needed_gb < side.usable_gb
    models = side_by_side(kb, kb.catalog.model("qwen3-32b"), kb.catalog.model("llama-3.3-70b-instruct"))
    assert models.kind == "models" and models.hardware == "GeForce RTX 3090"
    qwen, llama = models.sides
    assert qwen.fit == "runs_well" and qwen.ram_gb == 0 and llama.fit == "offload" and llama.ram_gb > 10


def test_two_models_without_the_reference_gpu_compare_sizes(kb, monkeypatch):
    import answers.side_by_side as module

    monkeypatch.setattr(module, "REFERENCE_GPU", "no-such-gpu")
    figures = side_by_side(kb, kb.catalog.model("qwen3-32b"), kb.catalog.model("qwen3-30b-a3b"))
    assert figures.kind == "sizes" and figures.sides[1].active_params_b
    spec = chart_content.compare_spec(figures)
    assert decode(chart_draw.render(spec)).size == (WIDTH_PX, HEIGHT_PX)
    assert "billion active" in chart_content.compare_alt(figures)


# ------------------------------------------------------------------------------------------------
# The pictures
# ------------------------------------------------------------------------------------------------
def test_palette_reads_on_the_card_and_the_card_stands_out_in_both_themes():
    card = PALETTE["card"]
    assert contrast_ratio(PALETTE["text"], card) >= 7.0  # WCAG AAA for text
    assert contrast_ratio(PALETTE["muted"], card) >= 4.5  # WCAG AA for text
    for key in SERIES_KEYS:  # WCAG 1.4.11: graphical objects at least 3:1 against what surrounds them
        assert contrast_ratio(PALETTE[key], card) >= 3.0, key
    for theme in (DISCORD_DARK, DISCORD_LIGHT):  # the card's frame is visible on either theme
        assert contrast_ratio(PALETTE["border"], theme) >= 3.0, theme
        assert contrast_ratio(PALETTE["border"], card) >= 3.0
    assert contrast_ratio(card, DISCORD_LIGHT) >= 7.0
    assert chart_draw.TEXT_PX >= MIN_FONT_PX >= 18 and chart_draw.HEADING_PX >= MIN_FONT_PX and chart_draw.TITLE_PX >= MIN_FONT_PX


def real_specs(kb) -> dict[str, ChartSpec]:
    result = run_estimate(kb, q8b())
    points = speed_curve(kb, q8b(), curve_contexts(131_072, 8192))
    offload = run_estimate(kb, EstimateQuery(model="llama-3.3-70b-instruct", hardware=["rtx-4090"]))
    gpus = side_by_side(kb, kb.catalog.hardware_by_id("rtx-3090"), kb.catalog.hardware_by_id("rtx-4090"))
    models = side_by_side(kb, kb.catalog.model("qwen3-32b"), kb.catalog.model("llama-3.3-70b-instruct"))
    return {
        "estimate": chart_content.estimate_spec(result, points),
        "estimate memory only": chart_content.estimate_spec(result, []),
        "offload": chart_content.estimate_spec(
            offload,
            speed_curve(kb, EstimateQuery(model="llama-3.3-70b-instruct", hardware=["rtx-4090"], ram_gb=32), [2048, 8192, 131072]),
        ),
        "gpus": chart_content.compare_spec(gpus),
        "models": chart_content.compare_spec(models),
        "sizes": chart_content.compare_spec(replace(models, kind="sizes")),
    }


def test_charts_are_opaque_framed_discord_sized_small_pngs(kb):
    for name, spec in real_specs(kb).items():
        png = chart_draw.render(spec)
        image = decode(png)
        assert image.size == (WIDTH_PX, HEIGHT_PX) and len(png) <= MAX_PNG_BYTES, name
        assert image.mode == "RGB", name  # no alpha: the theme never shows through
        rgb = image.convert("RGB")
        assert rgb.getpixel((0, 0)) == hex_rgb("border") and rgb.getpixel((WIDTH_PX - 1, HEIGHT_PX // 2)) == hex_rgb("border"), name
        assert rgb.getpixel((WIDTH_PX // 2, HEIGHT_PX - 6)) == hex_rgb("card"), name
        colours = {c for _, c in rgb.getcolors(maxcolors=1 << 20)}
        assert hex_rgb("text") in colours, name  # the text is drawn in its full colour, not washed out


def test_the_estimate_charts_show_their_parts(kb):
    specs = real_specs(kb)
    for name, keys in (("estimate", ("weights", "kv", "other", "speed", "offload")), ("offload", ("weights", "kv", "offload", "wont_run"))):
        colours = {c for _, c in decode(chart_draw.render(specs[name])).getcolors(maxcolors=1 << 20)}
        for key in keys:  # memory parts, points on the GPU and with offload, won't-run marks
            assert hex_rgb(key) in colours, (name, key)


def point_lists():
    point = st.builds(
        CurvePoint,
        context=st.integers(256, 2_000_000),
        tps=st.one_of(st.none(), st.floats(0, 1e5)),
        low=st.one_of(st.none(), st.floats(0, 1e5)),
        high=st.one_of(st.none(), st.floats(0, 1e5)),
        fit=st.sampled_from(["runs_well", "tight", "offload", "cpu_only", "wont_run"]),
    )
    return st.lists(point, max_size=9, unique_by=lambda p: p.context).map(lambda ps: tuple(sorted(ps, key=lambda p: p.context)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    label=st.text(max_size=200),
    values=st.lists(st.floats(0, 1e7), min_size=1, max_size=3),
    capacity=st.one_of(st.none(), st.floats(0, 1e7)),
    in_ram=st.floats(0, 1e7),
    points=point_lists(),
)
def test_drawing_survives_any_numbers_and_names(label, values, capacity, in_ram, points):
    kinds = ("weights", "kv", "other")
    row = Row(
        label, tuple(Segment(k, v) for k, v in zip(kinds, values, strict=False)), capacity=capacity, in_ram=in_ram, value_text=label[:20]
    )
    asked = points[0].context if points else None
    legend = tuple((k, label[:30]) for k in kinds)
    spec = ChartSpec(title=label, panels=(BarsPanel(label, (row, row), legend), CurvePanel(label, points, asked, label[:30])))
    image = decode(chart_draw.render(spec))
    assert image.size == (WIDTH_PX, HEIGHT_PX)


def test_long_text_is_cut_to_fit():
    text = "Llama 3.3 Nemotron Super 49B v1.5 Instruct · IQ4_XS on 2× GeForce RTX 5060 Ti 16GB + GeForce RTX 3060 12GB"
    cut = chart_draw.fit_text(text, chart_draw.TITLE_PX, 400, bold=True)
    assert cut.endswith("…") and chart_draw.text_width(cut, chart_draw.TITLE_PX, bold=True) <= 400
    assert chart_draw.fit_text("short", 18, 400) == "short"
    assert [k_tokens(c) for c in (500, 2048, 40960, 1536, 131072)] == ["500", "2k", "40k", "1.5k", "128k"]


def test_without_dejavu_the_builtin_font_still_draws(kb, monkeypatch):
    monkeypatch.setattr(chart_draw, "FONT_FILES", {False: "no-such-font.ttf", True: "no-such-font-bold.ttf"})
    chart_draw.font.cache_clear()
    try:
        assert decode(chart_draw.render(real_specs(kb)["estimate"])).size == (WIDTH_PX, HEIGHT_PX)
    finally:
        chart_draw.font.cache_clear()


def test_alt_text_says_it_in_words_with_the_numbers(kb):
    result = run_estimate(kb, q8b())
    points = speed_curve(kb, q8b(), curve_contexts(131_072, 8192))
    alt = chart_content.estimate_alt(result, points)
    m = result.estimate.memory
    for number in (m.total, m.available, m.weights, m.kv_cache):
        assert f"{number / GB:.1f} GB" in alt
    assert "8k (asked) " + fmt_tps(points[2].decode_tps) in alt and "with CPU offload" in alt
    assert all(fmt_tps(p.decode_tps) in alt for p in points)
    assert len(alt) <= chart_content.ALT_TEXT_MAX
    long = replace(result, model_ref={"id": "x", "name": "M" * 2000})
    assert len(chart_content.estimate_alt(long, points)) <= chart_content.ALT_TEXT_MAX


# ------------------------------------------------------------------------------------------------
# The worker
# ------------------------------------------------------------------------------------------------
SMALL = ChartSpec(title="t", panels=(BarsPanel("m", (Row("a", (Segment("weights", 1.0),), capacity=2.0),)),))


async def test_a_dead_worker_is_replaced(caplog):
    renderer = charts.ChartRenderer()
    try:
        await renderer.wait_ready()
        assert renderer._pool is not None
        for process in list(renderer._pool._processes.values()):  # type: ignore[attr-defined]
            process.kill()
            process.join()
        with caplog.at_level(logging.WARNING, logger="runlocalai.charts"):
            assert await renderer.render(SMALL, timeout=30) is None
        assert "worker" in caplog.text
        png = await renderer.render(SMALL, timeout=60)
        assert png is not None and decode(png).size == (WIDTH_PX, HEIGHT_PX)
    finally:
        renderer.close()


async def test_a_stuck_job_gets_the_worker_replaced(caplog):
    renderer = charts.ChartRenderer()
    try:
        await renderer.wait_ready()
        old = renderer._pool
        renderer._running[Future()] = 0.0  # a job that started long ago and never finished
        with caplog.at_level(logging.WARNING, logger="runlocalai.charts"):
            png = await renderer.render(SMALL, timeout=60)
        assert png is not None and renderer._pool is not old and "replacing the chart worker" in caplog.text
    finally:
        renderer.close()


# ------------------------------------------------------------------------------------------------
# Through the bot and the fake Discord API
# ------------------------------------------------------------------------------------------------
WILLITRUN = [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-3060-12gb")]


async def test_willitrun_attaches_its_chart_with_alt_text(bot, fake, warm_charts):
    payload, _, message = await invoke(bot, fake, "willitrun", WILLITRUN)
    request = await answer_request(fake, payload)
    assert [f.filename for f in request.files] == ["willitrun.png"]
    upload = request.files[0]
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n") and len(upload.data) <= MAX_PNG_BYTES
    assert decode(upload.data).size == (WIDTH_PX, HEIGHT_PX)
    embed = message["embeds"][0]
    assert embed["image"]["url"] == "attachment://willitrun.png"
    assert message["attachments"] == [{"id": 0, "filename": "willitrun.png", "description": upload.description}]
    stored = sent_message(fake, payload, message)
    attachment = stored["attachments"][0]
    assert attachment["filename"] == "willitrun.png" and attachment["content_type"] == "image/png"
    assert attachment["size"] == len(upload.data)

    result = run_estimate(bot.kb, q8b())
    points = speed_curve(bot.kb, charts.curve_query(result), curve_contexts(131_072, 8192))
    m = result.estimate.memory
    numbers = [f"{m.total / GB:.1f}", f"{m.available / GB:.1f}", f"{m.weights / GB:.1f}", f"{m.kv_cache / GB:.1f}"]
    numbers += [fmt_tps(p.decode_tps) for p in points]
    text = embed_text(message)
    for number in numbers:  # the alt text and the embed both carry every number the picture shows
        assert number in upload.description, number
        assert number in text, number
    assert "As the context fills (tok/s): 2k " in text and "8k (asked)" in upload.description
    assert "Memory bar" in upload.description and "generation speed" in upload.description


async def reference_embed(bot) -> dict:
    """The /willitrun embed as it reads without any picture (the text fields are the whole answer)."""
    result = run_estimate(bot.kb, q8b())
    embed = render.estimate_embed(result)
    points = speed_curve(bot.kb, charts.curve_query(result), curve_contexts(131_072, 8192))
    return charts.add_curve_text(embed, points).to_dict()


async def test_a_failed_drawing_still_sends_the_complete_answer(bot, fake, warm_charts, monkeypatch, caplog):
    broken = ChartSpec(title="x", panels=(BarsPanel("m", (Row("a", (Segment("no-such-colour", 1.0),)),)),))
    monkeypatch.setattr(charts, "estimate_spec", lambda result, points: broken)  # fails inside the worker
    with caplog.at_level(logging.WARNING, logger="runlocalai.charts"):
        payload, _, message = await invoke(bot, fake, "willitrun", WILLITRUN)
    request = await answer_request(fake, payload)
    assert request.files == [] and "image" not in message["embeds"][0] and not message.get("attachments")
    assert message["embeds"][0] == await reference_embed(bot)
    assert [b["label"] for b in message["components"][0]["components"]]  # the buttons are still there
    assert "chart drawing failed" in caplog.text and "KeyError" in caplog.text


async def test_a_late_chart_is_left_out(bot, fake, monkeypatch, caplog):
    await charts.renderer.wait_ready()
    monkeypatch.setattr(charts, "CHART_BUDGET_S", 0.0)
    with caplog.at_level(logging.WARNING, logger="runlocalai.charts"):
        payload, _, message = await invoke(bot, fake, "willitrun", WILLITRUN)
    request = await answer_request(fake, payload)
    assert request.files == [] and "image" not in message["embeds"][0]
    names = [f["name"] for f in message["embeds"][0]["fields"]]
    assert names[:2] == ["Memory", "Speed (estimated)"] or names[:2] == ["Memory", "Speed (measured)"]
    assert "without" in caplog.text


async def test_willitrun_follow_ups_work_and_carry_charts(bot, fake, warm_charts):
    payload, _, message = await invoke(
        bot, fake, "willitrun", [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-4090")]
    )
    buttons = {b["label"]: b["custom_id"] for b in message["components"][0]["components"]}
    stored = sent_message(fake, payload, message)
    lower, request = await press(bot, fake, buttons["Lower quant"], stored)
    assert "Q4_K_S" in lower["embeds"][0]["footer"]["text"] and lower["flags"] & 64
    assert [f.filename for f in request.files] == ["willitrun.png"] and "Q4_K_S" in request.files[0].description
    assert lower["embeds"][0]["image"]["url"] == "attachment://willitrun.png"
    _, request = await press(bot, fake, buttons["Max context"], stored)
    assert [f.filename for f in request.files] == ["willitrun.png"] and "(asked)" in request.files[0].description
    measured, request = await press(bot, fake, buttons["Measured benchmarks"], stored)
    assert measured["embeds"][0]["title"].startswith("Measured:") and request.files == []


async def test_compare_gpus_attaches_a_side_by_side_chart(bot, fake, warm_charts):
    payload, _, message = await invoke(bot, fake, "compare", [command_option("a", "hardware:rtx-3090"), command_option("b", "4090")])
    request = await answer_request(fake, payload)
    assert [f.filename for f in request.files] == ["compare.png"]
    upload = request.files[0]
    assert decode(upload.data).size == (WIDTH_PX, HEIGHT_PX) and len(upload.data) <= MAX_PNG_BYTES
    assert message["embeds"][0]["image"]["url"] == "attachment://compare.png"
    figures = side_by_side(bot.kb, bot.kb.catalog.hardware_by_id("rtx-3090"), bot.kb.catalog.hardware_by_id("rtx-4090"))
    text = embed_text(message)
    assert "Choose" in text and "Running Llama 3.1 8B Instruct Q4_K_M at 8,192 tokens" in text
    for side in figures.sides:
        for number in (side.name, fmt_tps(side.decode_tps), f"{side.needed_gb:.1f}", f"{side.usable_gb:.1f}"):
            assert number in upload.description and number in text, number


async def test_compare_models_attaches_memory_and_speed_on_the_reference_gpu(bot, fake, warm_charts):
    payload, _, message = await invoke(bot, fake, "compare", [command_option("a", "qwen3 32b"), command_option("b", "llama 3.3 70b")])
    request = await answer_request(fake, payload)
    upload = request.files[0]
    assert upload.filename == "compare.png" and decode(upload.data).size == (WIDTH_PX, HEIGHT_PX)
    text = embed_text(message)
    assert "On a GeForce RTX 3090 (Q4_K_M, 8,192 tokens)" in text and "in system RAM" in text
    assert "Qwen3 32B" in upload.description and "Llama 3.3 70B" in upload.description and "offload" in upload.description


def test_alt_text_names_where_the_model_runs(kb):
    cpu = EstimateQuery(model="llama-3.1-8b-instruct", hardware=["ryzen-7-3700x"])
    result = run_estimate(kb, cpu)
    alt = chart_content.estimate_alt(result, speed_curve(kb, charts.curve_query(result), [2048, 8192]))
    assert "CPU only (slow)" in alt and "usable RAM (CPU only)" in alt and "on the CPU" in alt and "offload" not in alt
    huge = run_estimate(kb, EstimateQuery(model="llama-3.1-405b-instruct", hardware=["rtx-3060-12gb"], ram_gb=32))
    alt = chart_content.estimate_alt(huge, [])
    assert "won't run" in alt and "in system RAM" not in alt and "hold together" in alt
    assert chart_content.estimate_spec(huge, []).panels[0].rows[0].in_ram == 0  # nothing to split: it does not run
    two = run_estimate(kb, EstimateQuery(model="llama-3.3-70b-instruct", hardware=["rtx-3090"], gpus=2, context=32768))
    assert "GB on the 2 GPUs and" in chart_content.estimate_alt(two, [])


def test_the_chart_budget_keeps_an_undeferred_reply_inside_discords_3_seconds():
    from bot.respond import DEFER_AFTER_S

    assert DEFER_AFTER_S + charts.CHART_BUDGET_S <= 2.0  # leaves a second for sending the reply under load


async def test_the_same_chart_asked_for_at_once_is_drawn_once(monkeypatch):
    from bot.chart_worker import draw_chart

    renderer = charts.ChartRenderer()
    try:
        await renderer.wait_ready()
        pool = renderer._ensure()
        submitted = []
        original = pool.submit

        def counting(fn, *args):
            submitted.append(fn)
            return original(fn, *args)

        monkeypatch.setattr(pool, "submit", counting)
        pngs = await asyncio.gather(*(renderer.render(SMALL, timeout=30) for _ in range(5)))
        assert pngs[0] is not None and len(set(pngs)) == 1 and submitted.count(draw_chart) == 1
        assert await renderer.render(SMALL, timeout=0.001) == pngs[0]  # kept: a repeated question gets it at once
    finally:
        renderer.close()


async def test_a_burst_of_the_same_question_computes_one_speed_curve(kb, monkeypatch, warm_charts):
    calls = []

    def counting(*args):
        calls.append(args)
        return speed_curve(*args)

    monkeypatch.setattr(charts, "speed_curve", counting)
    result = run_estimate(kb, EstimateQuery(model="qwen3-14b", hardware=["rtx-4060-ti-16gb"], context=16384))
    payloads = await asyncio.gather(*(charts.with_estimate_chart({"embed": render.estimate_embed(result)}, result, kb) for _ in range(6)))
    assert len(calls) == 1 and all(p["file"].filename == "willitrun.png" for p in payloads)
