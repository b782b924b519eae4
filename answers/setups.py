"""A machine described in a message -> the estimator's hardware inputs, saying what was assumed.

Named GPUs with counts ("2x 3090 + 3060"), a generic card ("a 16gb card"), a Mac by memory ("8gb mac"),
CPU only with RAM ("cpu only with 32gb ddr5"), and system RAM beside GPUs ("4090 and 64gb ram").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from answers.entities import Entities
from answers.estimates import EstimateQuery
from answers.knowledge_base import KnowledgeBase
from knowledge.schema import Hardware
from knowledge.search import Hit

DDR_DEFAULT_SPEED = {"ddr3": 1600, "ddr4": 3200, "ddr5": 5600, "lpddr4": 4266, "lpddr5": 6400, "lpddr5x": 7500}


@dataclass
class Setup:
    """Hardware fields of an EstimateQuery, with a label and the assumptions made to fill them."""

    hardware: list[str] = field(default_factory=list)
    vram_gb: float | None = None
    bandwidth_gbs: float | None = None
    fp16_tflops: float | None = None
    unified_memory: bool = False
    gpus: int | None = None
    ram_gb: float | None = None
    ram_bandwidth_gbs: float | None = None
    label: str = ""
    assumptions: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.hardware and self.vram_gb is None and self.ram_gb is None

    def apply(self, query: EstimateQuery) -> EstimateQuery:
        query.hardware = list(self.hardware)
        query.vram_gb, query.bandwidth_gbs, query.fp16_tflops = self.vram_gb, self.bandwidth_gbs, self.fp16_tflops
        query.unified_memory, query.gpus = self.unified_memory, self.gpus
        query.ram_gb, query.ram_bandwidth_gbs = self.ram_gb, self.ram_bandwidth_gbs
        return query


def ram_bandwidth(entities: Entities) -> float | None:
    """Peak bandwidth of the RAM the message describes (DDR generation, speed, channels), if it says enough."""
    s = entities.signals
    if not s.ram_type:
        return None
    speed = s.ram_speed or DDR_DEFAULT_SPEED.get(s.ram_type, 3200)
    channels = s.ram_channels or 2
    return channels * 8 * speed / 1000


def _typical(kb: KnowledgeBase, entries: list[Hardware], attr: str) -> float | None:
    values = [getattr(h, attr) for h in entries if getattr(h, attr)]
    return _median(values) if values else None


def _cpu_platform(kb: KnowledgeBase, entities: Entities) -> Hardware | None:
    """The generic CPU + RAM entry that matches the stated DDR generation and speed (dual channel by default)."""
    s = entities.signals
    ddr = (s.ram_type or "ddr4").replace("lp", "")
    speed = s.ram_speed or DDR_DEFAULT_SPEED.get(ddr, 3200)
    channels = s.ram_channels or 2
    candidates = [h for h in kb.catalog.hardware if h.device == "cpu" and h.vendor == "generic" and ddr in h.memory_type.lower()]
    if not candidates:
        return None
    target = channels * 8 * speed / 1000
    return min(candidates, key=lambda h: abs(h.bandwidth_gbs - target))


def setup_from(kb: KnowledgeBase, entities: Entities, units: list[Hit] | None = None) -> Setup:
    """The machine the message describes (or one side of a comparison, given its ``units``)."""
    s = entities.signals
    setup = Setup(ram_gb=s.ram_gb, ram_bandwidth_gbs=ram_bandwidth(entities))
    units = units if units is not None else entities.hardware
    entries = [kb.catalog.hardware_by_id(h.id) for h in units]
    named = [e for e in entries if e is not None]
    gpus = [e for e in named if e.device == "gpu"]
    unified = [e for e in named if e.device == "unified"]
    cpus = [e for e in named if e.device == "cpu"]
    if gpus:
        setup.hardware = [g.id for g in gpus]
        if cpus and setup.ram_bandwidth_gbs is None:
            setup.ram_bandwidth_gbs = cpus[0].bandwidth_gbs
        setup.label = _count_label(gpus)
    elif unified:
        setup.hardware = [unified[0].id]
        setup.ram_gb = None
        setup.label = unified[0].name
    elif cpus:
        setup.hardware = [cpus[0].id]
        setup.label = cpus[0].name
        if s.ram_gb is None and cpus[0].cpu is not None and cpus[0].cpu.memory_typical:
            setup.assumptions.append(f"{cpus[0].memory_gb:g} GB of RAM (a common build; say how much you have)")
    elif s.unified_gb:
        macs = [h for h in kb.catalog.hardware if h.vendor == "apple" and h.memory_gb == s.unified_gb]
        setup.vram_gb, setup.unified_memory = s.unified_gb, True
        setup.bandwidth_gbs = _typical(kb, macs, "bandwidth_gbs") or 100.0
        setup.fp16_tflops = _typical(kb, macs, "fp16_tflops")
        setup.label = f"a Mac with {s.unified_gb:g} GB"
        setup.assumptions.append(
            f"a typical Apple Silicon Mac with {s.unified_gb:g} GB ({setup.bandwidth_gbs:.0f} GB/s); name the chip for exact numbers"
        )
    elif entities.vram_gb:
        cards = [h for h in kb.catalog.hardware if h.device == "gpu" and h.memory_gb == entities.vram_gb and h.family.endswith("consumer")]
        setup.vram_gb = entities.vram_gb
        setup.bandwidth_gbs = _typical(kb, cards, "bandwidth_gbs") or 400.0
        setup.fp16_tflops = _typical(kb, cards, "fp16_tflops")
        setup.gpus = s.vram_count if s.vram_count > 1 else None
        setup.label = f"a {entities.vram_gb:g} GB card"
        setup.assumptions.append(
            f"a typical {entities.vram_gb:g} GB consumer GPU ({setup.bandwidth_gbs:.0f} GB/s); name the card for exact numbers"
        )
    elif s.cpu_only or s.ram_gb:
        platform = _cpu_platform(kb, entities)
        if platform is not None:
            setup.hardware = [platform.id]
            setup.label = f"CPU only with {s.ram_gb:g} GB {platform.memory_type}" if s.ram_gb else platform.name
            if not s.ram_type:
                setup.assumptions.append(f"{platform.memory_type} memory ({platform.bandwidth_gbs:g} GB/s); say the RAM type and speed")
    return setup


def _count_label(gpus: list[Hardware]) -> str:
    counts: dict[str, int] = {}
    for gpu in gpus:
        counts[gpu.name] = counts.get(gpu.name, 0) + 1
    return " + ".join(f"{n}× {name}" if n > 1 else name for name, n in counts.items())


def _median(values):
    import statistics  # here: the module costs more to import than the few medians it computes

    return statistics.median(values)
