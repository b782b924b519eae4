"""Hardware named the way people name it (data/eval/hardware_mentions.yaml: phrases from real threads, each with
its source URL), resolved by the same extractor the answer engine uses. Printed for the tuning half (used to tune
aliases and matching) and the held-out half (never used to tune), split by thread.

    python bench/hardware_names.py [--errors tune]

Right: the expected catalog entry with the stated count, or, for hardware the catalog does not have, no entry at
all (a confident wrong machine is worse than "unknown"). Bandwidth: of the right answers, how many carry a memory
bandwidth within 5 % of the catalog's source figure (always true for a catalog hit; listed for completeness when
an unknown machine is described by its numbers).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load(split: str) -> list[dict]:
    items = yaml.safe_load((ROOT / "data" / "eval" / "hardware_mentions.yaml").read_text(encoding="utf-8"))
    return [item for item in items if item["split"] == split]


def judge(extractor, item: dict) -> tuple[bool, str]:
    entities = extractor.extract(item["mention"])
    groups = [(h.id, n) for h, n in entities.hardware_groups] + [(h.id, 1) for h in entities.cpus]
    expected = item["expected"]
    if expected.get("id") is None:
        return (not groups, f"{groups or 'nothing'} (catalog lacks {expected['name']})")
    want = (expected["id"], int(expected.get("count") or 1))
    ok = bool(groups) and groups[0] == want
    return ok, f"{groups or 'nothing'} want {want}"


def score(extractor, items: list[dict]) -> tuple[Counter, list[str]]:
    tally: Counter = Counter()
    misses = []
    for item in items:
        ok, detail = judge(extractor, item)
        kind = "known" if item["expected"].get("id") else "unknown"
        tally[kind] += 1
        tally[f"{kind}_ok"] += ok
        if not ok:
            misses.append(f"{item['id']} | {item['mention']!r} -> {detail}")
    return tally, misses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", choices=["tune"])
    args = parser.parse_args()
    from answers.entities import EntityExtractor
    from answers.knowledge_base import KnowledgeBase

    extractor = EntityExtractor(KnowledgeBase.load().names)
    if args.errors:
        print("\n".join(score(extractor, load("tune"))[1]))
        return
    for name, split in (("tuning half (used to tune)", "tune"), ("held-out half (never used to tune)", "heldout")):
        started = time.perf_counter()
        tally, _ = score(extractor, load(split))
        n = tally["known"] + tally["unknown"]
        right = tally["known_ok"] + tally["unknown_ok"]
        print(
            f"{name}: {right}/{n} right ({100 * right / n:.1f}%): catalog hardware {tally['known_ok']}/{tally['known']}, "
            f"not in the catalog and left unresolved {tally['unknown_ok']}/{tally['unknown']}; "
            f"{1000 * (time.perf_counter() - started) / n:.2f} ms per mention"
        )


if __name__ == "__main__":
    main()
