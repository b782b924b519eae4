"""The repository stands on its own: no file refers to a path outside it (a fresh clone has nothing beside it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Built from pieces so this file does not match itself.
OUTSIDE_PATTERNS = [
    r"\.\./" + "shared",
    r"(?<![\w.-])/" + r"work/(?:shared|main|wt-|\.library|\.mirror)",  # this workplace's folders (real logs may say .../work/...)
    "shared/" + "calibration",
    "shared/" + "topics",
    r"\bshared/" + "hooks",
]
OUTSIDE = re.compile("|".join(OUTSIDE_PATTERNS))
PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")


def project_files() -> list[Path]:
    """Files git tracks plus new ones not ignored (what a commit would hold)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return [REPO / line for line in out.splitlines() if line and (REPO / line).is_file()]


def test_the_file_list_covers_the_project():
    names = {p.relative_to(REPO).as_posix() for p in project_files()}
    assert {"README.md", "pyproject.toml", ".ci/run", "calibration/data.py", "data/calibration/measured_speed.csv"} <= names


def test_no_file_refers_to_a_path_outside_the_repository():
    offenders = []
    for path in project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert not offenders, "paths outside the repository:\n" + "\n".join(offenders)


def test_code_never_climbs_above_the_repository_root():
    offenders = []
    for path in project_files():
        if path.suffix != ".py":
            continue
        for match in PARENTS.finditer(path.read_text(encoding="utf-8")):
            target = path.resolve().parents[int(match.group(1))]
            if not target.is_relative_to(REPO):
                offenders.append(f"{path.relative_to(REPO)}: parents[{match.group(1)}] -> {target}")
    assert not offenders, "\n".join(offenders)


def test_the_calibration_fit_reads_the_copies_inside_the_repository(monkeypatch):
    from calibration.data import calibration_dir

    monkeypatch.delenv("RUNLOCALAI_CALIBRATION_DIR", raising=False)
    assert calibration_dir() == REPO / "data" / "calibration"
    assert sorted(p.name for p in calibration_dir().glob("*.csv")) == [
        "gguf_bpw.csv",
        "gguf_sizes.csv",
        "hardware_specs.csv",
        "measured_memory.csv",
        "measured_speed.csv",
    ]
