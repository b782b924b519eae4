"""Entities in messy text: models, hardware (with counts), quantization, context, RAM, generic VRAM."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from estimator.quants import UnknownQuantError, parse_quant
from knowledge.names import compact
from knowledge.search import Hit, NameIndex

MAX_SPAN = 6
MAX_FUZZY_SPANS = 24  # strict fuzzy lookups per message (pasted logs have hundreds of numeric spans)
FUZZY_ENTITY_THRESHOLD = 0.9
_WORD = re.compile(r"[a-z0-9][a-z0-9.+_:/-]*[a-z0-9+]|[a-z0-9]")
_COUNT_WORDS = {"two": 2, "dual": 2, "pair": 2, "three": 3, "triple": 3, "four": 4, "quad": 4, "eight": 8, "six": 6}
_COUNT = re.compile(r"^(\d{1,2})x$|^x(\d{1,2})$")
_FILLER = {
    "my",
    "a",
    "an",
    "the",
    "on",
    "with",
    "of",
    "and",
    "gpu",
    "gpus",
    "card",
    "cards",
    "at",
    "in",
    "for",
    "or",
    "vs",
    "to",
    "is",
    "it",
    "run",
    "can",
    "will",
    "i",
}
_CONTEXT = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*(k|m)?\s*(?:tokens?\s*)?(?:ctx|context|context window|tokens? of context|token context|tok context))"
    r"|(?:(?:ctx|context|num_ctx|n_ctx|-c)\s*(?:of|=|:|length|size|window)?\s*(\d+(?:\.\d+)?)\s*(k|m)?)"
    r"|(?:(\d+(?:\.\d+)?)\s*(k|m)\s*tokens?)"
    r"|(?:(?:\bat|\bwith|@)\s*(\d+(?:\.\d+)?)\s*(k)\b(?!\s*(?:usd|\$|dollars|eur|gb)))",
)
_VRAM = re.compile(r"(\d{1,3})\s*(?:gb|gig|g)\b\s*(?:of\s*)?(?:vram|card|gpu|graphics card|video card)")
_RAM = re.compile(r"(\d{1,4})\s*(?:gb|gig|g)\b\s*(?:of\s*)?(?:system\s*)?(?:ram|ddr4|ddr5|memory)")
_QUANT_TOKEN = re.compile(
    r"\b(?:i?q\d(?:_[a-z0-9]+)*|q\d\s?k\s?[sml]|q\dk[sml]|q\d_k|f16|fp16|bf16|fp32|f32|fp8|int8|int4|nf4|mxfp4|nvfp4|"
    r"awq|gptq|exl[23](?:\s*\d(?:\.\d+)?\s*bpw)?|\d(?:\.\d+)?\s*bpw\s*exl[23]|mlx\s*\d\s*-?\s*bit|\d\s*-?\s*bit)\b"
)


@dataclass
class Entities:
    models: list[Hit] = field(default_factory=list)
    hardware: list[Hit] = field(default_factory=list)  # one hit per unit (2x 3090 -> two hits)
    quant: str | None = None
    context: int | None = None
    ram_gb: float | None = None
    vram_gb: float | None = None  # "16gb card" with no named hardware
    other: list[Hit] = field(default_factory=list)  # glossary / tool / error names seen

    @property
    def model(self) -> Hit | None:
        return self.models[0] if self.models else None

    def to_json(self) -> dict:
        return {
            "model": self.model.id if self.model else None,
            "models": [h.id for h in self.models],
            "hardware": [h.id for h in self.hardware],
            "quant": self.quant,
            "context": self.context,
            "ram_gb": self.ram_gb,
            "vram_gb": self.vram_gb,
        }


@dataclass
class _Span:
    start: int
    end: int
    hit: Hit


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _parse_count(token: str) -> int | None:
    if token in _COUNT_WORDS:
        return _COUNT_WORDS[token]
    match = _COUNT.match(token)
    if match:
        value = int(match.group(1) or match.group(2))
        return value if 1 <= value <= 16 else None
    return None


def _number(value: str, unit: str | None) -> int:
    scale = {"k": 1024, "m": 1024 * 1024}.get((unit or "").lower(), 1)
    number = float(value)
    if (scale == 1024 and number in {2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}) or scale > 1:
        return int(number * scale) if scale == 1024 * 1024 or number.is_integer() else int(number * 1000)
    return int(number)


def extract_context(text: str) -> int | None:
    for match in _CONTEXT.finditer(text.lower()):
        groups = match.groups()
        for value, unit in ((groups[0], groups[1]), (groups[2], groups[3]), (groups[4], groups[5]), (groups[6], groups[7])):
            if value:
                tokens = _number(value, unit)
                if 0 < tokens <= 100_000_000:
                    return tokens
    return None


def extract_quant(text: str) -> str | None:
    lowered = text.lower()
    for match in _QUANT_TOKEN.finditer(lowered):
        candidate = match.group(0)
        try:
            return parse_quant(candidate).name
        except UnknownQuantError:
            continue
    return None


class EntityExtractor:
    def __init__(self, names: NameIndex):
        self.names = names

    def extract(self, text: str) -> Entities:
        tokens = _tokens(text[:4000])
        spans = self._exact_spans(tokens)
        spans += self._fuzzy_spans(tokens, spans)
        chosen = self._non_overlapping(spans)
        entities = Entities(quant=extract_quant(text), context=extract_context(text))
        lowered = text.lower()
        ram = _RAM.search(lowered)
        if ram:
            entities.ram_gb = float(ram.group(1))
        seen_models: set[str] = set()
        for span in chosen:
            hit = span.hit
            if hit.kind == "model" and hit.id not in seen_models:
                seen_models.add(hit.id)
                entities.models.append(hit)
            elif hit.kind == "hardware":
                count = self._count_before(tokens, span.start) or self._count_after(tokens, span.end) or 1
                entities.hardware.extend([hit] * count)
            elif hit.kind in {"glossary", "tool", "error"}:
                entities.other.append(hit)
        if not entities.hardware:
            vram = _VRAM.search(lowered)
            if vram and 1 <= int(vram.group(1)) <= 256:
                entities.vram_gb = float(vram.group(1))
        return entities

    def _exact_spans(self, tokens: list[str]) -> list[_Span]:
        spans: list[_Span] = []
        for start in range(len(tokens)):
            for end in range(min(len(tokens), start + MAX_SPAN), start, -1):
                words = tokens[start:end]
                if words[0] in _FILLER or words[-1] in _FILLER:
                    continue
                phrase = " ".join(words)
                hits = [h for h in self.names.exact(phrase) if h.kind in {"model", "hardware", "tool", "glossary"}]
                if not hits and phrase.endswith("s") and any(c.isdigit() for c in phrase):
                    hits = [h for h in self.names.exact(phrase[:-1]) if h.kind == "hardware"]  # "3090s"
                if hits:
                    for hit in hits:
                        spans.append(_Span(start, end, hit))
                    break
        return spans

    def _fuzzy_spans(self, tokens: list[str], exact: list[_Span]) -> list[_Span]:
        """Spans with a digit that matched nothing exactly: try a strict fuzzy match on models/hardware."""
        covered = {i for s in exact if s.hit.kind in {"model", "hardware"} for i in range(s.start, s.end)}
        spans: list[_Span] = []
        attempts = 0
        for start in range(len(tokens)):
            if start in covered or tokens[start] in _FILLER:
                continue
            if attempts >= MAX_FUZZY_SPANS:
                break
            best: _Span | None = None
            for end in range(start + 1, min(len(tokens), start + 5) + 1):
                words = tokens[start:end]
                if any(i in covered for i in range(start, end)) or not any(ch.isdigit() for ch in "".join(words)):
                    continue
                if len(compact(" ".join(words))) < 4:
                    continue
                attempts += 1
                for kind in ("model", "hardware"):
                    hits = self.names.fuzzy(" ".join(words), kind, limit=3)
                    if hits and hits[0].score >= FUZZY_ENTITY_THRESHOLD:
                        hit = hits[0]  # NameIndex.fuzzy already broke near-ties (newest of the family)
                        if (
                            best is None
                            or hit.score > best.hit.score
                            or (hit.score == best.hit.score and end - start > best.end - best.start)
                        ):
                            best = _Span(start, end, hit)
            if best is not None:
                spans.append(best)
        return spans

    @staticmethod
    def _non_overlapping(spans: list[_Span]) -> list[_Span]:
        """Longest spans win; every hit of a winning span is kept (a name can be a tool and a glossary term)."""
        order = {"model": 0, "hardware": 0, "tool": 1, "glossary": 2, "error": 3}
        ranked = sorted(spans, key=lambda s: (-(s.end - s.start), order.get(s.hit.kind, 4), -s.hit.score, s.start))
        taken: set[int] = set()
        winners: set[tuple[int, int]] = set()
        for span in ranked:
            cells = set(range(span.start, span.end))
            if (span.start, span.end) in winners or not cells & taken:
                taken |= cells
                winners.add((span.start, span.end))
        chosen = [s for s in spans if (s.start, s.end) in winners]
        return sorted(chosen, key=lambda s: (s.start, order.get(s.hit.kind, 4)))

    @staticmethod
    def _count_before(tokens: list[str], start: int) -> int | None:
        for back in (1, 2):
            if start - back >= 0:
                count = _parse_count(tokens[start - back])
                if count:
                    return count
                if tokens[start - back].isdigit() and back == 1 and 1 < int(tokens[start - back]) <= 16:
                    return int(tokens[start - back])
        return None

    @staticmethod
    def _count_after(tokens: list[str], end: int) -> int | None:
        if end < len(tokens):
            return _parse_count(tokens[end]) if tokens[end].startswith("x") else None
        return None
