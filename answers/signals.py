"""Facts stated in a message that are not catalog names: amounts with units, settings, money, use cases.

Each extractor reads the lower-cased message and returns what the user said, or records a problem when a
number is there but impossible ("-8 GB VRAM", "99999999k context"): nothing is silently replaced.
Chinese and Japanese phrasings people use in issue trackers are covered where they are common.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from answers.defaults import MAX_CONTEXT, MIN_CONTEXT

_NUM = r"(-?\d+(?:[.,]\d+)?)"
_GB = r"\s*(?:gb|gib|gigs?|g)\b"
SIZE_WORDS = {"one": 1, "a": 1, "single": 1, "two": 2, "dual": 2, "pair": 2, "three": 3, "triple": 3, "four": 4, "quad": 4}
SIZE_WORDS.update({"five": 5, "six": 6, "eight": 8, "双": 2, "两": 2, "兩": 2, "四": 4, "八": 8})


@dataclass
class Signals:
    """Everything numeric or categorical the message states (None / empty when not stated)."""

    vram_gb: float | None = None  # "a 16gb card", "12gb vram" (no GPU named)
    vram_count: int = 1  # "2x 24gb cards"
    unified_gb: float | None = None  # "8gb mac", "m-series with 36gb unified memory"
    ram_gb: float | None = None
    ram_type: str | None = None  # ddr4 / ddr5 / lpddr5x
    ram_speed: int | None = None  # MT/s
    ram_channels: int | None = None
    cpu_only: bool = False
    laptop: bool = False
    quant: str | None = None
    kv_cache: str | None = None
    context: int | None = None
    runtime: str | None = None
    runtime_from: str | None = None  # the setting or name the runtime was read from, when the message names none
    flash_attention: bool | None = None
    gpu_layers: int | None = None
    budget_usd: float | None = None
    budget: tuple[float, str] | None = None  # (amount, currency) as stated
    used: bool | None = None
    electricity_price: float | None = None  # per kWh, in the stated currency
    electricity_currency: str | None = None
    tokens_per_day: int | None = None
    hours_per_day: float | None = None  # "24/7", "8 hours a day": the machine generating that long
    use_case: str | None = None
    size_class_b: float | None = None
    target_vram_gb: float | None = None
    is_question: bool = False
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Memory amounts
# ------------------------------------------------------------------------------------------------
_GPU_WORDS = r"(?:vram|video\s*memory|video\s*ram|gpu|gpus|card|cards|graphics\s*cards?|video\s*cards?|显存|显卡)"
_VRAM = re.compile(rf"{_NUM}{_GB}\s*(?:of\s+)?(?:gddr\w*\s+)?{_GPU_WORDS}")
_COUNT_WORDS = {"two": 2, "dual": 2, "three": 3, "four": 4, "quad": 4, "six": 6, "eight": 8}
_VRAM_COUNTED = re.compile(
    # "3x24 GB", "2x 24gb cards", "two 24gb gpus", "4 x 16 GB VRAM": several cards of one size (not "2x32gb ddr5" sticks)
    rf"\b(\d{{1,2}}|two|dual|three|four|quad|six|eight)\s*(?:x|×|\*)\s*{_NUM}{_GB}(?!\s*(?:of\s+)?(?:(?:lp)?ddr|ram|memory|system|内存))"
    rf"|\b(\d{{1,2}}|two|dual|three|four|quad|six|eight)\s+{_NUM}{_GB}\s*(?:of\s+)?(?:vram\s+)?(?:gpus|cards|graphics\s*cards)\b"
)
_RAM_KIT = re.compile(rf"\b(\d{{1,2}})\s*(?:x|×|\*)\s*{_NUM}{_GB}\s*(?:of\s+)?(?:(?:lp)?ddr|ram\b|memory|内存)")
_VRAM_ON = re.compile(
    rf"\bon\s+(?:a\s+|an\s+|my\s+)?{_NUM}{_GB}(?!\s*(?:of\s+)?(?:(?:lp)?ddr|ram|memory|system|unified|mac|m[1-5]\b|内存))"
)
_VRAM_AFTER = re.compile(rf"(?:vram|显存)\s*(?:of|is|:|=)?\s*{_NUM}{_GB}")
_UNIFIED = re.compile(
    rf"{_NUM}{_GB}\s*(?:of\s+)?(?:unified(?:\s*memory|\s*ram)?|(?:ram\s+)?(?:mac|macbook|mac\s*mini|mac\s*studio|m[1-5]\b))"
    rf"|(?:mac|macbook(?:\s*(?:pro|air))?|mac\s*mini|mac\s*studio)\s*(?:with\s+)?{_NUM}{_GB}"
)
_RAM = re.compile(
    rf"{_NUM}{_GB}\s*(?:of\s+)?(?:system\s+|main\s+)?(?:(lp)?ddr([345])x?(?:[\s-]*(\d{{4}}))?\s*)?(?:ram|memory|内存)?"
    r"(?=\s|$|[,.;)!?])"
)
_RAM_BEFORE = re.compile(
    rf"(?:\bram|system memory|\bmemory|内存|(?:lp)?ddr[345]x?(?:[\s-]*\d{{4}})?)\s*(?:is|:|=|of|要|有|only|is only)?\s*(?:only\s*)?{_NUM}\s*(?:gb|gib|g|go)?\b"
)
_RAM_SHORT = re.compile(rf"{_NUM}\s*(?:gb?|gib)\s*(lp)?d(?:dr)?([345])x?(?![a-z0-9])")  # "256GD4", "64g ddr5": shorthand in listings
_DDR = re.compile(r"\b(lp)?ddr([345])x?(?:[\s-]*(\d{4}))?")
_CHANNELS = re.compile(r"\b(dual|single|quad|octa|two|four|eight|twelve|\d{1,2})[\s-]*channel")
_CHANNEL_WORDS = {"single": 1, "dual": 2, "two": 2, "quad": 4, "four": 4, "octa": 8, "eight": 8, "twelve": 12}


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def memory_amounts(text: str, out: Signals) -> None:
    """VRAM, unified memory, system RAM (with DDR generation, speed and channels)."""
    counted = _VRAM_COUNTED.search(text)
    if counted:
        count_word, amount = (counted.group(1), counted.group(2)) if counted.group(1) else (counted.group(3), counted.group(4))
        count = _COUNT_WORDS.get(count_word) or int(count_word)
        value = _number(amount)
        if 2 <= count <= 16 and 1 <= value <= 512:
            out.vram_gb, out.vram_count = value, count
    for pattern in (_VRAM, _VRAM_AFTER, _VRAM_ON):  # "on 24gb": what a model runs on is GPU memory
        match = pattern.search(text)
        if match and out.vram_gb is None:
            value = _number(match.group(1))
            if value <= 0 or value > 512:
                out.problems.append(f"{match.group(0).strip()!r} is not a possible amount of GPU memory, so I ignored it.")
            else:
                out.vram_gb = value
    match = _UNIFIED.search(text)
    if match:
        value = _number(match.group(1) or match.group(2))
        if 0 < value <= 1024:
            out.unified_gb = value
    kit = _RAM_KIT.search(text)
    if kit and 2 <= _number(kit.group(1)) <= 16 and 1 <= _number(kit.group(2)) <= 512:
        out.ram_gb = _number(kit.group(1)) * _number(kit.group(2))  # "2x32gb ddr5": two sticks, 64 GB
    for match in _RAM.finditer(text) if out.ram_gb is None else ():
        word = match.group(0)
        has_ram_word = bool(re.search(r"ram|memory|内存|ddr", word))
        if not has_ram_word:
            continue
        after = text[match.end() : match.end() + 16]
        if re.search(r"unified|vram|gpu|card|显存", word) or re.match(
            r"\s*(?:of\s+|on\s+(?:my|the|a)\s+)?(?:unified|vram|gpu|card|显存)", after
        ):
            continue  # "16gb gpu ram", "24gb ram on the card"; but "16gb ram and no gpu" is system RAM
        value = _number(match.group(1))
        if value <= 0 or value > 4096:
            out.problems.append(f"{word.strip()!r} is not a possible amount of RAM, so I ignored it.")
            continue
        if out.unified_gb is not None and value == out.unified_gb:
            continue
        out.ram_gb = value
        break
    short = _RAM_SHORT.search(text) if out.ram_gb is None else None
    if short and 1 <= _number(short.group(1)) <= 4096:
        out.ram_gb = _number(short.group(1))
        out.ram_type = f"{'lp' if short.group(2) else ''}ddr{short.group(3)}"
    if out.ram_gb is None:
        for match in _RAM_BEFORE.finditer(text):
            value = _number(match.group(1))
            unit_after = re.match(r"\s*(?:mhz|mt/s|channel|bit|w\b|tok|t/s)", text[match.end() : match.end() + 8])
            if 1 <= value <= 4096 and not unit_after and (out.unified_gb is None or value != out.unified_gb):
                out.ram_gb = value
                break
    ddr = _DDR.search(text)
    if ddr:
        out.ram_type = f"{'lp' if ddr.group(1) else ''}ddr{ddr.group(2)}"
        if ddr.group(3):
            out.ram_speed = int(ddr.group(3))
    channels = _CHANNELS.search(text)
    if channels:
        word = channels.group(1)
        out.ram_channels = _CHANNEL_WORDS.get(word) or (int(word) if word.isdigit() else None)


# ------------------------------------------------------------------------------------------------
# Context, quantization, runtime settings
# ------------------------------------------------------------------------------------------------
_CONTEXT_PATTERNS = [
    re.compile(rf"{_NUM}\s*([km])?\s*(?:tokens?\s*(?:of\s*)?)?(?:ctx|context(?:\s*(?:window|length|size))?|上下文)"),
    re.compile(
        rf"(?:ctx|context(?:\s*(?:window|length|size))?|num_ctx|n_ctx|max_model_len|--ctx-size|-c)\s*(?:of|=|:|to|is)?\s*{_NUM}\s*([km])?\b"
    ),
    re.compile(rf"{_NUM}\s*([km])\s*tokens?\b"),
    re.compile(rf"(?:\bat|\bwith|@)\s*{_NUM}\s*(k)\b(?!\s*(?:usd|\$|dollars|eur|gb|budget))"),
]


def context_size(text: str, out: Signals) -> None:
    for pattern in _CONTEXT_PATTERNS:
        for match in pattern.finditer(text):
            value, unit = match.group(1), match.group(2)
            number = _number(value)
            tokens = round(number * {"k": 1024, "m": 1024 * 1024}.get((unit or "").lower(), 1))
            if unit and unit.lower() == "k" and not number.is_integer():
                tokens = round(number * 1000)
            if tokens <= 0 or tokens > MAX_CONTEXT:
                out.problems.append(
                    f"A context of {match.group(0).strip()!r} is not possible (allowed {MIN_CONTEXT:,} to {MAX_CONTEXT:,} tokens), "
                    "so I ignored it."
                )
                return
            if tokens < MIN_CONTEXT:
                continue  # "2 tokens" and the like are not context sizes
            out.context = tokens
            return


_KV = re.compile(
    r"(?:kv[\s_-]*cache|k/v\s*cache|cache[\s_-]*type(?:[\s_-]*[kv])?|-ctk|-ctv|ollama_kv_cache_type|kv)\s*(?:=|:|to|at|in|of)?\s*"
    r"(f16|fp16|q8_0|q8|q4_0|q4|fp8|int8|8[\s-]?bit|4[\s-]?bit)"
    r"|(f16|fp16|q8_0|q8|q4_0|q4|fp8|int8|8[\s-]?bit|4[\s-]?bit)\s*(?:quantized\s*)?(?:kv|k/v)[\s_-]*cache"
)
_KV_NAMES = {"fp16": "f16", "q8": "q8_0", "int8": "q8_0", "8bit": "q8_0", "q4": "q4_0", "4bit": "q4_0", "fp8": "q8_0"}
_QUANT_TOKEN = re.compile(
    r"\b(?:ud[-_]?)?(?:i?q\d(?:_[a-z0-9]+)*|q\d\s?k\s?[sml]|q\dk[sml]|q\d_k|f16|fp16|bf16|fp32|f32|fp8|int8|int4|nf4|mxfp4|nvfp4|"
    r"awq|gptq|exl[23](?:\s*\d(?:\.\d+)?\s*bpw)?|\d(?:\.\d+)?\s*bpw\s*exl[23]|mlx\s*\d\s*-?\s*bit|\d\s*-?\s*bit)\b"
)


def quant_and_kv(text: str, out: Signals) -> None:
    """Weights quantization and KV-cache type, told apart: "q8_0 kv cache" is the cache, not the weights."""
    from answers.user_errors import InputError
    from answers.values import parse_quant_text

    kv_spans: list[tuple[int, int]] = []
    for match in _KV.finditer(text):
        raw = (match.group(1) or match.group(2) or "").replace(" ", "").replace("-", "")
        out.kv_cache = _KV_NAMES.get(raw, raw)
        kv_spans.append(match.span())
    for match in _QUANT_TOKEN.finditer(text):
        if any(a <= match.start() < b for a, b in kv_spans):
            continue
        token = match.group(0)
        if re.fullmatch(r"\d\s*-?\s*bit", token) and re.search(r"\b(?:32|64)\s*-?\s*bit\s*(?:os|windows|linux|system|cpu)", text):
            continue
        generic = re.fullmatch(r"(\d)\s*-?\s*bit", token)
        if generic and not re.search(r"mlx|exl[23]", token):
            out.quant = f"{generic.group(1)}bit"  # as said: the runtime decides what a "4-bit" file is
            return
        try:
            out.quant = parse_quant_text(token)
            return
        except InputError as exc:
            if re.fullmatch(r"(?:ud[-_]?)?i?q\d(?:_[a-z0-9]+)+", token):  # clearly meant as a quant name
                out.problems.append(exc.full_message(3) + " I assumed the usual quant instead.")


_RUNTIME_WORDS: list[tuple[str, str]] = [
    (r"\bllama[\s.-]?cpp[\s_-]?python\b|llama_cpp_python", "llama-cpp-python"),
    (r"\bik[_\s-]llama", "ik-llama-cpp"),
    (r"\bllama[\s.-]?cpp\b|llama-server|llama-cli|llama\.cpp|llama-bench", "llama.cpp"),
    (r"\bollama\b", "ollama"),
    (r"\blm\s?studio\b|lmstudio", "lm-studio"),
    (r"\bvllm\b", "vllm"),
    (r"\bsglang\b", "sglang"),
    (r"\btensorrt[\s-]?llm\b|\btrt[\s-]?llm\b", "tensorrt-llm"),
    (r"\bexllama\s?v?3\b|\bexl3\b", "exllamav3"),
    (r"\bexllama(?:\s?v?2)?\b|\btabby\s?api\b|\bexl2\b", "exllamav2"),
    (r"\bmlx(?:[\s_-]lm)?\b", "mlx-lm"),
    (r"\bkobold\s?cpp\b|\bkoboldai\b", "koboldcpp"),
    (r"\bllamafile\b", "llamafile"),
    (r"\b(?:hf\s+)?transformers\b", "transformers"),
    (r"\bktransformers\b", "ktransformers"),
    (r"\btext[\s-]generation[\s-]webui\b|\boobabooga\b", "text-generation-webui"),
    (r"\bjan\b(?=\s+(?:app|ai))", "jan"),
    (r"\bgpt4all\b", "gpt4all"),
    (r"\blocalai\b", "localai"),
]
_RUNTIME_PATTERNS = [(re.compile(p), rid) for p, rid in _RUNTIME_WORDS]
_RUNTIME_SYNTAX: list[tuple[re.Pattern[str], str]] = [
    # settings and names only one runtime uses: they say which runtime it is when the message names none
    (
        re.compile(
            r"\bnum_(?:ctx|gpu|predict|thread)\b|\bollama_[a-z_]+\b|\bmodelfile\b|"
            r"\b[a-z][a-z0-9.-]*[a-z0-9]:(?:\d+(?:\.\d+)?[bm]|latest)(?:-[a-z0-9_.-]+)?(?![\w:/])"
        ),
        "ollama",
    ),
    (
        re.compile(
            r"--?gpu[-_]memory[-_]utili[sz]ation|\bgpu_memory_utili[sz]ation\b|--max-model-len|\bmax_model_len\b|"
            r"--tensor-parallel-size|\btensor_parallel_size\b|--enforce-eager"
        ),
        "vllm",
    ),
    (re.compile(r"\bn_gpu_layers\s*="), "llama-cpp-python"),
    (re.compile(r"(?:^|\s)-ngl\b|--n-gpu-layers\b|--ctx-size\b|(?:^|\s)-ctk\b|--cache-type-k\b"), "llama.cpp"),
    (re.compile(r"--gpulayers\b|\bgpulayers\b|--usecublas\b|--usevulkan\b|--contextsize\b"), "koboldcpp"),
]


def runtime_settings(text: str, out: Signals) -> None:
    best: tuple[int, str] | None = None
    for pattern, runtime in _RUNTIME_PATTERNS:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            if runtime == "transformers" and "ktransformers" in text:
                continue
            best = (match.start(), runtime)
    if best:
        out.runtime = best[1]
    else:
        for pattern, runtime in _RUNTIME_SYNTAX:
            match = pattern.search(text)
            if match:
                out.runtime, out.runtime_from = runtime, match.group(0).strip()
                break
    if re.search(r"\bflash[\s_-]?attn|\bflash[\s_-]?attention|(?:^|\s)-fa(?:\s|$)|--flash-attn|\bfa\s*(?:on|=\s*1)\b", text):
        out.flash_attention = not re.search(r"(?:without|no|disable[ds]?|off)\s+flash|flash[\s_-]?att\w*\s*(?:off|=\s*0|disabled)", text)
    layers = re.search(r"(?:-ngl|--n-gpu-layers|--gpu-layers|num_gpu|gpu[\s_]layers?)\s*(?:=|:)?\s*(\d{1,3})\b", text)
    if layers:
        out.gpu_layers = int(layers.group(1))


# ------------------------------------------------------------------------------------------------
# Money, power, volume, use case, size class
# ------------------------------------------------------------------------------------------------
CURRENCY_TO_USD = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73, "AUD": 0.66, "CNY": 0.14, "JPY": 0.0067, "INR": 0.012}
"""Approximate conversion for ranking only (answers state the assumption); rates as of late 2025."""
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY", "₹": "INR"}
_CURRENCY_WORDS = {
    "usd": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "cad": "CAD",
    "aud": "AUD",
    "rmb": "CNY",
    "cny": "CNY",
    "元": "CNY",
    "yuan": "CNY",
    "jpy": "JPY",
    "yen": "JPY",
    "円": "JPY",
    "inr": "INR",
    "rupees": "INR",
}
_MONEY_SYMBOL = re.compile(r"([$€£¥₹])\s?(\d[\d,]*(?:\.\d+)?)\s*(k)?\b")
_MONEY_WORD = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(usd|dollars?|bucks|eur|euros?|gbp|pounds|quid|cad|aud|rmb|cny|元|yuan|jpy|yen|円|inr|rupees)(?![a-z])"
)
_BUDGET_BARE = re.compile(
    r"(?:budget|spend|afford|under|below|less than|max|up to|around|about|~)\s*(?:of|is|:)?\s*(\d[\d,]*(?:\.\d+)?)\s*(k)?\b"
)
_KWH = re.compile(
    r"([$€£]?)\s?(\d+(?:\.\d+)?|\.\d+)\s*(cents?|c|ct|p|pence|usd|eur|gbp|€|\$)?\s*(?:/|per|a|an)\s*kwh|kwh\s*(?:costs?|is|at|price)?\s*(?:of\s*)?([$€£]?)\s?(\d+(?:\.\d+)?|\.\d+)"
)
_TOKENS_DAY = re.compile(
    r"(\d+(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?\s*tokens?\s*(?:a|per|/|each|every)\s*(?:day|daily)"
    r"|(\d+(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?\s*(?:daily|per day)\s*tokens?"
)
_HOURS_DAY = re.compile(
    r"\b24\s*/\s*7\b|\b24x7\b|round[\s-]the[\s-]clock|around the clock|non[\s-]?stop|all day(?: long)?(?: and night)?"
    r"|\b(\d{1,2}(?:\.\d)?)\s*(?:h|hrs?|hours?)\s*(?:a|per|/|each|every)\s*day\b"
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
USE_CASES: list[tuple[str, str]] = [
    (r"\bcod(?:e|ing|er)\b|programming|\bdev(?:elopment)?\b|\bcopilot\b|\bautocomplete\b|编程|写代码|代码", "coding"),
    (r"role[\s-]?play|\brp\b|\berp\b|sillytavern|character\s*(?:card|chat)|storytelling", "roleplay"),
    (r"\bvision\b|\bimages?\b|\bphotos?\b|\bscreenshots?\b|\bocr\b|multimodal|多模态|图片", "vision"),
    (r"long\s*(?:documents?|context|pdfs?)|summari[sz]|\bpdfs?\b|长文本", "long_documents"),
    (r"\brag\b|retrieval|knowledge\s*base|\bembeddings?\b", "rag"),
    (r"\breason(?:ing)?\b|\bmath\b|\bthinking\b|推理", "reasoning"),
    (r"\bagents?\b|agentic|tool[\s-]?(?:use|calling)|function[\s-]?calling|\bmcp\b", "agents"),
    (r"creative\s*writing|\bwriting\b|\bnovels?\b|fiction", "writing"),
    (r"\bchat(?:bot|ting)?\b|assistant|general\s*use|对话|聊天", "chat"),
]
_USE_PATTERNS = [(re.compile(p), use) for p, use in USE_CASES]
_SIZE_CLASS = re.compile(
    r"\b(\d{1,3}(?:\.\d)?)\s*b(?:illion)?\s*(?:\+\s*)?(?:param(?:eter)?s?\s*)?(?:(?:coding|code|coder|chat|reasoning|vision|instruct|dense|moe)\s+)?(?:models?|llms?|class|range|ones?)\b|\b(?:a|the|any|for|run|running|load|fit)\s+(\d{1,3})\s*b\b(?![\w.-])"
)
_TARGET_VRAM = re.compile(
    rf"(?:get|reach|have|need|want|with|of|for)\s+(?:at\s+least\s+)?{_NUM}{_GB}\s*(?:of\s+)?(?:vram|gpu\s*memory|显存)"
)


def _amount(number: str, kilo: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * 1000 if kilo else value


def money_and_volume(text: str, out: Signals) -> None:
    """Budget (with currency and used/new), electricity price, tokens per day."""
    kwh = _KWH.search(text)
    if kwh:
        if kwh.group(2):
            value, unit = float(kwh.group(2)), (kwh.group(3) or kwh.group(1) or "").lower()
        else:
            value, unit = float(kwh.group(5)), (kwh.group(4) or "").lower()
        if unit in {"cents", "cent", "c", "ct", "p", "pence"}:
            value /= 100
        out.electricity_price = value
        out.electricity_currency = {"€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "p": "GBP", "pence": "GBP"}.get(unit, "USD")
    hours = _HOURS_DAY.search(text)
    if hours:
        out.hours_per_day = float(hours.group(1)) if hours.group(1) else 24.0
    tokens = _TOKENS_DAY.search(text)
    if tokens:
        number, scale = (tokens.group(1), tokens.group(2)) if tokens.group(1) else (tokens.group(3), tokens.group(4))
        out.tokens_per_day = round(float(number) * _SCALE.get((scale or "").lower(), 1))
    money: tuple[float, str] | None = None
    kwh_span = kwh.span() if kwh else (-10, -10)  # no price per kWh: nothing to skip
    for match in _MONEY_SYMBOL.finditer(text):
        if kwh_span[0] <= match.start() <= kwh_span[1] + 2:
            continue
        money = (_amount(match.group(2), match.group(3)), _CURRENCY_SYMBOLS[match.group(1)])
        break
    if money is None:
        for match in _MONEY_WORD.finditer(text):
            if kwh_span[0] <= match.start() <= kwh_span[1] + 2:
                continue
            money = (_amount(match.group(1), match.group(2)), _CURRENCY_WORDS[match.group(3)])
            break
    if money is None:
        bare = _BUDGET_BARE.search(text)
        if bare and re.search(r"budget|spend|afford|\$|price|cost|buy|purchase|\bused\b", text):
            value = _amount(bare.group(1), bare.group(2))
            if value >= 100 and not re.match(r"\s*(?:gb|tok|t/s|w\b|watts?|k\b|b\b|mhz)", text[bare.end() : bare.end() + 6]):
                money = (value, "USD")
    if money is not None and money[0] > 0:
        out.budget = money
        out.budget_usd = money[0] * CURRENCY_TO_USD.get(money[1], 1.0)
    if re.search(r"\bused\b|second[\s-]?hand|\bebay\b|refurb|二手|中古", text):
        out.used = True
    elif re.search(r"\bbrand[\s-]?new\b|\bnew\s+(?:gpu|card)s?\b|全新", text):
        out.used = False


def use_and_size(text: str, out: Signals) -> None:
    for pattern, use in _USE_PATTERNS:
        if pattern.search(text):
            out.use_case = use
            break
    size = _SIZE_CLASS.search(text)
    if size:
        out.size_class_b = float(size.group(1) or size.group(2))
    target = _TARGET_VRAM.search(text)
    if target:
        out.target_vram_gb = _number(target.group(1))
    if re.search(r"cheapest\s+way\s+to\s+(?:get|reach)\s+(\d+)", text):
        out.target_vram_gb = float(re.search(r"cheapest\s+way\s+to\s+(?:get|reach)\s+(\d+)", text).group(1))  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------
# Question shape
# ------------------------------------------------------------------------------------------------
_QUESTION = re.compile(
    r"\?|？|^\s*(?:can|could|will|would|does|do|is|are|should|which|what|how|why|where|when|who|any(?:one|body)?|has anyone|"
    r"is there|tell me|explain|recommend|suggest|help|compare|eli5|need|looking for|best)\b"
    r"|\b(?:can i|can my|could i|will it|would it|is it possible|how (?:much|many|fast|do|can|to)|what(?:'s| is| are)|which (?:one|gpu|model)|"
    r"should i|i (?:want|need|wonder)|wondering|any (?:idea|advice|recommendation)s?|please (?:help|advise)|recommend)\b"
    r"|吗|嗎|呢|什么|什麼|怎么|怎麼|如何|为什么|為什麼|能否|能不能|可以吗|是否|请问|請問|多大|多少|哪个|哪個|ですか|ますか|か？|どれ"
)


def question_shape(raw: str, out: Signals) -> None:
    out.is_question = bool(_QUESTION.search(raw))


def cpu_and_form(text: str, out: Signals) -> None:
    out.cpu_only = bool(
        re.search(
            r"\bcpu[\s-]?only\b|\bno\s+(?:dedicated\s+)?(?:gpu|graphics\s*card|vram)\b|without\s+(?:a\s+)?(?:gpu|graphics\s*card)|"
            r"\bon\s+(?:the\s+)?cpu\b|\bjust\s+(?:a\s+)?cpu\b|只有cpu|纯cpu|没有显卡|無顯卡",
            text,
        )
    )
    out.laptop = bool(re.search(r"\blaptop|notebook|mobile\b|笔记本", text))


def read_signals(text: str) -> Signals:
    """All non-catalog facts in ``text`` (already lower-cased)."""
    out = Signals()
    memory_amounts(text, out)
    context_size(text, out)
    quant_and_kv(text, out)
    runtime_settings(text, out)
    money_and_volume(text, out)
    use_and_size(text, out)
    cpu_and_form(text, out)
    question_shape(text, out)
    return out
