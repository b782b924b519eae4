"""Catalog schema: one pydantic model per kind of entry.

Every entry has an ``id`` (lowercase slug), a display ``name``/``title``, ``aliases`` (other spellings
people type) and ``sources`` (where its facts come from). Files under ``knowledge/data`` are validated
against these models; see ``knowledge/loader.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from estimator.architecture import ModelArch
from estimator.quants import UnknownQuantError, parse_quant

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"id {value!r} must be lowercase letters, digits and . _ + - (no spaces)")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
Alias = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
Source = Annotated[str, Field(min_length=8, description="URL or precise citation")]
_WEB_URL = re.compile(r"^https?://[^\s/?#:]+\.[^\s/?#:]+(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)


def _check_web_url(value: str) -> str:
    # a plain string checked here rather than pydantic's HttpUrl, whose module costs ~15 ms of imports
    # (importlib.metadata) at every start of the command line
    if not _WEB_URL.match(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


WebUrl = Annotated[str, AfterValidator(_check_web_url)]


class Entry(BaseModel):
    """Fields shared by every catalog entry."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: Slug
    aliases: list[Alias] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


def _check_quant(value: str | None) -> str | None:
    """A quant name the estimator parses, spelled as it names it (``BF16``, ``FP8``, ``MXFP4``, ``Q4_K_M``, ``MLX 4bit``)."""
    if value is None:
        return None
    try:
        parsed = parse_quant(value)
    except UnknownQuantError as exc:
        raise ValueError(str(exc)) from None
    if parsed.name != value:
        raise ValueError(f"write quant {value!r} as {parsed.name!r}")
    return value


QuantName = Annotated[str, AfterValidator(_check_quant)]
QualityUse = Literal["coding", "reasoning", "chat", "vision", "math", "long_context", "knowledge"]


class QualityScore(BaseModel):
    """One published quality figure for a use case: kept apart from the fit math, used to rank what fits."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    use: QualityUse
    benchmark: str = Field(min_length=3, description="exactly as published, e.g. 'GPQA Diamond', 'LiveCodeBench v5 (2024.08-2025.02)'")
    score: float
    scale: Literal["percent", "elo", "rating"] = Field(description="percent: 0-100; elo: arena rating; rating: Codeforces-style")
    source: Source = Field(description="official evaluation table or public leaderboard")
    date: dt.date = Field(description="when the figure was published (leaderboard snapshot or card date)")
    notes: str | None = None

    @model_validator(mode="after")
    def _range(self) -> QualityScore:
        if self.scale == "percent" and not 0 <= self.score <= 100:
            raise ValueError(f"percent score {self.score} outside 0-100")
        if self.scale in {"elo", "rating"} and not 0 < self.score < 5000:
            raise ValueError(f"{self.scale} score {self.score} outside 0-5000")
        return self


Modality = Literal["text", "image", "audio", "video"]


def _text_only() -> list[Modality]:
    return ["text"]


class Model(Entry):
    """A model people run locally, with its architecture from config.json."""

    kind: Literal["model"] = "model"
    name: str
    family: str = Field(description="family slug, e.g. llama-3.1, qwen2.5-coder")
    developer: str
    params_b: float = Field(gt=0, description="total parameters, billions")
    active_params_b: float | None = Field(None, gt=0, description="MoE: parameters used per token")
    release_date: dt.date | None = None
    license: str
    modalities: list[Modality] = Field(default_factory=_text_only)
    variant: Literal["base", "instruct", "reasoning", "code", "vision", "embedding"] = "instruct"
    hf_repo: str | None = None
    ollama_tags: list[str] = Field(default_factory=list)
    architecture: ModelArch
    base_model: Slug | None = Field(
        None,
        description="catalog id of the model this one is fine-tuned from (same architecture; the loader checks both). "
        "When the exact base checkpoint is not catalogued, the catalogued sibling with its architecture (e.g. the instruct model).",
    )
    native_quant: QuantName | None = Field(None, description="format the official weights were released in: BF16, FP8, MXFP4, ...")
    ollama_quant: QuantName | None = Field(None, description="quant of Ollama's default tag (the first of ollama_tags), e.g. Q4_K_M")
    mlx_quant: QuantName | None = Field(None, description="the mlx-community conversion people use by default, when notable")
    quality: list[QualityScore] = Field(default_factory=list, description="published quality figures per use case")
    notes: str | None = None

    @property
    def title(self) -> str:
        return self.name

    @model_validator(mode="after")
    def _active_params(self) -> Model:
        if self.base_model == self.id:
            raise ValueError("base_model names the entry itself")
        if self.active_params_b is not None and self.active_params_b > self.params_b:
            raise ValueError("active_params_b exceeds params_b")
        if self.architecture.moe and self.active_params_b is None:
            raise ValueError("MoE model needs active_params_b")
        return self


HardwareKind = Literal["gpu", "unified", "cpu"]
HardwareFamily = Literal[
    "nvidia_consumer",
    "nvidia_laptop",
    "nvidia_workstation",
    "nvidia_datacenter",
    "nvidia_soc",
    "amd_consumer",
    "amd_workstation",
    "amd_datacenter",
    "amd_apu",
    "intel_consumer",
    "intel_datacenter",
    "intel_igpu",
    "apple",
    "qualcomm_soc",
    "cpu",
    "amd_cpu",
    "intel_cpu",
    "arm_cpu",
]
HardwareVendor = Literal["nvidia", "amd", "intel", "apple", "qualcomm", "broadcom", "rockchip", "generic"]
_MEMORY_TYPE = re.compile(r"^(?:LP)?DDR[2-5]X?-(\d{3,5})$")


def memory_speed(memory_type: str) -> int:
    """Transfer rate (MT/s) of a memory type written like 'DDR5-5600' or 'LPDDR5X-7500'."""
    match = _MEMORY_TYPE.match(memory_type)
    if not match:
        raise ValueError(f"memory type {memory_type!r} must look like DDR5-5600 or LPDDR5X-7500")
    return int(match.group(1))


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    usd: float = Field(gt=0)
    date: dt.date
    source: Source | None = None


class Backends(BaseModel):
    """What software can drive this hardware."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    cuda_cc: str | None = Field(None, description="CUDA compute capability, e.g. '8.9'")
    rocm: Literal["supported", "unofficial", "unsupported"] | None = None
    gfx: str | None = Field(None, description="AMD gfx target, e.g. gfx1100")
    metal: bool = False
    vulkan: bool = False
    sycl: bool = False
    cpu: bool = False


class CpuSpec(BaseModel):
    """The processor side of a CPU platform or an integrated-graphics machine."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    cores: int = Field(gt=0, description="physical cores (all kinds: P + E cores)")
    threads: int = Field(gt=0)
    memory_channels: int = Field(gt=0, description="64-bit (DDR-equivalent) memory channels per socket")
    memory_bus_bits: int | None = Field(
        None, gt=0, description="total memory bus width when it is not channels x 64 (e.g. 32-bit LPDDR4X on a Raspberry Pi)"
    )
    memory_types: list[str] = Field(
        min_length=1, description="officially supported memory at its top rated speed, e.g. ['DDR5-5600', 'DDR4-3200']"
    )
    max_memory_gb: float | None = Field(None, gt=0, description="largest memory the vendor supports, per socket")
    avx2: bool = False
    avx512: bool = False
    igpu: Slug | None = Field(None, description="hardware id of the unified entry for its integrated GPU, if useful")
    memory_typical: bool = Field(False, description="CPU entries: memory_gb is a common build, not a property of the chip (answers say so)")

    @property
    def bus_bytes(self) -> float:
        return (self.memory_bus_bits / 8) if self.memory_bus_bits else self.memory_channels * 8

    @property
    def max_speed_mts(self) -> int:
        return max(memory_speed(t) for t in self.memory_types)

    @property
    def peak_bandwidth_gbs(self) -> float:
        """Theoretical peak: bus bytes (channels x 8) x the fastest supported transfer rate."""
        return self.bus_bytes * self.max_speed_mts / 1000

    @model_validator(mode="after")
    def _consistent(self) -> CpuSpec:
        if self.threads < self.cores:
            raise ValueError("threads must be at least cores")
        for memory_type in self.memory_types:
            memory_speed(memory_type)
        return self


class Hardware(Entry):
    """A GPU, unified-memory machine, or CPU+RAM platform."""

    kind: Literal["hardware"] = "hardware"
    name: str
    vendor: HardwareVendor
    device: HardwareKind = Field(description="gpu: discrete VRAM; unified: shared RAM; cpu: RAM only")
    family: HardwareFamily
    segment: Literal["desktop", "laptop", "workstation", "datacenter", "embedded", "server", "mini-pc", "handheld"]
    memory_gb: float = Field(gt=0, description="as marketed: GiB for GPUs and Apple unified memory")
    memory_type: str
    bandwidth_gbs: float = Field(gt=0, description="peak memory bandwidth, GB/s (10^9 B/s)")
    fp16_tflops: float | None = Field(None, gt=0, description="dense FP16 tensor/matrix TFLOPS with FP32 accumulate (or FP16 vector rate)")
    fp32_tflops: float | None = Field(None, gt=0, description="FP32 vector TFLOPS (non-tensor)")
    int8_tops: float | None = Field(None, gt=0, description="dense INT8 tensor TOPS")
    spec_confidence: Literal["vendor", "derived", "approx"] = "vendor"
    chip: Slug | None = Field(
        None,
        description="shared slug for entries with the same silicon and bandwidth but different memory "
        "(Apple configs, 8/16 GB variants); benchmarks may name it instead of one entry",
    )
    tdp_w: float | None = Field(None, gt=0)
    gpu_cores: int | None = Field(None, gt=0, description="Apple GPU cores / NVIDIA SMs etc. when relevant")
    release_date: dt.date | None = None
    launch_price: Price | None = None
    used_price: Price | None = None
    backends: Backends
    cpu: CpuSpec | None = Field(None, description="processor facts: cores, memory channels and speeds, AVX, iGPU")
    notes: str | None = None

    @property
    def title(self) -> str:
        return self.name

    @model_validator(mode="after")
    def _cpu_block(self) -> Hardware:
        if self.cpu is None:
            return self
        if self.cpu.memory_typical and self.device != "cpu":
            raise ValueError("cpu.memory_typical applies to CPU entries (device: cpu) only")
        peak = self.cpu.peak_bandwidth_gbs
        if abs(self.bandwidth_gbs - peak) > 0.01 * peak:
            raise ValueError(
                f"bandwidth_gbs {self.bandwidth_gbs:g} must be the theoretical peak {peak:g} GB/s "
                f"(bus bytes x {self.cpu.max_speed_mts} MT/s, within 1%)"
            )
        if self.cpu.max_memory_gb is not None and self.memory_gb > self.cpu.max_memory_gb:
            raise ValueError(f"memory_gb {self.memory_gb:g} exceeds cpu.max_memory_gb {self.cpu.max_memory_gb:g}")
        if self.cpu.igpu == self.id:
            raise ValueError("cpu.igpu names the entry itself")
        return self


OS = Literal["linux", "windows", "macos", "android", "ios", "docker"]
BackendName = Literal["cuda", "rocm", "metal", "vulkan", "sycl", "cpu", "opencl", "openvino", "directml", "npu", "tpu", "mlx"]


class Tool(Entry):
    """A runtime, server, UI or library for running models."""

    kind: Literal["tool"] = "tool"
    name: str
    category: Literal["runtime", "server", "ui", "library", "app"]
    summary: str = Field(min_length=20, max_length=400)
    os: list[OS]
    backends: list[BackendName]
    formats: list[str] = Field(description="model file formats: gguf, safetensors, exl2, mlx, onnx, ...")
    quants: list[str] = Field(default_factory=list, description="quantization schemes it loads")
    install: dict[str, str] = Field(default_factory=dict, description="platform -> install command")
    run: str | None = Field(None, description="a typical command to run a model")
    strengths: list[str] = Field(default_factory=list)
    limits: list[str] = Field(default_factory=list)
    homepage: WebUrl | None = None
    repo: str | None = None
    license: str | None = None
    openai_api: bool = False
    based_on: list[str] = Field(default_factory=list, description="tool ids this builds on")

    @property
    def title(self) -> str:
        return self.name


GlossaryCategory = Literal[
    "foundations",
    "architecture",
    "attention",
    "inference",
    "sampling",
    "quantization",
    "formats",
    "training",
    "fine-tuning",
    "retrieval",
    "agents",
    "prompting",
    "hardware",
    "serving",
    "tools",
    "models",
    "media",
    "evaluation",
    "society",
]
GLOSSARY_CATEGORY_TITLES: dict[str, str] = {
    "foundations": "Foundations",
    "architecture": "Model architecture",
    "attention": "Attention and context",
    "inference": "Inference and speed",
    "sampling": "Sampling and decoding",
    "quantization": "Quantization",
    "formats": "File formats and weights",
    "training": "Training",
    "fine-tuning": "Fine-tuning and adapters",
    "retrieval": "Retrieval and embeddings",
    "agents": "Agents and tool use",
    "prompting": "Prompts and chat templates",
    "hardware": "Hardware",
    "serving": "Serving and APIs",
    "tools": "Tools and runtimes",
    "models": "Models and families",
    "media": "Images, audio and video",
    "evaluation": "Evaluation and benchmarks",
    "society": "Licences, safety and society",
}


class GlossaryTerm(Entry):
    """A term, defined in our own words (front matter + markdown body)."""

    kind: Literal["glossary"] = "glossary"
    term: str
    category: GlossaryCategory
    short: str = Field(min_length=20, max_length=300, description="one or two sentence definition")
    body: str = Field(min_length=80, description="deeper explanation (markdown body of the file)")
    example: str = Field(min_length=20, description="a practical example with real numbers")
    in_tools: list[str] = Field(default_factory=list, description="flags / config keys where it shows up")
    related: list[Slug] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return self.term


class Fix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    title: str = Field(min_length=5)
    detail: str | None = None
    commands: dict[str, str] = Field(default_factory=dict, description="runtime or OS -> command")


# --- errors -----------------------------------------------------------------------------------------
# A signature is an anchored, case-insensitive Python regex for one line a runtime prints; variable parts
# (paths, sizes, layer counts, device names, versions) are wildcards. Load-time checks keep patterns useful:
# they must compile, must not match an empty or blank line, and must contain enough literal text that
# must appear (a pattern that is mostly wildcards fires on healthy logs). A pattern with the named groups
# ``done`` and ``total`` matches only when done < total ("offloaded 20/33 layers", never "33/33").
MIN_ANCHOR = 8  # the longest literal run every match must contain
MIN_LITERAL = 10  # all literal characters every match must contain
MIN_SYMPTOM_LITERAL = 9  # the shortest phrase a symptom pattern can match has this many literal characters
_VERSION_BOUND = r"(?:[<>]=?|==)\s*v?\d+(?:\.\d+){0,3}"
_VERSIONS = re.compile(rf"^(?:all|{_VERSION_BOUND}(?:\s*,\s*{_VERSION_BOUND})*)$")


def required_literals(pattern: str) -> list[str]:
    """Literal runs (lowercase) that every match of ``pattern`` contains, in order.

    Wildcards, optional parts and alternations end a run; a group that must match continues it."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]  # Python >= 3.11
    except ImportError:  # pragma: no cover - older/newer layouts: treat the whole pattern as one run
        return [re.sub(r"\\(.)", r"\1", pattern).lower()]
    runs: list[str] = []
    current: list[str] = []

    def cut() -> None:
        if current:
            runs.append("".join(current))
            current.clear()

    def walk(items) -> None:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                current.append(chr(arg).lower())
            elif name == "SUBPATTERN":
                walk(arg[-1])
            elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"} and arg[0] >= 1:
                walk(arg[2])  # at least once: its literals are required, the repeat ends the run
                cut()
            elif name in {"AT", "ASSERT", "ASSERT_NOT"}:
                continue
            else:  # ANY, IN, BRANCH, optional repeats, backreferences
                cut()

    walk(sre.parse(pattern, re.IGNORECASE))
    cut()
    return runs


def literal_clauses(pattern: str, min_len: int = 3) -> list[frozenset[str]]:
    """Necessary conditions for a match, as clauses: every clause holds a few lowercase literals and a match
    contains at least one literal of every clause. A cheap pre-check before running a slow regex."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        return []

    def required(items) -> str:
        best = max(required_literals_of(items), key=len, default="")
        return best

    def required_literals_of(items) -> list[str]:
        runs: list[str] = []
        cur: list[str] = []
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                cur.append(chr(arg).lower())
                continue
            if name == "SUBPATTERN":
                inner = required_literals_of(arg[-1])
                if len(inner) == 1 and len(arg[-1]) and all(str(o) == "LITERAL" for o, _ in arg[-1]):
                    cur.append(inner[0])
                    continue
                if cur:
                    runs.append("".join(cur))
                    cur = []
                runs.extend(inner)
                continue
            if cur:
                runs.append("".join(cur))
                cur = []
        if cur:
            runs.append("".join(cur))
        return runs

    clauses: list[frozenset[str]] = []
    for op, arg in sre.parse(pattern, re.IGNORECASE):
        name = str(op)
        if name == "BRANCH":
            options = [required(branch) for branch in arg[1]]
            if options and all(len(o.strip()) >= min_len for o in options):
                clauses.append(frozenset(o.strip() for o in options))
        elif name == "SUBPATTERN" and any(str(o) == "BRANCH" for o, _ in arg[-1]) and len(arg[-1]) == 1:
            branch = arg[-1][0][1]
            options = [required(b) for b in branch[1]]
            if options and all(len(o.strip()) >= min_len for o in options):
                clauses.append(frozenset(o.strip() for o in options))
    for run in required_literals(pattern):
        if len(run.strip()) >= min_len:
            clauses.append(frozenset({run.strip()}))
    return clauses


def min_literal_chars(pattern: str) -> int:
    """Literal characters in the shortest way ``pattern`` can match (alternations count their shortest branch)."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        return len(pattern)

    def walk(items) -> int:
        total = 0
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                total += 1
            elif name == "SUBPATTERN":
                total += walk(arg[-1])
            elif name == "BRANCH":
                total += min(walk(branch) for branch in arg[1])
            elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
                total += min(arg[0], 4) * walk(arg[2])
        return total

    return walk(sre.parse(pattern, re.IGNORECASE))


def readable_pattern(pattern: str) -> str:
    """The wording a pattern stands for, for people: wildcards become '...', alternations their first choice."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        return pattern
    out: list[str] = []

    def gap() -> None:
        if not out or not out[-1].endswith("..."):
            out.append("...")

    def walk(items) -> None:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "SUBPATTERN":
                walk(arg[-1])
            elif name == "BRANCH":
                walk(arg[1][0])
            elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
                low, _high, body = arg
                if low >= 1 and all(str(o) == "LITERAL" for o, _ in body):
                    walk(body)
                elif low >= 1 or any(str(o) != "LITERAL" for o, _ in body):
                    gap()
            elif name in {"AT", "ASSERT", "ASSERT_NOT"}:
                continue
            else:
                gap()

    walk(sre.parse(pattern))
    return "".join(out).strip()


def _check_pattern(pattern: str, min_anchor: int, min_literal: int) -> str:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
    if compiled.search("") or compiled.search("   \t  ") or "\n" in pattern or "\\n" in pattern:
        raise ValueError(f"pattern {pattern!r} matches a blank line or spans lines")
    runs = required_literals(pattern)
    anchor = max(runs, key=len, default="")
    if len(anchor.strip()) < min_anchor or sum(len(r) for r in runs) < min_literal:
        raise ValueError(
            f"pattern {pattern!r} is too broad: it needs a literal run of {min_anchor}+ characters and {min_literal}+ "
            f"literal characters in all (has {anchor!r}, {sum(len(r) for r in runs)} in all)"
        )
    return pattern


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:4])


def version_in_range(version: str, versions: str) -> bool | None:
    """Whether ``version`` satisfies a range such as ">=0.5.0,<0.12.4" (None when unknown)."""
    if versions == "all":
        return True
    if not version or not re.match(r"v?\d", version.strip()):
        return None
    have = version_key(version)
    for bound in versions.split(","):
        op, number = re.match(r"\s*([<>]=?|==)\s*v?(.+)", bound).groups()  # type: ignore[union-attr]
        want = version_key(number)
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b}[op]
        if not ok:
            return False
    return True


class SignatureSpec(BaseModel):
    """One signature as written in an error file."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    pattern: str = Field(description="Python regex, case-insensitive, one line; variable parts as wildcards")
    runtime: Slug = Field(description="tool id of the program that prints this wording")
    versions: str = Field("all", description='versions that print this wording: "all", "<0.12.4", ">=0.5.0,<0.13.0"')
    verified: Source = Field(description="where the wording was checked: source file at a commit, or an issue URL")
    text: str | None = Field(None, description="readable wording, when the derived one is unclear")
    signal: bool = Field(
        False,
        description="a line healthy runs print too (offloaded 20/33 layers, library=cpu): it counts only when the "
        "person also describes a problem in words, never on its own",
    )

    @model_validator(mode="after")
    def _check(self) -> SignatureSpec:
        _check_pattern(self.pattern, MIN_ANCHOR, MIN_LITERAL)
        if not _VERSIONS.match(self.versions.strip()):
            raise ValueError(f"versions {self.versions!r}: use 'all' or bounds such as '<0.12.4' or '>=0.5.0,<0.13.0'")
        if not self.verified.startswith("https://"):
            raise ValueError("verified must be a https URL (source file at a commit, or an issue)")
        return self


class Signature(str):
    """A signature. As a string it is the readable wording (so older code that joins or slices signatures
    keeps working); ``pattern``, ``runtime``, ``versions`` and ``verified`` carry the rest."""

    spec: SignatureSpec

    def __new__(cls, spec: SignatureSpec) -> Signature:
        self = super().__new__(cls, spec.text or readable_pattern(spec.pattern))
        self.spec = spec
        return self

    @property
    def pattern(self) -> str:
        return self.spec.pattern

    @property
    def runtime(self) -> str:
        return self.spec.runtime

    @property
    def versions(self) -> str:
        return self.spec.versions

    @property
    def verified(self) -> str:
        return self.spec.verified

    @property
    def signal(self) -> bool:
        return self.spec.signal

    def __reduce__(self):
        return (_signature, (str(self), self.spec))  # the wording as stored: no regex parsing when unpickled

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema

        from_spec = core_schema.no_info_after_validator_function(cls, handler.generate_schema(SignatureSpec))
        return core_schema.json_or_python_schema(
            json_schema=from_spec,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_spec]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.spec.model_dump(exclude_none=True), when_used="always"
            ),
        )


def _signature(wording: str, spec: SignatureSpec) -> Signature:
    self = str.__new__(Signature, wording)
    self.spec = spec
    return self


def _check_symptom(value: str) -> str:
    """Symptom phrases are matched only in sentences people wrote, so alternations are fine; the shortest phrase
    they can match must still be specific."""
    try:
        compiled = re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"symptom {value!r} does not compile: {exc}") from exc
    if compiled.search("") or min_literal_chars(value) < MIN_SYMPTOM_LITERAL:
        raise ValueError(f"symptom {value!r} is too broad: its shortest match needs {MIN_SYMPTOM_LITERAL}+ literal characters")
    return value


SymptomPattern = Annotated[str, AfterValidator(_check_symptom)]
# Programs that print some of the errors but are not runtimes in the tools catalog.
SYSTEM_COMPONENTS = frozenset({"nvidia-driver", "rocm", "cuda-toolkit", "linux-kernel", "pip", "browser"})
EstimatorAdvice = Literal["gpu_layers", "context", "quant", "kv_cache"]


class ErrorEntry(Entry):
    """A known error (matched by the lines a runtime prints) or a troubleshooting topic (matched by how people
    describe a symptom): cause, how to confirm it, fixes per runtime and OS (most likely first)."""

    kind: Literal["error"] = "error"
    title: str
    category: Literal["memory", "loading", "gpu", "crash", "build", "output", "performance", "server", "download"]
    severity: Literal["fatal", "error", "warning", "performance"]
    runtimes: list[Slug] = Field(min_length=1, description="tool ids that print it")
    signatures: list[Signature] = Field(default_factory=list, description="anchored patterns for the lines runtimes print")
    symptoms: list[SymptomPattern] = Field(
        default_factory=list,
        description="regexes for how people describe the problem in words; matched only in prose, never in log lines",
    )
    summary: str = Field(min_length=20, max_length=400)
    causes: list[str] = Field(min_length=1)
    confirm: list[str] = Field(min_length=1, description="how to confirm the cause (a command, a log line to look for)")
    checks: list[Fix] = Field(default_factory=list, description="troubleshooting: checks in diagnostic order, most likely first")
    fixes: list[Fix] = Field(min_length=1)
    body: str = Field("", description="markdown body: longer explanation")
    related: list[Slug] = Field(default_factory=list)
    glossary: list[Slug] = Field(default_factory=list, description="glossary ids worth reading")
    generic: bool = Field(
        False, description="a consequence line many root causes end in (runner terminated, error loading model): rank below specific causes"
    )
    consequence_of: list[Slug] = Field(
        default_factory=list, description="error ids that cause this one: when both are in a log, they rank first"
    )
    advice: list[EstimatorAdvice] = Field(
        default_factory=list, description="estimator-backed advice to tailor when the log names the model and GPU"
    )

    @model_validator(mode="after")
    def _matchable(self) -> ErrorEntry:
        if not self.signatures and not self.symptoms:
            raise ValueError("an error entry needs signatures (lines runtimes print) or symptoms (how people describe it)")
        if self.symptoms and not self.signatures and not self.checks:
            raise ValueError("a troubleshooting entry (symptoms only) needs checks in diagnostic order")
        patterns = [s.pattern for s in self.signatures]
        if len(set(patterns)) != len(patterns):
            raise ValueError("duplicate signature pattern")
        return self


BenchTest = Annotated[str, Field(pattern=r"^(pp|tg)\d+$|^pp\d+\+tg\d+$")]


class Benchmark(BaseModel):
    """One measured speed: a row of a public benchmark table."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    model: Slug
    hardware: Slug
    gpus: int = Field(1, ge=1)
    quant: str
    runtime: Slug = "llama.cpp"
    backend: str | None = Field(None, description="CUDA, ROCm, Vulkan, Metal, CPU, SYCL, ...")
    runtime_version: str | None = None
    test: BenchTest
    tokens_per_s: float = Field(gt=0)
    flash_attention: bool | None = None
    context: int | None = Field(None, gt=0, description="depth / context the test ran at, if not empty")
    gpu_layers: int | None = Field(None, ge=0, description="-ngl / num_gpu: layers on the GPU(s), if stated")
    cpu_moe: bool | None = Field(None, description="all routed experts kept in RAM (--cpu-moe, -ot exps=CPU)")
    n_cpu_moe: int | None = Field(None, ge=0, description="--n-cpu-moe N: experts of the first N layers in RAM")
    ram: str | None = Field(None, description="host RAM of an offload / CPU run, e.g. '128 GB DDR5-6000, 2 channels'")
    tensor_parallel: int | None = Field(None, ge=1, description="tensor-parallel size (vLLM, SGLang, ...)")
    concurrency: int | None = Field(
        None, ge=1, description="requests in flight; above 1, tokens_per_s is the aggregate rate of all streams"
    )
    max_model_len: int | None = Field(None, gt=0, description="serving engine's max_model_len / context limit")
    source: Source
    date: dt.date | None = None
    notes: str | None = None


EntryKind = Literal["model", "hardware", "tool", "glossary", "error"]
