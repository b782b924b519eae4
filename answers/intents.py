"""Which question a message asks: cue phrases plus what the message names, scored per intent.

Every weight lives in ``IntentWeights`` (part of the engine settings) so it can be tuned on the tuning half
of the real-question set and nowhere else. Scores are evidence, not probabilities; ``decide`` picks the
intent and reports the margin the confidence is built from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from answers.entities import Entities

INTENTS = (
    "will_it_run",
    "what_can_i_run",
    "choose_gpu",
    "compare",
    "cost",
    "glossary",
    "model",
    "hardware",
    "tool",
    "error",
    "none",
)


@dataclass(frozen=True)
class IntentWeights:
    cue: float = 0.5  # each matching cue phrase (capped at two)
    model_and_hardware: float = 0.7  # a model and a machine: will it run
    requirement_cue_with_model: float = 0.45  # "how much vram does X need" without hardware
    hardware_without_model: float = 0.25  # a machine but no model: what can I run / hardware card
    two_of_a_kind: float = 0.6  # two models or two machines
    compare_word: float = 0.3  # "vs", "or", "compare" with two of a kind
    money: float = 0.6  # a budget, a price, "used"
    power_words: float = 1.0  # electricity and API prices decide a cost question
    glossary_term: float = 0.4
    tool_name: float = 0.35
    error_words: float = 0.55
    chitchat_penalty: float = 1.2  # thanks / lol / announcements
    not_a_question: float = 0.35  # no question shape at all
    long_statement: float = 0.45  # added when that message is also long: someone telling, not asking. Chosen on the
    # tuning half among 15-30 words x 0.25-0.65 (golden questions all still right): abstention recall 70 -> 81 %,
    # intent 181 -> 182, top-1 57 -> 54 of 133
    unnamed_model: float = 0.45  # "can this run on my 3090" without naming the model
    not_for_us: float = 0.8  # asked of other people or of a project's maintainers; experience reports


_CUES: dict[str, tuple[str, ...]] = {
    "will_it_run": (
        r"\b(?:can|could|will|would|does|do|is)\s+(?:i|my|it|this|that|a|an|the|we|you|one|they)\b.{0,50}\b(?:run|fit|load|handle|work|support|usable|enough)",
        r"~\bruns?\b|\brunning\b|\bfits?\b|\bload(?:s|ing)?\b|\bhandle\b|\busable\b",
        r"~how fast|tok(?:ens)?/s|\bt/s\b|tokens? (?:per|a) second|\bspeed\b|\bperformance\b",
        r"~\benough\b|\bpossible\b|\bfeasible\b|\bwork on\b|\bviable\b",
        r"\bany (?:chance|way) to (?:run|load|host|use|fit)\b|\b(?:possible|able) to (?:run|load|host|fit)\b",
        r"how much (?:vram|memory|ram|gpu)|(?:vram|memory|ram) (?:do i|does it|would|will|is) need|requirements?|minimum|\bspecs?\b.{0,15}(?:need|requir)",
        r"能跑|跑得动|跑动|跑得起|能不能跑|能否运行|能运行|能用|行不行|可以吗|跑起来|拉起来|部署|显存.{0,8}(?:需要|多大|多少|够|最低)|需要.{0,8}(?:显存|显卡)|什么(?:显卡|配置|样的配置)|配置要求|最低|動作",
    ),
    "what_can_i_run": (
        r"what (?:models?|llms?|can i)\b.{0,30}\b(?:run|use|fit)|what can i run",
        r"which (?:models?|llms?)\b.{0,30}\b(?:can|could|should|to|for|fit|run)",
        r"\bbest (?:[\w.-]+ ){0,2}(?:models?|llms?)\b|\brecommend(?:ed|ation)?s?\b.{0,20}\b(?:models?|llms?)|\bmodels? (?:recommendations?|suggestions?)",
        r"(?:biggest|largest|best|smartest) (?:model|llm)s?\b|what (?:should|would) i run|any (?:good )?(?:models?|llms?) for|(?:which|what) models? should i (?:use|run|try|pick)",
        r"\bmodels? (?:that|which) (?:fit|run|work)|\bsuggest\b.{0,20}\bmodels?|推荐.{0,6}模型|适合.{0,6}模型|什么模型|哪个模型",
    ),
    "choose_gpu": (
        r"which (?:gpu|card|graphics card|video card)|what (?:gpu|card|graphics card|hardware)\b.{0,20}\b(?:should|to buy|do i need|for)",
        r"\bbest (?:gpu|card|graphics card)s?\b|\bshould i (?:buy|get|go for|upgrade)\b|\bworth (?:buying|upgrading)\b",
        r"~\bbudget\b|\bcheapest\b|\bupgrade\b|\bbuy(?:ing)?\b|\bpurchase\b|\binvest\b",
        r"买什么|选什么显卡|推荐.{0,6}显卡|预算|升级",
    ),
    "compare": (
        r"\bvs\.?\b|\bversus\b|\bcompare[sd]?\b|\bcomparison\b",
        r"\b(?:better|faster|slower|cheaper)\b.{0,20}\bthan\b|\bwhich (?:one|is (?:better|faster))\b|\bdifference between\b",
        r"对比|比较|哪个更|还是",
    ),
    "cost": (
        r"\belectric(?:ity)?\b|\bkwh\b|\bpower (?:bill|cost|consumption|draw)\b|\benergy\b",
        r"\bcheaper\b.{0,60}\bthan (?:the |an? |using )?(?:api|cloud|openai|gpt|chatgpt|claude|paying)|\bbreak[\s-]?even\b|\bcost\b.{0,30}\b(?:api|cloud|openai|per month|a month)|\b(?:api|cloud) (?:costs?|prices?)\b",
        r"~\bcost(?:s)?\b|\bworth it\b|电费|成本",
    ),
    "glossary": (
        r"\bwhat(?:'s| is| are| does)\b|\bmeaning of\b|\bwhat does .{1,30} mean\b|\bmeans?\b",
        r"\bexplain\b|\beli5\b|\bdefin(?:e|ition)\b|\bdifference between\b",
        r"\bwhy (?:do|does|is|are|would|should)\b|\bhow (?:does|do) .{1,30} work\b",
        r"是什么|什么是|什么意思|区别|为什么|原理",
    ),
    "model": (
        r"\btell me about\b|\bhow many param(?:eter)?s\b|\bcontext (?:length|window|size) (?:of|for)\b|\blicen[cs]e\b",
        r"\bis (?:it|this model|the model) (?:good|any good)\b|\breleased?\b|\bmodel card\b",
    ),
    "hardware": (
        r"\bspecs?\b|\bbandwidth\b|\bhow much vram does\b|\bsupport(?:s|ed)? (?:rocm|cuda|vulkan|metal)\b",
        r"\bcompute capability\b|\btdp\b|\bwattage\b",
    ),
    "tool": (
        r"\binstall(?:ing|ation)?\b|\bdownload(?:ing)?\b|\bset ?up\b|\bhow (?:do|to|can) (?:i )?(?:use|start|serve|configure|enable|run .{0,20} with)\b",
        r"~\bdownload\b|\bcommand\b|\bflag\b|\boption\b|\bsetting\b|\bconfig(?:ure|uration)?\b|\bsupport(?:s|ed)?\b",
        r"怎么(?:用|安装|配置)|如何(?:使用|安装|配置)",
    ),
    "error": (
        r"\berror\b|\bfail(?:s|ed|ing|ure)?\b|\bcrash(?:es|ed|ing)?\b|\bexception\b|\btraceback\b|\bbug\b|\bissue\b|\bproblem\b",
        r"\bnot (?:being )?(?:working|using|used|detected|loading|loaded|found|recogni[sz]ing|recogni[sz]ed|supported|utili[sz]ed)\b|\bisn'?t (?:working|loading|detected)\b|\bdoesn'?t (?:work|use|load|detect|recogni[sz]e)\b|\bwon'?t (?:load|start|run|work)\b|can'?t (?:load|find|detect|use|get)|unable to|not able to",
        r"\bonly (?:uses?|using|runs? on) (?:the |my )?cpu\b|\b(?:not|isn'?t|doesn'?t|never) (?:use|using|touch|hit)s? (?:the |my )?gpu\b|\bgpu (?:not|isn'?t) (?:used|detected|utili[sz]ed)|\bslow(?:er|ly|ness)?\b|\bgibberish\b|\bgarbage\b|\blow (?:gpu )?(?:usage|utili[sz]ation|performance|speed)|(?:lower|worse|degraded|poor) (?:token )?(?:generation )?(?:performance|speed)",
        r"\bout of memory\b|\boom\b|\bstuck\b|\bhangs?\b|\bfreez(?:e|es|ing)\b|报错|错误|失败|卡住|很慢|乱码|不足|只能cpu|не удалось",
    ),
}
LONG_STATEMENT_WORDS = 15  # "llama 3.3 70b on 2 x rtx 3090" is a terse question; a paragraph without "?" tells
WEAK_CUE = 0.4  # share of a full cue for generic words ("run", "speed", "cost") marked "~"
_COMPILED = {k: [(re.compile(p.lstrip("~")), WEAK_CUE if p.startswith("~") else 1.0) for p in v] for k, v in _CUES.items()}
GENERIC_TERMS = frozenset(
    {
        "vram",
        "gpu",
        "cpu",
        "system-ram",
        "model",
        "token",
        "large-language-model",
        "inference",
        "artificial-intelligence",
        "memory-bandwidth",
        "tokens-per-second",
    }
)  # glossary entries named in passing by most messages: a topic only when the message asks about them
_REFERS_TO_A_MODEL = re.compile(
    r"\b(?:this|the|your|these)\s+(?:model|llm|project|code|repo|tool|one|version)s?\b|\b(?:can|could|will|would|does) (?:it|this)\b|"
    r"这个(?:模型|项目|大模型)?|该模型|本地部署|このモデル"
)
_CHITCHAT = re.compile(
    r"^\s*(?:thanks?(?: you)?|thx|ty|tysm|cheers|lol|lmao|ok(?:ay)?|nice|cool|great|awesome|good (?:morning|night)|"
    r"hi|hello|hey|yo|gm|gn|np|no problem|sounds good|perfect|wow|\+1|same|agreed?|bye|謝謝|谢谢|感谢)\b[\s!.?:)]*"
    r"(?:(?:so much|a lot|man|guys|all|everyone|bro|again|for (?:the|your) help)[\s!.?:)]*)*$",
    re.I,
)
_ANNOUNCEMENT = re.compile(
    r"\b(?:finally|just) (?:arrived|got|bought|received|ordered|installed|upgraded)|\barrived (?:today|yesterday)\b|"
    r"\b(?:thanks|thank you)\b.{0,60}\b(?:worked|fixed|solved|helped)\b|"
    # "it worked" closes a thread; "it worked with 0.3.10" / "that worked previously" reports a regression
    r"\b(?:that|it) (?:worked|fixed it)\b(?! (?:with|before|in|on|under|until|previously|fine (?:with|in|on|before)))|\+1\b|^same here|"
    r"\bi(?:'m| am) (?:so )?(?:excited|happy|hyped)\b"
)
_NOT_FOR_US = re.compile(
    r"\b(?:you guys|are you (?:guys )?using|what (?:gpu|card|hardware) (?:are|did) you|your (?:vram|gpu|setup|card|machine|rig)|did you (?:try|use)|"
    r"could you (?:please )?(?:add|support|make|share)|can we (?:please )?get|please (?:add|support|make)|add support|any update|feature request|"
    r"(?:it )?would be (?:nice|great|helpful)|could the project|will (?:the|this) project support|are there plans)\b|"
    r"您用|你用|你们用|有没有计划|能否支持"
)  # asked of other people in the thread, or of the project's maintainers: not a question the bot should take
_REPORT = re.compile(
    r"\b(?:all issues (?:are )?resolved|works? (?:fine|now|great|perfectly)|is working now|switched (?:over )?to|i(?:'ve| have) found that|in my (?:use|experience|testing))\b"
)
_DOMAIN = re.compile(
    r"\b(?:gpus?|vram|llms?|models?|quant\w*|gguf|ollama|llama|cuda|rocm|metal|tokens?|context|inference|ram|offload|lora|"
    r"tok/s|t/s|runtime|weights|bpw|kv|mlx|vllm|local|locally|cloud|api|self.?host\w*|homelab|graphics card|video card|ai|cpu|memory|"
    r"mac|macs|macbook|apple silicon|nvidia|amd|radeon|geforce|rtx|intel|\d+(?:\.\d+)?b|params?|parameters|requirements?|specs?|"
    r"fine.?tun\w*|training|quantiz\w*|prompt|inference|latency)\b|显存|模型|显卡|内存|部署|配置|微调|推理",
    re.I,
)


@dataclass(frozen=True)
class Decision:
    intent: str
    scores: dict[str, float]
    margin: float  # best minus runner-up


def cue_hits(text: str, intent: str) -> int:
    return sum(1 for pattern, _ in _COMPILED[intent] if pattern.search(text))


def cue_score(text: str, intent: str) -> float:
    """Matching cue phrases, weak ones counting less, capped at two full cues."""
    return min(2.0, sum(weight for pattern, weight in _COMPILED[intent] if pattern.search(text)))


def is_chitchat(text: str) -> bool:
    return bool(_CHITCHAT.match(text) or (_ANNOUNCEMENT.search(text) and "?" not in text))


def on_topic(text: str, entities: Entities) -> bool:
    s = entities.signals
    stated = s.vram_gb or s.unified_gb or s.ram_gb or s.context or s.quant or s.runtime or s.budget or s.size_class_b or s.cpu_only
    return bool(entities.models or entities.hardware or entities.unknown_hardware or entities.other or stated or _DOMAIN.search(text))


def score(text: str, entities: Entities, w: IntentWeights) -> dict[str, float]:
    """Evidence per intent from cue phrases and what the message names."""
    s = entities.signals
    scores = {intent: w.cue * cue_score(text, intent) for intent in _CUES}
    scores["none"] = 0.0
    hardware_named = bool(
        entities.hardware
        or entities.unknown_hardware
        or entities.vram_gb
        or s.unified_gb
        or s.cpu_only
        or (s.ram_gb and not entities.models)
        or (s.ram_gb and re.search(r"\b(?:on|with)\s+(?:a\s+|my\s+|only\s+)?\d+\s*(?:gb|g|gib)?\s*(?:of\s+)?(?:ram|ddr\d|memory)", text))
    )  # "qwen3 8b on 16gb ram": the machine is that RAM
    distinct_models = len(entities.models) >= 2
    distinct_hardware = len({h.id for h in entities.hardware}) >= 2 or len(entities.hardware_sides) >= 2
    if (entities.models or entities.family) and hardware_named:
        scores["will_it_run"] += w.model_and_hardware  # a family named without a size counts as the model
    elif entities.models:
        scores["model"] += 0.35
        if cue_hits(text, "will_it_run"):
            scores["will_it_run"] += w.requirement_cue_with_model
    elif hardware_named:
        scores["what_can_i_run"] += w.hardware_without_model + (0.5 if cue_hits(text, "what_can_i_run") else 0.0)
        scores["hardware"] += 0.2
    if distinct_models or distinct_hardware:
        scores["compare"] += w.two_of_a_kind + (w.compare_word if cue_hits(text, "compare") else 0.0)
    if s.budget or s.used or s.target_vram_gb:
        scores["choose_gpu"] += w.money
    if s.size_class_b and not entities.models and not hardware_named:
        scores["choose_gpu"] += 0.3
    if s.electricity_price or s.tokens_per_day or (s.hours_per_day and cue_hits(text, "cost")):
        scores["cost"] += w.power_words  # "24/7" is a volume only beside a cost word ("run it 24/7" is not a bill)
    if scores["cost"] > 0 and cue_hits(text, "cost") >= 1 and re.search(r"electric|kwh|api|cloud|openai|break|电费", text):
        scores["cost"] += 0.6
    asks_meaning = (cue_hits(text, "glossary") > 0 and _asks_about_a_term(text, entities)) or len(re.findall(r"[a-z0-9]+", text)) <= 3
    tools = {h.id for h in entities.of_kind("tool")}
    topics = [h for h in entities.of_kind("glossary") if h.id not in GENERIC_TERMS and (h.id not in tools or asks_meaning)]
    if topics and not (entities.models and hardware_named):
        scores["glossary"] += w.glossary_term * (1.5 if asks_meaning else 0.75)  # a concept the message is about
    if len(topics) >= 2 and (cue_hits(text, "compare") or re.search(r"\bor\b|\bvs\b", text)) and not (entities.models or entities.hardware):
        scores["glossary"] += w.two_of_a_kind  # "safetensors vs gguf": two concepts side by side
    elif entities.of_kind("glossary") and asks_meaning and (topics or not (entities.models and hardware_named)):
        scores["glossary"] += w.glossary_term
    if entities.of_kind("tool") and (cue_hits(text, "tool") or len(re.findall(r"[a-z0-9]+", text)) <= 3):
        scores["tool"] += w.tool_name if not entities.of_kind("glossary") else w.tool_name * 0.7
    problem = cue_hits(text, "error")
    if problem:
        scores["error"] += w.error_words * (1.0 if problem >= 2 else 0.5)
        scores["what_can_i_run"] -= 0.3  # someone reporting a problem is not shopping for models
    if cue_hits(text, "what_can_i_run") and entities.models and not hardware_named:
        scores["what_can_i_run"] -= 0.3  # "best model for X" naming a model is usually about that model
    if _REFERS_TO_A_MODEL.search(text) and not entities.models and cue_hits(text, "will_it_run"):
        scores["will_it_run"] += w.unnamed_model  # "can this run on X": a will-it-run question about the thread's model
    if len(entities.of_kind("tool")) >= 2 and (cue_hits(text, "compare") or _TOOL_CHOICE.search(text)):
        scores["compare"] += w.two_of_a_kind
    if not s.is_question and not problem:
        scores["none"] += w.not_a_question + (w.long_statement if len(re.findall(r"[a-z0-9]+", text)) > LONG_STATEMENT_WORDS else 0.0)
    if is_chitchat(text):
        scores["none"] += w.chitchat_penalty
    if _NOT_FOR_US.search(text) or re.match(r"\s*(?:@\w|>)", text):
        scores["none"] += w.not_for_us
    if _REPORT.search(text) and not s.is_question:
        scores["none"] += w.not_for_us
    return scores


_ADVICE = re.compile(r"\s*(?:get|buy|go|grab|pick|take|just|definitely|i'?d|i would|you should|you could)\b")  # advice given
_CHOICE_BETWEEN = re.compile(r"\bor\b|\bvs\.?\b|\bversus\b|\binstead of\b|\bover\b|还是|或者")


_TOOL_CHOICE = re.compile(
    r"\b(?:or|vs\.?|versus|instead of|over)\b.{0,40}\b(?:faster|slower|better|quicker|worth|recommend)|\b(?:faster|slower|better)\b.{0,10}\b(?:or|than)\b"
)


_ASKS_MEANING = r"\b(?:what(?:'s| is| are| does| do)|explain|define|definition of|meaning of|eli5|difference between|how (?:does|do))\b"


_EFFECT = (
    r"(?:really\s+)?(?:reduce|increase|help|affect|improve|speed|slow|hurt|matter|save|cut|lower|raise|change|make|"
    r"work|worth|need|require|use|cost)"
)


def _asks_about_a_term(text: str, entities: Entities) -> bool:
    """The "what is" / "explain" / "why does" is about a glossary term named near it ("what's the biggest model I
    can run" asks no meaning; "what is the kv cache" does). Without any named term the cue counts as before."""
    terms = [h.matched or h.title.lower() for h in entities.of_kind("glossary")]
    if not terms:
        return True
    for term in terms:
        near = re.escape(term.lower())
        if re.search(
            rf"{_ASKS_MEANING}[^.?!。？]{{0,30}}{near}|{near}[^.?!。？]{{0,25}}\b(?:mean|means|meaning|work|works|do|does)\b", text
        ):
            return True
        if re.search(rf"\bwhy\b[^.?!]{{0,60}}{near}|{near}[^.?!]{{0,60}}\bwhy\b|是什么|什么是|区别|什么意思", text):
            return True
        if re.search(rf"\b(?:does|do|will|would|can|is)\s+(?:using\s+|enabling\s+|turning on\s+)?{near}\s+{_EFFECT}", text):
            return True  # "does flash attention reduce vram": what the thing does
    return False


def bare_name(text: str, entities: Entities) -> str | None:
    """A message that is only a name ("7900xtx", "qwen3 32b?", "ollama") asks for that thing's card."""
    named = [*entities.models, *dict.fromkeys(entities.hardware), *entities.of_kind("tool")]
    words = re.findall(r"[a-z0-9]+", text)
    if len(named) != 1 or len(words) > 4 or (entities.of_kind("glossary") and not entities.of_kind("tool")) or not text.isascii():
        return None
    leftover = [w for w in words if w not in re.findall(r"[a-z0-9]+", named[0].matched or named[0].title.lower())]
    return {"model": "model", "hardware": "hardware", "tool": "tool"}[named[0].kind] if len(leftover) <= 1 else None


def decide(text: str, entities: Entities, w: IntentWeights) -> Decision:
    card = bare_name(text, entities)
    if card:
        return Decision(card, {card: 1.0}, 1.0)
    scores = score(text, entities, w)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    intent, best = ranked[0]
    distinct = (
        len(entities.models) >= 2
        or len({h.id for h in entities.hardware}) >= 2
        or len(entities.hardware_sides) >= 2
        or len(entities.of_kind("tool")) >= 2
    )
    if intent == "compare" and not distinct:
        ranked = [kv for kv in ranked if kv[0] != "compare"]
        intent, best = ranked[0]
    if intent == "choose_gpu" and entities.models and entities.hardware and scores["will_it_run"] >= best - 0.2:
        intent = "will_it_run"
    named_options = len({h.id for h in entities.hardware}) >= 2 or len(entities.hardware_sides) >= 2
    asks = entities.signals.is_question or (  # "used 3090 or new 4070 ti super for ai": a short choice, even without "?"
        len(re.findall(r"[a-z0-9]+", text)) <= 12 and not text.rstrip().endswith(".") and not _ADVICE.match(text)
    )
    if intent == "choose_gpu" and named_options and asks and _CHOICE_BETWEEN.search(text):
        intent, best = "compare", max(best, scores["compare"])  # "a used 3090 or a 4060 ti?": weigh the named options
    if best <= 0.0 and entities.signals.is_question and entities.of_kind("glossary"):
        intent = "glossary"  # nothing else fits a question about named concepts: answer from them (or search)
    runner = next((v for k, v in ranked if k != intent), 0.0)
    return Decision(intent, scores, best - runner)
