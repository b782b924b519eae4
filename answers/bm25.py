"""A small in-memory BM25 over catalog text (numpy), for questions that name no entry exactly."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.+-]*[a-z0-9]|[a-z0-9]")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "too",
        "up",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "i'm",
        "im",
        "it's",
        "whats",
        "what's",
        "get",
        "got",
        "any",
        "some",
        "about",
        "vs",
    ]
)


def stem(token: str) -> str:
    """A light suffix stripper so "repeats", "repeating" and "repeated" meet ("repeat")."""
    if len(token) > 5 and not any(c.isdigit() for c in token):
        for suffix in ("ing", "ed", "es", "s"):
            if token.endswith(suffix) and len(token) - len(suffix) >= 4:
                return token[: -len(suffix)]
    return token


def tokenize(text: str) -> list[str]:
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


@dataclass(frozen=True)
class Doc:
    kind: str
    id: str
    title: str


class BM25:
    """Okapi BM25 with field weighting done by repeating fields when the text is built.

    Postings are kept flat (one array of document ids and one of term frequencies, a slice per term), so the
    index pickles into the knowledge snapshot as a few arrays rather than two per term."""

    def __init__(self, docs: list[Doc], texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.docs = docs
        self.k1, self.b = k1, b
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(docs))
        for i, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((i, tf))
        self.avg_len = float(lengths.mean()) if len(docs) else 1.0
        self.norm = self.k1 * (1 - self.b + self.b * lengths / max(self.avg_len, 1.0))
        n = len(docs)
        ids: list[int] = []
        tfs: list[int] = []
        self.postings: dict[str, tuple[int, int, float]] = {}  # term -> (start, end) in the flat arrays, idf
        for term, plist in postings.items():
            start = len(ids)
            ids.extend(d for d, _ in plist)
            tfs.extend(tf for _, tf in plist)
            self.postings[term] = (start, len(ids), math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5)))
        self._ids = np.array(ids, dtype=np.int32)
        self._tf = np.array(tfs, dtype=float)
        self._kinds = np.array([d.kind for d in docs])

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.docs))
        for term in set(tokenize(query)):
            entry = self.postings.get(term)
            if entry is None:
                continue
            start, end, idf = entry
            ids, tf = self._ids[start:end], self._tf[start:end]
            out[ids] += idf * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return out

    def top(self, query: str, limit: int = 5, kinds: set[str] | None = None) -> list[tuple[Doc, float]]:
        scores = self.scores(query)
        if kinds is not None:
            mask = np.isin(self._kinds, list(kinds))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores)[:limit]
        return [(self.docs[i], float(scores[i])) for i in order if scores[i] > 0]

    def max_possible(self, query: str) -> float:
        """Upper bound of a score for this query: every term matched at saturation (for 0-1 calibration)."""
        return sum(entry[2] * (self.k1 + 1) for t in set(tokenize(query)) if (entry := self.postings.get(t)) is not None)


SEARCH_KINDS = frozenset({"glossary", "error", "tool"})


def catalog_bm25(catalog: Any) -> BM25:
    """The engine's search index: glossary terms, errors and tools, names weighted by repetition."""
    docs, texts = [], []
    for entry in catalog.entries():
        if entry.kind not in SEARCH_KINDS:
            continue
        docs.append(Doc(entry.kind, entry.id, entry.title))
        texts.append(catalog_text(entry))
    return BM25(docs, texts)


def catalog_text(entry: Any) -> str:
    """The text BM25 sees for an entry (was answers/engine.py's ``_bm25_text``)."""
    names = " ".join([entry.title] * 3 + [str(a) for a in entry.aliases] * 2)
    if entry.kind == "glossary":
        return f"{names} {entry.short} {entry.short} {entry.body}"
    if entry.kind == "error":
        signatures = " ".join(getattr(s, "pattern", s) for s in entry.signatures)
        return f"{names} {signatures} {entry.summary} {' '.join(entry.causes)}"
    return f"{names} {entry.summary} {' '.join(entry.strengths)}"
