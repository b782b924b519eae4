"""A user's rig: the machine their questions are about when they name none.

A rig is read from free text ("2x 3090 + 128gb ddr4, ubuntu, llama.cpp", through the question parser
``EntityExtractor.extract``) or from what system tools print: ``nvidia-smi`` (the table, ``-L``, ``-q`` and
``--query-gpu ... --format=csv``), ``rocm-smi`` (the concise table, ``--showproductname``, ``--showmeminfo vram``,
``--csv``/``--json``) and ``amd-smi``, macOS ``system_profiler SPHardwareDataType`` and ``sysctl hw.memsize``,
Linux ``lscpu``, ``free`` and ``/proc/meminfo``. Several pastes can be combined in one message.

What is kept is ``answers.conversation.snapshot`` of the machine (catalog ids, counts, memory amounts), the OS,
the runtime, the CPU name and a short label ("2× GeForce RTX 3090 + 128 GB DDR4"): never the pasted text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from answers.conversation import from_snapshot, names_a_machine, snapshot
from answers.entities import Entities, EntityExtractor
from answers.user_errors import InputError

RIG_VERSION = 1
MAX_RIG_TEXT = 4000  # a Discord modal paragraph holds 4000 characters
MAX_LABEL = 120
MAX_GPUS = 16
# memory sizes sold (GiB); tools print a little less than what is installed (125.7 GiB of a 128 GB kit)
MARKETED_RAM = (4, 6, 8, 12, 16, 18, 24, 32, 36, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
OS_WORDS = (
    ("WSL", r"\bwsl2?\b"),
    ("Windows", r"\bwin(?:dows)?\s*1[01]\b|\bwindows\b"),
    ("macOS", r"\bmac\s*os\b|\bmacos\b|\bos\s*x\b|\bsonoma\b|\bsequoia\b|\bventura\b|\btahoe\b"),
    ("Ubuntu", r"\bubuntu\b|\bpop!?_?os\b|\bmint\b"),
    ("Debian", r"\bdebian\b"),
    ("Fedora", r"\bfedora\b"),
    ("Arch Linux", r"\barch(?:\s*linux)?\b|\bmanjaro\b|\bcachyos\b|\bendeavour"),
    ("NixOS", r"\bnixos\b"),
    ("Proxmox", r"\bproxmox\b"),
    ("Unraid", r"\bunraid\b"),
    ("Linux", r"\blinux\b"),
)


@dataclass
class GpuReading:
    name: str  # as printed ("NVIDIA GeForce RTX 3090", "Radeon RX 7900 XTX", "0x744c")
    memory_mib: float | None = None


@dataclass
class Reading:
    """What the pasted tool outputs say about the machine."""

    gpus: list[GpuReading] = field(default_factory=list)
    gpu_count_only: int = 0  # tools that list GPUs without names (rocm-smi's concise table)
    ram_gib: float | None = None
    unified_gib: float | None = None  # a Mac's memory
    chip: str | None = None  # "Apple M2 Max"
    cpu: str | None = None
    os: str | None = None
    driver: str | None = None  # "NVIDIA 550.40.07, CUDA 12.4", "ROCm 6.1"
    sources: list[str] = field(default_factory=list)  # which tools' outputs were read

    @property
    def empty(self) -> bool:
        return not (self.gpus or self.gpu_count_only or self.ram_gib or self.unified_gib or self.chip or self.cpu)


@dataclass
class Rig:
    entities: dict[str, Any]  # answers.conversation.snapshot of the machine
    label: str
    os: str | None = None
    runtime: str | None = None
    cpu: str | None = None
    driver: str | None = None
    source: str = "text"  # text, or the tools read: "nvidia-smi + free"
    notes: list[str] = field(default_factory=list)  # what could not be read exactly

    def to_json(self) -> dict[str, Any]:
        return {
            "v": RIG_VERSION,
            "entities": self.entities,
            "label": self.label,
            "os": self.os,
            "runtime": self.runtime,
            "cpu": self.cpu,
            "driver": self.driver,
            "source": self.source,
            "notes": self.notes,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: Any) -> Rig | None:
        """None for anything unreadable (a rig stored by a future version, a damaged file)."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return None
        if not isinstance(data, dict) or data.get("v") != RIG_VERSION or from_snapshot(data.get("entities")) is None:
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value)[:MAX_LABEL] if value else None

        return cls(
            entities=data["entities"],
            label=str(data.get("label") or "")[:MAX_LABEL] or "your rig",
            os=text("os"),
            runtime=text("runtime"),
            cpu=text("cpu"),
            driver=text("driver"),
            source=str(data.get("source") or "text")[:MAX_LABEL],
            notes=[str(n)[:200] for n in (data.get("notes") or [])][:5],
        )

    def machine(self) -> Entities:
        """The rig as entities, ready for ``Context(rig=...)`` and ``answers.setups.setup_from``."""
        entities = from_snapshot(self.entities)
        assert entities is not None  # checked when the rig was read or loaded
        return entities

    @property
    def hardware_ids(self) -> list[str]:
        """One catalog id per unit, in order ("2x 3090" -> two ids)."""
        return [h["id"] for h in self.entities.get("hardware", []) for _ in range(int(h.get("count", 1)))]

    def describe(self) -> list[str]:
        """Lines for /rig show and `runlocalai rig show`."""
        lines = [f"Machine: {self.label}"]
        if self.cpu:
            lines.append(f"CPU: {self.cpu}")
        if self.os:
            lines.append(f"OS: {self.os}")
        if self.runtime:
            lines.append(f"Runtime: {self.runtime}")
        if self.driver:
            lines.append(f"Driver: {self.driver}")
        lines.append(f"Read from: {self.source}")
        lines += [f"Note: {n}" for n in self.notes]
        return lines


# ------------------------------------------------------------------------------------------------
# Tool outputs
# ------------------------------------------------------------------------------------------------
_NV_HEADER = re.compile(r"NVIDIA-SMI\s+([\d.]+)\s+Driver Version:\s*([\d.]+)(?:\s+CUDA Version:\s*([\d.]+))?")
_NV_ROW = re.compile(r"^\|\s*(\d{1,2})\s+(.+?)\s+(?:On|Off|TCC|WDDM)\s*\|\s*[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:", re.M)
_NV_MEMORY = re.compile(r"\|\s*\d+MiB\s*/\s*(\d+)MiB\s*\|")
_NV_LIST = re.compile(r"^GPU\s+(\d{1,2}):\s+(.+?)\s+\(UUID:", re.M)
_NV_QUERY = re.compile(r"^\s*Product Name\s*:\s*(.+?)\s*$", re.M)
_NV_QUERY_TOTAL = re.compile(r"FB Memory Usage\s*\n\s*Total\s*:\s*(\d+)\s*MiB")
_NV_CSV = re.compile(r"^\s*((?:NVIDIA|Tesla|Quadro|GeForce|Titan|RTX|GTX)[^,\n]*?)\s*,\s*(\d+)\s*MiB\s*$", re.M | re.I)
_ROCM_BANNER = re.compile(r"ROCm System Management Interface|End of ROCm SMI Log|ROCM-SMI version", re.I)
_ROCM_SERIES = re.compile(r"^GPU\[(\d{1,2})\]\s*:\s*Card [Ss]eries:\s*(.+?)\s*$", re.M)
_ROCM_VRAM = re.compile(r"^GPU\[(\d{1,2})\]\s*:\s*VRAM Total Memory \(B\):\s*(\d+)\s*$", re.M)
_ROCM_CONCISE_ROW = re.compile(r"^(\d{1,2})\s+(?:\d+\s+)?(?:0x[0-9a-f]{4}\s+)?\d+(?:\.\d+)?°?c\b", re.M | re.I)
_AMD_SMI_ROW = re.compile(r"^\|\s*[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d\s+(.+?)\s*\|.*$\n^\|.*?(\d+)/(\d+)\s*MB\s*\|", re.M | re.I)
_MAC_CHIP = re.compile(r"^\s*Chip:\s*(.+?)\s*$", re.M)
_MAC_MEMORY = re.compile(r"^\s*Memory:\s*(\d+(?:\.\d+)?)\s*(GB|TB)\s*$", re.M)
_MAC_MODEL = re.compile(r"^\s*Model Name:\s*(.+?)\s*$", re.M)
_MAC_PROCESSOR = re.compile(r"^\s*Processor Name:\s*(.+?)\s*$", re.M)
_SYSCTL_MEMSIZE = re.compile(r"^\s*hw\.memsize:\s*(\d+)\s*$", re.M)
_SYSCTL_BRAND = re.compile(r"^\s*machdep\.cpu\.brand_string:\s*(.+?)\s*$", re.M)
_LSCPU_MODEL = re.compile(r"^\s*Model name:\s*(.+?)\s*$", re.M)
_LSCPU_MARK = re.compile(r"^\s*(?:Architecture|CPU\(s\)|Vendor ID|Thread\(s\) per core):", re.M)
_FREE_MEM = re.compile(r"^\s*Mem:\s+(\d+(?:[.,]\d+)?)\s*([KMGT]i?|[KMGT]B?)?\s", re.M)
_FREE_HEADER = re.compile(r"total\s+used\s+free", re.I)
_MEMINFO = re.compile(r"^\s*MemTotal:\s+(\d+)\s*kB", re.M)
_UNIT_GIB = {"k": 1 / 1024**2, "m": 1 / 1024, "g": 1.0, "t": 1024.0}
# rocm-smi prints the PCI device id when it has no market name; one id can be several cards (told apart by memory)
AMD_DEVICE_IDS = {
    "0x744c": [("Radeon RX 7900 XTX", 24), ("Radeon RX 7900 XT", 20), ("Radeon RX 7900 GRE", 16)],
    "0x7448": [("Radeon Pro W7900", 48)],
    "0x73bf": [("Radeon RX 6900 XT", 16)],
    "0x73df": [("Radeon RX 6700 XT", 12)],
    "0x7480": [("Radeon RX 7600", 8)],
    "0x740f": [("Instinct MI210", 64)],
    "0x74a1": [("Instinct MI300X", 192)],
    "0x7550": [("Radeon RX 9070 XT", 16)],
}


def _clean_cpu(name: str) -> str:
    name = re.sub(r"\((?:R|TM|tm|r)\)|®|™", "", name)
    name = re.sub(r"\s+CPU\s+@\s+[\d.]+\s*GHz|\s+@\s+[\d.]+\s*GHz|\s+\d+-Core Processor|\s+Processor\b", "", name)
    return re.sub(r"\s{2,}", " ", name).strip()


def marketed_gib(gib: float) -> float:
    """What a memory total printed by a tool was sold as: 125.7 GiB -> 128, 31.2 -> 32 (unusual sizes kept)."""
    for size in MARKETED_RAM:
        if size * 0.9 <= gib <= size * 1.001:
            return float(size)
    return float(round(gib))


def _nvidia(text: str, out: Reading) -> None:
    header = _NV_HEADER.search(text)
    rows = _NV_ROW.findall(text)
    if rows:
        memories = _NV_MEMORY.findall(text)
        for i, (_, name) in enumerate(rows):
            memory = float(memories[i]) if i < len(memories) else None
            out.gpus.append(GpuReading(name.strip(), memory))
    elif _NV_LIST.search(text):
        out.gpus += [GpuReading(name.strip()) for _, name in _NV_LIST.findall(text)]
    elif _NV_QUERY.search(text):
        totals = _NV_QUERY_TOTAL.findall(text)
        out.gpus += [GpuReading(n, float(totals[i]) if i < len(totals) else None) for i, n in enumerate(_NV_QUERY.findall(text))]
    elif _NV_CSV.search(text):
        out.gpus += [GpuReading(n.strip(), float(m)) for n, m in _NV_CSV.findall(text)]
    else:
        return
    out.sources.append("nvidia-smi")
    if header:
        out.driver = f"NVIDIA {header.group(2)}" + (f", CUDA {header.group(3)}" if header.group(3) else "")
    if re.search(r"\b(?:WDDM|TCC)\b", text):
        out.os = out.os or "Windows"


def _rocm_json(text: str) -> list[GpuReading]:
    start = text.find("{")
    if start < 0 or '"card' not in text:
        return []
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return []
    gpus = []
    for card, values in sorted(data.items()) if isinstance(data, dict) else []:
        if not str(card).startswith("card") or not isinstance(values, dict):
            continue
        name = values.get("Card Series") or values.get("Card series") or values.get("Card Model") or ""
        total = str(values.get("VRAM Total Memory (B)") or "")
        memory = float(total) / 2**20 if total.isdigit() else None
        gpus.append(GpuReading(str(name), memory))
    return gpus


def _rocm_csv(text: str) -> list[GpuReading]:
    lines = [line for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        columns = [c.strip() for c in line.split(",")]
        if columns and columns[0] == "device" and any(c.lower() == "card series" for c in columns):
            series = next(j for j, c in enumerate(columns) if c.lower() == "card series")
            vram = next((j for j, c in enumerate(columns) if c == "VRAM Total Memory (B)"), None)
            gpus = []
            for row in lines[i + 1 : i + 1 + MAX_GPUS]:
                cells = [c.strip() for c in row.split(",")]
                if not cells[0].startswith("card") or len(cells) <= series:
                    break
                memory = float(cells[vram]) / 2**20 if vram is not None and len(cells) > vram and cells[vram].isdigit() else None
                gpus.append(GpuReading(cells[series], memory))
            return gpus
    return []


def _rocm(text: str, out: Reading) -> None:
    gpus = _rocm_json(text) or _rocm_csv(text)
    if not gpus and _ROCM_SERIES.search(text):
        vram = {int(i): float(b) / 2**20 for i, b in _ROCM_VRAM.findall(text)}
        gpus = [GpuReading(name, vram.get(int(i))) for i, name in _ROCM_SERIES.findall(text)]
    if gpus:
        out.gpus += gpus
        out.sources.append("rocm-smi")
        out.os = out.os or "Linux"
        return
    if _ROCM_BANNER.search(text):
        rows = _ROCM_CONCISE_ROW.findall(text)
        if rows:
            out.gpu_count_only = max(out.gpu_count_only, len(set(rows)))
            out.sources.append("rocm-smi")
            out.os = out.os or "Linux"
    for name, _used, total in _AMD_SMI_ROW.findall(text):
        out.gpus.append(GpuReading(name.strip(), float(total) * 1e6 / 2**20))
    if _AMD_SMI_ROW.search(text):
        out.sources.append("amd-smi")


def _mac(text: str, out: Reading) -> None:
    chip, memory, memsize = _MAC_CHIP.search(text), _MAC_MEMORY.search(text), _SYSCTL_MEMSIZE.search(text)
    brand = _SYSCTL_BRAND.search(text)
    if not (chip or (memory and _MAC_MODEL.search(text)) or memsize):
        return
    out.os = "macOS"
    out.sources.append("system_profiler" if (chip or memory) else "sysctl")
    total = None
    if memory:
        total = float(memory.group(1)) * (1024 if memory.group(2) == "TB" else 1)
    elif memsize:
        total = marketed_gib(int(memsize.group(1)) / 2**30)
    name = chip.group(1) if chip else (brand.group(1) if brand and "Apple" in brand.group(1) else None)
    if name and name.startswith("Apple"):
        out.chip, out.unified_gib = name, total
    else:  # an Intel Mac: its memory is system RAM
        processor = _MAC_PROCESSOR.search(text)
        out.cpu = out.cpu or (_clean_cpu(processor.group(1)) if processor else (_clean_cpu(brand.group(1)) if brand else None))
        out.ram_gib = total


def _linux(text: str, out: Reading) -> None:
    model = _LSCPU_MODEL.search(text)
    if model and _LSCPU_MARK.search(text):
        out.cpu = _clean_cpu(model.group(1))
        out.sources.append("lscpu")
        out.os = out.os or "Linux"
    meminfo = _MEMINFO.search(text)
    free = _FREE_MEM.search(text) if _FREE_HEADER.search(text) else None
    if meminfo:
        out.ram_gib = marketed_gib(int(meminfo.group(1)) / 2**20)
        out.sources.append("/proc/meminfo")
        out.os = out.os or "Linux"
    elif free:
        value = float(free.group(1).replace(",", "."))
        unit = (free.group(2) or "").lower()[:1]
        if not unit:  # plain `free` prints KiB, `free -m` MiB, `free -g` GiB: tell them apart by size
            unit = "k" if value > 4e6 else ("m" if value > 4000 else "g")
        out.ram_gib = marketed_gib(value * _UNIT_GIB[unit])
        out.sources.append("free")
        out.os = out.os or "Linux"


def read_tools(text: str) -> Reading:
    """Everything the pasted tool outputs say (an empty reading for prose)."""
    text = text.replace("\r\n", "\n")[: MAX_RIG_TEXT * 4]
    out = Reading()
    _nvidia(text, out)
    _rocm(text, out)
    _mac(text, out)
    _linux(text, out)
    out.gpus = out.gpus[:MAX_GPUS]
    return out


# ------------------------------------------------------------------------------------------------
# Reading a rig
# ------------------------------------------------------------------------------------------------
def detect_os(text: str) -> str | None:
    lowered = text.lower()
    for name, pattern in OS_WORDS:
        if re.search(pattern, lowered):
            return name
    return None


def _amd_id(gpu: GpuReading) -> str:
    """A market name for rocm-smi's bare device id, chosen by the card's memory."""
    options = AMD_DEVICE_IDS.get(gpu.name.lower())
    if not options:
        return gpu.name
    if gpu.memory_mib is None:
        return options[0][0]
    gib = gpu.memory_mib / 1024
    return min(options, key=lambda o: abs(o[1] - gib))[0]


def _gb_text(mib: float | None) -> str:
    return f" {math.ceil(mib / 1024 - 0.3)}gb" if mib else ""


class RigReader:
    """Reads a rig from text with the question parser (so a rig and a question name hardware the same way)."""

    def __init__(self, extractor: EntityExtractor):
        self.extractor = extractor

    def _device(self, hardware_id: str) -> str:
        return str(getattr(self.extractor.names.entry("hardware", hardware_id), "device", "gpu"))

    def read(self, text: str, os_name: str | None = None, runtime: str | None = None, label: str | None = None) -> Rig:
        text = (text or "").strip()
        if not text:
            raise InputError("Describe your machine (e.g. 2x 3090 + 128gb ddr4, ubuntu, llama.cpp) or paste nvidia-smi output.")
        if len(text) > MAX_RIG_TEXT:
            raise InputError(f"That is {len(text):,} characters; paste at most {MAX_RIG_TEXT:,} (the GPU table of nvidia-smi is enough).")
        return self._read(text, os_name, runtime, label)

    def read_outputs(self, outputs: list[str], os_name: str | None = None) -> Rig:
        """Tool outputs collected from this machine (``runlocalai rig detect``); no paste-size limit applies."""
        reading = read_tools("\n".join(outputs))
        if reading.empty:
            raise InputError("No GPU, Mac chip or memory total could be read on this machine.")
        rig = self._from_reading(reading)
        rig.os = os_name or rig.os
        return rig

    def _read(self, text: str, os_name: str | None, runtime: str | None, label: str | None) -> Rig:
        reading = read_tools(text)
        rig = self._from_reading(reading) if not reading.empty else self._from_words(text)
        rig.os = (os_name or "").strip()[:40] or rig.os or detect_os(text)
        rig.runtime = (runtime or "").strip()[:40] or rig.runtime
        if label and label.strip():
            rig.label = re.sub(r"\s+", " ", label.strip())[:MAX_LABEL]
        return rig

    def _from_words(self, text: str) -> Rig:
        entities = self.extractor.extract(text)
        if not names_a_machine(entities) and not entities.signals.ram_gb:
            raise InputError(
                "I couldn't find a GPU, a Mac or an amount of RAM in that. Try e.g. `2x 3090 + 128gb ddr4, ubuntu, llama.cpp`, "
                "`M2 Max 96GB`, `cpu only 64gb ddr5`, or paste the output of nvidia-smi."
            )
        machine = _machine_only(entities)
        cpu = entities.cpus[0].title if entities.cpus else None
        return Rig(snapshot(machine), machine_label(machine), runtime=entities.signals.runtime, cpu=cpu)

    def _from_reading(self, reading: Reading) -> Rig:
        notes: list[str] = []
        hardware: dict[str, dict[str, Any]] = {}
        unknown_mib: list[float] = []
        for gpu in reading.gpus:
            name = _amd_id(gpu)
            hits = self.extractor.extract(f"{name}{_gb_text(gpu.memory_mib)}").hardware
            hits = [h for h in hits if self._device(h.id) != "cpu"]
            if hits:
                hit = hits[0]
                hardware.setdefault(hit.id, {"kind": "hardware", "id": hit.id, "title": hit.title, "count": 0})["count"] += 1
            else:
                notes.append(f"{name[:60]} is not in the catalog" + (" (counted by its memory)" if gpu.memory_mib else ""))
                if gpu.memory_mib:
                    unknown_mib.append(gpu.memory_mib)
        if reading.gpu_count_only and not reading.gpus:
            notes.append(
                f"rocm-smi listed {reading.gpu_count_only} GPU(s) without names; paste `rocm-smi --showproductname --showmeminfo vram` too"
            )
        signals: dict[str, Any] = {}
        if reading.chip:
            hits = self.extractor.extract(f"{reading.chip}{_gb_text((reading.unified_gib or 0) * 1024)}").hardware
            if hits:
                hardware[hits[0].id] = {"kind": "hardware", "id": hits[0].id, "title": hits[0].title, "count": 1}
            elif reading.unified_gib:
                signals["unified_gb"] = reading.unified_gib
                notes.append(f"{reading.chip} is not in the catalog; counted as a Mac with {reading.unified_gib:g} GB")
        if unknown_mib and not hardware:
            signals["vram_gb"], signals["vram_count"] = float(math.ceil(max(unknown_mib) / 1024 - 0.3)), len(unknown_mib)
        if reading.ram_gib and not reading.chip:
            signals["ram_gb"] = reading.ram_gib
        if not hardware and not signals.get("vram_gb") and not signals.get("unified_gb"):
            if reading.cpu:
                cpu_hits = self.extractor.extract(reading.cpu).hardware
                if cpu_hits:
                    hardware[cpu_hits[0].id] = {"kind": "hardware", "id": cpu_hits[0].id, "title": cpu_hits[0].title, "count": 1}
            if not hardware:
                signals["cpu_only"] = True
            if not reading.ram_gib and not hardware:
                hint = f" ({notes[0]})" if notes else ""
                raise InputError(
                    f"I read no GPU and no amount of RAM in that paste{hint}. Paste nvidia-smi / rocm-smi for GPUs, and `free -h` for RAM."
                )
        data = {"v": 1, "models": [], "hardware": list(hardware.values()), "signals": signals}
        machine = from_snapshot(data)
        if machine is None:
            raise InputError("I could not read a machine from that paste.")
        return Rig(
            snapshot(machine),
            machine_label(machine),
            os=reading.os,
            cpu=reading.cpu,
            driver=reading.driver,
            source=" + ".join(dict.fromkeys(reading.sources)),
            notes=notes[:5],
        )


def _machine_only(entities: Entities) -> Entities:
    """The machine part of parsed text: hardware and memory facts, no model, quant or context."""
    data = snapshot(entities)
    keep = {"vram_gb", "vram_count", "unified_gb", "cpu_only", "ram_gb", "ram_type", "ram_speed", "ram_channels"}
    data["models"] = []
    data["signals"] = {k: v for k, v in data["signals"].items() if k in keep}
    machine = from_snapshot(data)
    assert machine is not None
    return machine


def machine_label(entities: Entities) -> str:
    """A short name for the machine: 2× GeForce RTX 3090 + 128 GB DDR4, or a 24 GB GPU + 64 GB RAM."""
    s = entities.signals
    parts = [f"{n}× {h.title}" if n > 1 else h.title for h, n in entities.hardware_groups]
    if not parts and s.vram_gb:
        parts.append(f"{s.vram_count}× {s.vram_gb:g} GB GPU" if s.vram_count > 1 else f"a {s.vram_gb:g} GB GPU")
    if not parts and s.unified_gb:
        parts.append(f"a Mac with {s.unified_gb:g} GB")
    if not parts and s.cpu_only:
        parts.append("CPU only")
    if s.ram_gb:
        ram = (s.ram_type.upper() if s.ram_type else "RAM") + (f"-{s.ram_speed}" if s.ram_speed else "")
        parts.append(f"{s.ram_gb:g} GB {ram}")
    return " + ".join(parts)[:MAX_LABEL] or "your machine"
