"""Assign tune/heldout splits to data/eval/error_pastes.yaml and validate both eval files.

Split rule (fixed before any results were looked at): within each repository, sort its items by date;
items dated before that repository's median date are `tune`, the rest `heldout`. A repository with a
single item goes to `tune` when int(sha1(source).hexdigest(), 16) % 2 == 0, else `heldout`.

The `split:` line of every item is rewritten in place (inserted after `runtime:` when missing), so the
file keeps its hand-written layout. The second tuning set, data/eval/error_pastes_extra.yaml, is validated
too but never rewritten: every item there has `split: extra` and takes no part in the tune/heldout rule.
Run from the repository root:

    python data/eval/assign_split.py
"""

from __future__ import annotations

import hashlib
import re
import statistics
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PASTES = ROOT / "data/eval/error_pastes.yaml"
HEALTHY = ROOT / "data/eval/healthy_logs.yaml"
EXTRA = ROOT / "data/eval/error_pastes_extra.yaml"
ERRORS = ROOT / "knowledge/data/errors"


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def compute_splits(items: list[dict]) -> dict[str, str]:
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_repo[item["repo"]].append(item)
    splits: dict[str, str] = {}
    for _repo, group in by_repo.items():
        if len(group) == 1:
            only = group[0]
            h = int(hashlib.sha1(only["source"].encode()).hexdigest(), 16)
            splits[only["id"]] = "tune" if h % 2 == 0 else "heldout"
            continue
        ordinals = sorted(as_date(i["date"]).toordinal() for i in group)
        median = statistics.median(ordinals)
        for item in group:
            splits[item["id"]] = "tune" if as_date(item["date"]).toordinal() < median else "heldout"
    return splits


def rewrite(text: str, splits: dict[str, str]) -> str:
    out: list[str] = []
    current = None
    for line in text.splitlines(keepends=True):
        m = re.match(r"- id: (\S+)", line)
        if m:
            current = m.group(1)
        if re.match(r"  split: ", line):
            continue
        out.append(line)
        if current and re.match(r"  runtime: ", line):
            out.append(f"  split: {splits[current]}\n")
    return "".join(out)


def validate(pastes: list[dict], healthy: list[dict]) -> list[str]:
    problems: list[str] = []
    known = {p.stem for p in ERRORS.glob("*.md")}
    seen: set[str] = set()
    sources: set[str] = set()
    for item in pastes:
        if item.get("source") in sources:
            problems.append(f"{item.get('id')}: duplicate source {item.get('source')}")
        sources.add(item.get("source"))
        iid = item.get("id")
        if iid in seen:
            problems.append(f"{iid}: duplicate id")
        seen.add(iid)
        for key in ("source", "repo", "date", "runtime", "split", "text", "cause", "expected", "also_ok"):
            if key not in item:
                problems.append(f"{iid}: missing {key}")
        if len(item.get("text", "")) > 600:
            problems.append(f"{iid}: text is {len(item['text'])} characters (> 600)")
        for ref in [item.get("expected"), *list(item.get("also_ok") or [])]:
            if ref and not str(ref).startswith("new:") and ref not in known:
                problems.append(f"{iid}: unknown errors-KB id {ref}")
    seen = set()
    texts: set[str] = set()
    for item in healthy:
        head = str(item.get("text", ""))[:200]
        if head in texts:
            problems.append(f"{item.get('id')}: duplicate text (same log as another item)")
        texts.add(head)
        iid = item.get("id")
        if iid in seen:
            problems.append(f"{iid}: duplicate id")
        seen.add(iid)
        for key in ("source", "runtime", "text"):
            if key not in item:
                problems.append(f"{iid}: missing {key}")
        if len(item.get("text", "")) > 3000:
            problems.append(f"{iid}: text is {len(item['text'])} characters (> 3000)")
    return problems


def validate_extra(extra: list[dict], pastes: list[dict], healthy: list[dict]) -> list[str]:
    """The second tuning set: same fields and limits as the pastes, ids x0001..., `split: extra`, and no
    thread that is already in error_pastes.yaml or healthy_logs.yaml."""
    problems = validate(extra, [])
    taken = {_thread(i.get("source", "")) for i in [*pastes, *healthy]}
    for item in extra:
        iid = item.get("id")
        if not re.fullmatch(r"x\d{4}", str(iid)):
            problems.append(f"{iid}: extra-set ids are x0001, x0002, ...")
        if item.get("split") != "extra":
            problems.append(f"{iid}: split must be 'extra' (got {item.get('split')!r})")
        if _thread(item.get("source", "")) in taken:
            problems.append(f"{iid}: thread already used in error_pastes.yaml or healthy_logs.yaml")
    return problems


def _thread(url: str) -> str:
    return str(url).split("#")[0].rstrip("/")


def main() -> int:
    pastes = yaml.safe_load(PASTES.read_text(encoding="utf-8")) or []
    splits = compute_splits(pastes)
    PASTES.write_text(rewrite(PASTES.read_text(encoding="utf-8"), splits), encoding="utf-8")
    pastes = yaml.safe_load(PASTES.read_text(encoding="utf-8")) or []
    healthy = yaml.safe_load(HEALTHY.read_text(encoding="utf-8")) or [] if HEALTHY.exists() else []
    problems = validate(pastes, healthy)
    extra = (yaml.safe_load(EXTRA.read_text(encoding="utf-8")) or []) if EXTRA.exists() else []
    problems += validate_extra(extra, pastes, healthy)
    for p in problems:
        print("PROBLEM", p)
    print(f"pastes: {len(pastes)}  healthy: {len(healthy)}  extra tuning set: {len(extra)}")
    print("splits:", dict(Counter(i["split"] for i in pastes)))
    print("runtimes:", dict(Counter(i["runtime"] for i in pastes).most_common()))
    print("healthy runtimes:", dict(Counter(i["runtime"] for i in healthy).most_common()))
    new = Counter(i["expected"] for i in pastes if str(i["expected"]).startswith("new:"))
    print("new slugs:", dict(new.most_common()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
