"""Read a pasted log the way a helper would: clean it, keep what matters when it is too long, find the error
lines, and pull out the facts a fix depends on (runtime and version, GPUs, driver and CUDA/ROCm versions,
model and file, context size, layers offloaded, memory the runtime reported).

Everything here is plain regular expressions over lines; nothing calls out of the process.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from answers.lazy_re import LazyPattern

# ------------------------------------------------------------------------------------------------
# Cleaning and line classes
# ------------------------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_FENCE = LazyPattern(r"^\s*(?:```|~~~)[\w+-]*\s*$")

# A line that reports a failure. Deliberately wide: it decides which lines survive trimming.
ERROR_LINE = LazyPattern(
    r"\b(?:error|errors|err|failed|failure|fail|fatal|panic|exception|traceback|abort(?:ed|ing)?|assert(?:ion)?|"
    r"killed|segmentation|sigsegv|sigill|sigabrt|core dumped|out of memory|oom|cannot|can't|could not|couldn't|"
    r"unable|not found|no such file|denied|invalid|unsupported|not supported|illegal|exit status|exit code|errno|"
    r"insufficient|mismatch|undefined symbol|refused|unknown|terminate|terminated|timed out|timeout|warning)\b|"
    r"GGML_ASSERT|level=(?:ERROR|WARN)|\bE\d{4}\b|\[(?:error|ERROR|fatal|FATAL)\]|Xid",
    re.IGNORECASE,
)
# Lines that carry context worth keeping when a long paste is trimmed.
CONTEXT_LINE = LazyPattern(
    r"Device \d+:|using device|inference compute|Listening on|version|Driver Version|CUDA Version|general\.name|"
    r"file type|model ftype|n_ctx\b|offloaded \d+/\d+|layers\.(?:model|offload)|--ctx-size|KvSize|"
    r"loaded meta data|NVIDIA-SMI|GeForce|Radeon|total capacity|model=|max_model_len|"
    r"\bgfx\d{3,4}\b|starting llama server|llama runner started",
    re.IGNORECASE,
)
# Prose: a sentence someone typed, as opposed to a line a program printed.
_LOG_START = re.compile(
    r"^\s*(?:\[?\d{4}[-/]\d{2}[-/]\d{2}|\[?\d{2}:\d{2}:\d{2}|time=|level=|\[[\w .:/-]{2,40}\]|[A-Z]{3,8}\b[:\s]|"
    r"[\w.-]+(?:\.(?:go|py|cpp|cu|c|h|rs|ts|js)):\d+|\w+(?:_\w+)+:|(?:File|Traceback|at|from) |[|+>$#%]|"
    r"[A-Za-z]+Error\b|[\w.]+Exception\b|\S+@\S+[:~]|PS [A-Z]:|[A-Z]:\\|/\S+|\(\w+\)\s|\w+=\S|[\w.-]+ +\|)"
)
# Shapes that only program output has, anywhere in the line.
# Shapes that only program output has. Anchored ones are tried at the line start only; the rest, split into
# small patterns with literal cores, are searched one by one (a single big alternation is slow in Python's re).
_LOG_HEAD = re.compile(
    r"\s*(?:\w*[_.]\w*(?:\.\w+)*: |(?:error|warning|info|debug|fatal|panic|main|build|note|hint|err|warn): |"
    r"[\w.-]+\s{2,}\S|\.{0,2}/|[A-Z][\w ]{0,30}: \S*\d|data: |"
    r"\S*(?:python3? (?:-m |\S+\.py)|ollama (?:run|pull|serve|create|ps|list|show|stop|rm|cp|push)\b|llama-\w+ -|main -|"
    r"mlx_lm\.\w+ -|koboldcpp\S* -|vllm serve\b|pip3? install\b|docker (?:run|compose|exec)\b|curl \S|sudo \S|cmake -|"
    r"git (?:clone|pull|checkout)\b|lms (?:load|get|server)\b|uv (?:pip|run)\b))"
)
_LOG_INSIDE = re.compile(
    "|".join(
        (
            r"\w+_\w+:\s",
            r"\s\|\s",
            r"\w=\S",
            r"\d\d:\d\d:\d\d",
            r"0x[0-9a-fA-F]{4}",
            r"(?:^|\s)/[\w.-]+/[\w.-]",
            r"\\[\w.-]+\\",
            r"\.(?:cpp|cu|py|go|c|h):\d",
            r"\bline \d+, in\b",
            r"\{\s*[\"']",
            r"[\"']\w+[\"']:",
            r"token\(s\)",
            r"\d\.\d+ ?(?:MB|MiB|GB|GiB)\b",
            r"\(skip\)",
            r"\.\.\.$",
        )
    )
)


class _LogAnywhere:
    """search(line) is truthy when the line has a shape only program output has."""

    @staticmethod
    def search(line: str) -> bool:
        return bool(_LOG_HEAD.match(line) or _LOG_INSIDE.search(line))


_LOG_ANYWHERE = _LogAnywhere()
# A person describing a problem (gates "signal" signatures: lines healthy runs print too).
COMPLAINT = re.compile(
    r"\b(?:why|slow|slower|sluggish|not using|isn'?t using|doesn'?t use|not used|problem|issue|bug|wrong|stuck|terrible|"
    r"awful|won'?t|can'?t|cannot|couldn'?t|doesn'?t|does not|didn'?t|fails?|failed|failing|broken|crash\w*|freez\w*|"
    r"error|instead of|only uses?|how (?:do|can) i|help me|any idea)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][a-z']+")
_SPECIAL_TOKEN = LazyPattern(r"<\|\w+\|>")
# A line with none of = \ { } | or tab, 8 to 600 characters (special tokens such as <|im_end|> are masked first).
_CANDIDATE = re.compile(r"^[^=\\{}|\t\n]{8,600}$", re.MULTILINE)
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)
_SHAPED = LazyPattern(r"^\s*(?:</?\w+>\s*$|>>> |.*=)")  # a lone tag line, an interactive prompt, key=value output


def clean(text: str) -> str:
    """Normalise line endings, drop ANSI colours and code-fence markers (their content stays)."""
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "```" in text or "~~~" in text:
        text = "\n".join(line for line in text.split("\n") if not _FENCE.match(line))
    return text


def is_error_line(line: str) -> bool:
    return bool(ERROR_LINE.search(line))


def prose_lines(text: str) -> list[str]:
    """Lines a person wrote (outside code fences, not shaped like program output)."""
    text = text.replace("\r\n", "\n")
    if "<|" in text:  # keep chat-template tokens in sentences: mask their bars for the first pass
        text = _SPECIAL_TOKEN.sub(lambda t: t.group(0).replace("|", "\x01"), text)
    fences = [m.start() for m in _FENCE_LINE.finditer(text)]
    out: list[str] = []
    # C-level first pass: only lines free of the characters program output is full of are looked at in Python
    for m in _CANDIDATE.finditer(text):
        if fences and bisect_right(fences, m.start()) % 2 == 1:
            continue  # inside a fenced block
        raw = m.group(0).replace("\x01", "|")
        line = raw.strip()
        if not line or len(raw) - len(raw.lstrip()) >= 4 or line.count(":") > 2 or line.startswith(("```", "~~~")):
            continue
        words = _WORD.findall(line)
        if len(words) < 3 or sum(len(w) for w in words) < 0.35 * len(line):
            continue
        if _LOG_START.match(line) or _LOG_ANYWHERE.search(line):
            continue
        out.append(line)
    return out


_ASKING = LazyPattern(
    r"\?|\b(?:why|how|what|which|can|could|should|would|does|do i|is there|help|fail\w*|error|problem|issue|slow|wrong|"
    r"won'?t|can'?t|doesn'?t|not working|please|any idea|will|fit|run)\b",
    re.IGNORECASE,
)


def question_text(text: str) -> str:
    """What the person asked around a pasted log: their sentences that ask or complain, without the log (and
    without program output that merely reads like prose, such as "Chat Completions Adapter Loaded")."""
    return "\n".join(line for line in prose_lines(text) if _ASKING.search(line)).strip()


# ------------------------------------------------------------------------------------------------
# Trimming long pastes
# ------------------------------------------------------------------------------------------------
def fit_paste(text: str, limit: int) -> str:
    """At most ``limit`` characters. Logs keep their end (where the fatal error is), every error line and the
    lines that describe the setup; prose keeps its start. Dropped stretches are marked with '[...]'."""
    if len(text) <= limit:
        return text
    if not looks_like_log(text):
        return text[:limit]
    lines = text.split("\n")
    keep = [False] * len(lines)
    budget = int(limit * 0.55)  # error and context lines first, then the tail fills the rest
    used = 0
    for wanted in (ERROR_LINE, CONTEXT_LINE):
        for i, line in enumerate(lines):
            if keep[i] or not wanted.search(line):
                continue
            cost = min(len(line), 400) + 1
            if used + cost > budget:
                break
            keep[i] = True
            used += cost
    # the tail, backwards, until the limit
    for i in range(len(lines) - 1, -1, -1):
        if keep[i]:
            continue
        cost = min(len(lines[i]), 400) + 1
        if used + cost > limit - 16:
            break
        keep[i] = True
        used += cost
    out: list[str] = []
    skipped = False
    for i, line in enumerate(lines):
        if keep[i]:
            if skipped:
                out.append("[...]")
                skipped = False
            out.append(line if len(line) <= 400 else line[:200] + " [...] " + line[-190:])
        else:
            skipped = True
    return "\n".join(out)[:limit]


def error_lines(text: str, limit: int = 40) -> list[tuple[int, str]]:
    """(line number, line) for every line that reports a failure, in order."""
    found = []
    for number, line in enumerate(clean(text).split("\n")):
        if line.strip() and ERROR_LINE.search(line) and not _HEALTHY_ERRORISH.search(line):
            found.append((number, line.strip()))
            if len(found) >= limit:
                break
    return found


# words that look like errors in healthy output ("0 errors", "error_count=0", "warnings: none")
_HEALTHY_ERRORISH = LazyPattern(r"\b(?:0|no) (?:errors?|failures?)\b|errors?=0\b|err=<nil>", re.IGNORECASE)

_MARKERS = (
    "error",
    "failed",
    "exception",
    "traceback",
    "warning:",
    "fatal",
    "abort",
    "panic",
    "cuda",
    "ggml_",
    "llama_",
    "time=",
    "level=",
)


def looks_like_log(text: str) -> bool:
    """Pasted output rather than a sentence: code fences, log-ish tokens, or mostly lines no person would type."""
    if "```" in text:
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    hits = sum(1 for line in lines if any(m in line.lower() for m in _MARKERS))
    if (len(lines) >= 3 and hits >= 1) or hits >= 2:
        return True
    if len(lines) < 2:
        return False
    shaped = sum(1 for line in lines if _LOG_START.match(line.strip()) or _LOG_ANYWHERE.search(line.strip()) or _SHAPED.match(line))
    return shaped >= max(2, len(lines) / 2)


# ------------------------------------------------------------------------------------------------
# Context
# ------------------------------------------------------------------------------------------------
@dataclass
class LogContext:
    """What the paste says about the setup. Every field is what the log printed, not a guess."""

    runtime: str | None = None  # tool id: ollama, llama.cpp, vllm, ...
    runtime_version: str | None = None
    os: str | None = None  # linux, windows, macos, wsl
    gpus: list[str] = field(default_factory=list)
    driver_version: str | None = None
    cuda_version: str | None = None
    rocm_version: str | None = None
    compute_capability: str | None = None
    gfx_target: str | None = None
    model: str | None = None  # name as printed (general.name, ollama tag, HF repo)
    model_file: str | None = None
    quant: str | None = None
    context_size: int | None = None
    layers_offloaded: int | None = None
    layers_total: int | None = None
    gpu_total_gb: float | None = None  # memory the runtime reported for the first GPU
    gpu_free_gb: float | None = None
    requested_gb: float | None = None  # the allocation that failed
    evidence: dict[str, str] = field(default_factory=dict)  # field -> the line it came from

    def empty(self) -> bool:
        return not any(v for k, v in self.__dict__.items() if k != "evidence")

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], {}) and k != "evidence"}

    def describe(self) -> str:
        """One line: what was read from the log."""
        parts = []
        if self.runtime:
            parts.append(self.runtime + (f" {self.runtime_version}" if self.runtime_version else ""))
        if self.gpus:
            names = list(dict.fromkeys(self.gpus))
            gpu = names[0] if len(names) == 1 else " + ".join(names[:3])
            if len(self.gpus) > 1 and len(names) == 1:
                gpu = f"{len(self.gpus)}x {gpu}"
            if self.gpu_total_gb:
                gpu += f" ({_gb(self.gpu_total_gb)}" + (f", {_gb(self.gpu_free_gb)} free" if self.gpu_free_gb is not None else "") + ")"
            parts.append(gpu)
        versions = []
        if self.driver_version:
            versions.append(f"driver {self.driver_version}")
        if self.cuda_version:
            versions.append(f"CUDA {self.cuda_version}")
        if self.rocm_version:
            versions.append(f"ROCm {self.rocm_version}")
        if self.compute_capability:
            versions.append(f"compute capability {self.compute_capability}")
        if self.gfx_target:
            versions.append(self.gfx_target)
        if versions:
            parts.append(", ".join(versions))
        if self.model or self.model_file:
            label = self.model or self.model_file or ""
            if self.quant and self.quant.lower() not in label.lower():
                label += f" {self.quant}"
            parts.append(label)
        if self.context_size:
            parts.append(f"context {self.context_size:,}")
        if self.layers_total:
            parts.append(f"{self.layers_offloaded}/{self.layers_total} layers on the GPU")
        if self.requested_gb:
            parts.append(f"failed allocation {_gb(self.requested_gb)}")
        if self.os:
            parts.append(self.os)
        return "; ".join(parts)


def _gb(value: float) -> str:
    """Sizes as runtimes print them: GiB (values are kept in GB = 10^9 bytes internally)."""
    gib = value / 1.073741824
    return f"{gib:.1f} GiB" if gib < 100 else f"{gib:.0f} GiB"


_UNITS = {"b": 1e-9, "kb": 1e-6, "kib": 1024 / 1e9, "mb": 1e-3, "mib": 1024**2 / 1e9, "gb": 1.0, "gib": 1024**3 / 1e9}
_UNITS.update({"tb": 1e3, "tib": 1024**4 / 1e9})


def _to_gb(number: str, unit: str) -> float:
    return float(number.replace(",", "")) * _UNITS[unit.lower()]


_SIZE = r"(\d[\d,]*(?:\.\d+)?)\s*([KMGT]i?B)"
_QUANT = LazyPattern(r"\b(I?Q\d(?:_[0-9A-Z]+)*(?:_[SML]|_XXS|_XS|_NL)?|F16|BF16|F32|MXFP4)\b", re.IGNORECASE)
_FTYPE = {
    "q4_k - medium": "Q4_K_M",
    "q4_k - small": "Q4_K_S",
    "q5_k - medium": "Q5_K_M",
    "q5_k - small": "Q5_K_S",
    "q3_k - medium": "Q3_K_M",
    "q3_k - small": "Q3_K_S",
    "q3_k - large": "Q3_K_L",
    "q6_k": "Q6_K",
    "q8_0": "Q8_0",
    "q4_0": "Q4_0",
    "q2_k - medium": "Q2_K",
    "mostly f16": "F16",
    "f16": "F16",
    "bf16": "BF16",
    "iq4_xs - 4.25 bpw": "IQ4_XS",
    "mxfp4 moe": "MXFP4",
}

# (field, pattern). Order matters only inside a field: the first match wins unless the field is a list.
_RULES: list[tuple[str, tuple[str, ...], LazyPattern]] = [
    # runtime and version
    ("ollama_version", ("listening on",), LazyPattern(r"Listening on \S+ \(version (v?\d+\.\d+\.\d+[\w.-]*)\)")),
    ("ollama_version", ("ollama version",), LazyPattern(r"\bollama version(?: is)? (v?\d+\.\d+\.\d+[\w.-]*)", re.IGNORECASE)),
    ("llamacpp_build", ("build: ", "version: "), LazyPattern(r"^(?:\S+: )?(?:build|version): (\d{3,5}) \(([0-9a-f]{6,})\)", re.MULTILINE)),
    ("vllm_version", ("vllm api server",), LazyPattern(r"vLLM API server version (v?\d+\.\d+\.\d+[\w.+-]*)")),
    ("vllm_version", ("llm engine",), LazyPattern(r"Initializing an? (?:V1 )?LLM engine \((v?\d+\.\d+\.\d+[\w.+-]*)\)")),
    ("vllm_version", ("vllm",), LazyPattern(r"\bvllm[ =](?:version )?(v?0\.\d+\.\d+[\w.+-]*)", re.IGNORECASE)),
    ("koboldcpp_version", ("koboldcpp",), LazyPattern(r"Welcome to KoboldCpp - Version (\d+\.\d+[\w.]*)")),
    ("lmstudio_version", ("lm studio",), LazyPattern(r"LM Studio (?:version )?(\d+\.\d+\.\d+)")),
    # GPUs
    ("gpu_cc", ("compute capability",), LazyPattern(r"Device \d+: (.+?), compute capability (\d+\.\d+)")),
    ("gpu_gfx", ("gfx",), LazyPattern(r"Device \d+: (.+?), (gfx\w+)")),
    ("gpu_using", ("using device",), LazyPattern(r"using device \w+ \((.+?)\)(?: \([^)]*\))? - (\d+) MiB free")),
    ("ollama_compute", ("inference compute",), LazyPattern(r'msg="inference compute".*')),
    (
        "smi_gpu",
        ("nvidia", "tesla", "quadro"),
        LazyPattern(r"^\|[ \t]+\d+[ \t]+(NVIDIA [^|\n]+?|Tesla [^|\n]+?|Quadro [^|\n]+?)[ \t]+(?:On|Off)[ \t]+\|", re.MULTILINE),
    ),
    ("smi_mem", ("mib /", "mib/"), LazyPattern(r"\|\s+(\d+)MiB\s*/\s*(\d+)MiB\s+\|")),
    (
        "gpu_name",
        (
            "geforce",
            "rtx",
            "radeon",
            "arc ",
            "arc(",
            "apple m",
            "a100",
            "h100",
            "h200",
            "l40",
            "l4",
            "t4",
            "v100",
            "p40",
            "p100",
            "a10",
            "a6000",
            "b200",
        ),
        LazyPattern(
            r"\b((?:NVIDIA )?GeForce (?:RTX|GTX|MX) ?\d{3,4}(?: ?Ti)?(?: SUPER)?(?: Laptop GPU)?|NVIDIA RTX A\d{4}|"
            r"(?:NVIDIA )?(?:Tesla |RTX )?(?:A100|H100|H200|L40S|L4|T4|V100|P40|P100|A10G?|A6000|B200)\b(?:[- ]\w+GB)?|"
            r"(?:AMD )?Radeon (?:RX |Pro |PRO )?\w+(?: XTX| XT)?|Intel\(R\) Arc\(TM\) \w+|Intel Arc \w+|"
            r"Apple M\d(?: (?:Pro|Max|Ultra))?)"
        ),
    ),
    # versions
    ("driver_cuda", ("driver version",), LazyPattern(r"Driver Version:\s*([\d.]+)\s+CUDA Version:\s*([\d.]+)")),
    (
        "cuda",
        ("cuda", "+cu1", "cu1"),
        LazyPattern(
            r"\bcuda[_ ]?v(\d{2}(?:\.\d)?)\b|\bcu(1[12]\d)\b|CUDA runtime version[: ]+(\d+\.\d+)|release (\d{2}\.\d), V\d", re.IGNORECASE
        ),
    ),
    (
        "rocm",
        ("rocm",),
        LazyPattern(r"\brocm[_ ]?v?(\d\.\d(?:\.\d)?)\b|ROCm version[: ]+(\d\.\d(?:\.\d)?)|\+rocm(\d\.\d(?:\.\d)?)", re.IGNORECASE),
    ),
    ("gfx", ("gfx",), LazyPattern(r"\b(gfx\d{3,4}[a-z]?)\b")),
    ("cc", ("compute",), LazyPattern(r"\bcompute(?: capability)?[=: ]+\"?(\d{1,2}\.\d)\b", re.IGNORECASE)),
    ("driver", ("driver",), LazyPattern(r"\bdriver(?: version)?[=: ]+\"?(\d{3}\.\d+(?:\.\d+)?)", re.IGNORECASE)),
    # model
    ("model_name", ("general.name",), LazyPattern(r"general\.name[ \t]+(?:str[ \t]+)?=[ \t]+(.+?)[ \t]*$", re.MULTILINE)),
    ("model_file", (".gguf",), LazyPattern(r"(?:loaded meta data .* from|--model|model_path|-m) ['\"]?(\S+?\.gguf)\b", re.IGNORECASE)),
    ("model_file", (".gguf",), LazyPattern(r"([\w.+-]+\.gguf)\b", re.IGNORECASE)),
    ("ollama_tag", ("ollama run", "ollama pull"), LazyPattern(r"\bollama (?:run|pull) ([\w./-]+(?::[\w.-]+)?)")),
    ("ollama_tag", ("model=", 'model "', 'model \\"'), LazyPattern(r'\bmodel[= ]\\?"?((?:[a-z0-9.-]+/)?[a-z][\w.-]*:[\w.-]+)\\?"?')),
    ("vllm_model", ("vllm serve", "model=", "--model"), LazyPattern(r"(?:vllm serve|model=|--model) ['\"]?([\w.-]+/[\w.-]+)['\"]?")),
    ("hf_model", ("from_pretrained",), LazyPattern(r"from_pretrained\(['\"]([\w.-]+/[\w.-]+)['\"]")),
    ("ftype", ("file type", "model ftype"), LazyPattern(r"(?:file type|model ftype)[ \t]*=[ \t]*(.+?)[ \t]*$", re.MULTILINE)),
    # context and layers
    ("n_ctx", ("n_ctx",), LazyPattern(r"\bn_ctx(?:_per_seq)?\s*=\s*(\d+)")),
    (
        "n_ctx",
        ("--ctx-size", "kvsize", "num_ctx", "max_model_len", "max_seq_len"),
        LazyPattern(r"--ctx-size (\d+)|KvSize:(\d+)|num_ctx[\"=: ]+(\d+)|max_model_len[=: ]+(\d+)|max_seq_len=(\d+)"),
    ),
    ("offloaded", ("offloaded",), LazyPattern(r"offloaded (\d+)/(\d+) layers to GPU")),
    ("ollama_offload", ("layers.model",), LazyPattern(r"layers\.model=(\d+) layers\.offload=(\d+)")),
    # memory
    ("torch_oom", ("total capacity",), LazyPattern(r"GPU \d+ has a total capacity of " + _SIZE + r" of which " + _SIZE + r" is free")),
    ("torch_oom_old", ("total capacity",), LazyPattern(r"\(GPU \d+; " + _SIZE + r" total capacity; .*?; " + _SIZE + r" free;")),
    ("alloc", ("allocating",), LazyPattern(r"allocating (\d+(?:\.\d+)?) MiB on device \d+")),
    ("alloc", ("tried to allocate",), LazyPattern(r"Tried to allocate " + _SIZE)),
    ("alloc", ("buffer of size",), LazyPattern(r"failed to allocate \w+ buffer of size (\d+)")),
    ("vram", ("vram:",), LazyPattern(r"VRAM: (\d+) MiB")),
    # OS
    ("os_wsl", ("wsl",), LazyPattern(r"microsoft-standard-WSL2|/usr/lib/wsl/|\bWSL2?\b")),
    (
        "os_windows",
        (":\\", ".dll", ".exe", "appdata", "windows"),
        LazyPattern(r"\b[A-Z]:\\|\.dll\b|\.exe\b|AppData|\bwindows\b", re.IGNORECASE),
    ),
    (
        "os_macos",
        ("darwin", "/users/", "metal", "macos", "apple m"),
        LazyPattern(r"\bdarwin\b|/Users/\w+|\bMetal\b|\bmacOS\b|Apple M\d", re.IGNORECASE),
    ),
    (
        "os_linux",
        ("/usr/", "/home/", "systemd", "journalctl", "ubuntu", "x86_64-linux"),
        LazyPattern(r"/usr/(?:lib|share|local)/|/home/\w+|systemd|journalctl|\bubuntu\b|x86_64-linux", re.IGNORECASE),
    ),
]
_OLLAMA_KV = LazyPattern(r'(\w+)=("[^"]*"|\S+)')


# (tool id, literal hints in lowercase) in priority order: the first runtime whose hint occurs names the log.
_RUNTIME_LITERALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ollama", ("ollama", "llama runner", "source=server.go", "source=sched.go", "source=routes.go")),
    ("vllm", ("vllm", "enginecore")),
    ("lm-studio", ("lm studio", "lmstudio")),
    ("koboldcpp", ("koboldcpp",)),
    ("text-generation-webui", ("text-generation-webui", "oobabooga", "modules/ui_model_menu", "server.py --")),
    ("llama-cpp-python", ("llama_cpp/", "llama_cpp\\", "llama-cpp-python", "from llama_cpp")),
    ("exllamav2", ("exllamav2",)),
    ("mlx-lm", ("mlx_lm", "mlx-lm")),
    ("open-webui", ("open_webui", "open-webui", "open webui")),
    ("transformers", ("transformers/", "transformers\\", "from_pretrained")),
    ("pytorch", ("torch/", "torch\\", "torch.")),
    ("llama.cpp", ("llama-server", "llama-cli", "llama_model_loader", "ggml_cuda_init", "load_tensors:", "llm_load_tensors")),
)


def detect_runtime(text: str) -> str | None:
    """The runtime a paste most likely comes from (cheap: substring tests only)."""
    lowered = text[:60_000].lower()
    for runtime, hints in _RUNTIME_LITERALS:
        if any(h in lowered for h in hints):
            return runtime
    return None


def _set(ctx: LogContext, name: str, value: Any, line: str) -> None:
    if value in (None, "") or getattr(ctx, name) not in (None, [], ""):
        return
    setattr(ctx, name, value)
    ctx.evidence[name] = line.strip()[:200]


def extract_context(text: str, max_lines: int = 4000) -> LogContext:
    """The setup a paste describes. Each rule is one regex scan of the text, skipped when none of its literal
    words occurs, so a 20,000-character log costs about a millisecond."""
    ctx = LogContext()
    lines = clean(text).split("\n")
    if len(lines) > max_lines:
        lines = lines[: max_lines // 4] + lines[-(max_lines * 3 // 4) :]
    gpus: list[str] = []
    other_gpu_names: list[str] = []
    os_votes: dict[str, int] = {}
    body = "\n".join(lines)
    whole = body.lower()  # same offsets as body for the ASCII that logs are made of
    if len(whole) != len(body):
        whole = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in body)
    for name, gates, pattern in _RULES:
        # Python's re has no fast path for case-insensitive or wildcard-led patterns, so each rule runs only
        # on the lines that hold one of its literal words (found with str.find).
        seen: set[int] = set()
        for gate in gates:
            pos = whole.find(gate)
            while pos >= 0 and len(seen) < 40:
                start = whole.rfind("\n", 0, pos) + 1
                end = whole.find("\n", pos)
                end = end if end >= 0 else len(whole)
                if start not in seen:
                    seen.add(start)
                    line = body[start:end]
                    m = pattern.search(line)
                    if m:
                        groups = [g for g in m.groups() if g is not None] or [m.group(0)]
                        _apply(ctx, name, m, groups, line, gpus, other_gpu_names, os_votes)
                pos = whole.find(gate, end)
    if gpus:
        ctx.gpus = gpus
    elif other_gpu_names:
        ctx.gpus = list(dict.fromkeys(other_gpu_names))[:4]
    if os_votes:
        ctx.os = "wsl" if os_votes.get("wsl") else max(os_votes, key=lambda k: os_votes[k])
    if ctx.runtime is None:
        ctx.runtime = detect_runtime(text)
    if ctx.model is None and ctx.model_file:
        ctx.model = model_name_from_file(ctx.model_file)
    if ctx.quant is None:
        for source in (ctx.model_file, ctx.model):
            m = _QUANT.search(source or "")
            if m:
                ctx.quant = m.group(1).upper()
                break
    return ctx


def _apply(ctx, name, m, groups, line, gpus, other_gpu_names, os_votes) -> None:
    if name == "ollama_version":
        _set(ctx, "runtime", "ollama", line)
        _set(ctx, "runtime_version", groups[0].lstrip("v"), line)
    elif name == "llamacpp_build":
        if ctx.runtime in (None, "llama.cpp"):
            _set(ctx, "runtime", "llama.cpp", line)
            _set(ctx, "runtime_version", f"b{groups[0]}", line)
    elif name == "vllm_version":
        _set(ctx, "runtime", "vllm", line)
        _set(ctx, "runtime_version", groups[0].lstrip("v"), line)
    elif name == "koboldcpp_version":
        _set(ctx, "runtime", "koboldcpp", line)
        _set(ctx, "runtime_version", groups[0], line)
    elif name == "lmstudio_version":
        _set(ctx, "runtime", "lm-studio", line)
        _set(ctx, "runtime_version", groups[0], line)
    elif name == "gpu_cc":
        gpus.append(groups[0].strip())
        _set(ctx, "compute_capability", groups[1], line)
        vram = re.search(r"VRAM: (\d+) MiB", line)
        if vram:
            _set(ctx, "gpu_total_gb", _to_gb(vram.group(1), "MiB"), line)
    elif name == "gpu_gfx":
        if "compute capability" not in line:
            gpus.append(groups[0].strip())
            _set(ctx, "gfx_target", groups[1], line)
    elif name == "gpu_using":
        if not gpus:
            gpus.append(groups[0].strip())
        _set(ctx, "gpu_free_gb", _to_gb(groups[1], "MiB"), line)
    elif name == "ollama_compute":
        kv = {k: v.strip('"') for k, v in _OLLAMA_KV.findall(line)}
        library = kv.get("library", "").lower()
        if library in {"cpu", ""}:
            return
        label = kv.get("description") or kv.get("name") or ""
        if label and not re.fullmatch(r"(?:CUDA|ROCm|Vulkan|Metal)\d*|", label, re.IGNORECASE):
            gpus.append(label)
        elif library == "metal":
            gpus.append("Apple GPU (Metal)")
        compute = kv.get("compute", "")
        if re.fullmatch(r"\d+\.\d+", compute):
            _set(ctx, "compute_capability", compute, line)
        elif compute.startswith("gfx"):
            _set(ctx, "gfx_target", compute, line)
        if library in {"cuda"} and re.fullmatch(r"\d+\.\d+", kv.get("driver", "")):
            _set(ctx, "cuda_version", kv["driver"], line)  # Ollama prints the CUDA driver API version here
        if library in {"rocm"} and re.fullmatch(r"\d+\.\d+", kv.get("driver", "")):
            _set(ctx, "rocm_version", kv["driver"], line)
        for key, target in (("total", "gpu_total_gb"), ("available", "gpu_free_gb")):
            size = re.fullmatch(_SIZE, kv.get(key, ""))
            if size:
                _set(ctx, target, _to_gb(size.group(1), size.group(2)), line)
        _set(ctx, "runtime", "ollama", line)
    elif name == "smi_gpu":
        gpus.append(groups[0].strip())
    elif name == "smi_mem":
        _set(ctx, "gpu_total_gb", _to_gb(groups[1], "MiB"), line)
        _set(ctx, "gpu_free_gb", _to_gb(str(int(groups[1]) - int(groups[0])), "MiB"), line)
    elif name == "gpu_name":
        other_gpu_names.append(m.group(1).strip())
    elif name == "driver_cuda":
        _set(ctx, "driver_version", groups[0], line)
        _set(ctx, "cuda_version", groups[1], line)
    elif name == "cuda":
        value = groups[0]
        if re.fullmatch(r"1[12]\d", value):
            value = f"{value[:2]}.{value[2:]}"
        _set(ctx, "cuda_version", value, line)
    elif name == "rocm":
        _set(ctx, "rocm_version", groups[0], line)
    elif name == "gfx":
        _set(ctx, "gfx_target", groups[0], line)
    elif name == "cc":
        _set(ctx, "compute_capability", groups[0], line)
    elif name == "driver":
        _set(ctx, "driver_version", groups[0], line)
    elif name == "model_name":
        _set(ctx, "model", groups[0].strip().strip('"'), line)
    elif name == "model_file":
        path = groups[0]
        _set(ctx, "model_file", path.replace("\\", "/").rsplit("/", 1)[-1], line)
    elif name in {"ollama_tag", "vllm_model", "hf_model"}:
        value = groups[0].strip("'\"")
        if name == "ollama_tag" and (value.startswith(("sha256", "http")) or value.count(":") != 1):
            return
        _set(ctx, "model", value, line)
    elif name == "ftype":
        label = groups[0].lower().strip()
        quant = _FTYPE.get(label) or (label.split(" ")[0].upper() if _QUANT.fullmatch(label.split(" ")[0]) else None)
        _set(ctx, "quant", quant, line)
    elif name == "n_ctx":
        _set(ctx, "context_size", int(groups[0]), line)
    elif name == "offloaded":
        _set(ctx, "layers_offloaded", int(groups[0]), line)
        _set(ctx, "layers_total", int(groups[1]), line)
    elif name == "ollama_offload":
        _set(ctx, "layers_total", int(groups[0]), line)
        _set(ctx, "layers_offloaded", int(groups[1]), line)
    elif name == "torch_oom" or name == "torch_oom_old":
        _set(ctx, "gpu_total_gb", _to_gb(groups[0], groups[1]), line)
        _set(ctx, "gpu_free_gb", _to_gb(groups[2], groups[3]), line)
    elif name == "alloc":
        if len(groups) == 2:
            _set(ctx, "requested_gb", _to_gb(groups[0], groups[1]), line)
        elif "MiB" in m.group(0):
            _set(ctx, "requested_gb", _to_gb(groups[0], "MiB"), line)
        else:
            _set(ctx, "requested_gb", _to_gb(groups[0], "B"), line)
    elif name == "vram":
        _set(ctx, "gpu_total_gb", _to_gb(groups[0], "MiB"), line)
    elif name.startswith("os_"):
        key = name[3:]
        os_votes[key] = os_votes.get(key, 0) + 1


_FILE_NOISE = LazyPattern(
    r"[-_.](?:I?Q\d(?:_[0-9A-Z]+)*(?:_[SML]|_XXS|_XS|_NL)?|F16|BF16|F32|MXFP4|GGUF|UD|imat|imatrix|\d{5}-of-\d{5})\b", re.IGNORECASE
)


def model_name_from_file(filename: str) -> str:
    """'Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf' -> 'Meta Llama 3.1 8B Instruct'."""
    stem = re.sub(r"\.gguf$", "", filename, flags=re.IGNORECASE)
    stem = _FILE_NOISE.sub("", stem)
    return re.sub(r"[-_]+", " ", stem).strip()
