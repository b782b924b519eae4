"""In-memory name index: resolve what people type to catalog entries, with "did you mean" choices.

Order of evidence: exact id/alias (after normalisation) -> fuzzy match on names (rapidfuzz), where numbers
must agree ("rtx 3070" never resolves to "RTX 3060") and very short queries only match exactly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.catalog import Catalog
from knowledge.names import compact, normalize

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_FUZZY_LENGTH = 3
RESOLVE_THRESHOLD = 0.86  # fuzzy score needed to resolve without asking
SUGGEST_THRESHOLD = 0.55


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    score: float
    matched: str = ""


@dataclass(frozen=True)
class _Name:
    kind: str
    id: str
    title: str
    text: str  # normalized
    numbers: frozenset[str]


def numbers_of(text: str) -> frozenset[str]:
    return frozenset(n.rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text))


class NameIndex:
    """Names of every entry, by kind."""

    def __init__(self, catalog: Catalog):
        self._exact: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._names: dict[str, list[_Name]] = defaultdict(list)
        self._titles: dict[tuple[str, str], str] = {}
        for entry in catalog.entries():
            title = entry.title
            self._titles[(entry.kind, entry.id)] = title
            for name in {entry.id, title, *entry.aliases}:
                text = normalize(str(name))
                if not text:
                    continue
                for key in {text, compact(text)}:
                    if (entry.kind, entry.id) not in self._exact[key]:
                        self._exact[key].append((entry.kind, entry.id))
                self._names[entry.kind].append(_Name(entry.kind, entry.id, title, text, numbers_of(text)))
            chip = getattr(entry, "chip", None)
            if chip:
                self._exact.setdefault(normalize(chip), []).append((entry.kind, entry.id))
        self._choices = {kind: [n.text for n in names] for kind, names in self._names.items()}

    def title(self, kind: str, entry_id: str) -> str:
        return self._titles.get((kind, entry_id), entry_id)

    def exact(self, text: str, kind: str | None = None) -> list[Hit]:
        key = normalize(text)
        found = self._exact.get(key) or self._exact.get(compact(key)) or []
        return [Hit(k, i, self.title(k, i), 1.0, key) for k, i in found if kind is None or k == kind]

    def fuzzy(self, text: str, kind: str, limit: int = 5) -> list[Hit]:
        """Best distinct entries of one kind by name similarity (0-1), numbers required to agree."""
        query = normalize(text)
        if len(compact(query)) < MIN_FUZZY_LENGTH or kind not in self._choices:
            return []
        wanted = numbers_of(query)
        raw = process.extract(query, self._choices[kind], scorer=_similarity, limit=limit * 8, score_cutoff=40)
        best: dict[str, Hit] = {}
        for _, score, index in raw:
            name = self._names[kind][index]
            value = score / 100
            if wanted and not wanted <= name.numbers:
                missing = len(wanted - name.numbers) / len(wanted)
                value *= 1 - 0.35 * missing  # a number the name lacks is strong evidence against it
            if name.id not in best or value > best[name.id].score:
                best[name.id] = Hit(kind, name.id, name.title, round(value, 4), name.text)
        return sorted(best.values(), key=lambda h: -h.score)[:limit]

    def lookup(self, text: str, kind: str, limit: int = 5) -> list[Hit]:
        """Exact hits first (score 1), then fuzzy candidates."""
        hits = self.exact(text, kind)
        if hits:
            return hits[:limit]
        return self.fuzzy(text, kind, limit)


def _similarity(query: str, choice: str, **_: object) -> float:
    """Blend of whole-string and token-set similarity; partial matches only when lengths are close."""
    whole = fuzz.ratio(query, choice)
    tokens = fuzz.token_set_ratio(query, choice)
    q, c = compact(query), compact(choice)
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
    raise ResolveError(kind, text[:80], [h for h in hits if h.score >= SUGGEST_THRESHOLD][:5])
