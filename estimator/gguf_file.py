"""Read a local GGUF file's header (optional extra: ``pip install runlocalai-bot[gguf]``): the architecture from
its metadata and the exact bytes of every tensor, so the estimate uses the file as it is, not a recipe."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimator.architecture import ModelArch, MoESpec
from estimator.weights import WeightsBreakdown, WeightsBuilder

_LAYER = re.compile(r"^blk\.(\d+)\.")


class GGUFReadError(ValueError):
    pass


@dataclass(frozen=True)
class GGUFModel:
    name: str
    arch: ModelArch
    weights: WeightsBreakdown
    quant_label: str  # most common storage type of the layer weights, e.g. Q4_K


def _field(reader: Any, key: str, default: Any = None) -> Any:
    field = reader.fields.get(key)
    if field is None:
        return default
    value = field.contents()
    if isinstance(value, list) and value and not isinstance(value[0], str):
        return max(value)  # per-layer arrays (e.g. feed_forward_length): the widest layer
    return value


def read_gguf(path: str | Path) -> GGUFModel:
    try:
        from gguf import GGUFReader
    except ImportError as exc:  # the optional extra is not installed
        raise GGUFReadError("Reading GGUF files needs the gguf package: pip install 'runlocalai-bot[gguf]'") from exc
    path = Path(path)
    if not path.is_file():
        raise GGUFReadError(f"No such file: {path}")
    try:
        reader = GGUFReader(path, "r")
    except Exception as exc:  # not a GGUF file, truncated header, ...
        raise GGUFReadError(f"{path.name} is not a readable GGUF file ({exc})") from exc
    arch_name = _field(reader, "general.architecture")
    if not arch_name:
        raise GGUFReadError(f"{path.name} has no general.architecture key")
    a = arch_name

    def key(name: str, default: Any = None) -> Any:
        return _field(reader, f"{a}.{name}", default)

    layers = int(key("block_count", 0))
    hidden = int(key("embedding_length", 0))
    heads = int(key("attention.head_count", 0) or 0)
    if not (layers and hidden and heads):
        raise GGUFReadError(f"{path.name}: missing block_count / embedding_length / attention.head_count for {a}")
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    vocab = len(tokens.data) if tokens is not None else int(key("vocab_size", 32000))
    names = {t.name for t in reader.tensors}
    fields: dict[str, Any] = {
        "model_type": a,
        "layers": layers,
        "hidden": hidden,
        "intermediate": int(key("feed_forward_length", 4 * hidden)),
        "heads": heads,
        "kv_heads": int(key("attention.head_count_kv", heads) or heads),
        "head_dim": int(key("attention.key_length", hidden // heads)),
        "vocab": vocab,
        "tied_embeddings": "output.weight" not in names,
        "max_context": int(key("context_length", 4096)),
        "rope_theta": key("rope.freq_base"),
    }
    window = key("attention.sliding_window")
    if window:
        fields["sliding_window"] = int(window)
    experts = int(key("expert_count", 0) or 0)
    if experts > 1:
        fields["moe"] = MoESpec(
            experts=experts,
            active=int(key("expert_used_count", 2)),
            shared=int(key("expert_shared_count", 0) or 0),
            expert_intermediate=int(key("expert_feed_forward_length", fields["intermediate"])),
            dense_layers=int(key("leading_dense_block_count", 0) or 0),
        )
    try:
        arch = ModelArch.model_validate(fields)
    except ValueError as exc:
        raise GGUFReadError(f"{path.name}: inconsistent metadata ({exc})") from exc
    return GGUFModel(
        name=str(_field(reader, "general.name", path.stem)), arch=arch, weights=_weights(reader, arch), quant_label=_quant_label(reader)
    )


def _weights(reader: Any, arch: ModelArch) -> WeightsBreakdown:
    """Every tensor of the file at its real type and byte count, through the same builder the recipe uses."""
    builder = WeightsBuilder(arch.layers)
    share = arch.moe.active / arch.moe.experts if arch.moe else 1.0
    embd_type = "F16"
    for tensor in reader.tensors:
        size = float(tensor.n_bytes)
        count = float(tensor.n_elements)
        type_name = tensor.tensor_type.name
        match = _LAYER.match(tensor.name)
        if match and int(match.group(1)) < arch.layers:
            expert = "_exps" in tensor.name
            builder.add_layers([int(match.group(1))], [type_name], [size], count, expert=expert, active_fraction=share if expert else 1.0)
        elif tensor.name == "token_embd.weight":
            embd_type = type_name
            builder.add_global("token_embd", type_name, size, count)
        elif tensor.name == "output.weight":
            builder.add_global("output", type_name, size, count)
        else:  # output_norm and the like ride with the last layer
            builder.add_global("other", type_name, size, count)
    return builder.build(tied=arch.tied_embeddings, head_weights=arch.vocab * arch.hidden, embd_type=embd_type)


_BASE_TO_FTYPE = {"Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q3_K": "Q3_K_M", "Q2_K": "Q2_K", "Q6_K": "Q6_K", "IQ3_S": "IQ3_S"}


def _quant_label(reader: Any) -> str:
    """The file's ftype (general.file_type), else named after its most common layer storage type."""
    from estimator.quants import GGUF_BASE

    file_type = _field(reader, "general.file_type")
    if file_type is not None:
        try:
            from gguf import LlamaFileType

            name = LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
            if name in GGUF_BASE:
                return name
        except ValueError:
            pass
    sizes: dict[str, int] = defaultdict(int)
    for tensor in reader.tensors:
        if _LAYER.match(tensor.name):
            sizes[tensor.tensor_type.name] += int(tensor.n_bytes)
    dominant = max(sizes, key=sizes.__getitem__) if sizes else "F16"
    return _BASE_TO_FTYPE.get(dominant, dominant if dominant in GGUF_BASE else "F16")
