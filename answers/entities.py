"""Catalog entities in messy text: models, hardware (with counts and which side of a comparison), glossary
terms and tools, plus every non-catalog fact (answers/signals.py).

Spans are matched exactly against catalog names and aliases first, then with a strict fuzzy match where
numbers must agree ("3070" never becomes "3060"). The same card named twice is one card; "2x 3090", "two 3090s",
"dual 3090", "4x3090", "3090 x2" and "2*4090" carry counts; "3090 + 3060" is two different cards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from answers.signals import SIZE_WORDS, Signals, read_signals
from answers.values import quant_for_runtime
from knowledge.names import compact
from knowledge.search import Hit, NameIndex, same_line

MAX_SPAN = 6
MAX_FUZZY_SPANS = 24  # strict fuzzy lookups per message (pasted logs have hundreds of numeric spans)
FUZZY_ENTITY_THRESHOLD = 0.9
MAX_TEXT = 4000
_WORD = re.compile(r"[a-z0-9][a-z0-9.+_]*[a-z0-9+]|[a-z0-9]")  # hyphens, colons and slashes separate words
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
    "x",
}
_QUANTITY = re.compile(r"^-?\d+(?:[.,]\d+)?(?:gb|gib|g|tb|mb|k|m|w|gb/s|gbs|tok|t/s|ms|s|%|x|mhz|mt/s|c|core|cores|bit|bits)?$")
# words that are never part of a model's or machine's name: a fuzzy window made only of these, amounts, sizes and
# quant names is not looked up (about 99 % of windows in real questions; each lookup costs ~0.2 ms). A size of three
# digits stays a name: "671b" is DeepSeek's, "405b" Llama's
_NOT_A_NAME_WORDS = (
    "vram ram memory model models llm tokens token about than have has had s cpu only but that running runs if be "
    "which just like get got bit bits not how gb around context ctx this what when do does you we are was use using "
    "from up so would could should any all some more less per second sec speed fast slow need needs want quant "
    "quants quantized layers version q k m tok t b are there here its it's also very much many my our your new old "
    "same"
)
_NOT_A_NAME = frozenset(_NOT_A_NAME_WORDS.split())
# product lines whose names often have no digit, so a misspelt one ("jetson orion nano") is looked up anyway
_DIGITLESS_LEADS = frozenset({"jetson", "snapdragon", "raspberry", "steam"})
_SIZE_OR_QUANT = re.compile(r"^(?:\d{1,2}(?:\.\d+)?[bm]|i?q\d(?:_[a-z0-9]+)*|f16|fp16|bf16|f32|fp32|fp8|int[48]|\d+bit|\d+k)$")
_COMPARE_SPLIT = re.compile(
    r"\bvs\.?\b|\bversus\b|\bcompared?\s+(?:to|with)\b|\bor\s+(?:a|an|the|two|2x?)?\b|\bthan\b|\binstead of\b|对比|还是"
)
_CARDS_COUNT = re.compile(r"\b(\d|two|three|four|six|eight)\s+(?:of\s+(?:them|these|those)|cards|gpus)\b")
_CJK_COUNT = re.compile(r"([两双兩四八三二]|\d{1,2})\s*(?:张|块|張|塊|枚|台)")
_CJK_DIGITS = {"两": "2", "双": "2", "兩": "2", "二": "2", "三": "3", "四": "4", "八": "8"}


@dataclass
class Entities:
    models: list[Hit] = field(default_factory=list)
    hardware: list[Hit] = field(default_factory=list)  # one hit per unit (2x 3090 -> two hits)
    quant: str | None = None
    context: int | None = None
    ram_gb: float | None = None
    vram_gb: float | None = None  # "16gb card" with no named hardware
    other: list[Hit] = field(default_factory=list)  # glossary / tool / error names seen
    signals: Signals = field(default_factory=Signals)
    hardware_sides: list[list[Hit]] = field(default_factory=list)  # units per side of "A vs B" (one side if no comparison)
    cpus: list[Hit] = field(default_factory=list)  # a host CPU named beside GPUs
    unknown_hardware: list[str] = field(default_factory=list)  # GPU-shaped names the catalog does not know ("rtx 4900")
    side_used: list[bool | None] = field(default_factory=list)  # per side of "A or B": "used" / "new" said there, else None
    family: str | None = None  # a family of many sizes named without one ("qwen3 on a 3090"), normalized

    @property
    def model(self) -> Hit | None:
        return self.models[0] if self.models else None

    @property
    def hardware_groups(self) -> list[tuple[Hit, int]]:
        """(device, count) in the order named: "2x 3090 + 3060" -> [(3090, 2), (3060, 1)]."""
        groups: dict[str, list[Any]] = {}
        for hit in self.hardware:
            groups.setdefault(hit.id, [hit, 0])[1] += 1
        return [(hit, count) for hit, count in groups.values()]

    def of_kind(self, kind: str) -> list[Hit]:
        return [h for h in self.other if h.kind == kind]

    def to_json(self) -> dict[str, Any]:
        s = self.signals
        data: dict[str, Any] = {
            "model": self.model.id if self.model else None,
            "models": [h.id for h in self.models],
            "hardware": [h.id for h in self.hardware],
            "quant": self.quant,
            "context": self.context,
            "ram_gb": self.ram_gb,
            "vram_gb": self.vram_gb,
            # additions: everything else the message stated
            "hardware_counts": [{"id": h.id, "count": n} for h, n in self.hardware_groups],
            "unified_gb": s.unified_gb,
            "ram_type": s.ram_type,
            "ram_speed": s.ram_speed,
            "cpu_only": s.cpu_only,
            "kv_cache": s.kv_cache,
            "runtime": s.runtime,
            "flash_attention": s.flash_attention,
            "gpu_layers": s.gpu_layers,
            "budget": {"amount": s.budget[0], "currency": s.budget[1], "usd": round(s.budget_usd or 0, 2)} if s.budget else None,
            "used": s.used,
            "electricity_price": s.electricity_price,
            "tokens_per_day": s.tokens_per_day,
            "use_case": s.use_case,
            "size_class_b": s.size_class_b,
            "target_vram_gb": s.target_vram_gb,
            "glossary": [h.id for h in self.of_kind("glossary")],
            "tools": [h.id for h in self.of_kind("tool")],
            "problems": s.problems,
            "unknown_hardware": self.unknown_hardware,
        }
        return data


@dataclass
class _Span:
    start: int
    end: int
    hit: Hit


def prepare(text: str) -> str:
    """Lower-case and spell counts the one way the extractor reads them: "4x3090", "2*4090", "4 x rtx 3090",
    "两张p40" -> "4x 3090", "2x 4090", "4x rtx 3090", "2x p40"."""
    lowered = text[:MAX_TEXT].lower().replace("×", "x").replace("＊", "*")
    lowered = re.sub(r"\d{13,}", lambda m: m.group(0)[:12], lowered)  # no real amount has more digits; keeps every regex linear
    lowered = re.sub(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b(?![.:]?\d|\s*[bm]\b)", " ", lowered)  # a clock time, never "1030"
    lowered = _CJK_COUNT.sub(lambda m: f" {_CJK_DIGITS.get(m.group(1), m.group(1))}x ", lowered)
    # a quant fused to a file or tag name: "...-104b-q5_k_s", "...-Q4_K_M.gguf", "qwen3:30b-q8_0"
    lowered = re.sub(r"[-_.:](?=(?:ud[-_])?(?:i?q\d(?:_[a-z0-9]+)*|f16|bf16|fp16|f32|fp8|mxfp4)\b)", " ", lowered).replace(".gguf", " ")
    # "4x3090", "2*4090", "4 x rtx 3090" (but not Mixtral's "8x7b" or "8x22b": those are model names)
    lowered = re.sub(r"\b(\d{1,2})\s*[x*]\s*(?!\d+(?:\.\d+)?b\b)(?=[a-z][a-z\s-]{0,16}\d|\d)", r"\1x ", lowered)
    lowered = re.sub(r"\s*\b(?:in\s+)?(?:sli|crossfire)\b", " x2", lowered)  # a linked pair is two cards
    # "3090 x2", "3090x2", "p40 * 4" (an x after a digit or a space, so "max 2" stays "max 2")
    lowered = re.sub(r"(?:(?<=\d)|\s)[x*]\s*(\d{1,2})\b(?!\s*(?:gb|g\b|tb|k\b|b\b|\d))", r" x\1", lowered)
    return lowered


def _condition(segment: str) -> bool | None:
    """ "used 3090" -> True, "new 4070 ti super" -> False, nothing said -> None."""
    if re.search(r"\bused\b|second[\s-]?hand|pre-?owned|refurb", segment):
        return True
    if re.search(r"\bnew\b|brand[\s-]new", segment):
        return False
    return None


def _ratio(a: str, b: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.normalized_similarity(a, b)


def _entities_over_terms(spans: list[_Span]) -> list[_Span]:
    """A span that names a model, a machine or a tool is that entity, not a glossary term that shares its name
    ("Tesla P40", "DGX Spark", "DeepSeek V3" are also glossary entries; the question is about the thing). Tools
    keep their term ("flash attention" is a library and a technique; the question decides which)."""
    named = {(s.start, s.end) for s in spans if s.hit.kind in {"model", "hardware"}}
    return [s for s in spans if not (s.hit.kind == "glossary" and (s.start, s.end) in named)]


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _WORD.finditer(text)]


def _parse_count(token: str) -> int | None:
    if token in SIZE_WORDS and token not in {"a", "one", "single"}:
        return SIZE_WORDS[token]
    match = _COUNT.match(token)
    if match:
        value = int(match.group(1) or match.group(2))
        return value if 1 <= value <= 16 else None
    return None


_MEMORY_TOKEN = re.compile(r"^(\d{1,3})(?:gb|g|gib|go|gn)$")
_NOT_GPU_MEMORY = {"ram", "ddr4", "ddr5", "ddr3", "system", "lpddr5", "lpddr5x", "sysram", "内存"}


def family_stem(name: str) -> str:
    """A hardware name without its memory, core count and build: "Apple M3 Max (40-core GPU, 128GB)" -> "apple m3
    max"; "GeForce RTX 3060 Laptop GPU" -> "geforce rtx 3060"; "Tesla V100 32GB (PCIe)" -> "tesla v100"."""
    stem = re.sub(r"\([^)]*\)", " ", name.lower())
    stem = re.sub(r"\b\d{1,3}\s?gb\b|\blaptop gpu\b|\blaptop\b|\bmobile\b|\bmax-q\b", " ", stem)
    return " ".join(stem.split())


def _amount_at(tokens: list[str], index: int) -> float | None:
    """The memory amount written at ``tokens[index]``: "16gb", "12g", or "16" followed by "gb"."""
    match = _MEMORY_TOKEN.match(tokens[index])
    if match:
        return float(match.group(1))
    if tokens[index].isdigit() and index + 1 < len(tokens) and tokens[index + 1] in {"gb", "g", "gib"}:
        return float(tokens[index])
    return None


def _nearby_memory(tokens: list[str], start: int, end: int, unified: bool) -> float | None:
    """The memory amount written closest to a name (within four words), when it is plausibly that device's memory."""
    for token in tokens[start:end]:
        inside = _MEMORY_TOKEN.match(token)
        if inside:  # the name as written carries its memory ("3060 12g"): nothing nearby overrides it
            return float(inside.group(1))
    best: tuple[int, float] | None = None
    for index in range(max(0, start - 4), min(len(tokens), end + 4)):
        if start <= index < end:
            continue
        value = _amount_at(tokens, index)
        if value is None:
            continue
        after = tokens[index + 1 : index + 3]
        if not unified and any(t in _NOT_GPU_MEMORY for t in after):
            continue  # "64gb ram" beside a discrete GPU is system memory
        distance = start - index if index < start else index - end + 1
        if best is None or distance < best[0] or (distance == best[0] and index >= end):  # a tie: "3060ti 8g 3060 12g"
            best = (distance, value)
    return best[1] if best else None


_GPU_SHAPED = re.compile(
    r"\b(?:(?:nvidia|geforce|amd|radeon|intel)\s+)?(?:rtx|gtx|rx|arc)\s?-?([a-z]?\d{3,4})(?:\s?(ti|super|xtx|xt|gre))?\b"
)


def _unknown_gpu_names(text: str, pairs: list[tuple[str, int]], chosen: list[_Span]) -> list[str]:
    """GPU-shaped names ("rtx 4900", "rx 9950 xt") that no catalog hardware span covers: the reply says it does not
    know them and offers the slips people make, instead of answering as if no machine had been named."""
    covered = [
        (pairs[s.start][1], pairs[s.end - 1][1] + len(pairs[s.end - 1][0])) for s in chosen if s.hit.kind == "hardware" and s.end > s.start
    ]
    out: list[str] = []
    for found in _GPU_SHAPED.finditer(text):
        if any(a < found.end() and found.start() < b for a, b in covered):
            continue
        name = found.group(0).strip()
        if name not in out:
            out.append(name)
    return out


class EntityExtractor:
    def __init__(self, names: NameIndex):
        self.names = names
        self._families: dict[str, list[Any]] | None = None

    def extract(self, text: str) -> Entities:
        lowered = prepare(text)
        signals = read_signals(lowered)
        pairs = _tokens(lowered)
        words = [w for w, _ in pairs]
        spans = self._exact_spans(words)
        spans += self._fuzzy_spans(words, spans)
        family = self._family_span(words, spans)
        if family is not None:  # the family was named, not one of its models: drop guesses at a member over that span
            a, b, _ = family
            spans = [s for s in spans if not (s.hit.kind == "model" and s.start < b and a < s.end and not self._exact_model(words, s))]
        variants = [self._variant(s, words) if s.hit.kind == "hardware" else s for s in _entities_over_terms(self._non_overlapping(spans))]
        chosen = [s for s in variants if s.hit.kind != "hardware" or self._same_line(s, words)]
        if signals.ram_gb is None:
            signals.ram_gb = self._memory_beside_cpu(chosen, words, signals)
        quant = quant_for_runtime(signals.quant, signals.runtime or "llama.cpp") if signals.quant else None
        entities = Entities(quant=quant, context=signals.context, ram_gb=signals.ram_gb, signals=signals)
        split_at = [m.start() for m in _COMPARE_SPLIT.finditer(lowered)]
        seen_models: set[str] = set()
        explicit: dict[str, int] = {}
        sides: dict[int, list[Hit]] = {}
        for span in chosen:
            hit = span.hit
            if hit.kind == "model" and hit.id not in seen_models:
                seen_models.add(hit.id)
                entities.models.append(hit)
            elif hit.kind == "hardware":
                count = self._count_before(words, span.start) or self._count_after(words, span.end)
                side = sum(1 for pos in split_at if pos < pairs[span.start][1])
                if count:
                    explicit[hit.id] = max(explicit.get(hit.id, 0), count)
                else:
                    explicit.setdefault(hit.id, 0)
                side_units = sides.setdefault(side, [])
                if not any(h.id == hit.id for h in side_units):
                    side_units.extend([hit] * (count or 1))
            elif hit.kind in {"glossary", "tool", "error"} and all((o.kind, o.id) != (hit.kind, hit.id) for o in entities.other):
                entities.other.append(hit)
        hits = {span.hit.id: span.hit for span in chosen if span.hit.kind == "hardware"}
        cards = _CARDS_COUNT.search(lowered)
        if cards and len(explicit) == 1 and not any(explicit.values()):
            only = next(iter(explicit))
            explicit[only] = int(cards.group(1)) if cards.group(1).isdigit() else SIZE_WORDS.get(cards.group(1), 1)
        accelerators = [i for i in explicit if self._device(i) != "cpu"]
        for hit_id, count in explicit.items():  # the same card named twice is one card unless a count says more
            if accelerators and self._device(hit_id) == "cpu":
                entities.cpus.append(hits[hit_id])  # the host CPU beside GPUs is not one of the accelerators
                continue
            entities.hardware.extend([hits[hit_id]] * max(1, count))
        entities.hardware_sides = [sides[k] for k in sorted(sides)]
        if len(sides) >= 2:
            bounds = [0, *split_at, len(lowered)]
            segments = [lowered[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]
            entities.side_used = [_condition(segments[k]) if k < len(segments) else None for k in sorted(sides)]
        if not entities.hardware:
            entities.vram_gb = signals.vram_gb
        entities.unknown_hardware = _unknown_gpu_names(lowered, pairs, chosen)
        if family is not None and not entities.models:
            entities.family = family[2]
        return entities

    def _exact_model(self, words: list[str], span: _Span) -> bool:
        return any(h.kind == "model" and h.id == span.hit.id for h in self.names.exact(" ".join(words[span.start : span.end])))

    def _family_span(self, words: list[str], spans: list[_Span]) -> tuple[int, int, str] | None:
        """(start, end, family key) of a family of many sizes named with no size after it, and no exact model there."""
        if not self.names.families:
            return None
        for start in range(len(words)):
            for end in range(min(len(words), start + 3), start, -1):
                key = " ".join(words[start:end])
                if not self.names.family(key):
                    continue
                after = words[end : end + 2]
                if any(_SIZE_OR_QUANT.match(w) and w[-1] in "bm" for w in after[:1]) or any(
                    s.hit.kind == "model" and s.start <= start < s.end and self._exact_model(words, s) for s in spans
                ):
                    return None  # "qwen3 14b": a model after all
                return start, end, key
        return None

    def _memory_beside_cpu(self, spans: list[_Span], words: list[str], signals: Signals) -> float | None:
        """A bare amount written just after a CPU's name is the machine's RAM: "ryzen 3900x 32gb", "5800x3d and 64gb"."""
        for span in spans:
            if span.hit.kind != "hardware" or self._device(span.hit.id) != "cpu":
                continue
            for index in range(span.end, min(len(words), span.end + 3)):
                value = _amount_at(words, index)
                if value is not None and 2 <= value <= 4096 and value != signals.vram_gb:
                    after = words[index + 1 : index + 2]
                    if not any(t in {"vram", "gpu", "card", "graphics", "显存"} for t in after):
                        return value
        return None

    def _device(self, hardware_id: str) -> str:
        entry = self.names.entry("hardware", hardware_id)
        return getattr(entry, "device", "gpu")

    def _family(self, entry: Any) -> list[Any]:
        """Entries that differ from ``entry`` only by memory (and desktop/laptop build): its memory variants."""
        if self._families is None:
            families: dict[str, list[Any]] = {}
            for hardware in self.names.entries("hardware"):
                families.setdefault(family_stem(hardware.name), []).append(hardware)
            self._families = families
        return self._families.get(family_stem(entry.name), [entry])

    def _variant(self, span: _Span, tokens: list[str]) -> _Span:
        """A memory size or a tier word written near a name picks that variant: "m3 ultra 512gb", "4060ti 16g",
        "192GB M2 Ultra", "MacBook Air M1 with 16GB RAM", "3060 6G" (the laptop card), "Macbook Max M3 128GB"."""
        entry = self.names.entry("hardware", span.hit.id)
        if entry is None:
            return span
        amount = _nearby_memory(tokens, span.start, span.end, unified=getattr(entry, "device", "") == "unified")
        if entry.vendor == "apple":
            variants = self._apple_variants(entry, tokens, span)
        else:
            variants = list(self._family(entry))
            if amount is not None and not any(v.memory_gb == amount for v in variants):
                variants = self._family_by_stem(family_stem(entry.name) + " ti")  # "rtx 4060 16gb" is the 4060 Ti 16GB
        if amount is not None:
            variants = [v for v in variants if v.memory_gb == amount]
        if not variants or (amount is None and entry in variants):
            return span
        entry_tier = {"pro", "max", "ultra"} & set(family_stem(entry.name).split())
        laptop = any(t in {"laptop", "mobile", "notebook"} for t in tokens)
        variants.sort(
            key=lambda v: (
                ("laptop" in v.segment) != laptop,
                v.id != entry.id,
                ({"pro", "max", "ultra"} & set(family_stem(v.name).split())) != entry_tier,
                getattr(v, "chip", None) != getattr(entry, "chip", None),
                v.memory_gb,
                v.id,
            )
        )
        chosen = variants[0]
        return _Span(span.start, span.end, Hit("hardware", chosen.id, chosen.name, span.hit.score, span.hit.matched))

    def _same_line(self, span: _Span, tokens: list[str]) -> bool:
        """A product-line word just before a name must belong to it: "quadro rtx 4000" is not the RTX PRO 4000,
        "i9-9960x" is not the Threadripper 9960X."""
        entry = self.names.entry("hardware", span.hit.id)
        before = " ".join(tokens[max(0, span.start - 2) : span.start])
        names = " ".join([entry.name, *map(str, entry.aliases)]) if entry is not None else span.hit.title
        return same_line(before, names)

    def _family_by_stem(self, stem: str) -> list[Any]:
        self._family(self.names.entries("hardware")[0])  # builds the map
        assert self._families is not None
        return list(self._families.get(stem, []))

    def _apple_variants(self, entry: Any, tokens: list[str], span: _Span) -> list[Any]:
        """Apple chips of the named generation, narrowed by a tier word anywhere near ("Macbook Max M3")."""
        generation = re.search(r"\bm\d\b", family_stem(entry.name))
        if generation is None:
            return list(self._family(entry))
        gen = generation.group(0)
        chips = [e for e in self.names.entries("hardware") if e.vendor == "apple" and re.search(rf"\b{gen}\b", family_stem(e.name))]
        window = tokens[max(0, span.start - 3) : span.end + 3]
        joined = " ".join(window)
        tier: str | None = next((t for t in ("ultra", "max") if t in window), None)
        if tier is None and re.search(rf"\b{gen}\s?pro\b|\bpro\s{gen}\b", joined):
            tier = "pro"
        if tier is None:
            return chips  # no tier said: the memory (if any) decides, the named chip first
        return [c for c in chips if tier in family_stem(c.name).split()]

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
                    spans.extend(_Span(start, end, hit) for hit in hits)
                    break
        return self._typo_extensions(tokens, spans)

    def _typo_extensions(self, tokens: list[str], spans: list[_Span]) -> list[_Span]:
        """An exact short name followed by a mistyped word ("m3 utra", "rtx 3090 tu") may be a longer name."""
        out = []
        for span in spans:
            best = span
            if span.hit.kind in {"model", "hardware"}:
                for extra in (1, 2):
                    end = span.end + extra
                    if end > len(tokens) or tokens[end - 1] in _FILLER or not tokens[end - 1].isalpha() or len(tokens[end - 1]) < 3:
                        break
                    phrase = " ".join(tokens[span.start : end])
                    if self.names.exact(phrase):
                        break  # the longer phrase is itself a name: the exact pass already saw it
                    hits = self.names.fuzzy(phrase, span.hit.kind, limit=2)
                    added = tokens[end - 1]
                    looks_like_typo = hits and any(
                        t not in tokens[span.start : end - 1] and 0.7 <= _ratio(t, added) < 1.0 for t in hits[0].matched.split()
                    )
                    if looks_like_typo and hits[0].score >= FUZZY_ENTITY_THRESHOLD and hits[0].id != span.hit.id:
                        best = _Span(span.start, end, hits[0])
            out.append(best)
        return out

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
                if any(i in covered for i in range(start, end)):
                    continue
                digitless = not any(ch.isdigit() for ch in "".join(words))
                if digitless and not (len(words) >= 2 and words[0] in _DIGITLESS_LEADS):
                    continue
                if len(compact(" ".join(words))) < 4 or all(_QUANTITY.match(w) or w in _FILLER for w in words):
                    continue  # "16gb", "32k ctx" are amounts, not names
                if all(w in _FILLER or w in _NOT_A_NAME or _QUANTITY.match(w) or _SIZE_OR_QUANT.match(w) for w in words):
                    continue  # "8gb vram", "7b model", "q4_k_m": no name to look up
                attempts += 1
                for kind in ("hardware",) if digitless else ("model", "hardware"):
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
        # a catalog model or machine beats a glossary term that spells out the same thing ("Tesla P40 24 GB" is
        # the card even though a term's alias is longer); otherwise the longest span wins
        ranked = sorted(
            spans,
            key=lambda s: (s.hit.kind not in {"model", "hardware"}, -(s.end - s.start), order.get(s.hit.kind, 4), -s.hit.score, s.start),
        )
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
        if end < len(tokens) and tokens[end].startswith("x"):
            return _parse_count(tokens[end])
        return None


def extract_context(text: str) -> int | None:
    """The context size stated in ``text`` (kept for callers that only need this one fact)."""
    return read_signals(prepare(text)).context


def extract_quant(text: str) -> str | None:
    return read_signals(prepare(text)).quant
