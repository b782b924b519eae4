"""Decisions built on the estimator: which GPU to buy, A versus B, local versus cloud cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from answers.defaults import DEFAULT_CONTEXT
from answers.entities import Entities
from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from estimator.estimate import EstimateRequest, estimate
from knowledge.devices import model_spec, system_from_hardware
from knowledge.schema import Hardware, Model

DEFAULT_TARGET_MODEL = "llama-3.1-8b-instruct"
DEFAULT_ELECTRICITY = 0.15  # USD per kWh
GENERATION_POWER_SHARE = 0.8
USED_FRACTION = 0.6  # used price assumed when none is on record (stated in the answer)
MIN_USEFUL_TPS = 5.0
MIN_OFFLOAD_TPS = 2.0  # share of TDP drawn while generating
IDLE_WATTS = 30.0


class AdvisorError(InputError):
    """A question the advisors cannot answer as asked (a user error: shown as is)."""


@dataclass
class AdvisorResult:
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


def _price(hw: Hardware, used: bool) -> tuple[float | None, str]:
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
GOOD_QUANTS = {"F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_K_S", "IQ4_XS"}  # little quality loss


def capability(model) -> float:
    """Rough size ranking: dense parameters, or for MoE the geometric mean of total and active."""
    if model.active_params_b:
        return (model.params_b * model.active_params_b) ** 0.5
    return model.params_b


TIER_TITLES = {
    "runs_well": "Runs fully on the GPU",
    "tight": "Fits, but tight",
    "offload": "With CPU offload (slower)",
    "cpu_only": "CPU only",
}


def what_can_i_run(
    kb: KnowledgeBase, hardware_id: str, context: int = DEFAULT_CONTEXT, use: str = "any", per_tier: int = 8, system=None
) -> AdvisorResult:
    """The most capable catalog models that run on this hardware, grouped by verdict tier."""
    hw = kb.catalog.hardware_by_id(hardware_id)
    if hw is None and system is None:
        raise AdvisorError(f"Unknown hardware {hardware_id!r}.")
    if use not in USES:
        raise AdvisorError(f"Unknown use {use!r}: choose one of {', '.join(USES)}.")
    if not 256 <= context <= 1_048_576:
        raise AdvisorError("Context must be between 256 and 1,048,576 tokens.")
    options = kb.grid.models_on(system or system_from_hardware([hw]), hardware_id, context)
    keep = USES[use]
    tiers: dict[str, list] = {}
    for option in options:
        model = kb.catalog.model(option.model_id)
        if model is None or not keep(model) or model.variant == "base" or model.architecture.max_context < context:
            continue
        if option.fit in {"offload", "cpu_only"} and option.decode_tps < MIN_OFFLOAD_TPS:
            continue  # runs, technically, but too slow to be worth listing
        tiers.setdefault(option.fit, []).append((model, option))
    name = hw.name if hw else hardware_id
    lines = [f"Models for {name} at {context:,} tokens" + (f" ({use})" if use != "any" else "") + ":"]
    payload: dict[str, Any] = {"tiers": {}}
    for tier in ("runs_well", "tight", "offload", "cpu_only"):
        entries = sorted(tiers.get(tier, []), key=lambda mo: (mo[1].quant not in GOOD_QUANTS, -capability(mo[0]), -mo[1].decode_tps))
        entries = entries[:per_tier]
        if not entries:
            continue
        payload["tiers"][tier] = [
            {"id": m.id, "name": m.name, "quant": o.quant, "decode_tokens_per_s": round(o.decode_tps, 1)} for m, o in entries
        ]
        lines.append(f"{TIER_TITLES[tier]}:")
        lines.extend(f"- {m.name} ({m.params_b:g}B) at {o.quant}, ~{o.decode_tps:.0f} tok/s" for m, o in entries)
    if len(lines) == 1:
        lines.append("Nothing in the catalog fits, even with offload.")
    return AdvisorResult("\n".join(lines), payload)


def choose_gpu(
    kb: KnowledgeBase, model_id: str | None, context: int = DEFAULT_CONTEXT, budget: float | None = None, used: bool = False, limit: int = 8
) -> AdvisorResult:
    """GPUs (and unified machines) ranked by value for running ``model_id`` at ``context``."""
    model = kb.catalog.model(model_id or DEFAULT_TARGET_MODEL)
    if model is None:
        raise AdvisorError(f"Unknown model {model_id!r}.")
    if budget is not None and not 0 < budget <= 1_000_000:
        raise AdvisorError("Budget must be a positive amount in USD.")
    if not 256 <= context <= 1_048_576:
        raise AdvisorError("Context must be between 256 and 1,048,576 tokens.")
    rows = []
    for option in kb.grid.hardware_for(model.id, context):
        hw = kb.catalog.hardware_by_id(option.hardware_id)
        if hw is None or hw.device == "cpu":
            continue
        price, basis = _price(hw, used)
        if price is None or (budget is not None and price > budget) or option.decode_tps < MIN_USEFUL_TPS:
            continue
        rows.append(
            {
                "id": hw.id,
                "name": hw.name,
                "price_usd": round(price),
                "price_basis": basis,
                "quant": option.quant,
                "fit": option.fit,
                "decode_tokens_per_s": round(option.decode_tps, 1),
                "memory_gb": hw.memory_gb,
                "value": option.decode_tps / price * 1000,
            }
        )
    if not rows:
        where = f" under ${budget:,.0f}" if budget else ""
        raise AdvisorError(f"No GPU{where} in the catalog runs {model.name} fully in memory at {context:,} tokens.")
    decent = [r for r in rows if r["quant"] in GOOD_QUANTS]
    if len(decent) >= 3:  # plenty of cards run it at a quality quant: don't recommend 2-3 bit squeezes
        rows = decent
    rows.sort(key=lambda r: (r["quant"] not in GOOD_QUANTS, -r["value"]))
    ranking = rows[:limit]
    head = f"GPUs for {model.name} at {context:,} tokens" + (f" under ${budget:,.0f}" if budget else "")
    lines = [head + ", best value first (tok/s per $1000):"]
    for i, r in enumerate(ranking, 1):
        lines.append(
            f"{i}. {r['name']}: ~${r['price_usd']:,} ({r['price_basis']}), {r['quant']} {r['fit'].replace('_', ' ')}, "
            f"~{r['decode_tokens_per_s']:.0f} tok/s, {r['value']:.0f} tok/s per $1000"
        )
    lines.append("Prices are launch prices unless a used price is on record; check current listings.")
    return AdvisorResult("\n".join(lines), {"ranking": ranking, "model": model.id, "context": context})


def compare(kb: KnowledgeBase, entities: Entities) -> AdvisorResult:
    if len(entities.models) >= 2:
        return _compare_models(kb, entities.models[0].id, entities.models[1].id, entities)
    hardware = list(dict.fromkeys(h.id for h in entities.hardware))
    if len(hardware) >= 2:
        return _compare_hardware(kb, hardware[0], hardware[1], entities.model.id if entities.model else None, entities.context)
    raise AdvisorError('Name two models or two GPUs to compare, e.g. "3090 vs 4090".')


def compare_entries(kb: KnowledgeBase, a: Model | Hardware, b: Model | Hardware, context: int | None = None) -> AdvisorResult:
    """Two catalog entries of the same kind side by side (what /compare and `runlocalai compare` call)."""
    if a.kind != b.kind:
        raise AdvisorError("Compare two models or two GPUs, not one of each (a model on a GPU is a will-it-run question).")
    if a.id == b.id:
        raise AdvisorError(f"Both sides are {a.title}: name two different ones.")
    if isinstance(a, Model):
        return _compare_models(kb, a.id, b.id, Entities(context=context))
    return _compare_hardware(kb, a.id, b.id, None, context)


def _compare_models(kb: KnowledgeBase, a_id: str, b_id: str, entities: Entities) -> AdvisorResult:
    a, b = kb.catalog.model(a_id), kb.catalog.model(b_id)
    assert a is not None and b is not None
    rows = []
    for m in (a, b):
        size = f"{m.params_b:g}B" + (f" ({m.active_params_b:g}B active)" if m.active_params_b else "")
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "size": size,
                "context": m.architecture.max_context,
                "license": m.license,
                "released": str(m.release_date or "?"),
            }
        )
    lines = [f"{a.name} vs {b.name}:"]
    for r in rows:
        lines.append(f"- {r['name']}: {r['size']}, context {r['context']:,}, {r['license']}, released {r['released']}")
    if entities.hardware:
        for m in (a, b):
            try:
                res = run_estimate(kb, EstimateQuery(model=m.id, hardware=[h.id for h in entities.hardware], quant=entities.quant))
            except InputError:
                continue
            tps = f"~{res.estimate.decode_tps:.0f} tok/s" if res.estimate.decode_tps else "does not run"
            lines.append(f"  on your hardware: {m.name} {res.estimate.fit.replace('_', ' ')}, {tps}")
    small, big = sorted((a, b), key=lambda m: m.active_params_b or m.params_b)
    lines.append(
        f"Choose {small.name} if speed and memory matter most; "
        f"choose {big.name} if you have the memory and want the larger model's quality."
    )
    if a.architecture.max_context != b.architecture.max_context:
        longer = max((a, b), key=lambda m: m.architecture.max_context)
        lines.append(f"Choose {longer.name} for long documents (trained for {longer.architecture.max_context:,} tokens).")
    return AdvisorResult("\n".join(lines), {"models": rows})


def _compare_hardware(kb: KnowledgeBase, a_id: str, b_id: str, model_id: str | None, context: int | None) -> AdvisorResult:
    a, b = kb.catalog.hardware_by_id(a_id), kb.catalog.hardware_by_id(b_id)
    assert a is not None and b is not None
    model = kb.catalog.model(model_id or DEFAULT_TARGET_MODEL)
    assert model is not None
    rows = []
    for hw in (a, b):
        est = estimate(
            EstimateRequest(model=model_spec(model), system=system_from_hardware([hw]), quant="Q4_K_M", context=context or DEFAULT_CONTEXT)
        )
        rows.append(
            {
                "id": hw.id,
                "name": hw.name,
                "memory_gb": hw.memory_gb,
                "bandwidth_gbs": hw.bandwidth_gbs,
                "fp16_tflops": hw.fp16_tflops,
                "price_usd": _price(hw, False)[0],
                "fit": est.fit,
                "decode_tokens_per_s": round(est.decode_tps, 1) if est.decode_tps else None,
                "prefill_tokens_per_s": round(est.prefill_tps) if est.prefill_tps else None,
            }
        )
    lines = [f"{a.name} vs {b.name} (for {model.name} Q4_K_M at {context or DEFAULT_CONTEXT:,} tokens):"]
    for r in rows:
        speed = (
            f"~{r['decode_tokens_per_s']:.0f} tok/s gen, ~{r['prefill_tokens_per_s']:,} tok/s prompt"
            if r["decode_tokens_per_s"]
            else "does not run"
        )
        price = f", ~${r['price_usd']:,.0f}" if r["price_usd"] else ""
        lines.append(f"- {r['name']}: {r['memory_gb']:g} GB, {r['bandwidth_gbs']:g} GB/s{price}; {r['fit'].replace('_', ' ')}, {speed}")
    more_mem = max((a, b), key=lambda h: h.memory_gb)
    faster = max((a, b), key=lambda h: h.bandwidth_gbs)
    if a.memory_gb != b.memory_gb:
        lines.append(f"Choose {more_mem.name} if you want bigger models or longer context ({more_mem.memory_gb:g} GB).")
    if faster.bandwidth_gbs != min(a.bandwidth_gbs, b.bandwidth_gbs):
        lines.append(f"Choose {faster.name} for faster generation (memory bandwidth {faster.bandwidth_gbs:g} GB/s sets tok/s).")
    return AdvisorResult("\n".join(lines), {"hardware": rows, "model": model.id})


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
) -> AdvisorResult:
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
    est = estimate(EstimateRequest(model=model_spec(model), system=system_from_hardware([hw]), quant="Q4_K_M", context=DEFAULT_CONTEXT))
    if est.decode_tps is None:
        raise AdvisorError(f"{model.name} does not run on {hw.name}, so there is no local cost to compare.")
    price, _ = _price(hw, used=False)
    api = api_price if api_price is not None else default_api_price(model.active_params_b or model.params_b)
    hours = tokens_per_day / est.decode_tps / 3600
    watts = (hw.tdp_w or 250) * GENERATION_POWER_SHARE
    kwh_month = (watts * min(hours, 24) + IDLE_WATTS * max(0.0, 24 - hours)) / 1000 * 30
    local_month = kwh_month * electricity_price
    cloud_month = tokens_per_day * 30 / 1e6 * api
    saving = cloud_month - local_month
    lines = [
        f"{model.name} on {hw.name}: ~{est.decode_tps:.0f} tok/s, so {tokens_per_day:,} tokens/day take {hours:.1f} h of generation.",
        f"Electricity: ~{kwh_month:.0f} kWh/month = ${local_month:,.2f}/month at ${electricity_price:.2f}/kWh.",
        f"Cloud API at ${api:.2f} per 1M tokens: ${cloud_month:,.2f}/month.",
    ]
    payload: dict[str, Any] = {
        "local_month_usd": round(local_month, 2),
        "cloud_month_usd": round(cloud_month, 2),
        "hours_per_day": round(hours, 2),
        "hardware_price_usd": price,
        "api_price": api,
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
