"""Facts read off a Hugging Face repository's file listing and metadata, with no network: the GGUF quants it
holds (split files summed), the native format of a safetensors checkpoint, whether it carries a vision part.

The network side (fetching the listing, config.json, GGUF headers) is ``answers/hub.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from estimator.quants import GGUF_BASE, GGUF_L_VARIANTS, UnknownQuantError, parse_quant

_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})$")
# a GGUF type or ftype as people write it in file names: Q4_K_M, IQ4_XS, q8_0, UD-Q4_K_XL, BF16, f16, MXFP4
_QUANT_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])((?:UD-)?(?:I?Q\d(?:_[0-9A-Za-z]+)*|TQ[12]_0|BF16|FP16|FP32|F16|F32|MXFP4(?:_MOE)?))(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# what to read when the user names no quant: the usual default first
_DEFAULT_ORDER = ("Q4_K_M", "UD-Q4_K_XL", "Q4_K_L", "Q4_K_S", "IQ4_XS", "IQ4_NL", "Q4_0", "MXFP4", "Q5_K_M", "Q6_K", "Q8_0")
_PACKED_DTYPES = frozenset({"I32", "U32", "I8", "U8", "I64", "U64", "I16", "U16"})
_FLOAT_DTYPES = {"BF16": "BF16", "F16": "F16", "F32": "F32", "F8_E4M3": "FP8", "F8_E5M2": "FP8"}
_TORCH_DTYPES = {"bfloat16": "BF16", "float16": "F16", "float32": "F32", "half": "F16", "float": "F32"}


@dataclass(frozen=True)
class GGUFQuantFiles:
    """One quant of a GGUF repository: its file (or split parts, in order) and exact size on the Hub."""

    quant: str  # as in the file name, canonical spelling: Q4_K_M, IQ4_XS, UD-Q4_K_XL, BF16
    paths: tuple[str, ...]
    size_bytes: int | None  # None when the listing had no sizes

    @property
    def split(self) -> bool:
        return len(self.paths) > 1


def _canonical(token: str) -> str:
    upper = token.upper()
    return {"FP16": "F16", "FP32": "F32", "MXFP4_MOE": "MXFP4"}.get(upper, upper)


def gguf_quant_label(path: str) -> str | None:
    """The quant named in a GGUF file name (the last one, as in ``Model-Q4_K_M.gguf``), or None."""
    stem = PurePosixPath(path).name
    stem = stem[: -len(".gguf")] if stem.lower().endswith(".gguf") else stem
    stem = _SPLIT.sub("", stem)
    matches = _QUANT_TOKEN.findall(stem)
    return _canonical(matches[-1]) if matches else None


def is_mmproj(path: str) -> bool:
    """A vision projector file shipped beside the model (llama.cpp's --mmproj)."""
    return "mmproj" in PurePosixPath(path).name.lower()


def group_gguf_files(files: Iterable[tuple[str, int | None]]) -> dict[str, GGUFQuantFiles]:
    """Model GGUF files by quant label, split parts merged and their sizes summed; ordered by size.

    Vision projectors (mmproj) are left out. A file whose name carries no quant is keyed by its stem."""
    groups: dict[str, list[tuple[int, str, int | None]]] = {}
    for path, size in files:
        if not path.lower().endswith(".gguf") or is_mmproj(path):
            continue
        stem = path[: -len(".gguf")]
        match = _SPLIT.search(stem)
        part = int(match.group(1)) if match else 1
        key = _SPLIT.sub("", stem)
        groups.setdefault(key, []).append((part, path, size))
    result: dict[str, GGUFQuantFiles] = {}
    for key, parts in groups.items():
        parts.sort()
        sizes = [size for _, _, size in parts]
        total = sum(s for s in sizes if s is not None) if all(s is not None for s in sizes) else None
        label = gguf_quant_label(parts[0][1]) or PurePosixPath(key).name
        if label in result:  # the same quant twice (e.g. two folders): keep both, the second by its path
            label = PurePosixPath(key).name
        result[label] = GGUFQuantFiles(label, tuple(path for _, path, _ in parts), total)
    return dict(sorted(result.items(), key=lambda item: (item[1].size_bytes or 0, item[0])))


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.lower())


def _parsed_name(label: str) -> str | None:
    try:
        return parse_quant(label).name
    except UnknownQuantError:
        return None


def pick_quant(quants: dict[str, GGUFQuantFiles], wanted: str | None = None) -> str | None:
    """The label of the quant to read: the one asked for (spelling-insensitive), else the usual default
    (Q4_K_M, then other 4-bit quants, then larger ones), else the middle-sized file. None if ``wanted``
    is not in the repository."""
    if not quants:
        return None
    if wanted:
        squashed = _squash(wanted)
        for label in quants:
            if _squash(label) == squashed:
                return label
        target = _parsed_name(wanted)
        if target is not None:
            for label in quants:
                if _parsed_name(label) == target and not label.upper().startswith("UD-"):
                    return label
        return None
    by_upper = {label.upper(): label for label in quants}
    for label in _DEFAULT_ORDER:
        if label in by_upper:
            return by_upper[label]
    labels = list(quants)
    return labels[len(labels) // 2]


def estimator_quant(label: str) -> str | None:
    """The estimator's name for a file's quant label, when it has one (``UD-Q4_K_XL`` -> ``UD-Q4_K_XL``)."""
    if label.upper() in GGUF_BASE or label.upper() in GGUF_L_VARIANTS:
        return label.upper()
    return _parsed_name(label)


# ------------------------------------------------------------------------------------------------------
# safetensors checkpoints
# ------------------------------------------------------------------------------------------------------
def native_format(safetensors_params: dict[str, int] | None, config: dict[str, Any] | None) -> str | None:
    """The format the weights are stored in, as the estimator names it: BF16, F16, F32, FP8, AWQ, GPTQ, NF4,
    INT8, MXFP4, NVFP4, MLX 4bit ... From ``quantization_config`` when the config has one, else from the
    dtype holding the most parameters (the Hub's safetensors metadata), else from ``torch_dtype``."""
    config = config or {}
    quant = _from_quantization_config(config)
    if quant:
        return quant
    if safetensors_params:
        dtype = max(safetensors_params, key=lambda k: safetensors_params[k])
        if dtype in _FLOAT_DTYPES:
            return _FLOAT_DTYPES[dtype]
    inner = config.get("text_config")
    text: dict[str, Any] = inner if isinstance(inner, dict) else {}
    torch_dtype = config.get("torch_dtype") or config.get("dtype") or text.get("torch_dtype") or text.get("dtype")
    return _TORCH_DTYPES.get(str(torch_dtype).removeprefix("torch.")) if torch_dtype else None


def _from_quantization_config(config: dict[str, Any]) -> str | None:
    mlx = config.get("quantization")
    if isinstance(mlx, dict) and mlx.get("bits") in (3, 4, 6, 8):  # mlx-community conversions
        return f"MLX {mlx['bits']}bit"
    qc = config.get("quantization_config")
    if not isinstance(qc, dict):
        return None
    method = str(qc.get("quant_method") or "").lower()
    if method in {"awq", "gptq"}:
        return method.upper()
    if method in {"fp8", "fbgemm_fp8"}:
        return "FP8"
    if method == "mxfp4":
        return "MXFP4"
    if method == "bitsandbytes":
        return "NF4" if qc.get("load_in_4bit") or qc.get("bnb_4bit_quant_type") else "INT8"
    if method == "modelopt":
        algo = str(qc.get("quant_algo") or "").upper()
        return "NVFP4" if "FP4" in algo else "FP8" if "FP8" in algo else None
    if method == "compressed-tensors":
        for group in (qc.get("config_groups") or {}).values():
            weights = (group or {}).get("weights") or {}
            bits, kind = weights.get("num_bits"), str(weights.get("type") or "")
            if bits == 8:
                return "FP8" if kind == "float" else "INT8"
            if bits == 4:
                return "NVFP4" if kind == "float" else "GPTQ"  # int4 groups: the same storage as GPTQ/AWQ
    return None


def exact_param_count(safetensors_params: dict[str, int] | None) -> int | None:
    """Parameters from the Hub's safetensors metadata, summed over dtypes; None when weights are packed into
    integer words (AWQ, GPTQ, bitsandbytes, MLX: the element count is not the parameter count)."""
    if not safetensors_params:
        return None
    if any(dtype in _PACKED_DTYPES for dtype in safetensors_params):
        return None
    return int(sum(safetensors_params.values()))


def has_vision(config: dict[str, Any] | None) -> bool:
    config = config or {}
    return any(config.get(k) for k in ("vision_config", "vision_tower", "mm_vision_tower", "visual", "vision_encoder"))


def modalities(config: dict[str, Any] | None) -> list[str]:
    config = config or {}
    found = ["text"]
    if has_vision(config):
        found.append("image")
    if config.get("audio_config"):
        found.append("audio")
    return found
