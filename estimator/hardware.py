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

    model_config = ConfigDict(extra="forbid", frozen=True)

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

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpus: list[Device] = Field(default_factory=list)
    ram_gib: float = Field(32.0, ge=0, le=MAX_MEMORY_GIB)
    ram_bandwidth_gbs: float = Field(60.0, gt=0, le=MAX_BANDWIDTH_GBS)
    cpu_tflops: float = Field(1.0, gt=0, le=500)
    ram_assumed: bool = Field(True, description="True when RAM figures are defaults, not the user's")
    wired_limit_gib: float | None = Field(
        None, gt=0, description="Apple: iogpu.wired_limit_mb raised by the user (GiB); None = macOS default"
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
GPU_RESERVE_MIN_BYTES = 0.25 * GIB  # display, driver and other processes
OS_RESERVE_BYTES = 4 * GIB  # what the OS and a desktop keep for themselves on the CPU side
OS_RESERVE_FRACTION = 0.10


def apple_default_working_set(memory_gib: float) -> float:
    """macOS' default GPU wired limit (recommendedMaxWorkingSetSize): ~2/3 of RAM up to 36 GiB, ~3/4 above."""
    fraction = 2 / 3 if memory_gib <= 36 else 0.75
    return memory_gib * GIB * fraction


def usable_gpu_bytes(device: Device, wired_limit_gib: float | None = None) -> float:
    """Memory a runtime can allocate on one accelerator, before the runtime's own overhead."""
    if device.kind == "unified":
        if device.backend == "metal":
            limit = wired_limit_gib * GIB if wired_limit_gib else apple_default_working_set(device.memory_gib)
            return min(limit, device.memory_bytes - 2 * GIB)
        # Strix Halo / DGX Spark / Jetson: the OS needs its share of the same pool
        return device.memory_bytes - max(OS_RESERVE_BYTES, OS_RESERVE_FRACTION * device.memory_bytes)
    reserve = max(GPU_RESERVE_MIN_BYTES, GPU_RESERVE_FRACTION * device.memory_bytes)
    return device.memory_bytes - reserve


def usable_ram_bytes(system: System) -> float:
    """Host RAM left for model weights after the OS (zero extra on unified machines: same pool)."""
    total = system.ram_gib * GIB
    return max(0.0, total - max(OS_RESERVE_BYTES, OS_RESERVE_FRACTION * total))


def bytes_to_gb(n: float) -> float:
    return n / GB
