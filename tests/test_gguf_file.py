"""Reading a real GGUF file: the architecture from its metadata and the exact bytes of its tensors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from runlocalai.cli import main


def write_tiny_gguf(path: Path) -> int:
    """A 2-layer llama-style GGUF written with the gguf package; returns the tensor bytes."""
    import gguf

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("Tiny Llama Test")
    writer.add_block_count(2)
    writer.add_embedding_length(64)
    writer.add_feed_forward_length(128)
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_context_length(4096)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_token_list([f"t{i}" for i in range(100)])
    rng = np.random.default_rng(0)
    tensors = {"token_embd.weight": (100, 64), "output_norm.weight": (64,), "output.weight": (100, 64)}
    for layer in range(2):
        tensors |= {
            f"blk.{layer}.attn_norm.weight": (64,),
            f"blk.{layer}.attn_q.weight": (64, 64),
            f"blk.{layer}.attn_k.weight": (32, 64),
            f"blk.{layer}.attn_v.weight": (32, 64),
            f"blk.{layer}.attn_output.weight": (64, 64),
            f"blk.{layer}.ffn_norm.weight": (64,),
            f"blk.{layer}.ffn_gate.weight": (128, 64),
            f"blk.{layer}.ffn_up.weight": (128, 64),
            f"blk.{layer}.ffn_down.weight": (64, 128),
        }
    total = 0
    for name, shape in tensors.items():
        data = rng.standard_normal(shape).astype(np.float32 if len(shape) == 1 else np.float16)
        writer.add_tensor(name, data)
        total += data.nbytes
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return total


def test_gguf_header_gives_arch_and_exact_weights(tmp_path, capsys, monkeypatch, catalog_db):
    monkeypatch.setenv("RUNLOCALAI_DB", str(catalog_db))
    path = tmp_path / "tiny.gguf"
    tensor_bytes = write_tiny_gguf(path)
    from estimator.gguf_file import read_gguf

    model = read_gguf(path)
    assert (model.arch.layers, model.arch.hidden, model.arch.heads, model.arch.kv_heads, model.arch.vocab) == (2, 64, 4, 2, 100)
    assert model.arch.head_dim == 16 and not model.arch.tied_embeddings and model.quant_label == "F16"
    assert model.weights.file_bytes == pytest.approx(tensor_bytes)
    assert main(["estimate", "--gguf", str(path), "--hardware", "rtx-3060-12gb", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"]["id"] == "gguf:tiny.gguf" and data["quant"] == "F16"
    assert data["memory"]["weights_gb"] == pytest.approx(tensor_bytes / 1e9, abs=0.01)
    assert data["fit"] == "runs_well" and data["gpu_layers"] == 3


def test_not_a_gguf_file_is_a_clear_error(tmp_path, capsys):
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"definitely not gguf" * 10)
    assert main(["estimate", "--gguf", str(bogus), "--hardware", "rtx 4090"]) == 2
    err = capsys.readouterr().err
    assert "not a readable GGUF file" in err and "Traceback" not in err
