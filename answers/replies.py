"""One reply per intent, composed from what the message stated (answers/entities.py) and the catalog.

Each reply says what it assumed ("assumed Q4_K_M, 8,192-token context") and what it could not use
("'Q9_Z_XXL' is not a quantization"), so nothing the user typed is silently changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from answers import cards
from answers.advisors import (
    AdvisorError,
    choose_gpu,
    compare_entries,
    compare_setups,
    compare_tools,
    cost_vs_cloud,
    representative_model,
    use_of,
    what_can_i_run,
)
from answers.answer import Answer, Confidence, Match
from answers.defaults import DEFAULT_CONTEXT
from answers.entities import Entities
from answers.estimates import EstimateQuery, InputError, run_estimate
from answers.hub import HubModel
from answers.intents import GENERIC_TERMS
from answers.knowledge_base import KnowledgeBase
from answers.lookup import lookup_entry
from answers.render import estimate_text
from answers.setups import Setup, setup_from
from answers.values import quant_for_runtime
from estimator.runtimes import RUNTIMES
from knowledge.schema import Tool
from knowledge.search import Hit


def _match(hit: Hit) -> Match:
    return Match(hit.kind, hit.id, hit.title, hit.score)


def unknown_hardware_lines(kb: KnowledgeBase, entities: Entities) -> list[str]:
    """ "I don't know the GPU 'rtx 4900'. Did you mean GeForce RTX 4090?" for each GPU-shaped name the catalog does
    not know, when no machine was recognised (an answer must not read as if the machine had not been named)."""
    if entities.hardware or entities.vram_gb or entities.signals.unified_gb:
        return []
    lines = []
    for name in entities.unknown_hardware[:2]:
        found = lookup_entry(kb, "hardware", name)
        if found.entry is not None:
            continue
        if found.choices:
            lines.append(f"I don't know the GPU {name!r}. Did you mean {found.choices[0][1]}?")  # the likeliest slip
        else:
            lines.append(f'I don\'t know the GPU {name!r}: tell me its VRAM and memory bandwidth ("a 16gb card, 448 GB/s").')
    return lines


def _notes(entities: Entities, assumptions: list[str], kb: KnowledgeBase | None = None) -> list[str]:
    lines = unknown_hardware_lines(kb, entities) if kb is not None else []
    lines += [f"Note: {p}" for p in entities.signals.problems]
    if assumptions:
        lines.append("Assumed: " + "; ".join(assumptions) + ".")
    return lines


def _with_notes(text: str, entities: Entities, assumptions: list[str], kb: KnowledgeBase | None = None) -> str:
    notes = _notes(entities, assumptions, kb)
    return "\n".join([*notes, text]) if notes else text


def estimate_query(entities: Entities, model_id: str, setup: Setup) -> tuple[EstimateQuery, list[str]]:
    """The estimate the message asks for, plus what the message implied that the estimator cannot know (a typical
    card for "a 16gb card", a runtime we do not model). Quant, runtime and context left out are chosen by the
    estimator, which says which and why."""
    s = entities.signals
    assumptions = list(setup.assumptions)
    runtime = s.runtime if s.runtime in RUNTIMES else None
    query = EstimateQuery(
        model=model_id,
        quant=quant_for_runtime(s.quant, runtime or "llama.cpp") if s.quant else None,
        context=s.context,
        runtime=runtime,
        kv_cache=s.kv_cache or "f16",
        flash_attention=s.flash_attention,
        gpu_layers=s.gpu_layers,
    )
    setup.apply(query)
    if s.runtime and s.runtime_from:
        label = RUNTIMES[s.runtime].name if s.runtime in RUNTIMES else s.runtime
        assumptions.append(f"Runtime {label}: read from {s.runtime_from!r}")
    if s.runtime and s.runtime not in RUNTIMES:
        assumptions.append(f"llama.cpp speeds ({s.runtime} is not a runtime I model)")
    return query, assumptions


def will_it_run(kb: KnowledgeBase, entities: Entities, hub_model: HubModel | None = None) -> Answer | None:
    """None when the message names no model or no machine (the caller routes elsewhere). ``hub_model``: a Hugging
    Face repository named in the message, resolved by the front end."""
    model = entities.model
    setup = setup_from(kb, entities)
    if setup.empty or (model is None and hub_model is None):
        return None
    if model is None and hub_model is not None:
        return _hub_estimate(kb, entities, hub_model, setup)
    assert model is not None
    query, assumptions = estimate_query(entities, model.id, setup)
    try:
        result = run_estimate(kb, query)
    except InputError as exc:
        return Answer("will_it_run", exc.full_message(), entities, [_match(model)], confidence=Confidence.WEAK)
    matches = [_match(model)] + [_match(h) for h in dict.fromkeys(entities.hardware)]
    sure = min([model.score, *(h.score for h in entities.hardware)]) if entities.hardware else model.score * 0.85
    confidence = Confidence.EXACT if sure >= 0.99 and entities.hardware else Confidence.GOOD if sure >= 0.9 else Confidence.FAIR
    notes = [f"Note: {p}" for p in entities.signals.problems]
    text = "\n".join([*notes, estimate_text(result, assumptions)])
    every = [*assumptions, *(n.rstrip(".") for n in result.assumptions.notes)]
    return Answer("will_it_run", text, entities, matches, estimate=result, confidence=confidence, assumptions=every)


def _hub_estimate(kb: KnowledgeBase, entities: Entities, hub_model: HubModel, setup: Setup) -> Answer:
    query, assumptions = estimate_query(entities, "-", setup)
    query.model = None
    query.model_spec = hub_model.spec
    query.quant = query.quant or hub_model.default_quant
    try:
        result = run_estimate(kb, query)
    except InputError as exc:
        return Answer("will_it_run", exc.full_message(), entities, confidence=Confidence.WEAK)
    assumptions.append(f"{hub_model.repo_id} as published on Hugging Face ({hub_model.native_format or 'format unknown'})")
    text = "\n".join([*(f"Note: {p}" for p in entities.signals.problems), estimate_text(result, assumptions)])
    matches = [Match("model", hub_model.spec.id, hub_model.name, 1.0)] + [_match(h) for h in dict.fromkeys(entities.hardware)]
    return Answer("will_it_run", text, entities, matches, estimate=result, confidence=Confidence.GOOD, assumptions=assumptions)


def requirements(kb: KnowledgeBase, entities: Entities) -> Answer:
    """A model and no machine: what it needs at common quants, and which cards hold it."""
    model = entities.model
    assert model is not None
    entry = kb.catalog.model(model.id)
    assert entry is not None
    context = entities.signals.context or DEFAULT_CONTEXT
    lines = [f"{entry.name}: memory needed at {context:,} tokens of context (weights + KV cache + buffers):"]
    payload_rows: list[dict[str, Any]] = []
    for quant in [entities.signals.quant] if entities.signals.quant else ["Q4_K_M", "Q8_0", "F16"]:
        query = EstimateQuery(model=model.id, quant=quant, context=context, vram_gb=1024, bandwidth_gbs=1000)
        try:
            result = run_estimate(kb, query)
        except InputError:
            continue
        total = result.estimate.memory.total / 1e9
        payload_rows.append({"quant": quant, "total_gb": round(total, 1)})
        lines.append(f"- {quant}: about {total:.1f} GB")
    if payload_rows:
        need = payload_rows[0]["total_gb"]
        fits = sorted(
            (h for h in kb.catalog.hardware if h.device == "gpu" and h.memory_gb * 1.07 * 0.97 >= need and h.segment == "desktop"),
            key=lambda h: (h.memory_gb, h.bandwidth_gbs),
        )[:3]
        if fits:
            lines.append(
                f"Smallest single desktop cards that hold the {payload_rows[0]['quant']} file: " + ", ".join(h.name for h in fits) + "."
            )
    lines.append("Name your GPU or Mac (and RAM) for a fit verdict and tok/s.")
    assumptions = [] if entities.signals.context else [f"a {DEFAULT_CONTEXT:,}-token context"]
    text = _with_notes("\n".join(lines), entities, assumptions, kb)
    return Answer("will_it_run", text, entities, [_match(model)], confidence=Confidence.GOOD, payload={"requirements": payload_rows})


def typical_of_size(kb: KnowledgeBase, entities: Entities) -> Answer | None:
    """ "Can I run a 70b on my 6700xt?": the estimate for a typical dense model of that size, saying which one stood
    in for the class. None when no size is named, a model is, or the catalog has nothing of that size."""
    size = entities.signals.size_class_b
    if size is None or size <= 0 or entities.model is not None:
        return None
    model = representative_model(kb, size, entities.signals.use_case)
    if abs(model.params_b - size) / size > 0.15:
        return None
    stand_in = replace(entities, models=[Hit("model", model.id, model.name, 0.9, f"{size:g}b")])
    answer = will_it_run(kb, stand_in)
    if answer is None:
        return None
    note = f"A typical {size:g}B model: {model.name} ({model.params_b:g}B); other dense {size:g}B models need about the same."
    named = [m for m in answer.matches if m.kind != "model"]  # what the user named first; the stand-in model after
    return replace(
        answer,
        text=f"{note}\n{answer.text}",
        matches=named + [m for m in answer.matches if m.kind == "model"],
        entities=entities,
        confidence=min(answer.confidence, Confidence.FAIR),
        assumptions=[note.rstrip("."), *answer.assumptions],
    )


def family_on(kb: KnowledgeBase, entities: Entities) -> Answer | None:
    """ "qwen3 on a 3090": the family comes in many sizes, so list the ones that run on the machine, best first."""
    members = kb.names.family(entities.family or "")
    models = [m for m in (kb.catalog.model(i) for i in members) if m is not None]
    if not models:
        return None
    trained = max(m.architecture.max_context for m in models)
    family = str(entities.family).title()
    sizes = f"{models[0].params_b:g}B to {models[-1].params_b:g}B"
    runs = what_runs_on(
        kb,
        entities,
        context=min(DEFAULT_CONTEXT, trained),  # Llama 2 was trained for 4,096 tokens
        only=set(members),
        title=f"{family} models",
        lead=f"{family} comes in several sizes ({sizes}); name one for a full estimate.",
    )
    if runs is None:
        return None
    return replace(runs, intent="will_it_run", confidence=min(runs.confidence, Confidence.GOOD))


def which_model(kb: KnowledgeBase, entities: Entities) -> Answer:
    """A will-it-run question that does not name the model ("can this run on my 3090?"): ask for it, and say
    what the machine holds meanwhile."""
    question = 'Which model (and quant) do you want to run? Name it, e.g. "Qwen3 14B at Q4_K_M", and I\'ll estimate memory and speed.'
    runs = what_runs_on(kb, entities)
    if runs is None:
        text = question + " Your GPU or Mac (and RAM) helps too."
        return Answer("will_it_run", _with_notes(text, entities, [], kb), entities, confidence=Confidence.WEAK)
    text = question + "\nMeanwhile, here is what fits:\n" + runs.text
    return Answer(
        "will_it_run", text, entities, runs.matches, confidence=Confidence.FAIR, payload=runs.payload, assumptions=runs.assumptions
    )


def what_runs_on(
    kb: KnowledgeBase,
    entities: Entities,
    context: int = DEFAULT_CONTEXT,
    only: set[str] | None = None,
    title: str | None = None,
    lead: str | None = None,
) -> Answer | None:
    """What runs on the machine the message names, at its context (else ``context``); ``only``/``title``: among
    these models (one family), ``lead``: a sentence before the list."""
    setup = setup_from(kb, entities)
    if setup.empty:
        return None
    context = entities.signals.context or context
    try:
        result = what_can_i_run(kb, setup, context, use_of(entities), only=only, title=title)
    except AdvisorError as exc:
        return Answer("what_can_i_run", exc.full_message(), entities, confidence=Confidence.WEAK)
    assumptions = list(setup.assumptions) + ([] if entities.signals.context else [f"a {context:,}-token context"])
    matches = [_match(h) for h in dict.fromkeys(entities.hardware)]
    confidence = Confidence.STRONG if entities.hardware and min(h.score for h in entities.hardware) >= 0.99 else Confidence.GOOD
    return Answer(
        "what_can_i_run",
        _with_notes(f"{lead}\n{result.text}" if lead else result.text, entities, assumptions),
        entities,
        matches,
        confidence=confidence,
        payload=result.payload,
        assumptions=assumptions,
    )


def gpu_advice(kb: KnowledgeBase, entities: Entities) -> Answer:
    s = entities.signals
    context = s.context or DEFAULT_CONTEXT
    try:
        result = choose_gpu(
            kb,
            entities.model.id if entities.model else None,
            context,
            s.budget_usd,
            bool(s.used),
            size_class_b=s.size_class_b,
            target_vram_gb=s.target_vram_gb,
            use_case=s.use_case,
        )
    except AdvisorError as exc:
        return Answer("choose_gpu", exc.full_message(), entities, confidence=Confidence.WEAK)
    assumptions = list(result.payload.get("assumptions", []))
    if s.budget and s.budget[1] != "USD":
        assumptions.append(f"{s.budget[0]:,.0f} {s.budget[1]} ≈ ${s.budget_usd:,.0f} (approximate rate)")
    matches = [Match("hardware", r["id"], r["name"], 1.0) for r in result.payload["ranking"][:5]]
    confidence = Confidence.GOOD if (entities.model or s.size_class_b or s.target_vram_gb or s.budget) else Confidence.FAIR
    return Answer(
        "choose_gpu",
        _with_notes(result.text, entities, assumptions),
        entities,
        matches,
        confidence=confidence,
        payload=result.payload,
        assumptions=assumptions,
    )


def comparison(kb: KnowledgeBase, entities: Entities) -> Answer | None:
    try:
        if len(entities.models) >= 2:
            a, b = (kb.catalog.model(h.id) for h in entities.models[:2])
            assert a is not None and b is not None
            result = compare_entries(kb, a, b, entities.signals.context, use_of(entities))
            matches = [_match(h) for h in entities.models[:2]]
        elif (
            len(tools := [t for h in entities.of_kind("tool") if isinstance(t := kb.catalog.get("tool", h.id), Tool)]) >= 2
            and not entities.models[1:]
        ):
            setup = setup_from(kb, entities) if entities.hardware else None
            model_id = entities.model.id if entities.model else None
            result = compare_tools(kb, tools[0], tools[1], setup, model_id, entities.signals.context)
            matches = [_match(h) for h in entities.of_kind("tool")[:2]]
        elif len(entities.hardware_sides) >= 2 or len({h.id for h in entities.hardware}) >= 2:
            sides = entities.hardware_sides if len(entities.hardware_sides) >= 2 else [[h] for h in dict.fromkeys(entities.hardware)]
            setups = [setup_from(kb, replace(entities, hardware=side), side) for side in sides[:2]]
            s = entities.signals
            model_id = entities.model.id if entities.model else None
            said = entities.side_used[:2] if len(entities.side_used) >= 2 else [None, None]
            used = [bool(s.used) if side is None else side for side in said]  # "used 3090 or new 4070 ti super"
            result = compare_setups(kb, setups, model_id, s.context, used, s.size_class_b, s.use_case)
            matches = [_match(side[0]) for side in sides[:2] if side]
        else:
            return None
    except AdvisorError as exc:
        return Answer("compare", exc.full_message(), entities, confidence=Confidence.WEAK)
    confidence = Confidence.STRONG if min(m.score for m in matches) >= 0.99 else Confidence.GOOD
    return Answer("compare", result.text, entities, matches, confidence=confidence, payload=result.payload)


def cost(kb: KnowledgeBase, entities: Entities) -> Answer:
    s = entities.signals
    if not entities.hardware or not entities.model:
        missing = " and ".join(x for x, present in (("a model", entities.model), ("your GPU", entities.hardware)) if not present)
        return Answer(
            "cost",
            f"To compare local running costs with a cloud API I need {missing}, e.g. "
            '"cost of running Llama 3.1 8B on an RTX 3090 for 2M tokens a day at $0.30/kWh".',
            entities,
            confidence=Confidence.WEAK,
        )
    assumptions = []
    hours = s.hours_per_day if not s.tokens_per_day and s.hours_per_day and 0 < s.hours_per_day <= 24 else None
    if hours is not None:
        assumptions.append(f"generating {hours:g} hours a day at the estimated speed")
    elif not s.tokens_per_day:
        assumptions.append("1,000,000 tokens a day")
    if s.electricity_price is None:
        assumptions.append("$0.15 per kWh")
    price = s.electricity_price if s.electricity_price is not None else 0.15
    try:
        result = cost_vs_cloud(kb, entities.hardware[0].id, entities.model.id, s.tokens_per_day or 1_000_000, price, hours_per_day=hours)
    except AdvisorError as exc:
        return Answer("cost", exc.full_message(), entities, confidence=Confidence.WEAK)
    matches = [_match(entities.model), _match(entities.hardware[0])]
    text = _with_notes(result.text, entities, assumptions)
    return Answer("cost", text, entities, matches, confidence=Confidence.GOOD, payload=result.payload, assumptions=assumptions)


def card(kb: KnowledgeBase, intent: str, hit: Hit, entities: Entities, confidence: float = Confidence.STRONG) -> Answer:
    entry = kb.catalog.get(hit.kind, hit.id)
    return Answer(intent, cards.card_text(kb, entry), entities, [_match(hit)], confidence=confidence)


def glossary(kb: KnowledgeBase, entities: Entities) -> Answer | None:
    """One term, or two side by side for "X vs Y" / "difference between X and Y"."""
    terms = sorted(entities.of_kind("glossary"), key=lambda t: (t.id in GENERIC_TERMS, -len(t.matched.split())))  # specific first
    if not terms:
        return None
    if len(terms) >= 2:
        first, second = (kb.catalog.get("glossary", t.id) for t in terms[:2])
        text = "\n\n".join(cards.card_text(kb, e) for e in (first, second))
        return Answer("glossary", text, entities, [_match(t) for t in terms[:2]], confidence=Confidence.STRONG)
    return card(kb, "glossary", terms[0], entities)
