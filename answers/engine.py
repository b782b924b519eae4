"""The answer engine: any message -> the right answer, or silence.

Flow: pasted log? -> signature match (root cause first). Otherwise extract entities (models, hardware,
quant, context), score intents from cue words plus entities, rank candidate entries (exact name ->
signature -> fuzzy -> BM25), calibrate a 0-1 confidence, and answer only when the best candidate is
confident and clearly beats the runner-up. Everything else abstains (intent "none") or offers choices.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from answers import cards
from answers.advisors import AdvisorError, choose_gpu, compare, cost_vs_cloud
from answers.bm25 import BM25, Doc
from answers.entities import Entities, EntityExtractor
from answers.errors_match import SignatureMatcher, looks_like_log
from answers.estimates import EstimateQuery, EstimateResult, InputError, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.log_context import fit_paste, question_text
from answers.render import estimate_text
from knowledge.search import Hit

ASK_DEFAULT_CONTEXT = 8192  # a chat-sized context when the question names none
INTENTS = ("will_it_run", "error", "glossary", "model", "hardware", "tool", "compare", "choose_gpu", "cost", "none")


@dataclass(frozen=True)
class EngineSettings:
    min_confidence: float = 0.6  # below this: abstain (or offer choices)
    min_margin: float = 0.08  # best must beat the runner-up by this much to answer alone
    max_input: int = 4000


@dataclass
class Match:
    kind: str
    id: str
    title: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "score": round(self.score, 3)}


@dataclass
class Route:
    """What a message is about, before any answer is composed."""

    intent: str
    entities: Entities
    errors: list = field(default_factory=list)
    abstain: bool = False
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class Answer:
    intent: str
    abstained: bool
    matches: list[Match]
    entities: Entities
    estimate: EstimateResult | None
    text: str
    confidence: float = 0.0
    choices: list[Match] = field(default_factory=list)  # "did you mean" when not confident enough
    payload: dict[str, Any] = field(default_factory=dict)  # structured extras (compare tables, rankings)

    @property
    def question_hash(self) -> str:
        return self.payload.get("hash", "")

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
        }


_CUES: dict[str, tuple[str, ...]] = {
    "will_it_run": (
        r"\brun\b",
        r"\bruns\b",
        r"\brunning\b",
        r"\bfit\b",
        r"\bfits\b",
        r"\bload\b",
        r"\bhandle\b",
        r"enough",
        r"how fast",
        r"tok(?:ens)?/s",
        r"t/s",
        r"\bspeed\b",
        r"\bwork on\b",
        r"\bcan (?:i|my|it|a|an)\b",
        r"\bwill (?:it|my|a)\b",
        r"\bpossible\b",
        r"\bvram\b.*\bneed",
        r"how much (?:vram|memory|ram)",
    ),
    "glossary": (
        r"\bwhat(?:'s| is| are| does)\b",
        r"\bmean(?:s|ing)?\b",
        r"\bexplain\b",
        r"\bdefin",
        r"\beli5\b",
        r"\bdifference between\b",
        r"\bwhy (?:do|does|is)\b",
        r"\bhow does\b",
    ),
    "compare": (r"\bvs\.?\b", r"\bversus\b", r"\bcompare", r"\bor the\b", r"\bbetter\b", r"\bwhich (?:one|is)\b"),
    "choose_gpu": (
        r"which (?:gpu|card|graphics)",
        r"what (?:gpu|card)",
        r"\bbest (?:gpu|card)",
        r"should i (?:buy|get)",
        r"\bbudget\b",
        r"\bupgrade\b",
        r"\brecommend",
        r"\$\s?\d",
        r"\d\s?(?:usd|dollars|bucks|eur)",
    ),
    "cost": (
        r"\bcost",
        r"\belectric",
        r"\bpower bill\b",
        r"\bcheaper\b",
        r"\bcloud\b",
        r"\bapi price",
        r"\bbreak.?even\b",
        r"\bkwh\b",
        r"\bworth it\b",
        r"\bper month\b",
    ),
    "tool": (r"\binstall", r"\bsetup\b", r"\bset up\b", r"\bhow (?:do|to) (?:i )?(?:use|start|serve)", r"\bdownload\b"),
    "model": (r"\btell me about\b", r"\bparams?\b", r"\bparameters\b", r"\bcontext length\b", r"\blicen[cs]e\b", r"\binfo\b"),
    "hardware": (r"\bspecs?\b", r"\bbandwidth\b", r"\bhow much vram\b", r"\bmemory bandwidth\b"),
}
_COMPILED = {k: [re.compile(p) for p in v] for k, v in _CUES.items()}
_CHITCHAT = re.compile(
    r"^\s*(?:thanks?(?: you)?|thx|ty|tysm|cheers|lol|lmao|ok(?:ay)?|nice|cool|great|awesome|good (?:morning|night)|"
    r"hi|hello|hey|yo|gm|gn|np|no problem|sounds good|perfect|wow|\+1|same|agreed?|bye)\b[\s!.?:)]*"
    r"(?:(?:so much|a lot|man|guys|all|everyone|bro|again|for (?:the|your) help)[\s!.?:)]*)*$",
    re.I,
)
_DOMAIN = re.compile(
    r"\b(?:gpus?|vram|llms?|models?|quant\w*|gguf|ollama|llama|cuda|rocm|metal|tokens?|context|inference|ram|offload|lora|"
    r"tok/s|t/s|runtime|weights|bpw|kv|mlx|vllm|local|cloud|api|self.?host\w*|homelab|graphics card|ai)\b",
    re.I,
)


def _cue_score(text: str, intent: str) -> float:
    hits = sum(1 for pattern in _COMPILED[intent] if pattern.search(text))
    return min(1.0, 0.5 * hits)


class AnswerEngine:
    def __init__(self, kb: KnowledgeBase, settings: EngineSettings | None = None):
        self.kb = kb
        self.settings = settings or EngineSettings()
        self.entities = EntityExtractor(kb.names)
        self.signatures = SignatureMatcher(kb.catalog)
        docs, texts = [], []
        for entry in kb.catalog.entries():
            if entry.kind not in {"glossary", "error", "tool"}:
                continue
            docs.append(Doc(entry.kind, entry.id, entry.title))
            texts.append(_bm25_text(entry))
        self.bm25 = BM25(docs, texts)

    # ------------------------------------------------------------------------------------------
    def answer(self, text: str) -> Answer:
        text = fit_paste(text or "", self.settings.max_input)  # a long log keeps its end and its error lines
        digest = hashlib.sha256(text.strip().lower().encode()).hexdigest()[:16]
        answer = self._answer(text)
        answer.payload.setdefault("hash", digest)
        return answer

    def classify(self, text: str) -> Route:
        """Entities, error signatures and the intent, without composing an answer (cheap; no estimator)."""
        stripped = text.strip()
        if not stripped or _CHITCHAT.match(stripped):
            return Route("none", Entities(), [], abstain=True)
        errors = self.signatures.match(text, symptoms=True)
        if errors and (looks_like_log(text) or errors[0].score >= 0.8):
            return Route("error", Entities(), errors)
        if not errors and looks_like_log(text):  # a log without a known error: only what the person wrote counts
            text = stripped = question_text(text)
            if not stripped:
                return Route("none", Entities(), [], abstain=True)
        entities = self.entities.extract(text)
        if errors:
            return Route("error", entities, errors)
        lowered = stripped.lower()
        scores = {intent: _cue_score(lowered, intent) for intent in _CUES}
        has_model, has_hw = bool(entities.models), bool(entities.hardware or entities.vram_gb)
        distinct = len(entities.models) >= 2 or len({h.id for h in entities.hardware}) >= 2
        if has_model and has_hw:
            scores["will_it_run"] += 0.7
        elif has_model:
            scores["model"] += 0.5
            scores["will_it_run"] += 0.15
        elif has_hw:
            scores["hardware"] += 0.5
            scores["choose_gpu"] += 0.1
        if distinct:
            scores["compare"] += 0.6 + (0.3 if re.search(r"\bor\b|\bvs\b|versus|compare", lowered) else 0.0)
        if scores["cost"] > 0:
            scores["cost"] += 1.0  # money words decide: "cost of running X on Y" is not a fit question
        glossary_hits = [h for h in entities.other if h.kind == "glossary"]
        tool_hits = [h for h in entities.other if h.kind == "tool"]
        if glossary_hits:
            scores["glossary"] += 0.4
        if tool_hits:
            scores["tool"] += 0.35 if glossary_hits else 0.45
        intent = max(scores, key=lambda k: scores[k])
        best = scores[intent]
        if intent == "compare" and not distinct:
            intent, best = max(((k, v) for k, v in scores.items() if k != "compare"), key=lambda kv: kv[1])
        if intent == "choose_gpu" and has_model and has_hw and scores["will_it_run"] >= best - 0.2:
            intent = "will_it_run"
        on_topic = bool(entities.models or entities.hardware or entities.other or entities.vram_gb) or bool(_DOMAIN.search(lowered))
        if not on_topic:
            return Route("none", entities, [], abstain=True)  # nothing about local AI in it: stay silent
        return Route(intent, entities, [], scores=scores)

    def _answer(self, text: str) -> Answer:
        route = self.classify(text)
        if route.abstain:
            return self._abstain(route.entities, "none")
        if route.intent == "error":
            return self._error_answer(route.errors, route.entities)
        handler = getattr(self, f"_{route.intent}")
        return handler(text, route.entities)

    # ------------------------------------------------------------------------------------------
    def _abstain(self, entities: Entities, intent: str = "none", choices: list[Match] | None = None, confidence: float = 0.0) -> Answer:
        text = ""
        if choices:
            text = "I'm not sure which one you mean. Did you mean: " + ", ".join(c.title for c in choices) + "?"
        return Answer(intent, True, [], entities, None, text, confidence, choices or [])

    def _error_answer(self, errors, entities: Entities) -> Answer:
        top = errors[0]
        matches = [Match("error", h.entry.id, h.entry.title, h.score) for h in errors[:5]]
        text = cards.error_answer_text(self.kb, errors)
        return Answer("error", False, matches, entities, None, text, top.score)

    def _will_it_run(self, text: str, entities: Entities) -> Answer:
        model = entities.model
        if model is None:
            return self._search_answer(text, entities, "will_it_run")
        query = EstimateQuery(model=model.id, quant=entities.quant, context=entities.context or ASK_DEFAULT_CONTEXT, ram_gb=entities.ram_gb)
        if entities.hardware:
            query.hardware = [h.id for h in entities.hardware]
        elif entities.vram_gb:
            query.vram_gb, query.bandwidth_gbs = entities.vram_gb, cards.typical_bandwidth(self.kb, entities.vram_gb)
            query.fp16_tflops = cards.typical_fp16(self.kb, entities.vram_gb)
        else:
            return self._model(text, entities)
        try:
            result = run_estimate(self.kb, query)
        except InputError as exc:
            return Answer("will_it_run", False, [Match("model", model.id, model.title, model.score)], entities, None, exc.message, 0.5)
        matches = [Match("model", model.id, model.title, model.score)] + [
            Match("hardware", h.id, h.title, h.score) for h in dict.fromkeys(entities.hardware)
        ]
        confidence = min(model.score, *(h.score for h in entities.hardware)) if entities.hardware else model.score * 0.9
        return Answer("will_it_run", False, matches, entities, result, estimate_text(result), confidence)

    def _entity_card(self, intent: str, hit: Hit, entities: Entities) -> Answer:
        entry = self.kb.catalog.get(hit.kind, hit.id)
        text = cards.card_text(self.kb, entry)
        return Answer(intent, False, [Match(hit.kind, hit.id, hit.title, hit.score)], entities, None, text, hit.score)

    def _model(self, text: str, entities: Entities) -> Answer:
        if entities.model is None:
            return self._search_answer(text, entities, "model")
        return self._entity_card("model", entities.model, entities)

    def _hardware(self, text: str, entities: Entities) -> Answer:
        if not entities.hardware:
            return self._search_answer(text, entities, "hardware")
        return self._entity_card("hardware", entities.hardware[0], entities)

    def _tool(self, text: str, entities: Entities) -> Answer:
        tools = [h for h in entities.other if h.kind == "tool"]
        if tools:
            return self._entity_card("tool", tools[0], entities)
        return self._search_answer(text, entities, "tool", kinds={"tool"})

    def _glossary(self, text: str, entities: Entities) -> Answer:
        terms = [h for h in entities.other if h.kind == "glossary"]
        if terms:
            return self._entity_card("glossary", terms[0], entities)
        if entities.models and not entities.hardware:
            return self._model(text, entities)
        if entities.hardware and not entities.models:
            return self._hardware(text, entities)
        tools = [h for h in entities.other if h.kind == "tool"]
        if tools:
            return self._entity_card("tool", tools[0], entities)
        return self._search_answer(text, entities, "glossary", kinds={"glossary", "tool"})

    def _compare(self, text: str, entities: Entities) -> Answer:
        try:
            result = compare(self.kb, entities)
        except AdvisorError as exc:
            return Answer("compare", False, [], entities, None, str(exc), 0.4)
        matches = [Match(h.kind, h.id, h.title, h.score) for h in (entities.models or list(dict.fromkeys(entities.hardware)))[:2]]
        return Answer("compare", False, matches, entities, None, result.text, min(m.score for m in matches), payload=result.payload)

    def _choose_gpu(self, text: str, entities: Entities) -> Answer:
        budget = cards.parse_budget(text)
        used = bool(re.search(r"\bused\b|second.?hand|ebay", text, re.I))
        try:
            result = choose_gpu(self.kb, entities.model.id if entities.model else None, entities.context or 8192, budget, used)
        except AdvisorError as exc:
            return Answer("choose_gpu", False, [], entities, None, str(exc), 0.4)
        matches = [Match("hardware", r["id"], r["name"], 1.0) for r in result.payload["ranking"][:5]]
        return Answer("choose_gpu", False, matches, entities, None, result.text, 0.8, payload=result.payload)

    def _cost(self, text: str, entities: Entities) -> Answer:
        if not entities.hardware or not entities.model:
            return Answer(
                "cost",
                False,
                [],
                entities,
                None,
                "To compare with the cloud I need a model and your hardware, e.g. "
                '"cost of running Llama 3.1 8B on an RTX 3090 for 2M tokens a day".',
                0.5,
            )
        tokens = cards.parse_tokens_per_day(text) or 1_000_000
        try:
            result = cost_vs_cloud(self.kb, entities.hardware[0].id, entities.model.id, tokens)
        except AdvisorError as exc:
            return Answer("cost", False, [], entities, None, str(exc), 0.4)
        matches = [
            Match("model", entities.model.id, entities.model.title, entities.model.score),
            Match("hardware", entities.hardware[0].id, entities.hardware[0].title, entities.hardware[0].score),
        ]
        return Answer("cost", False, matches, entities, None, result.text, 0.8, payload=result.payload)

    def _search_answer(self, text: str, entities: Entities, intent: str, kinds: set[str] | None = None) -> Answer:
        """No exact entity: BM25 over glossary/errors/tools, confidence-calibrated, answer or offer choices."""
        ranked = self.bm25.top(text, limit=5, kinds=kinds)
        if not ranked:
            return self._abstain(entities, "none")
        ceiling = self.bm25.max_possible(text) or 1.0
        matches = [Match(doc.kind, doc.id, doc.title, min(1.0, score / ceiling * 1.6)) for doc, score in ranked]
        best = matches[0]
        runner = matches[1].score if len(matches) > 1 else 0.0
        if best.score >= self.settings.min_confidence and best.score - runner >= self.settings.min_margin:
            entry = self.kb.catalog.get(best.kind, best.id)
            resolved_intent = {"glossary": "glossary", "error": "error", "tool": "tool"}.get(best.kind, intent)
            return Answer(resolved_intent, False, matches[:3], entities, None, cards.card_text(self.kb, entry), best.score)
        if best.score >= 0.35:
            return self._abstain(entities, "none", choices=matches[:3], confidence=best.score)
        return self._abstain(entities, "none", confidence=best.score)


def _bm25_text(entry) -> str:
    names = " ".join([entry.title] * 3 + [str(a) for a in entry.aliases] * 2)
    if entry.kind == "glossary":
        return f"{names} {entry.short} {entry.short} {entry.body}"
    if entry.kind == "error":
        return f"{names} {' '.join(entry.signatures)} {entry.summary} {' '.join(entry.causes)}"
    return f"{names} {entry.summary} {' '.join(entry.strengths)}"
