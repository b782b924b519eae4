"""The answer engine: any message -> the right answer, or silence.

Steps: keep the parts of a long paste that matter (answers/log_context.py) -> pasted log? match error signatures
(root cause first) -> read the message into entities and stated facts (answers/entities.py) -> score the
intents (answers/intents.py) -> compose the reply for that intent (answers/replies.py) -> calibrate a
confidence; stay silent on chit-chat and off-topic messages, offer "did you mean" choices when unsure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from answers import cards, replies
from answers.answer import Answer, Confidence, Match
from answers.bm25 import BM25
from answers.conversation import Context, carry_over
from answers.entities import Entities, EntityExtractor, prepare
from answers.errors_match import SignatureMatcher, looks_like_log
from answers.hub import HubModel, catalog_model_for
from answers.hub_ids import find_hub_ids
from answers.intents import INTENTS, Decision, IntentWeights, decide, is_chitchat, on_topic
from answers.knowledge_base import KnowledgeBase
from answers.log_context import fit_paste, question_text

__all__ = ["INTENTS", "Answer", "AnswerEngine", "EngineSettings", "Match", "Route"]


@dataclass(frozen=True)
class EngineSettings:
    min_confidence: float = 0.6  # below this: abstain (or offer choices)
    min_margin: float = 0.08  # best must beat the runner-up by this much to answer alone
    max_input: int = 20_000  # longer pastes keep their head, every error-looking line and their end
    weights: IntentWeights = field(default_factory=IntentWeights)


@dataclass
class Route:
    """What a message is about, before any answer is composed."""

    intent: str
    entities: Entities
    errors: list = field(default_factory=list)
    abstain: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    margin: float = 0.0
    notes: list[str] = field(default_factory=list)  # what came from the conversation or the rig


class AnswerEngine:
    def __init__(self, kb: KnowledgeBase, settings: EngineSettings | None = None):
        self.kb = kb
        self.settings = settings or EngineSettings()
        # built once per catalog and kept in the knowledge snapshot (answers/knowledge_base.py)
        self.entities: EntityExtractor = kb.entity_extractor
        self.signatures: SignatureMatcher = kb.signature_matcher
        self.bm25: BM25 = kb.search_index

    # ------------------------------------------------------------------------------------------
    def answer(self, text: str, hub_model: HubModel | None = None, context: Context | None = None) -> Answer:
        """The answer to ``text``. ``hub_model``: a Hugging Face repository the message names, already resolved by
        the caller (network work belongs to the front end, which can defer; see ``hub_refs_to_resolve``).
        ``context``: the previous turn of this conversation and the asker's rig (answers/conversation.py)."""
        text = fit_paste(text or "", self.settings.max_input)  # a long log keeps its end and its error lines
        answer = self._answer(text, hub_model, context)
        answer.payload.setdefault("hash", hashlib.sha256(text.strip().lower().encode()).hexdigest()[:16])
        return answer

    def classify(self, text: str) -> Route:
        """Entities, error signatures and the intent, without composing an answer (cheap; no estimator)."""
        stripped = text.strip()
        if not stripped or is_chitchat(stripped.lower()):
            return Route("none", Entities(), abstain=True)
        errors = self.signatures.match(text, symptoms=True)
        if errors and (looks_like_log(text) or errors[0].score >= 0.8):
            return Route("error", Entities(), errors)
        if not errors and is_transcript(text):  # a pasted model session or timing printout: only the words before it count
            text = stripped = words_before_paste(text)
            if not stripped or not _ASKS.search(stripped.lower()):
                return Route("none", Entities(), abstain=True)
        if not errors and looks_like_log(text):  # a log without a known error: only what the person wrote counts
            text = stripped = question_text(text)
            if not stripped or not _ASKS.search(stripped.lower()):
                return Route("none", Entities(), abstain=True)  # log lines alone (progress bars have "?" too) ask nothing
        entities = self.entities.extract(text)
        if errors:
            return Route("error", entities, errors)
        lowered = prepare(stripped)
        if not on_topic(lowered, entities):
            return Route("none", entities, abstain=True)  # nothing about local AI in it: stay silent
        decision: Decision = decide(lowered, entities, self.settings.weights)
        return Route(decision.intent, entities, scores=decision.scores, margin=decision.margin, abstain=decision.intent == "none")

    def _answer(self, text: str, hub_model: HubModel | None = None, context: Context | None = None) -> Answer:
        route = self._with_context(self.classify(text), text, context)
        if hub_model is not None and route.intent in {"none", "model", "glossary", "tool", "what_can_i_run"} and not route.errors:
            route = Route("will_it_run", route.entities, scores=route.scores, margin=route.margin)  # "owner/name on my 3090"
        if route.abstain:
            return self._abstain(route.entities)
        if route.errors:
            return self._error_answer(route, text)
        answer = self._compose(route, text, hub_model)
        if route.notes and not answer.abstained:
            answer.text = "\n".join([*route.notes, answer.text])
            answer.assumptions = [*route.notes, *answer.assumptions]
            answer.context_notes = list(route.notes)
        if route.margin < self.settings.min_margin and answer.confidence > Confidence.FAIR:
            answer.confidence = max(Confidence.FAIR, answer.confidence - 0.1)  # a close call between intents
        return answer

    def _with_context(self, route: Route, text: str, context: Context | None) -> Route:
        """Fill what the message leaves out from the conversation and the rig; a follow-up keeps the previous
        question's kind ("what about at 32k?" is still a will-it-run question)."""
        if context is None or route.errors or is_chitchat(text.strip().lower()):
            return route
        carried = carry_over(text, route.entities, context)
        if not carried.notes:
            return route
        intent = route.intent
        if carried.follow_up and context.previous_intent and (route.abstain or route.intent in {"none", "glossary", "model", "hardware"}):
            intent = context.previous_intent
        elif route.abstain or intent == "none":
            return route  # the rig alone never turns chatter into a question
        return Route(intent, carried.entities, scores=route.scores, margin=route.margin, notes=carried.notes)

    def _compose(self, route: Route, text: str, hub_model: HubModel | None = None) -> Answer:
        """The reply for the routed intent, falling back along the ways that intent can be answered."""
        e, kb = route.entities, self.kb
        intent = route.intent
        if intent == "will_it_run":
            answer = replies.will_it_run(kb, e, hub_model)
            if answer is not None:
                return answer
            if e.model is not None:
                return replies.requirements(kb, e)
            return replies.typical_of_size(kb, e) or replies.family_on(kb, e) or replies.which_model(kb, e)
        if intent == "what_can_i_run":
            unknown = replies.unknown_hardware_lines(kb, e)
            question = "\n".join([*unknown, "Which GPU or Mac (and how much RAM) do you have?"])
            return replies.what_runs_on(kb, e) or self._ask_for("what_can_i_run", e, question)
        if intent == "choose_gpu":
            if e.models and (e.hardware or e.vram_gb) and not (e.signals.budget or e.signals.target_vram_gb):
                return replies.will_it_run(kb, e) or replies.gpu_advice(kb, e)
            return replies.gpu_advice(kb, e)
        if intent == "compare":
            return replies.comparison(kb, e) or self._search_answer(text, e, "compare")
        if intent == "cost":
            return replies.cost(kb, e)
        if intent == "glossary":
            return replies.glossary(kb, e) or self._entity_card(e, text, "glossary")
        if intent in {"model", "hardware", "tool"}:
            return self._entity_card(e, text, intent)
        if intent == "error":
            return self._search_answer(
                text, e, "error", kinds={"error"}, accept_at=0.15
            )  # a described problem: the closest troubleshooting entry
        return self._abstain(e)

    # ------------------------------------------------------------------------------------------
    def _abstain(self, entities: Entities, choices: list[Match] | None = None, confidence: float = Confidence.NONE) -> Answer:
        text = ""
        if choices:
            text = "I'm not sure which one you mean. Did you mean: " + ", ".join(c.title for c in choices) + "?"
        return Answer("none", text, entities, abstained=True, confidence=confidence, choices=choices or [])

    def _ask_for(self, intent: str, entities: Entities, question: str) -> Answer:
        return Answer(intent, question, entities, confidence=Confidence.WEAK)

    def _error_answer(self, route: Route, text: str) -> Answer:
        errors = route.errors
        top = errors[0]
        matches = [Match("error", h.entry.id, h.entry.title, h.score) for h in errors[:5]]
        body = cards.error_answer_text(self.kb, errors)
        return Answer("error", body, route.entities, matches, confidence=top.score)

    def _entity_card(self, entities: Entities, text: str, intent: str) -> Answer:
        """The card the message is about: the named tool / model / hardware / term, else a search."""
        preferred = {
            "model": [entities.models],
            "hardware": [entities.hardware],
            "tool": [entities.of_kind("tool")],
            "glossary": [entities.of_kind("glossary"), entities.of_kind("tool")],
        }[intent]
        # "what is X" takes whatever X is; "tell me about ..." without the entity it names searches instead
        fallbacks = [entities.models, entities.hardware] if intent == "glossary" else []
        for hits in [*preferred, *fallbacks]:
            if hits:
                hit = hits[0]
                kind_intent = {"glossary": "glossary", "tool": "tool", "model": "model", "hardware": "hardware"}[hit.kind]
                return replies.card(self.kb, kind_intent, hit, entities, confidence=Confidence.STRONG * min(1.0, hit.score))
        kinds = {"tool": {"tool"}, "glossary": {"glossary", "tool"}}.get(intent)
        return self._search_answer(text, entities, intent, kinds=kinds)

    def _search_answer(
        self, text: str, entities: Entities, intent: str, kinds: set[str] | None = None, accept_at: float | None = None
    ) -> Answer:
        """No exact entity: BM25 over glossary/errors/tools, confidence-calibrated, answer or offer choices.
        ``accept_at`` lowers the bar when the question's shape already says what kind of answer it wants."""
        ranked = _prefer_platform(self.bm25.top(text, limit=8, kinds=kinds), text)[:5]
        if not ranked:
            return self._abstain(entities)
        ceiling = self.bm25.max_possible(text) or 1.0
        matches = [Match(doc.kind, doc.id, doc.title, min(1.0, score / ceiling * 1.6)) for doc, score in ranked]
        best = matches[0]
        runner = matches[1].score if len(matches) > 1 else 0.0
        bar = accept_at if accept_at is not None else self.settings.min_confidence
        if best.score >= bar and (best.score - runner >= self.settings.min_margin or accept_at is not None):
            entry = self.kb.catalog.get(best.kind, best.id)
            resolved_intent = {"glossary": "glossary", "error": "error", "tool": "tool"}.get(best.kind, intent)
            return Answer(resolved_intent, cards.card_text(self.kb, entry), entities, matches[:3], confidence=best.score * 0.9)
        if best.score >= 0.35:
            return self._abstain(entities, choices=matches[:3], confidence=best.score)
        return self._abstain(entities, confidence=best.score)


_METRIC_LINE = re.compile(
    r"^\s*(?:total duration|load duration|prompt eval (?:count|duration|rate)|eval (?:count|duration|rate)|llama_print_timings|"
    r"prompt eval time|eval time|sampling time|total time)\s*[:=]",
    re.IGNORECASE | re.MULTILINE,
)
_TRANSCRIPT = re.compile(r"^\s*(?:>>> |\$ (?:ollama|llama-cli|llama-server|\./main)|<think>|</think>)", re.MULTILINE)


def is_transcript(text: str) -> bool:
    """Pasted output of a model session: timing lines (ollama --verbose, llama.cpp) or a chat/REPL transcript."""
    return len(_METRIC_LINE.findall(text)) >= 2 or bool(_TRANSCRIPT.search(text))


def words_before_paste(text: str) -> str:
    """What the person wrote above the pasted session (its first lines before a prompt, a think block or timings)."""
    lines = []
    for line in text.splitlines():
        if _TRANSCRIPT.match(line) or _METRIC_LINE.match(line) or line.strip().startswith("```"):
            break
        lines.append(line)
    return "\n".join(lines).strip()


_PLATFORMS = {
    "nvidia": re.compile(r"\b(?:nvidia|cuda|rtx|gtx|geforce|quadro|tesla|a100|h100|nvcc|cublas)\b"),
    "amd": re.compile(r"\b(?:amd|rocm|hip|radeon|rx|gfx\d+|instinct|mi\d{2,3})\b"),
    "apple": re.compile(r"\b(?:mac|macbook|apple|metal|mps|mlx|m[1-5])\b"),
    "intel": re.compile(r"\b(?:intel arc|arc a\d+|sycl|oneapi|ipex)\b"),
}


def _prefer_platform(ranked: list[Any], text: str) -> list[Any]:
    """Search hits about another GPU platform than the one the message names drop behind the rest: an OOM on two
    3090s is a CUDA out-of-memory, not a ROCm one."""
    lowered = text.lower()
    said = {name for name, pattern in _PLATFORMS.items() if pattern.search(lowered)}
    if len(said) != 1:
        return ranked

    def foreign(hit: Any) -> bool:
        doc = hit[0]  # (Doc, score)
        about = f"{doc.id} {doc.title}".lower()
        return any(pattern.search(about) for name, pattern in _PLATFORMS.items() if name not in said) and not _PLATFORMS[
            next(iter(said))
        ].search(about)

    return sorted(ranked, key=foreign)  # stable: keeps the score order within each group


_ASKS = re.compile(
    r"\b(?:how|why|what|which|can|could|should|is there|any(?:one|body)|help|please|does|do i|is it|not working|doesn'?t|won'?t)\b"
    r"|吗|什么|怎么|如何|为什么|请问"
)


def hub_refs_to_resolve(kb: KnowledgeBase, text: str) -> list[str]:
    """Hugging Face repository ids in ``text`` that the catalog does not already hold (those need a Hub lookup)."""
    return [ref for ref in find_hub_ids(text) if catalog_model_for(kb.catalog, ref) is None]
