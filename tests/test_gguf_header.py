"""The GGUF header parser (estimator/gguf_file.py) against the gguf package's own reader, over odd streams."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from estimator.gguf_file import GGUFArray, GGUFReadError, merge_split_headers, model_from_header, parse_gguf_header, read_gguf
from testkit.hub_data import llama_tensors, tensor_bytes, tiny_gguf


def _write_moe_gguf(path: Path) -> None:
    """A small MoE file with real tensor data, per-layer arrays, a long token list and string/float metadata."""
    import gguf

    writer = gguf.GGUFWriter(str(path), "qwen3moe")
    writer.add_name("Tiny MoE")
    writer.add_block_count(2)
    writer.add_embedding_length(64)
    writer.add_feed_forward_length([96, 128])  # per-layer array: the widest layer counts
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_expert_count(4)
    writer.add_expert_used_count(2)
    writer.add_expert_feed_forward_length(32)
    writer.add_context_length(32768)
    writer.add_rope_freq_base(1e6)
    writer.add_token_list([f"token-{i}" for i in range(300)])
    writer.add_token_scores([float(i) for i in range(300)])
    writer.add_array("general.tags", ["a", "b"])
    rng = np.random.default_rng(1)
    tensors = {"token_embd.weight": (300, 64), "output_norm.weight": (64,)}
    for layer in range(2):
        tensors |= {
            f"blk.{layer}.attn_q.weight": (64, 64),
            f"blk.{layer}.attn_k.weight": (32, 64),
            f"blk.{layer}.attn_v.weight": (32, 64),
            f"blk.{layer}.attn_output.weight": (64, 64),
            f"blk.{layer}.ffn_gate_inp.weight": (4, 64),
            f"blk.{layer}.ffn_gate_exps.weight": (4, 32, 64),
            f"blk.{layer}.ffn_up_exps.weight": (4, 32, 64),
            f"blk.{layer}.ffn_down_exps.weight": (4, 64, 32),
        }
    for name, shape in tensors.items():
        writer.add_tensor(name, rng.standard_normal(shape).astype(np.float32 if len(shape) == 1 else np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


class _Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read (as a slow network might)."""

    def __init__(self, data: bytes, step: int):
        self.data, self.step, self.pos = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        n = self.step if size is None or size < 0 else min(size, self.step)
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


def test_header_matches_the_gguf_packages_reader(tmp_path):
    import gguf

    path = tmp_path / "moe.gguf"
    _write_moe_gguf(path)
    reference = gguf.GGUFReader(path)
    with path.open("rb") as handle:
        header = parse_gguf_header(handle, path.name)
    assert [(t.name, t.type_name, t.n_elements, t.n_bytes) for t in header.tensors] == [
        (t.name, t.tensor_type.name, int(t.n_elements), int(t.n_bytes)) for t in reference.tensors
    ]
    assert header.data_offset == reference.data_offset
    assert header.metadata["general.name"] == "Tiny MoE"
    assert header.metadata["qwen3moe.feed_forward_length"] == [96, 128]
    assert header.metadata["general.tags"] == ["a", "b"]
    assert header.metadata["tokenizer.ggml.tokens"] == GGUFArray(8, 300)  # a long string array is kept as its length
    assert len(header.metadata["tokenizer.ggml.scores"]) == 300
    model = read_gguf(path)
    assert model.arch.moe is not None and (model.arch.moe.experts, model.arch.moe.active, model.arch.moe.expert_intermediate) == (4, 2, 32)
    assert model.arch.intermediate == 128 and model.arch.vocab == 300 and model.arch.tied_embeddings
    assert model.weights.file_bytes == pytest.approx(sum(int(t.n_bytes) for t in reference.tensors))


@pytest.mark.parametrize("step", [1, 7, 4096])
def test_any_chunking_of_the_stream_gives_the_same_header(step):
    head, _ = tiny_gguf("Q8_0")
    whole = parse_gguf_header(io.BytesIO(head))
    trickled = parse_gguf_header(_Trickle(head, step))  # type: ignore[arg-type]
    assert trickled.tensors == whole.tensors and trickled.metadata == whole.metadata and trickled.data_offset == whole.data_offset


def test_truncated_or_foreign_headers_are_clear_errors():
    head, _ = tiny_gguf("Q4_0")
    with pytest.raises(GGUFReadError, match="ends early"):
        parse_gguf_header(io.BytesIO(head[: len(head) // 2]), "half.gguf")
    with pytest.raises(GGUFReadError, match="not a readable GGUF file"):
        parse_gguf_header(io.BytesIO(b"PK\x03\x04" + head[4:]), "zip.gguf")


def test_split_parts_merge_into_one_model():
    parts = [parse_gguf_header(io.BytesIO(tiny_gguf("Q8_0", (part, 2))[0])) for part in (1, 2)]
    assert parts[1].metadata.get("split.no") == 1 and "llama.block_count" not in parts[1].metadata
    model = model_from_header(merge_split_headers(parts), "tiny")
    assert model.quant_label == "Q8_0" and model.arch.layers == 4
    assert model.weights.file_bytes == tensor_bytes(llama_tensors(4, 256, 512, 128, 1000, "Q8_0"))
