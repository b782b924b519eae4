"""Names people type -> catalog entries, for every front end (CLI flags, slash-command options, buttons).

One rule for every kind: exact id/alias, else a confident fuzzy match, else InputError with "did you mean"
choices. Autocomplete suggestions come from the same index, so what a menu offers always resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from knowledge.names import normalize
from knowledge.schema import Hardware, Model
from knowledge.search import ResolveError, resolve

KINDS = ("model", "hardware", "tool", "glossary", "error")
KIND_LABEL = {"model": "model", "hardware": "GPU or machine", "tool": "tool", "glossary": "glossary term", "error": "error"}
MAX_SUGGESTIONS = 25
UNKNOWN_HINTS = {
    "hardware": " It is not in my catalog: describe it instead with its memory and bandwidth "
    '(e.g. --vram-gb 16 --bandwidth-gbs 448, or "a 16gb card" in a question).',
    "model": " It is not in my catalog: give its Hugging Face id (owner/name) and I'll read its config.",
}
POPULAR: dict[str, list[str]] = {
    "model": [
        "llama-3.1-8b-instruct",
        "qwen3-8b",
        "qwen3-30b-a3b",
        "gpt-oss-20b",
        "gemma-3-27b-it",
        "qwen3-32b",
        "llama-3.3-70b-instruct",
        "mistral-small-3.1-24b-instruct-2503",
        "deepseek-r1-distill-qwen-32b",
        "qwen2.5-coder-32b-instruct",
        "qwen2.5-7b-instruct",
        "qwen3-14b",
        "gemma-3-12b-it",
        "qwen2.5-72b-instruct",
    ],
    "hardware": [
        "rtx-3060-12gb",
        "rtx-3090",
        "rtx-4090",
        "rtx-5090",
        "rtx-4060-ti-16gb",
        "rtx-4070-super",
        "rx-7900-xtx",
        "apple-m4-pro-20c-48gb",
        "apple-m2-max-38c-96gb",
        "ryzen-ai-max-395-128gb",
        "dgx-spark",
        "tesla-p40",
    ],
}


@dataclass(frozen=True)
class Lookup:
    """What a typed name resolved to: one entry, or the close matches to offer."""

    kind: str
    text: str
    entry: Any | None
    choices: list[tuple[str, str]]  # (id, title), best first


def lookup_entry(kb: KnowledgeBase, kind: str, text: str) -> Lookup:
    """Resolve without raising: the entry, or "did you mean" choices (possibly none)."""
    entry = kb.catalog.get(kind, text)
    if entry is not None:
        return Lookup(kind, text, entry, [])
    try:
        hit = resolve(kb.names, text, kind)
    except ResolveError as exc:
        return Lookup(kind, text, None, [(h.id, h.title) for h in exc.suggestions])
    return Lookup(kind, text, kb.catalog.get(kind, hit.id), [])


def resolve_entry(kb: KnowledgeBase, kind: str, text: str) -> Any:
    """The catalog entry of ``kind`` that ``text`` names (an id, a name or an alias, typos tolerated)."""
    found = lookup_entry(kb, kind, text)
    if found.entry is None:
        label = KIND_LABEL.get(kind, kind)
        hint = "" if found.choices else UNKNOWN_HINTS.get(kind, "")
        raise InputError(f"I don't know the {label} {text[:80]!r}.{hint}", [title for _, title in found.choices])
    return found.entry


def resolve_model(kb: KnowledgeBase, text: str) -> Model:
    return resolve_entry(kb, "model", text)


def resolve_hardware(kb: KnowledgeBase, text: str) -> Hardware:
    return resolve_entry(kb, "hardware", text)


def resolve_either(kb: KnowledgeBase, text: str, kinds: tuple[str, ...] = ("model", "hardware")) -> Any:
    """An entry of any of ``kinds``: ``kind:id`` (what autocomplete sends) or a name tried kind by kind."""
    kind, _, value = text.partition(":")
    if kind in kinds and kb.catalog.get(kind, value) is not None:
        return kb.catalog.get(kind, value)
    suggestions: list[str] = []
    for kind in kinds:
        try:
            return resolve_entry(kb, kind, text)
        except InputError as exc:
            suggestions += exc.suggestions
    labels = " or a ".join(KIND_LABEL[k] for k in kinds)
    raise InputError(f"I don't know {text[:80]!r} as a {labels}.", suggestions[:5])


def suggest(kb: KnowledgeBase, kind: str, current: str, limit: int = MAX_SUGGESTIONS) -> list[tuple[str, str]]:
    """(id, title) pairs for what has been typed so far: prefix matches, then substrings, then fuzzy names."""
    text = normalize(current or "")[:100]
    entries = kb.catalog.of_kind(kind)
    if not text:
        ids = [i for i in POPULAR.get(kind, []) if kb.catalog.get(kind, i)] or [e.id for e in entries[:limit]]
        return [(i, kb.names.title(kind, i)) for i in ids][:limit]
    seen: dict[str, str] = {}
    for entry in entries:
        if any(normalize(str(n)).startswith(text) for n in (entry.title, entry.id, *entry.aliases)):
            seen.setdefault(entry.id, entry.title)
    for entry in entries:
        if len(seen) >= limit:
            break
        if any(text in normalize(str(n)) for n in (entry.title, entry.id, *entry.aliases)):
            seen.setdefault(entry.id, entry.title)
    if len(seen) < limit:
        for hit in kb.names.lookup(current, kind, limit=limit):
            seen.setdefault(hit.id, hit.title)
    return list(seen.items())[:limit]
