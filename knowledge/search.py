"""In-memory name index: resolve what people type to catalog entries, with "did you mean" choices.

Order of evidence: exact id/alias (after normalisation) -> fuzzy match on names (rapidfuzz), where numbers
must agree ("rtx 3070" never resolves to "RTX 3060") and very short queries only match exactly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge.catalog import Catalog
from knowledge.names import compact, normalize

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_FUZZY_LENGTH = 3
RESOLVE_THRESHOLD = 0.86  # fuzzy score needed to resolve without asking
SUGGEST_THRESHOLD = 0.55
TIE_WINDOW = 0.06
_DIGIT = re.compile(r"\d")
CANDIDATES = 60  # trigram candidates re-scored by _similarity


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    score: float
    matched: str = ""


@lru_cache(maxsize=65536)
def numbers_of(text: str) -> frozenset[str]:
    return frozenset(n.rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text))


def trigrams(text: str) -> set[str]:
    padded = f"^{text}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class TrigramIndex:
    """Character-trigram postings over compact names: the names sharing most trigrams with a query, without
    scoring every name (a typo still shares most trigrams; the right name is among the candidates).

    Postings are one flat array with a slice per trigram, so the index pickles (knowledge snapshot) as one array."""

    def __init__(self, names: list[str]):
        postings: dict[str, list[int]] = defaultdict(list)
        sizes = np.zeros(len(names), dtype=np.float32)
        for i, name in enumerate(names):
            grams = trigrams(compact(name))
            sizes[i] = len(grams)
            for gram in grams:
                postings[gram].append(i)
        flat: list[int] = []
        self._slices: dict[str, tuple[int, int]] = {}
        for gram, ids in postings.items():
            self._slices[gram] = (len(flat), len(flat) + len(ids))
            flat.extend(ids)
        self._flat = np.asarray(flat, dtype=np.int32)
        self._sizes = sizes

    def candidates(self, query: str, limit: int) -> list[int]:
        query_grams = trigrams(query)
        grams = [self._flat[a:b] for a, b in (self._slices[g] for g in query_grams if g in self._slices)]
        if not grams:
            return []
        shared = np.bincount(np.concatenate(grams), minlength=len(self._sizes)).astype(np.float32)
        dice = 2 * shared / (self._sizes + len(query_grams))
        if len(dice) > limit:
            top = np.argpartition(-dice, limit)[:limit]
        else:
            top = np.arange(len(dice))
        top = top[dice[top] > 0.2]
        return top[np.argsort(-dice[top])].tolist()


class NameIndex:
    """Names of every entry, by kind."""

    def __init__(self, catalog: Catalog):
        self._exact: dict[str, list[tuple[str, str]]] = defaultdict(list)
        # per kind, one row per name: (entry id, title) and the normalized name at the same index (plain tuples and
        # strings: the index is pickled into the knowledge snapshot and loaded at every start of the command line)
        self._names: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._choices: dict[str, list[str]] = defaultdict(list)
        self._titles: dict[tuple[str, str], str] = {}
        self._entries: dict[tuple[str, str], Any] = {}
        keys: dict[tuple[str, str], tuple[str, str]] = {}  # one tuple per entry, shared by every table (smaller pickle)
        for entry in catalog.entries():
            ref = keys.setdefault((entry.kind, entry.id), (entry.kind, entry.id))
            self._entries[ref] = entry
            title = entry.title
            self._titles[ref] = title
            row = (entry.id, title)
            for name in dict.fromkeys([entry.id, title, *map(str, entry.aliases)]):  # ordered: a set's order changes per process
                text = normalize(str(name))
                if not text:
                    continue
                for key in {text, compact(text)}:
                    if ref not in self._exact[key]:
                        self._exact[key].append(ref)
                self._names[entry.kind].append(row)
                self._choices[entry.kind].append(text)
        # a shared chip slug names all its variants, unless an entry already claims that spelling as a name or
        # alias ("rtx 4060 ti" is the 8 GB card, not a tie between the 8 and 16 GB ones)
        named = set(self._exact)
        for entry in catalog.entries():
            chip = getattr(entry, "chip", None)
            if chip and normalize(chip) not in named and compact(chip) not in named:
                self._exact[normalize(chip)].append(keys[(entry.kind, entry.id)])
        self.families: dict[str, list[str]] = {}  # family slug (normalized) -> its chat models, when sizes differ
        self._name_families(catalog, keys)
        self._family_compact = {key.replace(" ", ""): key for key in self.families}
        self._grams = {kind: TrigramIndex(choices) for kind, choices in self._choices.items()}
        # tie-breaks among near-equal fuzzy matches: the newest entry whose name starts like the query
        self._released: dict[tuple[str, str], int] = {}
        self._lead: dict[tuple[str, str], str] = {}
        for entry in catalog.entries():
            ref = keys[(entry.kind, entry.id)]
            date = getattr(entry, "release_date", None)
            self._released[ref] = date.toordinal() if date else 0
            family = getattr(entry, "family", None) or entry.title
            self._lead[ref] = normalize(str(family)).split(" ")[0] if family else ""
        self._exact, self._names, self._choices = dict(self._exact), dict(self._names), dict(self._choices)  # lookups never grow them

    def family(self, text: str) -> list[str]:
        """The chat models of a family of many sizes named by ``text`` ("qwen3", "gemma 3"), smallest first."""
        key = normalize(text)
        return self.families.get(key) or self.families.get(self._family_compact.get(key.replace(" ", ""), ""), [])

    def _name_families(self, catalog: Catalog, keys: dict[tuple[str, str], tuple[str, str]]) -> None:
        """A family slug people say without a version ("mistral small", "mistral nemo") names the family's newest chat
        model, when every chat model of the family has about the same size (else the size must be said: "qwen3" is
        0.6B to 235B) and no model or machine already has that name (a glossary term may: "mistral small")."""
        families: dict[str, list[Any]] = defaultdict(list)
        for model in catalog.models:
            if model.family and model.variant not in {"base", "embedding"}:
                families[model.family].append(model)
        for family, everyone in sorted(families.items()):
            members = [m for m in everyone if not getattr(m, "base_model", None)] or everyone  # the releases, not fine-tunes
            key = normalize(family)
            sizes = [m.params_b for m in members]
            claimed = [ref for ref in self._exact.get(key, []) if ref[0] in {"model", "hardware"}]
            if max(sizes) > 1.15 * min(sizes):  # "gemma 3" is a family even though Ollama's "gemma3" tag is the 4B
                if not claimed:
                    self.families[key] = [m.id for m in sorted(members, key=lambda m: m.params_b)]  # "qwen3": 0.6B to 235B
                continue
            if claimed or [ref for ref in self._exact.get(compact(key), []) if ref[0] in {"model", "hardware"}]:
                continue
            newest = max(members, key=lambda m: (m.release_date.toordinal() if m.release_date else 0, m.id))
            self._exact.setdefault(key, []).append(keys[("model", newest.id)])  # beside a glossary term of that name

    def entry(self, kind: str, entry_id: str) -> Any | None:
        return self._entries.get((kind, entry_id))

    def entries(self, kind: str) -> list[Any]:
        return [entry for (k, _), entry in self._entries.items() if k == kind]

    def title(self, kind: str, entry_id: str) -> str:
        return self._titles.get((kind, entry_id), entry_id)

    def exact(self, text: str, kind: str | None = None) -> list[Hit]:
        key = normalize(text)
        found = self._exact.get(key) or []
        if not found and (" " not in key or _DIGIT.search(key)):
            # "rtx4090" = "rtx 4090", "lmstudio" = "lm studio"; but two plain words ("local ai") are not "localai"
            found = self._exact.get(key.replace(" ", "")) or []
        return [Hit(k, i, self.title(k, i), 1.0, key) for k, i in found if kind is None or k == kind]

    def fuzzy(self, text: str, kind: str, limit: int = 5) -> list[Hit]:
        """Best distinct entries of one kind by name similarity (0-1), numbers required to agree."""
        query = normalize(text)
        if len(compact(query)) < MIN_FUZZY_LENGTH or kind not in self._choices:
            return []
        wanted = numbers_of(query)
        # candidates from shared character trigrams (sub-linear), then a precise re-score of those few
        choices = self._choices[kind]
        best: dict[str, Hit] = {}
        for index in self._grams[kind].candidates(compact(query), max(CANDIDATES, limit * 8)):
            entry_id, title = self._names[kind][index]
            text = choices[index]
            value = _similarity(query, text) / 100
            if value < 0.4:
                continue
            numbers = numbers_of(text)
            if wanted and not wanted <= numbers:
                missing = len(wanted - numbers) / len(wanted)
                value *= 1 - 0.35 * missing  # a number the name lacks is strong evidence against it
            if kind == "hardware" and not _model_numbers(numbers) <= wanted:
                value *= 0.7  # "ryzen 7" is a series, not the Ryzen 7 9800X3D; "rtx 4900" is not the 4090
            if kind == "hardware" and not _same_line(query, text):
                continue  # "quadro rtx 4000" is not an RTX PRO 4000; "i9 9960x" is not a Threadripper
            if kind == "hardware" and not _same_variant(query, text):
                value *= 0.75  # "rtx 5080 super" is not the RTX 5080 (suggest it, never silently become it)
            if entry_id not in best or value > best[entry_id].score:
                best[entry_id] = Hit(kind, entry_id, title, round(value, 4), text)
        ranked = sorted(best.values(), key=lambda h: -h.score)
        if len(ranked) > 1:
            ranked = self._break_ties(query, ranked)
        return ranked[:limit]

    def _break_ties(self, query: str, ranked: list[Hit]) -> list[Hit]:
        """Within TIE_WINDOW of the best score, prefer entries whose family starts with the query's first word,
        then the newest: "llama 70b" means Llama 3.3 70B today, not Llama 2."""
        top = ranked[0].score
        first = query.split(" ")[0]
        near = [h for h in ranked if top - h.score <= TIE_WINDOW]
        rest = [h for h in ranked if top - h.score > TIE_WINDOW]
        near.sort(key=lambda h: (self._lead.get((h.kind, h.id)) != first, -self._released.get((h.kind, h.id), 0), -h.score))
        if near[0] is not ranked[0]:
            near[0] = Hit(near[0].kind, near[0].id, near[0].title, top, near[0].matched)
        return near + rest

    def lookup(self, text: str, kind: str, limit: int = 5) -> list[Hit]:
        """Exact hits first (score 1), then fuzzy candidates."""
        hits = self.exact(text, kind)
        if hits:
            return hits[:limit]
        return self.fuzzy(text, kind, limit)


LINE_WORDS = frozenset(
    {
        "quadro",
        "tesla",
        "titan",
        "radeon",
        "instinct",
        "arc",
        "threadripper",
        "epyc",
        "xeon",
        "core",
        "ryzen",
        "i3",
        "i5",
        "i7",
        "i9",
        "jetson",
        "orin",
        "xavier",
        "snapdragon",
        "ada",
        "blackwell",
        "mi50",
        "mi60",
    }
)  # product-line words: a name that lacks one the query says is a different product
VARIANT_WORDS = frozenset({"super", "ti", "xt", "xtx", "gre", "ultra", "max", "laptop", "mobile", "mini", "nano"})
# variant words: a name that lacks one is a near miss worth suggesting, never a silent match
GPU_LINE_WORDS = frozenset({"rtx", "gtx", "rx", "geforce", "radeon", "arc", "quadro", "tesla"})  # a graphics card was meant


def _model_numbers(numbers: frozenset[str]) -> set[str]:
    return {n for n in numbers if len(n) >= 3}


def _same_line(query: str, name: str) -> bool:
    words = set(name.split())
    return all(word in words for word in query.split() if word in LINE_WORDS)


def _same_variant(query: str, name: str) -> bool:
    words = set(name.split())
    return all(word in words for word in query.split() if word in VARIANT_WORDS)


def digit_neighbours(number: str) -> list[str]:
    """Numbers one slip away from ``number``: swapped neighbours first ("4900" -> "4090"), then one digit changed
    to a key beside it on the number row ("1090" -> "1080"), then any other digit."""
    swaps = [number[:i] + number[i + 1] + number[i] + number[i + 2 :] for i in range(len(number) - 1) if number[i] != number[i + 1]]
    row = "1234567890"

    def beside(a: str, b: str) -> bool:
        return abs(row.index(a) - row.index(b)) == 1

    changes = [number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in "0123456789" if d != number[i]]
    changes.sort(key=lambda n: not any(beside(a, b) for a, b in zip(n, number, strict=True) if a != b))
    return list(dict.fromkeys(swaps + changes))


def same_line(query: str, name: str) -> bool:
    """Public form of the product-line check (the entity extractor applies it to exact names beside line words)."""
    return _same_line(normalize(query), normalize(name))


def _similarity(query: str, choice: str, **_: object) -> float:
    """Blend of whole-string and token-set similarity; partial matches only when lengths are close."""
    from rapidfuzz import fuzz  # imported on the first fuzzy lookup, not with the index

    whole = fuzz.ratio(query, choice)
    tokens = fuzz.token_set_ratio(query, choice)
    q, c = query.replace(" ", ""), choice.replace(" ", "")  # both already normalized: compact() without the regex
    squashed = fuzz.ratio(q, c)
    length_ratio = min(len(q), len(c)) / max(len(q), len(c), 1)
    partial = fuzz.partial_ratio(q, c) * (0.6 + 0.4 * length_ratio) if length_ratio > 0.5 else 0.0
    return max(whole, squashed, tokens * (0.7 + 0.3 * length_ratio), partial)


class ResolveError(LookupError):
    """A name that matches no entry clearly; carries suggestions."""

    def __init__(self, kind: str, text: str, suggestions: list[Hit]):
        self.kind = kind
        self.text = text
        self.suggestions = suggestions
        names = ", ".join(h.title for h in suggestions)
        hint = f" Did you mean: {names}?" if suggestions else ""
        super().__init__(f"Unknown {kind} {text!r}.{hint}")


def resolve(index: NameIndex, text: str, kind: str) -> Hit:
    """One entry for ``text`` or ResolveError with up to five suggestions."""
    hits = index.lookup(text, kind)
    if hits and hits[0].score == 1.0 and (len(hits) == 1 or hits[1].score < 1.0):
        return hits[0]
    if hits and hits[0].score >= RESOLVE_THRESHOLD and (len(hits) == 1 or hits[0].score - hits[1].score >= 0.04):
        return hits[0]
    raise ResolveError(kind, text[:80], suggestions(index, text, kind, hits))


def suggestions(index: NameIndex, text: str, kind: str, hits: list[Hit], limit: int = 5) -> list[Hit]:
    """ "Did you mean" choices ranked the way people mistype: a model number one slip away in the same product
    line first ("rtx 4900" -> RTX 4090), then close names. A model number that is nothing like any catalog name gets
    no choices from other product lines (the caller says how to describe the unknown thing instead)."""
    query = normalize(text)
    wanted = _model_numbers(numbers_of(query))
    gpu_words = bool(GPU_LINE_WORDS & set(query.split()))

    def other_device(hit: Hit) -> bool:  # "rx 9950 xt" is a graphics card, never the Ryzen 9 9950X
        return gpu_words and getattr(index.entry(hit.kind, hit.id), "device", "gpu") == "cpu"

    close = [h for h in hits if h.score >= SUGGEST_THRESHOLD and not other_device(h)]
    if kind == "hardware" and wanted:
        close = [h for h in close if wanted & numbers_of(normalize(h.matched or h.title))]  # same model number, other variant
    if close:
        return close[:limit]  # "radeon 7900": the 7900 XT, XTX and GRE, not other numbers
    vendor = _vendor_said(query)
    slips: list[Hit] = []
    for number in (n for n in numbers_of(query) if len(n) >= 3):
        for near in digit_neighbours(number):
            candidate = re.sub(rf"\b{re.escape(number)}", near, query, count=1)
            for hit in index.exact(candidate, kind) or index.fuzzy(candidate, kind, limit=2):
                entry = index.entry(hit.kind, hit.id)
                if (vendor and getattr(entry, "vendor", vendor) != vendor) or other_device(hit):
                    continue  # "rtx 4900" is an NVIDIA slip, not a Radeon
                if hit.score >= RESOLVE_THRESHOLD and all(s.id != hit.id for s in slips):
                    slips.append(Hit(hit.kind, hit.id, hit.title, hit.score, hit.matched))
        if slips:
            break
    said = {w for w in query.split() if not any(ch.isdigit() for ch in w)}
    slips.sort(key=lambda h: not said <= set(normalize(h.title).split()))  # "gtx 1090": the GTX 1080 before the RTX 3090
    return slips[:limit]


def _vendor_said(query: str) -> str | None:
    words = set(query.split())
    for vendor, marks in (
        ("nvidia", {"rtx", "gtx", "geforce", "nvidia", "quadro", "tesla"}),
        ("amd", {"rx", "radeon", "amd"}),
        ("intel", {"arc", "intel"}),
    ):
        if words & marks:
            return vendor
    return None
