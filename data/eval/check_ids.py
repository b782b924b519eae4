"""Check the evaluation sets: both files load, fields are well formed, the split matches the rule, and every
non-null catalog id exists under knowledge/data. Reads the catalog files directly (no answer-engine import).

    python data/eval/check_ids.py            # problems + counts
    python data/eval/check_ids.py --missing  # also list the names annotated with id: null (catalog gaps)
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "knowledge" / "data"

INTENTS = {"will_it_run", "what_can_i_run", "choose_gpu", "compare", "cost", "glossary", "model", "hardware", "tool", "error", "none"}
KINDS = {"model", "hardware", "tool", "glossary", "error"}
ENTITY_KEYS = {
    "models",
    "hardware",
    "ram_gb",
    "ram_type",
    "ram_speed",
    "cpu",
    "cpu_only",
    "vram_gb",
    "unified_gb",
    "quant",
    "context",
    "runtime",
    "kv_cache",
    "flash_attention",
    "gpu_layers",
    "budget",
    "electricity_price",
    "electricity_currency",
    "tokens_per_day",
    "use_case",
    "size_class_b",
    "target_vram_gb",
}
USE_CASES = {"coding", "chat", "roleplay", "vision", "long_documents", "reasoning", "agents", "rag", "writing"}
HW_KINDS = {"gpu", "unified", "cpu", "sbc", "laptop_gpu"}


def split_of(url: str) -> str:
    return "tune" if int(hashlib.sha1(url.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


def catalog_ids() -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {k: set() for k in KINDS}
    for kind, sub in (("model", "models"), ("hardware", "hardware"), ("tool", "tools")):
        for f in sorted((DATA / sub).glob("*.yaml")):
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
            for entry in doc if isinstance(doc, list) else [doc]:
                ids[kind].add(entry["id"])
    for kind, sub in (("glossary", "glossary"), ("error", "errors")):
        for f in sorted((DATA / sub).glob("*.md")):
            front = f.read_text(encoding="utf-8").split("---")[1]
            ids[kind].add(yaml.safe_load(front)["id"])
    return ids


def check_ref(ref, kind: str, ids, where: str, problems: list[str]) -> None:
    if not isinstance(ref, dict) or "id" not in ref:
        problems.append(f"{where}: not a {{id: ...}} mapping: {ref!r}")
        return
    if ref["id"] is None:
        if not ref.get("name"):
            problems.append(f"{where}: id null without a name")
    elif ref["id"] not in ids[kind]:
        problems.append(f"{where}: unknown {kind} id {ref['id']!r}")


def check_item(it, w: str, seen: set, problems: list[str]) -> None:
    """What every item of a split eval file needs: a unique id, a plain http source, the split its source hashes to."""
    if it.get("id") in seen:
        problems.append(f"{w}: duplicate id")
    seen.add(it.get("id"))
    src = it.get("source", "")
    if "#" in src or not src.startswith("http"):
        problems.append(f"{w}: bad source {src!r}")
    if it.get("split") != split_of(src):
        problems.append(f"{w}: split should be {split_of(src)}")


def check_questions(items, ids, problems: list[str]) -> None:
    seen: set = set()
    for it in items:
        qid = it.get("id")
        w = f"questions {qid}"
        check_item(it, w, seen, problems)
        text = it.get("text") or ""
        if not text or len(text) > 400:
            problems.append(f"{w}: text empty or longer than 400 characters ({len(text)})")
        if it.get("intent") not in INTENTS:
            problems.append(f"{w}: unknown intent {it.get('intent')!r}")
        for a in it.get("accept") or []:
            if a not in INTENTS or a == it.get("intent"):
                problems.append(f"{w}: bad accept intent {a!r}")
        ent = it.get("entities") or {}
        for k in set(ent) - ENTITY_KEYS:
            problems.append(f"{w}: unknown entity key {k!r}")
        for m in ent.get("models") or []:
            check_ref(m, "model", ids, f"{w} entities.models", problems)
        for h in ent.get("hardware") or []:
            check_ref(h, "hardware", ids, f"{w} entities.hardware", problems)
            if not isinstance(h.get("count"), int) or h["count"] < 1:
                problems.append(f"{w}: hardware without a positive count: {h!r}")
        if "runtime" in ent and ent["runtime"] not in ids["tool"]:
            problems.append(f"{w}: unknown runtime {ent['runtime']!r}")
        if "use_case" in ent and ent["use_case"] not in USE_CASES:
            problems.append(f"{w}: unknown use_case {ent['use_case']!r}")
        if "cpu" in ent:
            cpu = ent["cpu"]
            if not (isinstance(cpu, dict) and (cpu.get("name") or cpu.get("id"))):
                problems.append(f"{w}: cpu needs an id or a name")
            elif cpu.get("id") is not None and cpu["id"] not in ids["hardware"]:
                problems.append(f"{w}: unknown cpu id {cpu['id']!r}")
        for e in it.get("expected") or []:
            kind = e.get("kind") if isinstance(e, dict) else None
            if kind not in KINDS:
                problems.append(f"{w}: expected entry without a known kind: {e!r}")
                continue
            check_ref(e, kind, ids, f"{w} expected", problems)


def check_mentions(items, ids, problems: list[str]) -> None:
    seen: set = set()
    for it in items:
        hid = it.get("id")
        w = f"hardware_mentions {hid}"
        check_item(it, w, seen, problems)
        mention, sentence = it.get("mention") or "", it.get("sentence") or ""
        if not mention or mention not in sentence:
            problems.append(f"{w}: mention not found verbatim in sentence")
        if len(sentence) > 300:
            problems.append(f"{w}: sentence longer than 300 characters")
        e = it.get("expected") or {}
        check_ref(e, "hardware", ids, f"{w} expected", problems)
        if e.get("kind") not in HW_KINDS:
            problems.append(f"{w}: unknown kind {e.get('kind')!r}")
        if not e.get("name") or not e.get("vendor") or not isinstance(e.get("count"), int):
            problems.append(f"{w}: expected needs name, vendor and an integer count")


def missing_names(questions, mentions) -> dict[str, Counter]:
    """Names annotated with id: null, grouped by kind: what the catalog does not cover yet."""
    out: dict[str, Counter] = {k: Counter() for k in ("hardware", "cpu", "model", "tool", "error", "glossary")}
    for q in questions:
        ent = q.get("entities") or {}
        for kind, key in (("model", "models"), ("hardware", "hardware")):
            for ref in ent.get(key) or []:
                if ref.get("id") is None:
                    out[kind][ref["name"]] += 1
        cpu = ent.get("cpu")
        if isinstance(cpu, dict) and cpu.get("id") is None:
            out["cpu"][cpu["name"]] += 1
        for e in q.get("expected") or []:
            if e.get("id") is None and e.get("kind") in out:
                out[e["kind"]][e["name"]] += 1
    for h in mentions:
        if h["expected"].get("id") is None:
            out["hardware"][h["expected"]["name"]] += 1
    return out


def main() -> int:
    ids = catalog_ids()
    problems: list[str] = []
    questions = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    mentions = yaml.safe_load((HERE / "hardware_mentions.yaml").read_text(encoding="utf-8"))
    check_questions(questions, ids, problems)
    check_mentions(mentions, ids, problems)
    for p in problems:
        print(p)
    print(f"questions: {len(questions)} {dict(Counter(q['intent'] for q in questions).most_common())}")
    print(f"  splits: {dict(Counter(q['split'] for q in questions))}")
    print(f"hardware_mentions: {len(mentions)} splits: {dict(Counter(h['split'] for h in mentions))}")
    if "--missing" in sys.argv:
        for kind, names in missing_names(questions, mentions).items():
            print(f"not in catalog ({kind}, {len(names)}): " + "; ".join(f"{n} x{c}" if c > 1 else n for n, c in sorted(names.items())))
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
