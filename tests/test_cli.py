"""The command-line contract: names, options, JSON fields and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from answers.defaults import DEFAULT_CONTEXT
from runlocalai.cli import main

CONTRACT_FIELDS = {
    "model",
    "hardware",
    "quant",
    "context",
    "memory",
    "fit",
    "gpu_layers",
    "total_layers",
    "decode_tokens_per_s",
    "prefill_tokens_per_s",
    "evidence",
    "explanation",
    "suggestions",
}
MEMORY_FIELDS = {"weights_gb", "kv_cache_gb", "compute_buffer_gb", "overhead_gb", "total_gb", "available_gb"}
ASK_FIELDS = {"intent", "abstained", "matches", "entities", "estimate", "text"}


@pytest.fixture(autouse=True)
def _catalog(monkeypatch, catalog_db: Path, tmp_path: Path):
    monkeypatch.setenv("RUNLOCALAI_DB", str(catalog_db))
    monkeypatch.setenv("RUNLOCALAI_RIG_FILE", str(tmp_path / "no-rig.json"))  # a rig saved on this machine must not leak in


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "model,hardware",
    [("llama-3.1-8b", "rtx-4090"), ("Llama 3.1 8B", "RTX 4090"), ("llama3.1:8b", "4090"), ("llama-3.1-8b-instruct", "nvidia 4090")],
)
def test_estimate_json_contract_and_id_spellings(capsys, model, hardware):
    data = run_json(capsys, "estimate", "--model", model, "--hardware", hardware, "--json")
    assert set(data) >= CONTRACT_FIELDS
    assert set(data["memory"]) >= MEMORY_FIELDS
    assert data["model"] == {"id": "llama-3.1-8b-instruct", "name": "Llama 3.1 8B Instruct"}
    assert data["hardware"] == [{"id": "rtx-4090", "name": "GeForce RTX 4090"}]
    assert data["fit"] == "runs_well" and data["gpu_layers"] == data["total_layers"] == 33
    assert data["context"] == DEFAULT_CONTEXT  # the one default context (estimate and ask)
    assert data["evidence"] in {"measured", "estimated"}
    assert data["decode_tokens_per_s"] > 50 and data["prefill_tokens_per_s"] > 1000
    m = data["memory"]
    assert m["total_gb"] == pytest.approx(m["weights_gb"] + m["kv_cache_gb"] + m["compute_buffer_gb"] + m["overhead_gb"], abs=0.02)


def test_estimate_multi_gpu_custom_and_cpu(capsys):
    two = run_json(
        capsys,
        "estimate",
        "--model",
        "llama-3.3-70b-instruct",
        "--hardware",
        "rtx-3090",
        "--gpus",
        "2",
        "--quant",
        "Q4_K_M",
        "--context",
        "8192",
        "--json",
    )
    one = run_json(capsys, "estimate", "--model", "llama-3.3-70b-instruct", "--hardware", "rtx-3090", "--json")
    assert len(two["hardware"]) == 2 and two["fit"] in {"runs_well", "tight"} and one["fit"] == "offload"
    custom = run_json(
        capsys, "estimate", "--model", "qwen3-8b", "--vram-gb", "16", "--bandwidth-gbs", "448", "--fp16-tflops", "47", "--json"
    )
    assert custom["hardware"][0]["id"] == "custom" and custom["memory"]["available_gb"] < 16 * 1.0737
    cpu = run_json(capsys, "estimate", "--model", "qwen3-8b", "--ram-gb", "64", "--ram-bandwidth-gbs", "90", "--json")
    assert cpu["fit"] == "cpu_only" and cpu["hardware"] == []


def test_estimate_from_a_config_json(tmp_path, capsys):
    config = {
        "model_type": "llama",
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "vocab_size": 128256,
        "max_position_embeddings": 131072,
        "tie_word_embeddings": False,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    data = run_json(capsys, "estimate", "--model-config", str(path), "--hardware", "rtx-3060-12gb", "--quant", "Q8_0", "--json")
    assert data["memory"]["weights_gb"] == pytest.approx(8.53, abs=0.05)
    assert data["evidence"] == "estimated"


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["estimate", "--model", "llama 3.1 9b", "--hardware", "rtx 4090"], "Did you mean"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4095"], "Did you mean"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--quant", "Q4_K_X"], "Did you mean"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--context", "0"], "not possible"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--context", "1000000000"], "longer than any model"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--context", "99999999k"], "longer than any model"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--quant", "Q9_Z_XXL"], "I don't know the quantization"),
        (["whatcanirun", "--hardware", "rtx 4095"], "Did you mean"),
        (["compare", "rtx 3090", "llama 3.1 8b"], "not one of each"),
        (["costvscloud", "--hardware", "3090", "--model", "llama 3.1 8b", "--tokens-per-day", "-5"], "expected a number"),
        (["costvscloud", "--hardware", "3090", "--model", "llama 3.1 8b", "--hours-per-day", "30"], "between 0 and 24"),
        (["costvscloud", "--hardware", "3090", "--model", "llama 3.1 8b"], "--hours-per-day is required"),
        (["estimate", "--model", "llama-3.1-8b", "--vram-gb", "-8", "--bandwidth-gbs", "100"], "VRAM of -8 GB is not possible"),
        (["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx 4090", "--runtime", "lamacpp"], "Did you mean"),
    ],
)
def test_user_errors_exit_nonzero_with_one_clear_line(capsys, argv, needle):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects a bad value before any command runs
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0]


def test_ask_answers_the_readme_example(capsys):
    data = run_json(capsys, "ask", "Will Llama 3.1 8B run on an RTX 3060 12GB?", "--json")
    assert set(data) >= ASK_FIELDS
    assert data["intent"] == "will_it_run" and not data["abstained"]
    assert data["entities"]["model"] == "llama-3.1-8b-instruct" and data["entities"]["hardware"] == ["rtx-3060-12gb"]
    assert data["estimate"]["fit"] == "runs_well" and set(data["estimate"]) >= CONTRACT_FIELDS
    assert "Runs well" in data["text"]


def test_ask_abstains_on_chit_chat(capsys):
    data = run_json(capsys, "ask", "thanks!", "--json")
    assert data["intent"] == "none" and data["abstained"] and data["estimate"] is None


def test_catalog_stats_and_validate(capsys):
    stats = run_json(capsys, "catalog", "stats", "--json")
    assert stats["models"] >= 150 and stats["hardware"] >= 150
    assert main(["catalog", "validate"]) == 0


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "runlocalai", "--help"], capture_output=True, text=True, check=True).stdout
    assert "estimate" in out and "ask" in out and "catalog" in out and "bot" in out


HEAVY = ("numpy", "pydantic", "rapidfuzz", "knowledge", "estimator", "aiosqlite", "yaml")


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["estimate", "--help"], ["estimate"], ["estimate", "--model", "x", "--context", "lots"], ["ask"], ["nonsense"]],
)
def test_help_and_argument_errors_import_nothing_heavy(argv):
    """`--help` and argument errors answer before anything of the catalog, numpy or pydantic is imported."""
    code = (
        "import sys\nfrom runlocalai.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    print('exit', exc.code, file=sys.stderr)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert ("exit 0" if "--help" in argv else "exit 2") in done.stderr


def test_costvscloud_takes_hours_a_day_instead_of_tokens(capsys):
    data = run_json(capsys, "costvscloud", "--hardware", "3090", "--model", "llama 3.1 8b", "--hours-per-day", "24", "--json")
    assert data["hours_per_day"] == pytest.approx(24.0, abs=0.01)
    # the volume is what the card generates in a day at its estimated speed
    speed = run_json(capsys, "estimate", "--model", "llama 3.1 8b", "--hardware", "3090", "--json")["decode_tokens_per_s"]
    assert data["tokens_per_day"] == pytest.approx(speed * 86400, rel=0.05)
