"""Match pasted logs against the errors KB: literal signatures first, then the root cause among them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.catalog import Catalog
from knowledge.schema import ErrorEntry

# Consequences ("the runner died") rank below causes ("cudaMalloc failed: out of memory").
CATEGORY_PRIORITY = {
    "memory": 5,
    "gpu": 4,
    "loading": 4,
    "build": 4,
    "download": 4,
    "server": 3,
    "output": 2,
    "performance": 2,
    "crash": 1,
}
MIN_SIGNATURE = 6
_CODE_FENCE = re.compile(r"```[a-zA-Z]*\n?")


@dataclass(frozen=True)
class ErrorHit:
    entry: ErrorEntry
    signature: str
    line: str  # the log line that carried it
    position: int
    score: float  # 0-1


class SignatureMatcher:
    def __init__(self, catalog: Catalog):
        self._sigs: list[tuple[str, ErrorEntry]] = []
        for entry in catalog.errors:
            for sig in entry.signatures:
                if len(sig.strip()) >= MIN_SIGNATURE:
                    self._sigs.append((sig.lower(), entry))
        self._sigs.sort(key=lambda s: -len(s[0]))

    def match(self, text: str) -> list[ErrorHit]:
        """Every entry whose signature occurs in ``text``, root cause first."""
        log = _CODE_FENCE.sub("", text[:4000])
        lowered = log.lower()
        found: dict[str, ErrorHit] = {}
        for sig, entry in self._sigs:
            pos = lowered.find(sig)
            if pos < 0 and len(sig) >= 36:
                # people paste from the middle of a long line: accept the last 60 % of a long signature
                tail = sig[int(len(sig) * 0.4) :]
                pos = lowered.find(tail)
                if pos >= 0:
                    sig = tail
            if pos < 0:
                continue
            line_start = lowered.rfind("\n", 0, pos) + 1
            line_end = lowered.find("\n", pos)
            line = log[line_start : line_end if line_end >= 0 else len(log)].strip()
            specificity = min(1.0, len(sig) / 40)
            score = 0.75 + 0.2 * specificity + 0.01 * CATEGORY_PRIORITY.get(entry.category, 2)
            previous = found.get(entry.id)
            if previous is None or score > previous.score:
                found[entry.id] = ErrorHit(entry, sig, line[:300], pos, min(score, 1.0))
        # root cause first: specific before generic consequences, longer (rarer) signatures before short ones,
        # then causes (memory, driver) before symptoms, then the earlier line
        return sorted(
            found.values(),
            key=lambda h: (h.entry.generic, -min(len(h.signature), 60) // 10, -CATEGORY_PRIORITY.get(h.entry.category, 2), h.position),
        )


def looks_like_log(text: str) -> bool:
    """Pasted output rather than a sentence: code fences, several lines, or log-ish tokens."""
    if "```" in text:
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    markers = (
        "error",
        "failed",
        "exception",
        "traceback",
        "warning:",
        "fatal",
        "abort",
        "panic",
        "cuda",
        "ggml_",
        "llama_",
        "time=",
        "level=",
    )
    hits = sum(1 for line in lines if any(m in line.lower() for m in markers))
    return (len(lines) >= 3 and hits >= 1) or hits >= 2
