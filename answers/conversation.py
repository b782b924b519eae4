"""Questions that lean on what came before: a follow-up in a thread ("what about at 32k?" after "will qwen3 32b
run on my 3090?") and the asker's saved rig ("will it run?" with no machine named).

The front end stores a ``snapshot`` of each answered question's entities (small JSON, no text) and passes the
last one, and the user's rig, back with the next message; ``carry_over`` fills only what the new message leaves
out and says what it carried, so the answer can tell the user ("carried over: Qwen3 32B, 2× RTX 3090").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from answers.entities import Entities
from answers.signals import Signals
from knowledge.search import Hit

SNAPSHOT_VERSION = 1
CARRIED_SIGNALS = (
    "context",
    "quant",
    "kv_cache",
    "runtime",
    "flash_attention",
    "gpu_layers",
    "ram_gb",
    "ram_type",
    "ram_speed",
    "ram_channels",
)
MACHINE_SIGNALS = ("vram_gb", "vram_count", "unified_gb", "cpu_only", "ram_gb", "ram_type", "ram_speed", "ram_channels")
FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|ok(?:ay)?|so|then|but)?\s*(?:what|how)\s+about\b|^\s*(?:and|also|but)\b|^\s*what if\b|^\s*(?:with|at|using|in|on)\b|"
    r"^\s*same\s+(?:question|thing|but)\b|^\s*(?:would|will|does|can)\s+it\b|^\s*(?:that|this)\s+one\b|那.{0,4}(?:呢|吗)|^\s*如果"
)


@dataclass
class Context:
    """What the front end knows beyond the message: the previous turn in this conversation and the user's rig."""

    previous: Entities | None = None
    previous_intent: str | None = None
    rig: Entities | None = None
    rig_label: str | None = None


@dataclass
class Carried:
    entities: Entities
    notes: list[str] = field(default_factory=list)  # "carried over: ...", "on your rig: ..."
    follow_up: bool = False


def _hits(data: list[dict[str, Any]]) -> list[Hit]:
    hits = []
    for item in data:
        hits.extend([Hit(item["kind"], item["id"], item["title"], 1.0, item.get("matched", ""))] * int(item.get("count", 1)))
    return hits


def snapshot(entities: Entities) -> dict[str, Any]:
    """The facts of a question worth remembering for a follow-up (ids, counts, stated settings; never the text)."""
    s = entities.signals
    return {
        "v": SNAPSHOT_VERSION,
        "models": [{"kind": h.kind, "id": h.id, "title": h.title} for h in entities.models[:2]],
        "hardware": [{"kind": h.kind, "id": h.id, "title": h.title, "count": n} for h, n in entities.hardware_groups],
        "signals": {name: getattr(s, name) for name in (*CARRIED_SIGNALS, *MACHINE_SIGNALS) if getattr(s, name) not in (None, False)},
    }


def from_snapshot(data: dict[str, Any] | None) -> Entities | None:
    """The inverse of ``snapshot`` (None for anything unreadable: old or foreign data is never trusted)."""
    if not isinstance(data, dict) or data.get("v") != SNAPSHOT_VERSION:
        return None
    try:
        known = {f.name for f in fields(Signals)}
        signals = Signals(**{k: v for k, v in (data.get("signals") or {}).items() if k in known})
        hardware = _hits(data.get("hardware") or [])
        entities = Entities(models=_hits(data.get("models") or []), hardware=hardware, signals=signals)
    except (KeyError, TypeError, ValueError):
        return None
    entities.quant, entities.context, entities.ram_gb = signals.quant, signals.context, signals.ram_gb
    entities.vram_gb = None if hardware else signals.vram_gb
    entities.hardware_sides = [hardware] if hardware else []
    return entities


def names_a_machine(entities: Entities) -> bool:
    s = entities.signals
    return bool(entities.hardware or s.vram_gb or s.unified_gb or s.cpu_only)


def _machine_label(entities: Entities) -> str:
    parts = [f"{n}× {h.title}" if n > 1 else h.title for h, n in entities.hardware_groups]
    s = entities.signals
    if not parts and s.vram_gb:
        parts.append(f"a {s.vram_gb:g} GB card")
    if not parts and s.unified_gb:
        parts.append(f"a {s.unified_gb:g} GB Mac")
    if s.ram_gb:
        parts.append(f"{s.ram_gb:g} GB {s.ram_type.upper() if s.ram_type else 'RAM'}")
    return " + ".join(parts) or "CPU only"


def _take_machine(into: Entities, source: Entities) -> None:
    into.hardware = list(source.hardware)
    into.hardware_sides = [list(source.hardware)] if source.hardware else []
    for name in MACHINE_SIGNALS:
        if getattr(into.signals, name) in (None, False, 1) and getattr(source.signals, name) not in (None, False):
            setattr(into.signals, name, getattr(source.signals, name))
    into.ram_gb = into.signals.ram_gb
    into.vram_gb = None if into.hardware else into.signals.vram_gb


def carry_over(text: str, current: Entities, context: Context | None) -> Carried:
    """``current`` completed from the previous turn and the rig, with notes saying what was carried."""
    if context is None:
        return Carried(current)
    notes: list[str] = []
    previous = context.previous
    follow_up = bool(previous) and (bool(FOLLOW_UP.search(text.lower())) or not (current.models or names_a_machine(current)))
    if previous is not None and follow_up:
        carried: list[str] = []
        if not current.models and previous.models:
            current.models = list(previous.models)
            carried.append(previous.models[0].title)
        if not names_a_machine(current) and names_a_machine(previous):
            _take_machine(current, previous)
            carried.append(_machine_label(previous))
        for name in CARRIED_SIGNALS:
            if getattr(current.signals, name) is None and getattr(previous.signals, name) is not None:
                setattr(current.signals, name, getattr(previous.signals, name))
                carried.append(f"{name.replace('_', ' ')} {getattr(previous.signals, name)}")
        current.quant, current.context, current.ram_gb = current.quant or previous.quant, current.signals.context, current.signals.ram_gb
        if carried:
            notes.append("Carried over from the conversation: " + ", ".join(carried) + ".")
    if context.rig is not None and not names_a_machine(current) and names_a_machine(context.rig):
        _take_machine(current, context.rig)
        notes.append(f"On your rig: {context.rig_label or _machine_label(context.rig)}.")
    return Carried(current, notes, follow_up)
