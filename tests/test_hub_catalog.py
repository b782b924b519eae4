"""`runlocalai catalog add-model owner/name`: a catalog entry drafted from the fake Hub validates against the
schema and the catalog's name rules."""

from __future__ import annotations

import json
import shutil

import pytest

from testkit.hub_data import BARTOWSKI_LLAMA, standard_hub


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("RUNLOCALAI_HF_TOKEN", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def test_catalog_add_model_drafts_a_valid_entry(tmp_path, monkeypatch, capsys):
    import yaml

    import answers.hub_catalog
    from knowledge.loader import DATA_DIR, load_catalog
    from knowledge.schema import Model
    from runlocalai.cli import main

    monkeypatch.setenv("RUNLOCALAI_DB", str(tmp_path / "cache" / "catalog.sqlite"))
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    monkeypatch.setattr(answers.hub_catalog, "DATA_DIR", data)
    hub = standard_hub()
    catalogued = next(iter(hub.repos.values()))
    hub.add(
        type(catalogued)(
            "newlab/Nova-14B-Instruct",
            safetensors={"BF16": 14_770_033_664},
            card_data={"license": "mit", "base_model": "newlab/Nova-14B"},
        ).add_file("config.json", {**json.loads(hub.repos["qwen/qwen2.5-7b-instruct"].files["config.json"].head), "num_hidden_layers": 48})
    )
    with hub.running_in_thread():
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        assert main(["catalog", "add-model", "newlab/Nova-14B-Instruct"]) == 0
        printed = capsys.readouterr().out
        assert main(["catalog", "add-model", "Qwen/Qwen2.5-7B-Instruct"]) == 2
        assert "already in the catalog as qwen2.5-7b-instruct" in capsys.readouterr().err
        assert main(["catalog", "add-model", "https://huggingface.co/newlab/Nova-14B-Instruct", "--write", "--json"]) == 0
        written = json.loads(capsys.readouterr().out)
    entry = yaml.safe_load(printed)[0]
    model = Model.model_validate(entry)
    assert model.id == "nova-14b-instruct" and model.hf_repo == "newlab/Nova-14B-Instruct" and model.license == "MIT"
    assert model.params_b == 14.77 and model.architecture.layers == 48 and model.native_quant == "BF16"
    assert model.sources == [
        "https://huggingface.co/newlab/Nova-14B-Instruct/blob/main/config.json",
        "https://huggingface.co/newlab/Nova-14B-Instruct",
        "https://huggingface.co/api/models/newlab/Nova-14B-Instruct",
    ]
    assert written["written"] == str(data / "models" / "nova-14b-instruct.yaml")
    report = load_catalog(data)
    assert report.ok, report.problems[:3]
    assert report.catalog.model("nova-14b-instruct") is not None


def test_a_gguf_repository_drafts_with_its_header_facts(tmp_path, monkeypatch, capsys, kb):
    from answers.hub import HubResolver
    from answers.hub_catalog import draft_catalog_entry, draft_yaml, write_draft
    from answers.user_errors import InputError
    from knowledge.schema import Model

    hub = standard_hub()
    with hub.running_in_thread():
        model = HubResolver(endpoint=hub.endpoint).resolve_sync(BARTOWSKI_LLAMA)
    entry = draft_catalog_entry(model, kb.catalog)
    parsed = Model.model_validate(entry)
    assert parsed.hf_repo == BARTOWSKI_LLAMA and parsed.developer == "Meta" and parsed.params_b == 8.03
    assert parsed.native_quant is None and parsed.architecture.vocab == 128256
    assert f"https://huggingface.co/{BARTOWSKI_LLAMA}/blob/main/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf" in parsed.sources
    assert "GGUF conversion" in (parsed.notes or "") and "meta-llama/Meta-Llama-3.1-8B-Instruct" in (parsed.notes or "")
    text = draft_yaml(entry, BARTOWSKI_LLAMA)
    assert text.startswith("# Draft from the Hugging Face Hub") and "    - https://huggingface.co/" in text
    (tmp_path / "models").mkdir()
    write_draft(entry, BARTOWSKI_LLAMA, tmp_path)
    with pytest.raises(InputError, match="already exists"):
        write_draft(entry, BARTOWSKI_LLAMA, tmp_path)
