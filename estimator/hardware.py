"""Hardware as the estimator sees it: devices with memory, bandwidth and compute, and how much of that
memory a runtime can actually use."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from estimator.units import GB, GIB

DeviceKind = Literal["gpu", "unified", "cpu"]
Backend = Literal["cuda", "rocm", "vulkan", "metal", "sycl", "cpu"]

MAX_MEMORY_GIB = 4096.0  # anything larger is a typo, not a machine
MAX_BANDWIDTH_GBS = 20000.0


class Device(BaseModel):
    """One GPU, one unified-memory SoC, or a CPU with its RAM."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = "custom"
    name: str = "Custom device"
    kind: DeviceKind
    family: str = "generic"
    memory_gib: float = Field(gt=0, le=MAX_MEMORY_GIB, description="as marketed (GiB)")
    bandwidth_gbs: float = Field(gt=0, le=MAX_BANDWIDTH_GBS)
    fp16_tflops: float | None = Field(None, gt=0, le=10000)
    fp32_tflops: float | None = Field(None, gt=0, le=5000)
    backend: Backend = "cuda"
    cuda_cc: float | None = None

    @property
    def memory_bytes(self) -> float:
        return self.memory_gib * GIB

    @property
    def compute_tflops(self) -> float:
        """Best matrix throughput figure we have (FP16 tensor, else FP32 vector, else a floor)."""
        return self.fp16_tflops or self.fp32_tflops or 1.0


class System(BaseModel):
    """What a user runs on: zero or more accelerators plus the host CPU and RAM."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    gpus: list[Device] = Field(default_factory=list)
    ram_gib: float = Field(32.0, ge=0, le=MAX_MEMORY_GIB)
    ram_bandwidth_gbs: float = Field(60.0, gt=0, le=MAX_BANDWIDTH_GBS)
    cpu_tflops: float = Field(1.0, gt=0, le=500)
    ram_assumed: bool = Field(True, description="True when RAM figures are defaults, not the user's")
    wired_limit_gib: float | None = Field(
        None, gt=0, description="Apple: iogpu.wired_limit_mb raised by the user (GiB); None = macOS default"
    )
    desktop_reserve_gib: float | None = Field(
        None,
        ge=0,
        le=64,
        description="memory the display and desktop keep on the first display-capable GPU (GiB); None = the default for "
        "its family, 0 = a headless card",
    )

    @model_validator(mode="after")
    def _unified_alone(self) -> System:
        kinds = {d.kind for d in self.gpus}
        if "unified" in kinds and len(self.gpus) > 1:
            raise ValueError("a unified-memory machine cannot be combined with other GPUs")
        if "cpu" in kinds:
            raise ValueError("CPU platforms go in ram_gib/ram_bandwidth_gbs, not in gpus")
        return self

    @property
    def unified(self) -> bool:
        return bool(self.gpus) and self.gpus[0].kind == "unified"

    @property
    def cpu_only(self) -> bool:
        return not self.gpus


# ------------------------------------------------------------------------------------------------
# Usable memory
# ------------------------------------------------------------------------------------------------
GPU_RESERVE_FRACTION = 0.02  # fragmentation / allocator slack on a discrete GPU
GPU_RESERVE_MIN_BYTES = 0.25 * GIB  # driver and allocator slack on any card
# What an idle desktop session (compositor, browser, other apps with GPU windows) keeps on the card that drives the
# display: commonly 0.3-1 GiB. Applied to the first GPU of families sold as display cards (consumer, workstation,
# laptop); datacenter cards are headless. A prior, overridable per question (System.desktop_reserve_gib, CLI
# --desktop-reserve-gb); checked against data/eval/oom_reports.yaml (no "fits" on a real capacity OOM).
DESKTOP_RESERVE_BYTES = 0.5 * GIB
DISPLAY_FAMILIES = frozenset(
    {"nvidia_consumer", "nvidia_laptop", "nvidia_workstation", "amd_consumer", "amd_workstation", "intel_consumer"}
)
# Apple: the GPU working set (recommendedMaxWorkingSetSize, ~2/3 of memory up to 36 GiB, ~3/4 above) is not a wall:
# llama.cpp's Metal backend only logs a warning when allocations pass it (ggml_metal_log_allocated_size in
# ggml-org/llama.cpp ggml/src/ggml-metal/) and mlx-lm warns "This can be slow" (mlx_lm/generate.py wired_limit() at
# ml-explore/mlx-lm d78bf58). But the real reports in data/eval/oom_reports.yaml that went past it failed at the first
# compute (llama.cpp #9112, #3414; mlx-lm #644), so the estimate keeps the GPU's share within the working set: what
# does not fit there runs from the CPU side of the same memory (llama.cpp) and the answer gives the sysctl that raises
# the limit. The hard limit of the whole pool is the memory minus a small kernel reserve: macOS compresses and swaps
# everything else, and the measured 8 GB Macs ran LLaMA-2-7B Q8_0 (7.2 GB of weights) in 8 GiB.
APPLE_SYSTEM_RESERVE_BYTES = 0.5 * GIB
OS_RESERVE_BYTES = 4 * GIB  # what the OS and a desktop keep for themselves on the CPU side
UNIFIED_OS_RESERVE_BYTES = 2 * GIB  # unified-memory Linux boxes (Strix Halo, DGX Spark, Jetson), usually headless
OS_RESERVE_FRACTION = 0.10


def apple_default_working_set(memory_gib: float) -> float:
    """macOS' default GPU wired limit (recommendedMaxWorkingSetSize): ~2/3 of RAM up to 36 GiB, ~3/4 above."""
    fraction = 2 / 3 if memory_gib <= 36 else 0.75
    return memory_gib * GIB * fraction


def usable_gpu_bytes(device: Device, wired_limit_gib: float | None = None, desktop_reserve_bytes: float = 0.0) -> float:
    """Memory a runtime can allocate on one accelerator, before its own overhead (Apple: the GPU working set)."""
    if device.kind == "unified":
        if device.backend == "metal":
            limit = wired_limit_gib * GIB if wired_limit_gib else apple_default_working_set(device.memory_gib)
            return min(limit, unified_pool_bytes(device))
        # Strix Halo / DGX Spark / Jetson: a headless Linux keeps a couple of GB of the same pool; GTT / unified
        # allocations take the rest (measured: Qwen3-235B UD-Q4_K_XL, 134 GB of weights, ran on a 128 GiB Strix Halo)
        return device.memory_bytes - UNIFIED_OS_RESERVE_BYTES
    reserve = max(GPU_RESERVE_MIN_BYTES, GPU_RESERVE_FRACTION * device.memory_bytes)
    return device.memory_bytes - reserve - desktop_reserve_bytes


def unified_pool_bytes(device: Device) -> float:
    """Apple: the whole memory a model may use on the GPU and CPU sides together (the hard limit)."""
    return device.memory_bytes - APPLE_SYSTEM_RESERVE_BYTES


def desktop_reserves(system: System) -> list[float]:
    """Bytes the display and desktop keep on each GPU: the first display-capable card only."""
    out = [0.0] * len(system.gpus)
    for i, device in enumerate(system.gpus):
        if device.kind == "gpu" and device.family in DISPLAY_FAMILIES:
            reserve = DESKTOP_RESERVE_BYTES if system.desktop_reserve_gib is None else system.desktop_reserve_gib * GIB
            out[i] = reserve
            break
    return out


def usable_ram_bytes(system: System) -> float:
    """Host RAM left for model weights after the OS (zero extra on unified machines: same pool)."""
    total = system.ram_gib * GIB
    return max(0.0, total - max(OS_RESERVE_BYTES, OS_RESERVE_FRACTION * total))


def bytes_to_gb(n: float) -> float:
    return n / GB
