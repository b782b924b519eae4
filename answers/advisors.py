"""Decisions built on the estimator: what runs on a machine, which GPU to buy, A versus B, local versus cloud.

Every number comes from the same estimate the will-it-run answer gives (answers.estimates.run_estimate), so
the advisors never disagree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from answers.defaults import DEFAULT_CONTEXT, MAX_CONTEXT, MIN_CONTEXT
from answers.entities import Entities
from answers.estimates import EstimateQuery, EstimateResult, build_system, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.lookup import POPULAR
from answers.setups import Setup
from answers.user_errors import InputError
from estimator.runtimes import find_runtime
from knowledge.schema import Hardware, Model, Tool

DEFAULT_TARGET_MODEL = "llama-3.1-8b-instruct"
DEFAULT_ELECTRICITY = 0.15  # USD per kWh
GENERATION_POWER_SHARE = 0.8  # share of TDP drawn while generating
USED_FRACTION = 0.6  # used price assumed when none is on record (stated in the answer)
MIN_USEFUL_TPS = 5.0
MIN_OFFLOAD_TPS = 2.0
IDLE_WATTS = 30.0
MAX_CARDS = 4  # multi-GPU builds considered by choose_gpu


class AdvisorError(InputError):
    """A question the advisors cannot answer as asked (a user error: shown as is)."""


@dataclass
class AdvisorResult:
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


def price_of(hw: Hardware, used: bool) -> tuple[float | None, str]:
    """(price in USD, how we know it): a recorded used price, else the launch price (or 60 % of it for "used")."""
    if used and hw.used_price:
        return hw.used_price.usd, f"used, {hw.used_price.date:%b %Y}"
    if hw.launch_price:
        if used:
            return hw.launch_price.usd * USED_FRACTION, "assumed 60% of launch"
        return hw.launch_price.usd, f"launch {hw.launch_price.date.year}"
    if hw.used_price:
        return hw.used_price.usd, f"used, {hw.used_price.date:%b %Y}"
    return None, ""


USES = {
    "any": lambda m: True,
    "chat": lambda m: m.variant in {"instruct", "reasoning"},
    "code": lambda m: m.variant == "code" or "coder" in m.family or "code" in m.id,
    "reasoning": lambda m: m.variant == "reasoning" or any(k in m.id for k in ("r1", "qwq", "thinking", "reasoning", "magistral")),
    "vision": lambda m: "image" in m.modalities,
}
GOOD_QUANTS = {"F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_K_S", "IQ4_XS", "MXFP4"}  # little quality loss
TIER_TITLES = {
    "runs_well": "Runs fully on the GPU",
    "tight": "Fits, but tight",
    "offload": "With CPU offload (slower)",
    "cpu_only": "CPU only",
}


def _check_context(context: int) -> None:
    if not MIN_CONTEXT <= context <= MAX_CONTEXT:
        raise AdvisorError(f"Context must be between {MIN_CONTEXT:,} and {MAX_CONTEXT:,} tokens.")


def _setup(where: Setup | str) -> Setup:
    return where if isinstance(where, Setup) else Setup(hardware=[where])


def what_can_i_run(
    kb: KnowledgeBase,
    where: Setup | str,
    context: int = DEFAULT_CONTEXT,
    use: str = "any",
    per_tier: int = 8,
    only: set[str] | None = None,
    title: str | None = None,
) -> AdvisorResult:
    """The best catalog models that run on this machine (by published quality, else size and date), by tier;
    ``only``: among these model ids (one family, "qwen3 on a 3090"), named ``title`` in the heading."""
    if use not in USES:
        raise AdvisorError(f"Unknown use {use!r}: choose one of {', '.join(USES)}.")
    _check_context(context)
    setup = _setup(where)
    query = setup.apply(EstimateQuery(model="-"))
    system, refs = build_system(kb, query)
    label = setup.label or " + ".join(r["name"] for r in refs) or "CPU + RAM"
    options = kb.grid.models_on(system, refs[0]["id"] if refs else "custom", context)
    # RAM not given: the grid lets offload use any amount (a single estimate answers "offload" with a RAM warning),
    # but a list of suggestions should hold to the RAM it assumed rather than offer a 235B model to a 3060
    ram_cap_gb = _assumed_capacity_gb(system) if system.ram_assumed and not system.unified else None
    keep = USES[use]
    tiers: dict[str, list[tuple[Model, Any, Any]]] = {}
    for option in options:
        model = kb.catalog.model(option.model_id)
        if model is None or not keep(model) or model.variant in {"base", "embedding"} or model.architecture.max_context < context:
            continue
        if only is not None and model.id not in only:
            continue
        if option.fit in {"offload", "cpu_only"} and option.decode_tps < MIN_OFFLOAD_TPS:
            continue  # runs, technically, but too slow to be worth listing
        if ram_cap_gb is not None and option.fit == "offload" and option.total_gb > ram_cap_gb:
            continue
        tiers.setdefault(option.fit, []).append((model, option, kb.quality.quality(model, use)))
    lines = [f"{title or 'Models'} for {label} at {context:,} tokens" + (f" ({use})" if use != "any" else "") + ", best first:"]
    payload: dict[str, Any] = {"tiers": {}, "ranking": "published quality figures where the catalog has them, else size and date"}
    for tier in ("runs_well", "tight", "offload", "cpu_only"):
        entries = sorted(tiers.get(tier, []), key=lambda mo: (mo[1].quant not in GOOD_QUANTS, -mo[2].score, -mo[1].decode_tps))
        entries = entries[:per_tier]
        if not entries:
            continue
        payload["tiers"][tier] = [
            {
                "id": m.id,
                "name": m.name,
                "quant": o.quant,
                "decode_tokens_per_s": round(o.decode_tps, 1),
                "quality": round(q.score, 3),
                "quality_published": q.published,
            }
            for m, o, q in entries
        ]
        lines.append(f"{TIER_TITLES[tier]}:")
        lines.extend(f"- {m.name} ({m.params_b:g}B) at {o.quant}, ~{o.decode_tps:.0f} tok/s" for m, o, _ in entries)
    if len(lines) == 1:
        lines.append("Nothing in the catalog fits, even with offload.")
    else:
        lines.append("Ranked by published benchmark scores where the catalog has them, otherwise by size and release date.")
    return AdvisorResult("\n".join(lines), payload)


# ------------------------------------------------------------------------------------------------
# Which GPU to buy
# ------------------------------------------------------------------------------------------------
def _assumed_capacity_gb(system: Any) -> float:
    """GPU memory plus the usable part of the RAM the estimate assumed, in GB."""
    from estimator.hardware import desktop_reserves, usable_gpu_bytes, usable_ram_bytes

    gpu = sum(usable_gpu_bytes(d, system.wired_limit_gib, r) for d, r in zip(system.gpus, desktop_reserves(system), strict=True))
    return (gpu + usable_ram_bytes(system)) / 1e9


def _nominal_size(name: str) -> float | None:
    """The size a model's name states ("Qwen2.5 72B Instruct" -> 72.0), which is what people write ("a 72b")."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*B\b", name)
    return float(match.group(1)) if match else None


def representative_model(kb: KnowledgeBase, size_b: float, use: str | None = None) -> Model:
    """The newest original (not a fine-tune of another catalog model) instruct model of a size class ("32B models"
    -> a current 32B model; "70b" -> Llama 3.3 70B rather than a community fine-tune of it)."""
    keep = USES.get({"coding": "code"}.get(use or "", use or "any"), USES["any"])
    candidates = [m for m in kb.catalog.models if m.variant != "base" and not m.active_params_b and keep(m)]
    if not candidates:
        candidates = [m for m in kb.catalog.models if m.variant != "base"]
    return min(
        candidates,
        key=lambda m: (
            abs(m.params_b - size_b) / size_b > 0.15,
            _nominal_size(m.name) != size_b,  # "72b" is a 72B model by name (Qwen2.5 72B), not Llama 3.3 70B
            m.base_model is not None,
            m.id not in POPULAR["model"],  # the models people ask about most stand for their size
            use in (None, "any", "chat") and (m.modalities != ["text"] or m.variant != "instruct"),  # plain chat models
            -(m.release_date.toordinal() if m.release_date else 0),
            abs(m.params_b - size_b),
        ),
    )


@dataclass(frozen=True)
class Build:
    hardware: Hardware
    cards: int
    price_usd: float
    price_basis: str


NEW_SALE_YEARS = 5  # a card launched more than this many years before the catalog's newest is not bought new


def _candidate_builds(kb: KnowledgeBase, budget: float | None, used: bool) -> list[Build]:
    builds = []
    newest = max((hw.launch_price.date.year for hw in kb.catalog.hardware if hw.launch_price), default=0)
    for hw in kb.catalog.hardware:
        if hw.device == "cpu":
            continue
        if not used and hw.launch_price and hw.launch_price.date.year < newest - NEW_SALE_YEARS:
            continue  # an RX 580 or a 1080 Ti at its 2017 launch price is not an offer anyone can take
        price, basis = price_of(hw, used)
        if price is None:
            continue
        for cards in range(1, (MAX_CARDS if hw.device == "gpu" and hw.segment in {"desktop", "workstation", "datacenter"} else 1) + 1):
            if budget is not None and price * cards > budget:
                break
            builds.append(Build(hw, cards, price * cards, basis))
    return builds


MULTI_CARD_CANDIDATES = 12  # multi-GPU builds estimated one by one (the cheapest that can hold the model)


def _shortlist(kb: KnowledgeBase, model: Model, context: int, builds: list[Build], single: dict[str, Any]) -> list[Build]:
    """Single cards that run the model, plus the cheapest few multi-card builds with just enough memory for it
    (a second card adds memory, not speed, so only the smallest count that fits is worth estimating)."""
    need = run_estimate(kb, EstimateQuery(model=model.id, context=context, vram_gb=4096, bandwidth_gbs=1000)).estimate.memory.total / 2**30
    singles = [b for b in builds if b.cards == 1 and b.hardware.id in single]
    multi = [
        b
        for b in builds
        if b.cards > 1
        and not (b.hardware.id in single and single[b.hardware.id].quant in GOOD_QUANTS)
        and b.hardware.memory_gb * b.cards * 0.97 >= need  # may just fit (2x 24 GB for a 43 GiB 70B): let the estimate say
        and b.hardware.memory_gb * (b.cards - 1) * 0.9 < need  # one card fewer surely does not: one more is only kept then
    ]
    multi.sort(key=lambda b: b.price_usd)
    return singles + multi[:MULTI_CARD_CANDIDATES]


def _vram_target_answer(kb: KnowledgeBase, target_gb: float, budget: float | None, used: bool, limit: int) -> AdvisorResult:
    rows: list[dict[str, Any]] = []
    for build in _candidate_builds(kb, budget, used):
        total = build.hardware.memory_gb * build.cards
        if total < target_gb or (build.cards > 1 and build.hardware.memory_gb * (build.cards - 1) >= target_gb):
            continue
        rows.append(
            {
                "id": build.hardware.id,
                "name": build.hardware.name,
                "cards": build.cards,
                "memory_gb": total,
                "bandwidth_gbs": build.hardware.bandwidth_gbs,
                "price_usd": round(build.price_usd),
                "price_basis": build.price_basis,
                "usd_per_gb": build.price_usd / total,
            }
        )
    if not rows:
        where = f" under ${budget:,.0f}" if budget else ""
        raise AdvisorError(f"No GPU build{where} in the catalog reaches {target_gb:g} GB of GPU memory.")
    rows.sort(key=lambda r: (r["price_usd"], -r["bandwidth_gbs"]))
    ranking = rows[:limit]
    lines = [f"Cheapest ways to {target_gb:g} GB of GPU memory" + (f" under ${budget:,.0f}" if budget else "") + ":"]
    for i, r in enumerate(ranking, 1):
        cards = f"{r['cards']}× " if r["cards"] > 1 else ""
        lines.append(
            f"{i}. {cards}{r['name']}: {r['memory_gb']:g} GB for ~${r['price_usd']:,} ({r['price_basis']}), {r['bandwidth_gbs']:g} GB/s"
        )
    lines.append(
        "Several cards add memory, not speed (llama.cpp splits layers across them). "
        "Prices are launch prices unless a used price is on record."
    )
    return AdvisorResult("\n".join(lines), {"ranking": ranking, "target_vram_gb": target_gb})


def choose_gpu(
    kb: KnowledgeBase,
    model_id: str | None,
    context: int = DEFAULT_CONTEXT,
    budget: float | None = None,
    used: bool = False,
    limit: int = 8,
    size_class_b: float | None = None,
    target_vram_gb: float | None = None,
    use_case: str | None = None,
) -> AdvisorResult:
    """GPUs (or builds of up to four identical cards, and unified machines) ranked by value for a target: a
    model, a size class ("32B models") or an amount of GPU memory ("48 GB of VRAM")."""
    if budget is not None and not 0 < budget <= 1_000_000:
        raise AdvisorError("Budget must be a positive amount in USD.")
    _check_context(context)
    assumptions: list[str] = []
    if target_vram_gb and not model_id:
        result = _vram_target_answer(kb, target_vram_gb, budget, used, limit)
        result.payload["assumptions"] = assumptions
        return result
    if model_id:
        model = kb.catalog.model(model_id)
        if model is None:
            raise AdvisorError(f"Unknown model {model_id!r}.")
    elif size_class_b:
        model = representative_model(kb, size_class_b, use_case)
        assumptions.append(f"{model.name} as a typical {size_class_b:g}B model")
    else:
        model = kb.catalog.model(DEFAULT_TARGET_MODEL)
        assert model is not None
        assumptions.append(f"{model.name} as the target (name a model or a size such as 32B for a better ranking)")
    rows: list[dict[str, Any]] = []
    single = {o.hardware_id: o for o in kb.grid.hardware_for(model.id, context)}
    for build in _shortlist(kb, model, context, _candidate_builds(kb, budget, used), single):
        hw = build.hardware
        if build.cards == 1:
            option = single[hw.id]
            quant, fit, tps = option.quant, option.fit, option.decode_tps
        else:
            try:
                res = run_estimate(kb, EstimateQuery(model=model.id, hardware=[hw.id], gpus=build.cards, context=context))
            except InputError:
                continue
            if res.estimate.fit not in {"runs_well", "tight"} or res.estimate.decode_tps is None:
                continue
            quant, fit, tps = res.estimate.quant.name, res.estimate.fit, res.estimate.decode_tps
        if tps < MIN_USEFUL_TPS:
            continue
        rows.append(
            {
                "id": hw.id,
                "name": hw.name,
                "cards": build.cards,
                "price_usd": round(build.price_usd),
                "price_basis": build.price_basis,
                "quant": quant,
                "fit": fit,
                "decode_tokens_per_s": round(tps, 1),
                "memory_gb": hw.memory_gb * build.cards,
                "value": tps / build.price_usd * 1000,
            }
        )
    if not rows:
        where = f" under ${budget:,.0f}" if budget else ""
        raise AdvisorError(f"No GPU build{where} in the catalog runs {model.name} fully in memory at {context:,} tokens.")
    decent = [r for r in rows if r["quant"] in GOOD_QUANTS]
    if len(decent) >= 3:  # plenty of builds run it at a quality quant: don't recommend 2-3 bit squeezes
        rows = decent
    by_memory = not model_id and not size_class_b  # no target: memory decides which models fit, so it comes first
    rows.sort(key=lambda r: (r["quant"] not in GOOD_QUANTS, -r["memory_gb"] if by_memory else 0, -r["value"]))
    ranking = rows[:limit]
    head = (
        f"GPUs for {model.name} at {context:,} tokens" + (f" under ${budget:,.0f}" if budget else "") + (" (used prices)" if used else "")
    )
    order = "most memory first, then tok/s per $1000" if by_memory else "best value first (tok/s per $1000)"
    lines = [f"{head}, {order}:"]
    for i, r in enumerate(ranking, 1):
        cards = f"{r['cards']}× " if r["cards"] > 1 else ""
        lines.append(
            f"{i}. {cards}{r['name']}: ~${r['price_usd']:,} ({r['price_basis']}), {r['quant']} {r['fit'].replace('_', ' ')}, "
            f"~{r['decode_tokens_per_s']:.0f} tok/s, {r['value']:.0f} tok/s per $1000"
        )
    lines.append("Prices are launch prices unless a used price is on record; check current listings.")
    if not used:
        lines.append(f'Cards launched over {NEW_SALE_YEARS} years ago are left out: say "used" for second-hand ones (RTX 3090...).')
    return AdvisorResult("\n".join(lines), {"ranking": ranking, "model": model.id, "context": context, "assumptions": assumptions})


# ------------------------------------------------------------------------------------------------
# A versus B
# ------------------------------------------------------------------------------------------------
def use_of(entities: Entities) -> str:
    """The ranking use a message names ("for coding" -> "code"), else "any"."""
    use = {"coding": "code", "roleplay": "chat"}.get(entities.signals.use_case or "", entities.signals.use_case or "any")
    return use if use in USES else "any"


def compare(kb: KnowledgeBase, entities: Entities) -> AdvisorResult:
    if len(entities.models) >= 2:
        a, b = kb.catalog.model(entities.models[0].id), kb.catalog.model(entities.models[1].id)
        assert a is not None and b is not None
        return _compare_models(kb, a, b, entities.context, [h.id for h in entities.hardware], use_of(entities))
    hardware = list(dict.fromkeys(h.id for h in entities.hardware))
    if len(hardware) >= 2:
        setups = [Setup(hardware=[hardware[0]]), Setup(hardware=[hardware[1]])]
        return compare_setups(kb, setups, entities.model.id if entities.model else None, entities.context)
    raise AdvisorError('Name two models or two GPUs to compare, e.g. "3090 vs 4090".')


def compare_entries(
    kb: KnowledgeBase, a: Model | Hardware, b: Model | Hardware, context: int | None = None, use: str = "any"
) -> AdvisorResult:
    """Two catalog entries of the same kind side by side (what /compare and `runlocalai compare` call); ``use``
    picks the benchmarks two models are judged on."""
    if a.kind != b.kind:
        raise AdvisorError("Compare two models or two GPUs, not one of each (a model on a GPU is a will-it-run question).")
    if a.id == b.id:
        raise AdvisorError(f"Both sides are {a.title}: name two different ones.")
    if isinstance(a, Model) and isinstance(b, Model):
        return _compare_models(kb, a, b, context, [], use if use in USES else "any")
    return compare_setups(kb, [Setup(hardware=[a.id]), Setup(hardware=[b.id])], None, context)


def _compare_models(kb: KnowledgeBase, a: Model, b: Model, context: int | None, hardware: list[str], use: str = "any") -> AdvisorResult:
    rows: list[dict[str, Any]] = []
    qualities = {m.id: kb.quality.quality(m, use) for m in (a, b)}
    for m in (a, b):
        size = f"{m.params_b:g}B" + (f" ({m.active_params_b:g}B active)" if m.active_params_b else "")
        quality = qualities[m.id]
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "size": size,
                "context": m.architecture.max_context,
                "license": m.license,
                "released": str(m.release_date or "?"),
                "quality": round(quality.score, 3),
                "quality_published": quality.published,
            }
        )
    lines = [f"{a.name} vs {b.name}:"]
    for r in rows:
        lines.append(f"- {r['name']}: {r['size']}, context {r['context']:,}, {r['license']}, released {r['released']}")
    for m in (a, b) if hardware else ():
        try:
            res = run_estimate(kb, EstimateQuery(model=m.id, hardware=hardware, context=context or DEFAULT_CONTEXT))
        except InputError:
            continue
        tps = f"~{res.estimate.decode_tps:.0f} tok/s" if res.estimate.decode_tps else "does not run"
        lines.append(f"  on your hardware: {m.name} {res.estimate.fit.replace('_', ' ')} at {res.estimate.quant.name}, {tps}")
    small, big = sorted((a, b), key=lambda m: m.active_params_b or m.params_b)
    better = max((a, b), key=lambda m: qualities[m.id].score)
    worse = b if better is a else a
    basis = "published benchmarks" if all(q.published for q in qualities.values()) else "published benchmarks and size/date estimates"
    for_use = {"code": " for coding", "reasoning": " for reasoning", "chat": " for chat", "vision": " for vision"}.get(use, "")
    same_size = (big.active_params_b or big.params_b) <= 1.15 * (small.active_params_b or small.params_b)
    if abs(qualities[a.id].score - qualities[b.id].score) >= 0.03:
        lines.append(f"Quality{for_use}: {better.name} scores higher than {worse.name} ({basis}).")
    if same_size:
        lines.append("They need about the same memory and run at about the same speed; pick on quality, context and license.")
    elif better is small:
        lines.append(f"Choose {small.name}: it is smaller and faster, and scores at least as well.")
    else:
        lines.append(
            f"Choose {small.name} if speed and memory matter most; "
            f"choose {big.name} if you have the memory and want the larger model's quality."
        )
    if a.architecture.max_context != b.architecture.max_context:
        longer = max((a, b), key=lambda m: m.architecture.max_context)
        lines.append(f"Choose {longer.name} for long documents (trained for {longer.architecture.max_context:,} tokens).")
    return AdvisorResult("\n".join(lines), {"models": rows})


def compare_tools(
    kb: KnowledgeBase, a: Tool, b: Tool, setup: Setup | None = None, model_id: str | None = None, context: int | None = None
) -> AdvisorResult:
    """Two runtimes or apps side by side: what each is, what it loads and runs on, and, when both are runtimes the
    estimator models, each one's speed on one model and machine (its own default format, said beside the figure)."""
    if a.id == b.id:
        raise AdvisorError(f"Both sides are {a.name}: name two different ones.")
    lines = [f"{a.name} vs {b.name}:"]
    rows: list[dict[str, Any]] = []
    for tool in (a, b):
        bases = [getattr(kb.catalog.get("tool", t), "name", t) for t in tool.based_on]
        built = f" Built on {', '.join(bases)}." if bases else ""
        api = ", OpenAI-compatible API" if tool.openai_api else ""
        lines.append(
            f"- {tool.name} ({tool.category}): {_first_sentence(tool.summary)}{built} Runs on {', '.join(tool.backends)}; "
            f"loads {', '.join(tool.formats)}{api}."
        )
        rows.append({"id": tool.id, "name": tool.name, "category": tool.category, "backends": tool.backends, "formats": tool.formats})
    model = kb.catalog.model(model_id or DEFAULT_TARGET_MODEL)
    where = setup if setup is not None and not setup.empty else Setup(hardware=["rtx-3090"])
    speeds = []
    for tool, row in zip((a, b), rows, strict=True):
        runtime = runtime_for_tool(tool.id)
        if runtime is None or model is None:
            continue
        try:
            res = run_estimate(kb, where.apply(EstimateQuery(model=model.id, runtime=runtime, context=context or DEFAULT_CONTEXT)))
        except InputError:
            continue
        if res.estimate.decode_tps:
            row["decode_tokens_per_s"] = round(res.estimate.decode_tps, 1)
            row["quant"] = res.estimate.quant.name
            speeds.append(f"{tool.name} ~{res.estimate.decode_tps:.0f} tok/s at {res.estimate.quant.name}")
    if len(speeds) == 2:
        machine = where.label or " + ".join(res.hardware_refs[i]["name"] for i in range(len(res.hardware_refs)))
        lines.append(f"Speed, {model.name if model else ''} on {machine}: " + "; ".join(speeds) + ".")
        if rows[0].get("quant") == rows[1].get("quant") and {runtime_engine(a.id), runtime_engine(b.id)} == {"llama.cpp"}:
            lines.append("Same engine and format underneath: the difference is mostly defaults (context size, offload, flash attention).")
        elif rows[0].get("quant") != rows[1].get("quant"):
            lines.append("Each at the format it usually runs; at the same bits per weight the gap narrows.")
    for tool in (a, b):
        if tool.strengths:
            lines.append(f"Choose {tool.name} for: {tool.strengths[0][0].lower()}{tool.strengths[0][1:].rstrip('.')}.")
    return AdvisorResult("\n".join(lines), {"tools": rows, "model": model.id if model else None})


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[a-z0-9)])\. (?=[A-Z])", text.strip(), maxsplit=1)[0].rstrip(".") + "."


def runtime_engine(tool_id: str) -> str | None:
    found = find_runtime(tool_id)
    return found.engine if found else None


def runtime_for_tool(tool_id: str) -> str | None:
    """The estimator's runtime for a catalog tool (same ids), if it models one."""
    found = find_runtime(tool_id)
    return found.id if found else None


def _setup_row(
    kb: KnowledgeBase, setup: Setup, model: Model, context: int, used: bool = False
) -> tuple[dict[str, Any], EstimateResult | None]:
    query = setup.apply(EstimateQuery(model=model.id, context=context))
    system, refs = build_system(kb, query)
    memory = sum(g.memory_gib for g in system.gpus) if system.gpus else system.ram_gib
    bandwidth = max((g.bandwidth_gbs for g in system.gpus), default=system.ram_bandwidth_gbs)
    entries = [kb.catalog.hardware_by_id(r["id"]) for r in refs]
    prices = [price_of(e, used)[0] for e in entries if e is not None]
    price = sum(p for p in prices if p) if prices and all(prices) else None
    try:
        result: EstimateResult | None = run_estimate(kb, query)
    except InputError:
        result = None
    est = result.estimate if result else None
    row = {
        "label": setup.label or " + ".join(r["name"] for r in refs),
        "hardware": [r["id"] for r in refs],
        "memory_gb": round(memory, 1),
        "bandwidth_gbs": bandwidth,
        "price_usd": price,
        "fit": est.fit if est else "wont_run",
        "quant": est.quant.name if est else None,
        "decode_tokens_per_s": round(est.decode_tps, 1) if est and est.decode_tps else None,
        "prefill_tokens_per_s": round(est.prefill_tps) if est and est.prefill_tps else None,
    }
    return row, result


def compare_setups(
    kb: KnowledgeBase,
    setups: list[Setup],
    model_id: str | None,
    context: int | None,
    used: bool | list[bool] = False,
    size_class_b: float | None = None,
    use_case: str | None = None,
) -> AdvisorResult:
    """Two machines (each possibly several GPUs) for one model: memory, speed, price, and when to pick which. Without a
    model, a typical one of ``size_class_b`` ("for 70b models"), else Llama 3.1 8B; ``used``: second-hand prices, for
    both or per side ("a used 3090 or a new 4070 Ti Super")."""
    if model_id:
        model = kb.catalog.model(model_id)
    elif size_class_b:
        model = representative_model(kb, size_class_b, use_case)
    else:
        model = kb.catalog.model(DEFAULT_TARGET_MODEL)
    if model is None:
        raise AdvisorError(f"Unknown model {model_id!r}.")
    ctx = context or DEFAULT_CONTEXT
    per_side = used if isinstance(used, list) else [used, used]
    rows = [_setup_row(kb, s, model, ctx, side_used)[0] for s, side_used in zip(setups[:2], per_side, strict=False)]
    a, b = rows
    quant = a["quant"] or b["quant"] or "Q4_K_M"
    prices = ", used prices" if all(per_side) else ""
    lines = [f"{a['label']} vs {b['label']} (for {model.name} {quant} at {ctx:,} tokens{prices}):"]
    for r, side_used in zip(rows, per_side, strict=False):
        speed = (
            f"~{r['decode_tokens_per_s']:.0f} tok/s gen, ~{r['prefill_tokens_per_s']:,} tok/s prompt"
            if r["decode_tokens_per_s"]
            else "does not run"
        )
        condition = (" used" if side_used else " new") if any(per_side) and not all(per_side) else ""
        price = f", ~${r['price_usd']:,.0f}{condition}" if r["price_usd"] else ""
        lines.append(f"- {r['label']}: {r['memory_gb']:g} GB, {r['bandwidth_gbs']:g} GB/s{price}; {r['fit'].replace('_', ' ')}, {speed}")
    more_mem = max(rows, key=lambda r: r["memory_gb"])
    faster = max(rows, key=lambda r: r["decode_tokens_per_s"] or 0)
    bigger = a["memory_gb"] != b["memory_gb"]
    quicker = (a["decode_tokens_per_s"] or 0) != (b["decode_tokens_per_s"] or 0)
    if bigger and quicker and more_mem is faster:
        lines.append(f"Choose {faster['label']}: more memory ({faster['memory_gb']:g} GB) and faster generation with this model.")
    else:
        if bigger:
            lines.append(f"Choose {more_mem['label']} if you want bigger models or longer context ({more_mem['memory_gb']:g} GB).")
        if quicker:
            lines.append(f"Choose {faster['label']} for faster generation with this model.")
    if not model_id:
        typical = f"a typical {size_class_b:g}B model" if size_class_b else "a common model"
        lines.append(f"(Compared on {model.name}, {typical}; name a model for your own workload.)")
    if any(per_side):
        lines.append(f"(Used prices: the recorded second-hand price, else {USED_FRACTION:.0%} of launch.)")
    return AdvisorResult("\n".join(lines), {"hardware": rows, "model": model.id, "used": all(per_side), "used_per_side": per_side})


# ------------------------------------------------------------------------------------------------
# Local versus cloud
# ------------------------------------------------------------------------------------------------
def default_api_price(params_b: float) -> float:
    """Typical hosted price (USD per 1M output tokens) for an open model of this size class."""
    for limit, price in ((10, 0.2), (40, 0.6), (80, 0.9), (250, 2.0)):
        if params_b <= limit:
            return price
    return 3.0


def cost_vs_cloud(
    kb: KnowledgeBase,
    hardware_id: str,
    model_id: str,
    tokens_per_day: int,
    electricity_price: float = DEFAULT_ELECTRICITY,
    api_price: float | None = None,
    hours_per_day: float | None = None,
) -> AdvisorResult:
    """Local electricity against a cloud API for one model on one machine. ``hours_per_day`` ("24/7", "8 hours a
    day"), when given, sets the volume instead of ``tokens_per_day``: what the machine generates in those hours."""
    hw = kb.catalog.hardware_by_id(hardware_id)
    model = kb.catalog.model(model_id)
    if hw is None or model is None:
        raise AdvisorError("Unknown hardware or model.")
    if not 0 < tokens_per_day <= 10**11:
        raise AdvisorError("Tokens per day must be a positive number up to 100 billion.")
    if not 0 <= electricity_price <= 5:
        raise AdvisorError("Electricity price must be between 0 and 5 per kWh.")
    if api_price is not None and not 0 < api_price <= 1000:
        raise AdvisorError("API price must be between 0 and 1000 per million tokens.")
    res = run_estimate(kb, EstimateQuery(model=model.id, hardware=[hw.id], context=DEFAULT_CONTEXT))
    tps = res.estimate.decode_tps
    if tps is None:
        raise AdvisorError(f"{model.name} does not run on {hw.name}, so there is no local cost to compare.")
    if hours_per_day is not None:
        if not 0 < hours_per_day <= 24:
            raise AdvisorError("Hours a day must be between 0 and 24.")
        tokens_per_day = max(1, round(tps * 3600 * hours_per_day))
    price, _ = price_of(hw, used=False)
    api = api_price if api_price is not None else default_api_price(model.active_params_b or model.params_b)
    hours = tokens_per_day / tps / 3600
    watts = (hw.tdp_w or 250) * GENERATION_POWER_SHARE
    kwh_month = (watts * min(hours, 24) + IDLE_WATTS * max(0.0, 24 - hours)) / 1000 * 30
    local_month = kwh_month * electricity_price
    cloud_month = tokens_per_day * 30 / 1e6 * api
    saving = cloud_month - local_month
    lines = [
        f"{model.name} on {hw.name}: ~{tps:.0f} tok/s, so {tokens_per_day:,} tokens/day take {hours:.1f} h of generation.",
        f"Electricity: ~{kwh_month:.0f} kWh/month = {local_month:,.2f}/month at {electricity_price:.2f}/kWh.",
        f"Cloud API at ${api:.2f} per 1M tokens: ${cloud_month:,.2f}/month.",
    ]
    payload: dict[str, Any] = {
        "local_month_usd": round(local_month, 2),
        "cloud_month_usd": round(cloud_month, 2),
        "hours_per_day": round(hours, 2),
        "hardware_price_usd": price,
        "api_price": api,
        "electricity_price": electricity_price,
        "tokens_per_day": tokens_per_day,
    }
    if hours > 24:
        lines.append("That is more than a day of generation per day: one card cannot keep up with this volume.")
    if price is None:
        lines.append("No price on record for this hardware, so no break-even figure.")
    elif saving <= 0:
        lines.append("At this volume the cloud is cheaper than the electricity alone: local only pays off for privacy or control.")
        payload["break_even_months"] = None
    else:
        months = price / saving
        payload["break_even_months"] = round(months, 1)
        lines.append(f"Break-even on the ${price:,.0f} card after ~{months:.0f} months.")
    return AdvisorResult("\n".join(lines), payload)
