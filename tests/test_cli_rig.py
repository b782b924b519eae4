"""`runlocalai rig detect|set|show|clear`, commands that use the saved rig, and `catalog export-community`."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
import yaml

from answers.community import parse_paste, resolve
from runlocalai.cli import main
from tests.data import tool_outputs as t
from tests.data.bench_outputs import healthy


@pytest.fixture(autouse=True)
def _env(monkeypatch, catalog_db: Path, tmp_path: Path):
    monkeypatch.setenv("RUNLOCALAI_DB", str(catalog_db))
    monkeypatch.setenv("RUNLOCALAI_RIG_FILE", str(tmp_path / "rig.json"))


def fake_commands(tmp_path: Path, monkeypatch, outputs: dict[str, str]) -> None:
    """Executables named like the real tools, first on PATH, printing real outputs (tests/data/tool_outputs.py)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, output in outputs.items():
        (bin_dir / f"{name}.txt").write_text(output)
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\nexec /bin/cat '{bin_dir / (name + '.txt')}'\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))  # only the fakes: this machine's own tools are never run


def test_detect_reads_the_faked_tools_and_commands_use_the_rig(tmp_path, monkeypatch, capsys):
    import answers.rig_detect as rig_detect

    fake_commands(tmp_path, monkeypatch, {"nvidia-smi": t.NVIDIA_SMI_5090_AND_3090, "lscpu": t.LSCPU_I3_12100F})
    monkeypatch.setattr(rig_detect.platform, "system", lambda: "Linux")
    monkeypatch.setattr(rig_detect, "read_text_file", lambda path: "MemTotal:       131891148 kB\n" if path == "/proc/meminfo" else None)
    assert main(["rig", "detect"]) == 0
    out = capsys.readouterr().out
    assert "Machine: GeForce RTX 5090 + GeForce RTX 3090 + 128 GB RAM" in out and "runlocalai rig detect (nvidia-smi + lscpu" in out
    saved = json.loads((tmp_path / "rig.json").read_text())
    assert [h["id"] for h in saved["entities"]["hardware"]] == ["rtx-5090", "rtx-3090"] and saved["os"] == "Linux"
    assert main(["whatcanirun"]) == 0
    assert capsys.readouterr().out.startswith("On your rig: GeForce RTX 5090 + GeForce RTX 3090 + 128 GB RAM.")
    assert main(["estimate", "--model", "qwen3-32b", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [h["id"] for h in data["hardware"]] == ["rtx-5090", "rtx-3090"] and data["rig"].startswith("On your rig")
    assert main(["ask", "will qwen3 32b run?"]) == 0
    assert "On your rig: GeForce RTX 5090 + GeForce RTX 3090 + 128 GB RAM." in capsys.readouterr().out


def test_set_show_clear(tmp_path, capsys):
    assert main(["rig", "set", "2x 3090 + 128gb ddr4", "--os", "Ubuntu", "--runtime", "ollama"]) == 0
    assert "Machine: 2× GeForce RTX 3090 + 128 GB DDR4" in capsys.readouterr().out
    assert main(["rig", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runtime"] == "ollama"
    assert main(["rig", "clear"]) == 0 and not (tmp_path / "rig.json").exists()
    assert main(["rig", "show"]) == 2 and "no rig saved" in capsys.readouterr().err
    assert main(["whatcanirun"]) == 2 and "runlocalai rig detect" in capsys.readouterr().err


def test_set_reads_a_paste_from_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(t.SYSTEM_PROFILER_M1))
    assert main(["rig", "set", "-"]) == 0
    assert "Apple M1 (7-core GPU, 8GB)" in capsys.readouterr().out


@pytest.mark.parametrize("hostile", ["", "hello", "@everyone", "-8gb vram"])
def test_set_refuses_text_without_a_machine(capsys, hostile):
    assert main(["rig", "set", hostile]) == 2
    assert "runlocalai:" in capsys.readouterr().err


def test_detect_on_a_machine_without_tools_is_one_line(tmp_path, monkeypatch, capsys):
    import answers.rig_detect as rig_detect

    fake_commands(tmp_path, monkeypatch, {})
    monkeypatch.setattr(rig_detect.platform, "system", lambda: "Linux")
    monkeypatch.setattr(rig_detect, "read_text_file", lambda path: None)
    assert main(["rig", "detect"]) == 2 and "No GPU" in capsys.readouterr().err


def test_export_community_writes_approved_rows_in_catalog_format(tmp_path, kb, capsys):
    from bot.state.sqlite import SQLiteState

    parsed = resolve(kb, parse_paste(healthy("ok063")[0]))

    async def fill() -> None:
        state = SQLiteState(tmp_path / "state.sqlite")
        await state.open()
        approved = await state.bench_submit(1, 7, "alice", json.dumps(parsed.to_json()))
        await state.bench_review(approved, "approved", 9, "mod")
        await state.bench_submit(1, 8, "bob", json.dumps(parsed.to_json()))  # still pending: not exported
        await state.close()

    asyncio.run(fill())
    out = tmp_path / "community.yaml"
    assert main(["catalog", "export-community", "--state-db", str(tmp_path / "state.sqlite"), "--out", str(out)]) == 0
    rows = yaml.safe_load(out.read_text())
    assert len(rows) == 1 and rows[0]["model"] == "llama-2-13b" and rows[0]["hardware"] == "rtx-2080-ti"
    assert rows[0]["source"].startswith("community submission #1 by alice, approved by mod")
    assert "never fitted" in out.read_text()
    assert main(["catalog", "export-community", "--state-db", str(tmp_path / "missing.sqlite")]) == 2
