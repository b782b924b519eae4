"""Catalog schema: one pydantic model per kind of entry.

Every entry has an ``id`` (lowercase slug), a display ``name``/``title``, ``aliases`` (other spellings
people type) and ``sources`` (where its facts come from). Files under ``knowledge/data`` are validated
against these models; see ``knowledge/loader.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, model_validator

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


class Entry(BaseModel):
    """Fields shared by every catalog entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    modalities: list[Literal["text", "image", "audio", "video"]] = Field(default_factory=lambda: ["text"])
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
    model_config = ConfigDict(extra="forbid", frozen=True)

    usd: float = Field(gt=0)
    date: dt.date
    source: Source | None = None


class Backends(BaseModel):
    """What software can drive this hardware."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cuda_cc: str | None = Field(None, description="CUDA compute capability, e.g. '8.9'")
    rocm: Literal["supported", "unofficial", "unsupported"] | None = None
    gfx: str | None = Field(None, description="AMD gfx target, e.g. gfx1100")
    metal: bool = False
    vulkan: bool = False
    sycl: bool = False
    cpu: bool = False


class CpuSpec(BaseModel):
    """The processor side of a CPU platform or an integrated-graphics machine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    homepage: HttpUrl | None = None
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
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=5)
    detail: str | None = None
    commands: dict[str, str] = Field(default_factory=dict, description="runtime or OS -> command")


class ErrorEntry(Entry):
    """A known error: literal signatures, causes and fixes (most likely first)."""

    kind: Literal["error"] = "error"
    title: str
    category: Literal["memory", "loading", "gpu", "crash", "build", "output", "performance", "server", "download"]
    severity: Literal["fatal", "error", "warning", "performance"]
    runtimes: list[Slug] = Field(min_length=1, description="tool ids that print it")
    signatures: list[str] = Field(min_length=1, description="literal fragments as the runtime prints them")
    summary: str = Field(min_length=20, max_length=400)
    causes: list[str] = Field(min_length=1)
    fixes: list[Fix] = Field(min_length=1)
    body: str = Field("", description="markdown body: longer explanation")
    related: list[Slug] = Field(default_factory=list)
    glossary: list[Slug] = Field(default_factory=list, description="glossary ids worth reading")
    generic: bool = Field(
        False, description="a consequence line many root causes end in (runner terminated, error loading model): rank below specific causes"
    )


BenchTest = Annotated[str, Field(pattern=r"^(pp|tg)\d+$|^pp\d+\+tg\d+$")]


class Benchmark(BaseModel):
    """One measured speed: a row of a public benchmark table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
