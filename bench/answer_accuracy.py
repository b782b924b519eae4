"""Answer-engine accuracy on real questions people asked (data/eval/questions.yaml, each with its source URL),
printed separately for the tuning half and the held-out half (split by thread before any result was seen;
only the tuning half was used to tune the engine), plus the golden regression questions.

    python bench/answer_accuracy.py [--errors tune]     # list the intent misses of the tuning half (tune only, by rule)
    python bench/answer_accuracy.py [--entities tune]   # list the entity misses of the tuning half, with what was read

Metrics: intent (the annotated intent or one a careful moderator would accept), top-1 (the first match is an
expected entry, over questions whose expected answer is a catalog entry), entities (each stated field the
catalog can represent: model, hardware with counts, RAM, quant, context, runtime, KV type), abstention
precision and recall (silence on chit-chat vs answering real questions), and in-process latency.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENTITY_FIELDS = ("model", "hardware", "ram_gb", "quant", "context", "runtime", "kv_cache")


def load(split: str | None = None) -> list[dict]:
    items = yaml.safe_load((ROOT / "data" / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    return [q for q in items if split is None or q["split"] == split]


def entity_checks(item: dict, answer) -> list[tuple[str, bool]]:
    """(field, right?) for every field the annotation states with a catalog-representable value."""
    want = item.get("entities") or {}
    got = answer.entities
    checks: list[tuple[str, bool]] = []
    models = [m.get("id") for m in want.get("models") or []]
    if models and models[0]:
        checks.append(("model", got.model is not None and got.model.id == models[0]))
    hardware = [(h.get("id"), h.get("count", 1)) for h in want.get("hardware") or []]
    if hardware and all(i for i, _ in hardware):
        have = {(h.id, n) for h, n in got.hardware_groups}
        checks.append(("hardware", have == set(hardware)))
    s = got.signals
    for name, value in (
        ("ram_gb", s.ram_gb),
        ("quant", s.quant),
        ("context", s.context),
        ("runtime", s.runtime),
        ("kv_cache", s.kv_cache),
    ):
        if want.get(name) is not None:
            expected = want[name]
            if name == "kv_cache":
                expected = {"fp16": "f16", "q8": "q8_0", "q4": "q4_0", "fp8": "q8_0"}.get(str(expected), expected)
            ok = (value == expected) if name != "ram_gb" else (value is not None and abs(value - float(expected)) < 0.5)
            checks.append((name, ok))
    return checks


def _wanted(item: dict, name: str) -> str:
    want = item.get("entities") or {}
    if name == "model":
        return str([m.get("id") for m in want.get("models") or []])
    if name == "hardware":
        return str([(h.get("id"), h.get("count", 1)) for h in want.get("hardware") or []])
    return str(want.get(name))


def _read(answer, name: str) -> str:
    got = answer.entities
    if name == "model":
        return str(got.model.id if got.model else None)
    if name == "hardware":
        return str([(h.id, n) for h, n in got.hardware_groups])
    return str(getattr(got.signals, name))


def score(engine, items: list[dict]) -> dict:
    tallies = Counter()
    by_field: Counter = Counter()
    by_field_ok: Counter = Counter()
    per_intent: Counter = Counter()
    per_intent_ok: Counter = Counter()
    latencies = []
    misses = []
    entity_misses = []
    for item in items:
        started = time.perf_counter()
        answer = engine.answer(item["text"])
        latencies.append(time.perf_counter() - started)
        accept = {item["intent"], *(item.get("accept") or [])}
        expected_none = item["intent"] == "none"
        got = "none" if answer.abstained else answer.intent
        right_intent = got in accept and (not expected_none or answer.abstained or "none" not in accept or got in accept)
        if expected_none:
            right_intent = answer.abstained or got in (item.get("accept") or [])
        tallies["n"] += 1
        tallies["intent"] += right_intent
        per_intent[item["intent"]] += 1
        per_intent_ok[item["intent"]] += right_intent
        tallies["abstained"] += answer.abstained
        tallies["should_abstain"] += expected_none
        tallies["abstained_right"] += answer.abstained and expected_none
        expected = [(e.get("kind"), e.get("id")) for e in item.get("expected") or [] if e.get("id")]
        if expected and not expected_none:
            tallies["top_n"] += 1
            top = (answer.matches[0].kind, answer.matches[0].id) if answer.matches else None
            tallies["top"] += top in expected
        for name, ok in entity_checks(item, answer):
            by_field[name] += 1
            by_field_ok[name] += ok
            if not ok:
                entity_misses.append((item["id"], name, _wanted(item, name), _read(answer, name), item["text"][:140].replace("\n", " ")))
        if not right_intent:
            misses.append((item["id"], item["intent"], got, item["text"][:140].replace("\n", " ")))
    tallies["latencies"] = latencies
    again = []
    for item in items:  # a second pass: reading and routing run again, the estimates come from the cache
        started = time.perf_counter()
        engine.answer(item["text"])
        again.append(time.perf_counter() - started)
    tallies["latencies_again"] = again
    return {
        "t": tallies,
        "fields": (by_field, by_field_ok),
        "intents": (per_intent, per_intent_ok),
        "misses": misses,
        "entity_misses": entity_misses,
    }


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}% ({a}/{b})" if b else "   n/a"


def report(name: str, result: dict) -> None:
    t = result["t"]
    fields, fields_ok = result["fields"]
    ent_n, ent_ok = sum(fields.values()), sum(fields_ok.values())
    lat = sorted(t["latencies"])
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1000 if lat else 0.0
    print(f"{name}: {t['n']} questions")
    print(f"  intent      {pct(t['intent'], t['n'])}")
    print(f"  top-1       {pct(t['top'], t['top_n'])}")
    print(f"  entities    {pct(ent_ok, ent_n)}   " + ", ".join(f"{f} {fields_ok[f]}/{fields[f]}" for f in ENTITY_FIELDS if fields[f]))
    print(f"  abstention  precision {pct(t['abstained_right'], t['abstained'])}   recall {pct(t['abstained_right'], t['should_abstain'])}")
    print(f"  latency     p50 {statistics.median(lat) * 1000:.1f} ms   p99 {p99:.1f} ms (in process, first sight: every estimate computed)")
    again = sorted(t["latencies_again"])
    if again:
        p99_again = again[int(0.99 * (len(again) - 1))] * 1000
        print(f"              p50 {statistics.median(again) * 1000:.1f} ms   p99 {p99_again:.1f} ms (asked again: estimates cached)")
    per, per_ok = result["intents"]
    print("  by intent   " + ", ".join(f"{i} {per_ok[i]}/{per[i]}" for i in sorted(per)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", choices=["tune"], help="list the intent misses of the tuning half")
    parser.add_argument("--entities", choices=["tune"], help="list the entity misses of the tuning half")
    args = parser.parse_args()
    from answers.engine import AnswerEngine
    from answers.knowledge_base import KnowledgeBase

    engine = AnswerEngine(KnowledgeBase.load())
    engine.answer("warm up: will llama 3.1 8b run on a 3090?")
    engine.answer("warm up: what can I run on a 3090?")  # loads the catalog-wide arrays (a snapshot part) once
    tune = score(engine, load("tune"))
    if args.errors or args.entities:
        for miss in tune["misses" if args.errors else "entity_misses"]:
            print(*miss, sep=" | ")
        return
    report("tuning half (used to tune)", tune)
    report("held-out half (never used to tune)", score(engine, load("heldout")))
    from testkit.golden_questions import CASES, as_tuple

    right = 0
    for text, expected in CASES:
        answer = engine.answer(text)
        right += answer.intent in as_tuple(expected["intent"]) or ("none" in as_tuple(expected["intent"]) and answer.abstained)
    print(f"golden regression questions: intent {pct(right, len(CASES))}")


if __name__ == "__main__":
    main()
