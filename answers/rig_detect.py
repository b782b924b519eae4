"""`runlocalai rig detect`: read this machine with the same parsers as a pasted rig (answers/rig.py).

GPUs from ``nvidia-smi`` and ``rocm-smi`` when they are installed; the CPU and memory from ``lscpu`` and
``/proc/meminfo`` on Linux, ``system_profiler SPHardwareDataType`` and ``sysctl`` on macOS. Commands and files
are reached through two small functions so tests can fake every output.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

from answers.rig import Rig, RigReader

Run = Callable[[list[str]], str | None]
ReadFile = Callable[[str], str | None]
COMMAND_TIMEOUT_S = 10

LINUX_COMMANDS = (
    ["nvidia-smi"],
    ["rocm-smi", "--showproductname", "--showmeminfo", "vram", "--csv"],
    ["lscpu"],
)
MAC_COMMANDS = (["system_profiler", "SPHardwareDataType"], ["sysctl", "hw.memsize", "machdep.cpu.brand_string"])
WINDOWS_COMMANDS = (["nvidia-smi"],)


def run_command(argv: list[str]) -> str | None:
    """A command's standard output, or None when it is missing, fails or hangs."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout.strip() else None


def read_text_file(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def collect(system: str, run: Run | None = None, read_file: ReadFile | None = None) -> list[str]:
    """The outputs the reader needs on this operating system (``platform.system()``: Linux, Darwin, Windows)."""
    run, read_file = run or run_command, read_file or read_text_file
    outputs: list[str] = []
    if system == "Darwin":
        commands: tuple[list[str], ...] = MAC_COMMANDS
    elif system == "Windows":
        commands = WINDOWS_COMMANDS
    else:
        commands = LINUX_COMMANDS
    for argv in commands:
        out = run(argv)
        if out:
            outputs.append(out)
    if system == "Linux":
        meminfo = read_file("/proc/meminfo")
        if meminfo:
            outputs.append(meminfo)
    return outputs


def detect(reader: RigReader, system: str | None = None, run: Run | None = None, read_file: ReadFile | None = None) -> Rig:
    system = system or platform.system()
    os_name = {"Darwin": "macOS", "Windows": "Windows", "Linux": "Linux"}.get(system, system)
    rig = reader.read_outputs(collect(system, run, read_file), os_name=os_name)
    rig.source = f"runlocalai rig detect ({rig.source})"
    return rig
