"""Catalog entries -> estimator inputs (devices, systems, model specs)."""

from __future__ import annotations

from estimator.estimate import ModelSpec
from estimator.hardware import Backend, Device, System
from knowledge.schema import Hardware, Model

DEFAULT_RAM_GIB = 32.0
# Median rated bandwidth of the 80 desktop CPU platforms in the catalog (two-channel DDR4-3200 to DDR5-6400), used
# when the user does not give theirs; answers say the RAM figures were assumed.
DEFAULT_RAM_BANDWIDTH_GBS = 83.2


def default_backend(hw: Hardware) -> Backend:
    """The backend most people use on this hardware with llama.cpp."""
    if hw.vendor == "nvidia":
        return "cuda"
    if hw.vendor == "apple":
        return "metal"
    if hw.vendor == "amd":
        if hw.family == "amd_apu":
            return "vulkan"
        return "rocm" if hw.backends.rocm in {"supported", "unofficial"} else "vulkan"
    if hw.vendor == "intel":
        return "vulkan"
    # qualcomm (Snapdragon X: llama.cpp's Arm CPU path is the dependable one), broadcom and rockchip boards
    # (Raspberry Pi, RK3588: their GPUs are not useful for LLMs) and generic platforms run on the CPU.
    return "cpu"


def device_from_hardware(hw: Hardware, backend: Backend | None = None) -> Device:
    cc = float(hw.backends.cuda_cc) if hw.backends.cuda_cc else None
    return Device(
        id=hw.id,
        name=hw.name,
        kind=hw.device,
        family=hw.family,
        memory_gib=hw.memory_gb,
        bandwidth_gbs=hw.bandwidth_gbs,
        fp16_tflops=hw.fp16_tflops,
        fp32_tflops=hw.fp32_tflops,
        backend=backend or default_backend(hw),
        cuda_cc=cc,
    )


def system_from_hardware(
    hardware: list[Hardware],
    ram_gib: float | None = None,
    ram_bandwidth_gbs: float | None = None,
    wired_limit_gib: float | None = None,
    backend: Backend | None = None,
) -> System:
    """GPUs (or one unified machine, or a CPU platform) plus the host RAM."""
    cpu_entries = [h for h in hardware if h.device == "cpu"]
    gpus = [device_from_hardware(h, backend) for h in hardware if h.device != "cpu"]
    assumed = ram_gib is None and ram_bandwidth_gbs is None
    ram = ram_gib
    bandwidth = ram_bandwidth_gbs
    cpu_tflops = 1.0
    if cpu_entries:
        platform = cpu_entries[0]
        ram = ram if ram is not None else platform.memory_gb
        bandwidth = bandwidth if bandwidth is not None else platform.bandwidth_gbs
        cpu_tflops = platform.fp32_tflops or cpu_tflops
        # a named CPU whose memory_gb is only a common build: the answer says it assumed that RAM
        assumed = ram_gib is None and platform.cpu is not None and platform.cpu.memory_typical
    unified = [g for g in gpus if g.kind == "unified"]
    if unified:
        ram = unified[0].memory_gib
        bandwidth = unified[0].bandwidth_gbs
        assumed = False
    return System(
        gpus=gpus,
        ram_gib=ram if ram is not None else DEFAULT_RAM_GIB,
        ram_bandwidth_gbs=bandwidth if bandwidth is not None else DEFAULT_RAM_BANDWIDTH_GBS,
        cpu_tflops=cpu_tflops,
        ram_assumed=assumed,
        wired_limit_gib=wired_limit_gib,
    )


def model_spec(model: Model) -> ModelSpec:
    return ModelSpec(id=model.id, name=model.name, arch=model.architecture, params_b=model.params_b)
