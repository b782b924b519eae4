"""Match pasted logs against the errors KB: anchored patterns per line, then the root cause among the hits.

Each signature is a case-insensitive regex for one line a runtime prints. Python's ``re`` has no fast path for
case-insensitive or wildcard-led patterns, so a pattern runs only on the lines that contain its anchor (the
longest literal run every match must contain), and an anchor is looked for only when one of its whole words
occurs in the paste (one pass builds the paste's word set). Symptom phrases ("ollama is slow") are matched
only in the sentences people wrote, never in log lines, so a healthy log cannot trigger them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from answers.lazy_re import LazyPattern
from answers.log_context import COMPLAINT, LogContext, clean, detect_runtime, extract_context, fit_paste, prose_lines
from answers.log_context import looks_like_log as looks_like_log  # re-exported: engine and bot import it from here
from knowledge.catalog import Catalog
from knowledge.schema import ErrorEntry, Signature, literal_clauses, min_literal_chars, required_literals, version_in_range

MAX_PASTE = 60_000  # longer pastes are trimmed to this (end, error lines and setup lines kept)
MAX_LINES_PER_ANCHOR = 25
SEVERITY_RANK = {"fatal": 3, "error": 3, "warning": 1, "performance": 1}

# Confidence of the top hit (0-1). The forum auto-answer threshold is 0.75 (bot settings): specific causes
# clear it, generic consequences and symptom phrases do not (they still answer when someone asks).
CONF_SPECIFIC = 0.92
CONF_WARNING = 0.8
CONF_GENERIC = 0.68
CONF_SYMPTOM = 0.7
CONF_AMBIGUOUS = 0.72  # two unrelated specific causes of equal rank in one paste

_WORDS = bytes(
    (c + 32 if 65 <= c <= 90 else c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 95) else 32 for c in range(256)
)
_WORD_RUN = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class ErrorHit:
    entry: ErrorEntry
    signature: str  # the signature's readable wording (a Signature) or the symptom pattern
    line: str  # the log line that carried it (or the sentence, for a symptom)
    position: int  # character offset of that line in the cleaned paste
    score: float  # 0-1 confidence that this entry answers the paste
    kind: str = "signature"  # "signature" (a line a runtime printed) or "symptom" (a described problem)
    line_no: int = 0
    lines: tuple[str, ...] = ()  # every distinct line where this entry matched (up to 5)
    paste: str = field(default="", compare=False, repr=False)  # the cleaned paste it was found in

    @property
    def context(self) -> LogContext:
        """The setup the paste describes (read on first use, shared by every hit of one paste)."""
        return context_of(self.paste)

    @property
    def version_ok(self) -> bool | None:
        """Whether the log's runtime version is in this signature's range (None: unknown or not comparable)."""
        sig = self.signature
        if not isinstance(sig, Signature) or sig.versions == "all":
            return None
        context = self.context
        if context.runtime != sig.runtime or not context.runtime_version:
            return None
        return version_in_range(context.runtime_version, sig.versions)


@lru_cache(maxsize=64)
def context_of(paste: str) -> LogContext:
    return extract_context(paste)


@dataclass
class _Sig:
    regex: LazyPattern
    sig: Signature
    entry: ErrorEntry
    literal: int  # literal characters every match contains (specificity)


@dataclass
class _Anchor:
    text: str
    sigs: list[_Sig]


def _key_word(anchor: str) -> bytes | None:
    """A word of the anchor that is whole in any matching text (bounded by non-word characters inside the
    anchor itself), the longest one; None when the anchor has no such word."""
    words = [(m.start(), m.end()) for m in _WORD_RUN.finditer(anchor)]
    inner = [anchor[a:b] for a, b in words if a > 0 and b < len(anchor)]
    if not inner:
        return None
    return max(inner, key=len).encode()


class SignatureMatcher:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        anchors: dict[str, _Anchor] = {}
        self._symptoms: list[tuple[LazyPattern, str, ErrorEntry, list[frozenset[str]]]] = []
        self._entries = {e.id: e for e in catalog.errors}
        self._literal: dict[str, int] = {}  # pattern -> literal characters every match contains (specificity)
        self._symptom_literal: dict[str, int] = {}  # symptom pattern -> literal characters of its shortest match
        for entry in catalog.errors:
            for sig in entry.signatures:
                runs = required_literals(sig.pattern)
                anchor = max(runs, key=len)
                compiled = _Sig(LazyPattern(sig.pattern, re.IGNORECASE), sig, entry, sum(len(r) for r in runs))
                self._literal[sig.pattern] = compiled.literal
                anchors.setdefault(anchor, _Anchor(anchor, [])).sigs.append(compiled)
            for phrase in entry.symptoms:
                self._symptoms.append((LazyPattern(phrase, re.IGNORECASE), phrase, entry, literal_clauses(phrase)))
                self._symptom_literal[phrase] = min_literal_chars(phrase)
        self._clause_words = frozenset(word for *_, clauses in self._symptoms for clause in clauses for word in clause)
        self._by_word: dict[bytes, list[_Anchor]] = {}
        self._always: list[_Anchor] = []
        for group in anchors.values():
            word = _key_word(group.text)
            if word is None:
                self._always.append(group)
            else:
                self._by_word.setdefault(word, []).append(group)
        self.signature_count = sum(len(a.sigs) for a in anchors.values())

    # ------------------------------------------------------------------------------------------
    def match(self, text: str, *, symptoms: bool = False) -> list[ErrorHit]:
        """Every entry whose signature occurs in ``text``, root cause first. With ``symptoms``, also the
        troubleshooting entries whose symptom the person describes in their own sentences (never in log
        lines); the answer engine asks for them, the /error command (exact lines only) does not."""
        paste = clean(text or "")
        if len(paste) > MAX_PASTE:
            paste = fit_paste(paste, MAX_PASTE)
        prose = prose_lines(text or "")
        described = self._symptom_hits(prose)
        complaint = bool(described) or any(COMPLAINT.search(line) for line in prose)
        found = self._signature_hits(paste, with_signals=complaint)
        if symptoms:
            for hit in described:
                found.setdefault(hit.entry.id, hit)
        if not found:
            return []
        hits = self._rank(list(found.values()), detect_runtime(paste))
        return [replace(h, paste=paste) for h in hits]

    def match_lines(self, text: str) -> list[tuple[int, str, list[str]]]:
        """(line number, line, entry ids) for every line some signature matched, in order (for tools and tests)."""
        paste = clean(text or "")
        per_line: dict[int, tuple[str, list[str]]] = {}
        _, matched = self._scan(paste)
        for entry_id, lines in matched.items():
            for start, line in lines.items():
                per_line.setdefault(start, (line, []))[1].append(entry_id)
        return [(paste.count("\n", 0, start), line, ids) for start, (line, ids) in sorted(per_line.items())]

    # ------------------------------------------------------------------------------------------
    def _signature_hits(self, paste: str, with_signals: bool = False) -> dict[str, ErrorHit]:
        found, matched_lines = self._scan(paste, with_signals)
        for entry_id, hit in found.items():
            lines = matched_lines[entry_id]
            ordered = [lines[k] for k in sorted(lines)]
            found[entry_id] = replace(hit, lines=tuple(ordered[:5]), position=min(hit.position, min(lines)))
        return found

    def _scan(self, paste: str, with_signals: bool = False) -> tuple[dict[str, ErrorHit], dict[str, dict[int, str]]]:
        lowered = paste.lower()
        if len(lowered) != len(paste):  # a few Unicode characters change length when lowered
            paste = paste.encode("ascii", "replace").decode()
            lowered = paste.lower()
        words = set(lowered.encode("ascii", "ignore").translate(_WORDS).split())
        candidates = list(self._always)
        for word in words & self._by_word.keys():
            candidates.extend(self._by_word[word])
        found: dict[str, ErrorHit] = {}
        matched_lines: dict[str, dict[int, str]] = {}
        for anchor in candidates:
            pos = lowered.find(anchor.text)
            seen = 0
            while pos >= 0 and seen < MAX_LINES_PER_ANCHOR:
                start = lowered.rfind("\n", 0, pos) + 1
                end = lowered.find("\n", pos)
                end = end if end >= 0 else len(lowered)
                line = paste[start:end]
                seen += 1
                for s in anchor.sigs:
                    m = s.regex.search(line)
                    if not m or (s.sig.signal and not with_signals) or not _counts(m):
                        continue
                    lines = matched_lines.setdefault(s.entry.id, {})
                    lines.setdefault(start, line.strip())
                    hit = found.get(s.entry.id)
                    better = hit is None or (s.literal, -start) > (self._literal_of(hit), -hit.position)  # more literal, then earlier
                    if better:
                        found[s.entry.id] = _make_hit(s, line, start, lowered)
                pos = lowered.find(anchor.text, end)
        return found, matched_lines

    def _symptom_hits(self, prose: list[str]) -> list[ErrorHit]:
        if not self._symptoms or not prose:
            return []
        hits: dict[str, ErrorHit] = {}
        joined = "\n".join(prose)  # one search per phrase; the line is recovered from the offset
        lowered = joined.lower()
        present = {word for word in self._clause_words if word in lowered}
        for regex, phrase, entry, clauses in self._symptoms:
            if not all(clause & present for clause in clauses):
                continue  # a literal the phrase needs is absent: skip the (slow) regex
            m = regex.search(joined)
            if m is None:
                continue
            number = joined.count("\n", 0, m.start())
            sentence = prose[number][:300]
            previous = hits.get(entry.id)
            if previous is None or self._symptom_literal[phrase] > self._symptom_literal[previous.signature]:
                hits[entry.id] = ErrorHit(entry, phrase, sentence, 0, CONF_SYMPTOM, "symptom", number, (sentence,))
        return list(hits.values())

    # ------------------------------------------------------------------------------------------
    def _rank(self, hits: list[ErrorHit], runtime: str | None = None) -> list[ErrorHit]:
        """Root cause first. Signature lines before described symptoms; specific causes before generic
        consequences (runner terminated, error loading model); an entry whose listed cause is also present
        after that cause; errors before warnings; then the earlier line, the more specific pattern, and an
        entry for the runtime the log comes from. Symptoms: the most specific phrase first."""
        present = {h.entry.id for h in hits if h.kind == "signature"}

        def key(h: ErrorHit):
            e = h.entry
            demoted = any(cause in present for cause in e.consequence_of)
            signal = isinstance(h.signature, Signature) and h.signature.signal
            specificity = self._literal_of(h) if h.kind == "signature" else self._symptom_literal.get(h.signature, 0)
            return (
                h.kind != "signature",
                signal,
                e.generic,
                demoted,
                -SEVERITY_RANK.get(e.severity, 2),
                h.position,
                -specificity,
                runtime is not None and runtime not in e.runtimes,
            )

        ranked = sorted(hits, key=key)
        confidence = self._confidence(ranked[0], ranked, present)
        out = [replace(ranked[0], score=confidence)]
        for i, h in enumerate(ranked[1:], 1):  # the others: their own confidence, lowered by their rank
            own = self._confidence(h, [], present)
            out.append(replace(h, score=round(min(confidence, own) - 0.05 * i, 3)))
        return out

    def _literal_of(self, hit: ErrorHit) -> int:
        sig = hit.signature
        if not isinstance(sig, Signature):
            return 0
        value = self._literal.get(sig.pattern)
        if value is None:
            value = self._literal[sig.pattern] = sum(len(r) for r in required_literals(sig.pattern))
        return value

    def _confidence(self, top: ErrorHit, ranked: list[ErrorHit], present: set[str]) -> float:
        if top.kind == "symptom" or (isinstance(top.signature, Signature) and top.signature.signal):
            return CONF_SYMPTOM
        if top.entry.generic:
            return CONF_GENERIC
        if top.entry.severity in {"warning", "performance"}:
            return CONF_WARNING
        rivals = [
            h
            for h in ranked[1:]
            if h.kind == "signature"
            and not h.entry.generic
            and not any(c in present for c in h.entry.consequence_of)
            and h.entry.severity in {"fatal", "error"}
            and top.entry.id not in h.entry.related
            and h.entry.id not in top.entry.related
        ]
        return CONF_AMBIGUOUS if rivals else CONF_SPECIFIC


def _counts(m: re.Match[str]) -> bool:
    """A pattern with named groups ``done`` and ``total`` counts only a partial result (20/33, not 33/33)."""
    groups = m.groupdict()
    if "done" in groups and "total" in groups and groups["done"] and groups["total"]:
        return int(groups["done"]) < int(groups["total"])
    return True


def _make_hit(s: _Sig, line: str, start: int, lowered: str) -> ErrorHit:
    return ErrorHit(s.entry, s.sig, line.strip()[:300], start, CONF_SPECIFIC, "signature", lowered.count("\n", 0, start))
