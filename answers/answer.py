"""What the answer engine returns: the intent, the matches, the text, and how sure it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from answers.entities import Entities
from answers.estimates import EstimateResult


class Confidence:
    """Named confidence levels (0-1), so a reader knows why an answer carries the number it does.

    The forum auto-answer threshold (0.75 by default) sits between GOOD and STRONG for routed answers: a
    complete will-it-run or exact card answers a forum post; a guess from a partial question does not."""

    EXACT = 0.95  # every entity resolved exactly and the question shape is unambiguous
    STRONG = 0.85  # exact entities, clear cues
    GOOD = 0.75  # routed and answered from the user's numbers, with stated assumptions
    FAIR = 0.6  # a plausible answer with something missing (no hardware named, a fuzzy name)
    WEAK = 0.45  # a reply that mostly asks for what is missing or states why it cannot answer
    NONE = 0.0


@dataclass
class Match:
    kind: str
    id: str
    title: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "score": round(self.score, 3)}


@dataclass
class Answer:
    intent: str
    text: str
    entities: Entities = field(default_factory=Entities)
    matches: list[Match] = field(default_factory=list)
    abstained: bool = False
    estimate: EstimateResult | None = None
    confidence: float = Confidence.NONE
    choices: list[Match] = field(default_factory=list)  # "did you mean" when not confident enough
    payload: dict[str, Any] = field(default_factory=dict)  # structured extras (compare tables, rankings)
    assumptions: list[str] = field(default_factory=list)  # what the answer assumed because the message did not say
    context_notes: list[str] = field(default_factory=list)  # what came from the conversation or the asker's rig

    @property
    def question_hash(self) -> str:
        return str(self.payload.get("hash", ""))

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "abstained": self.abstained,
            "matches": [m.to_json() for m in self.matches],
            "entities": self.entities.to_json(),
            "estimate": self.estimate.to_json() if self.estimate else None,
            "text": self.text,
            "confidence": round(self.confidence, 3),
            "choices": [m.to_json() for m in self.choices],
            # additions
            "assumptions": self.assumptions,
            "context_notes": self.context_notes,
            "payload": {k: v for k, v in self.payload.items() if k != "hash"},
        }
