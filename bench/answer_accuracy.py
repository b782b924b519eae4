"""Answer-engine accuracy on the golden questions (used while building the engine) and on the held-out set
(never used to tune it): intent, top match, entities, abstention.

    python bench/answer_accuracy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def score(engine, cases) -> dict[str, tuple[int, int]]:
    from testkit.golden_questions import as_tuple

    tallies = {"intent": [0, 0], "top": [0, 0], "entities": [0, 0], "abstain precision": [0, 0], "abstain recall": [0, 0], "all": [0, 0]}
    for text, expected in cases:
        answer = engine.answer(text)
        intents = as_tuple(expected["intent"])
        ok_all = True
        tallies["intent"][1] += 1
        if answer.intent in intents:
            tallies["intent"][0] += 1
        else:
            ok_all = False
        if "top" in expected:
            tallies["top"][1] += 1
            top = f"{answer.matches[0].kind}:{answer.matches[0].id}" if answer.matches else None
            if top in as_tuple(expected["top"]):
                tallies["top"][0] += 1
            else:
                ok_all = False
        for key in ("model", "hardware", "quant", "context"):
            if key not in expected:
                continue
            tallies["entities"][1] += 1
            e = answer.entities
            got = {
                "model": e.model.id if e.model else None,
                "hardware": [h.id for h in e.hardware],
                "quant": e.quant,
                "context": e.context,
            }[key]
            if got == expected[key] or (key == "model" and got in as_tuple(expected[key])):
                tallies["entities"][0] += 1
            else:
                ok_all = False
        should_abstain = "none" in intents
        if answer.abstained:
            tallies["abstain precision"][1] += 1
            tallies["abstain precision"][0] += should_abstain
        if should_abstain:
            tallies["abstain recall"][1] += 1
            tallies["abstain recall"][0] += answer.abstained
        tallies["all"][1] += 1
        tallies["all"][0] += ok_all
    return {k: (v[0], v[1]) for k, v in tallies.items()}


def main() -> None:
    from answers.engine import AnswerEngine
    from answers.knowledge_base import KnowledgeBase
    from bench.heldout_questions import HELDOUT
    from testkit.golden_questions import CASES

    engine = AnswerEngine(KnowledgeBase.load())
    for label, cases in (("golden (tuned on)", CASES), ("held-out (never tuned on)", HELDOUT)):
        print(f"{label}: {len(cases)} questions")
        for metric, (ok, total) in score(engine, cases).items():
            print(f"  {metric:18s} {ok:4d}/{total:<4d} {100 * ok / total if total else 0:5.1f}%")


if __name__ == "__main__":
    main()
