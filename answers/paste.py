"""Long pastes: keep what diagnoses them. Runtimes print the fatal line last, so a trim that keeps only the
start loses the answer; this keeps the first lines (versions, the command), every line that looks like an
error, and the end, in their original order, marking what was left out."""

from __future__ import annotations

import re

ERRORISH = re.compile(
    r"error|fail|fatal|exception|traceback|abort|panic|killed|out of memory|\boom\b|cannot|can't|unable|not found|"
    r"unsupported|invalid|denied|refused|segmentation|assert|terminated|warning",
    re.IGNORECASE,
)
HEAD_SHARE = 0.2  # of the budget for the first lines
TAIL_SHARE = 0.4  # of the budget for the last lines (the rest goes to error-looking lines in between)
ELLIPSIS = "[…]"


def trim_paste(text: str, limit: int) -> str:
    """``text`` itself when short enough; otherwise its head, error-looking lines and tail within ``limit``."""
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    keep: set[int] = set()
    used = 0

    def take(index: int) -> bool:
        nonlocal used
        cost = len(lines[index]) + 1
        if index in keep:
            return True
        if used + cost > limit - 16:
            return False
        keep.add(index)
        used += cost
        return True

    budget_head, budget_tail = limit * HEAD_SHARE, limit * TAIL_SHARE
    for i in range(len(lines)):
        if used >= budget_head or not take(i):
            break
    tail_start = used
    for i in range(len(lines) - 1, -1, -1):
        if used - tail_start >= budget_tail or not take(i):
            break
    for i, line in enumerate(lines):  # error-looking lines in between, earliest first
        if i not in keep and ERRORISH.search(line) and not take(i):
            break
    out: list[str] = []
    previous = -1
    for i in sorted(keep):
        if i != previous + 1:
            out.append(ELLIPSIS)
        out.append(lines[i][: limit // 2])
        previous = i
    if previous != len(lines) - 1:
        out.append(ELLIPSIS)
    return "\n".join(out)[:limit]
