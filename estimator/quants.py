"""Quantization formats: storage types, GGUF mix recipes and the non-GGUF formats people use.

A *storage type* is how one tensor is stored (Q4_K, F16, AWQ int4 ...), with a size in bytes per weight.
A *quant* is what a user picks (Q4_K_M, AWQ, EXL2 4.65 bpw ...): a recipe assigning a storage type to each
tensor. GGUF recipes follow llama.cpp's ``llama_tensor_get_type`` (src/llama-quant.cpp): K-quant "_M" mixes
raise attn_v and ffn_down of some layers, the output head goes to Q6_K, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------------------------------------------
# Storage types: (weights per block, bytes per block). GGML block structs in ggml/src/ggml-common.h;
# see data/calibration/gguf_bpw.csv. Non-GGUF types are per-weight averages including scales.
# ---------------------------------------------------------------------------------------------------
_BLOCKS: dict[str, tuple[int, float]] = {
    "F32": (1, 4),
    "F16": (1, 2),
    "BF16": (1, 2),
    "Q4_0": (32, 18),
    "Q4_1": (32, 20),
    "Q5_0": (32, 22),
    "Q5_1": (32, 24),
    "Q8_0": (32, 34),
    "Q2_K": (256, 84),
    "Q3_K": (256, 110),
    "Q4_K": (256, 144),
    "Q5_K": (256, 176),
    "Q6_K": (256, 210),
    "IQ1_S": (256, 50),
    "IQ1_M": (256, 56),
    "IQ2_XXS": (256, 66),
    "IQ2_XS": (256, 74),
    "IQ2_S": (256, 82),
    "IQ3_XXS": (256, 98),
    "IQ3_S": (256, 110),
    "IQ4_NL": (32, 18),
    "IQ4_XS": (256, 136),
    "TQ1_0": (256, 54),
    "TQ2_0": (256, 66),
    "MXFP4": (32, 17),
    # non-GGUF: (group size, bytes per group incl. scales/zeros)
    "INT4_G128": (128, 128 * 4 / 8 + 2 + 0.5),  # AWQ/GPTQ: 4-bit + fp16 scale + 4-bit zero per 128
    "INT8_G128": (128, 128 + 2 + 1),  # GPTQ 8-bit: int8 + fp16 scale + 8-bit zero per 128
    "NF4": (64, 64 * 4 / 8 + 1 + 4 / 256),  # bitsandbytes NF4: 8-bit absmax per 64, one fp32 constant per 256 blocks
    "MLX4": (64, 64 * 4 / 8 + 4),  # mlx 4-bit, group 64, fp16 scale + bias
    "MLX3": (64, 64 * 3 / 8 + 4),
    "MLX6": (64, 64 * 6 / 8 + 4),
    "MLX8": (64, 64 + 4),
    "FP8": (1, 1),
    "INT8": (1, 1),
    "NVFP4": (16, 8 + 1),  # 4-bit E2M1 + FP8 scale per 16
}

TYPE_NAMES: tuple[str, ...] = (*tuple(_BLOCKS), "EXL")
TYPE_INDEX: dict[str, int] = {name: i for i, name in enumerate(TYPE_NAMES)}
# bytes per weight per storage type; EXL is filled per request (bpw chosen by the user)
TYPE_BYTES: np.ndarray = np.array([b / w for w, b in _BLOCKS.values()] + [0.0])
BLOCK_SIZE: dict[str, int] = {name: w for name, (w, _) in _BLOCKS.items()}

_K_FALLBACK = {  # llama.cpp falls back when a row length is not a multiple of 256
    "Q2_K": "Q4_0",
    "Q3_K": "Q4_0",
    "Q4_K": "Q5_0",
    "Q5_K": "Q5_1",
    "Q6_K": "Q8_0",
    "IQ2_XXS": "IQ4_NL",
    "IQ2_XS": "IQ4_NL",
    "IQ2_S": "IQ4_NL",
    "IQ3_XXS": "IQ4_NL",
    "IQ3_S": "IQ4_NL",
    "IQ1_S": "IQ4_NL",
    "IQ1_M": "IQ4_NL",
    "IQ4_XS": "IQ4_NL",
    "TQ1_0": "Q4_0",
    "TQ2_0": "Q4_0",
}


def bytes_per_weight(type_name: str) -> float:
    return float(TYPE_BYTES[TYPE_INDEX[type_name]])


# ---------------------------------------------------------------------------------------------------
# Quants (what users choose)
# ---------------------------------------------------------------------------------------------------
Format = str  # "gguf" | "awq" | "gptq" | "exl2" | "exl3" | "mlx" | "fp8" | "nf4" | "hf" | "int8" | "nvfp4"

# GGUF ftype -> default storage type (llama-quant.cpp switch on ftype)
GGUF_BASE: dict[str, str] = {
    "F32": "F32",
    "F16": "F16",
    "BF16": "BF16",
    "Q4_0": "Q4_0",
    "Q4_1": "Q4_1",
    "Q5_0": "Q5_0",
    "Q5_1": "Q5_1",
    "Q8_0": "Q8_0",
    "Q2_K": "Q2_K",
    "Q2_K_S": "Q2_K",
    "Q3_K_S": "Q3_K",
    "Q3_K_M": "Q3_K",
    "Q3_K_L": "Q3_K",
    "Q4_K_S": "Q4_K",
    "Q4_K_M": "Q4_K",
    "Q5_K_S": "Q5_K",
    "Q5_K_M": "Q5_K",
    "Q6_K": "Q6_K",
    "IQ1_S": "IQ1_S",
    "IQ1_M": "IQ1_M",
    "IQ2_XXS": "IQ2_XXS",
    "IQ2_XS": "IQ2_XS",
    "IQ2_S": "IQ2_XS",
    "IQ2_M": "IQ2_S",
    "IQ3_XXS": "IQ3_XXS",
    "IQ3_XS": "IQ3_S",
    "IQ3_S": "IQ3_S",
    "IQ3_M": "IQ3_S",
    "IQ4_NL": "IQ4_NL",
    "IQ4_XS": "IQ4_XS",
    "TQ1_0": "TQ1_0",
    "TQ2_0": "TQ2_0",
    "MXFP4": "MXFP4",
}
# community "_L"/"_XL" variants: a base recipe with token embedding and output at Q8_0
GGUF_L_VARIANTS: dict[str, str] = {
    "Q6_K_L": "Q6_K",
    "Q5_K_L": "Q5_K_M",
    "Q4_K_L": "Q4_K_M",
    "Q3_K_XL": "Q3_K_L",
    "Q2_K_L": "Q2_K",
}

# The quants most people choose between, best quality first (used by solvers and the batch grid).
COMMON_GGUF: tuple[str, ...] = (
    "F16",
    "Q8_0",
    "Q6_K",
    "Q5_K_M",
    "Q4_K_M",
    "Q4_K_S",
    "IQ4_XS",
    "Q3_K_M",
    "IQ3_M",
    "Q2_K",
    "IQ2_M",
)

_IQ_LOW = {"IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ2_S", "IQ2_M", "IQ1_M"}
ATTN_V_LIKE = {"attn_v", "attn_kv_b"}


@dataclass(frozen=True)
class Quant:
    """A user-facing quantization choice."""

    name: str  # canonical display name, e.g. Q4_K_M, AWQ, EXL2 4.65bpw, MLX 4bit
    format: Format
    ftype: str | None = None  # GGUF ftype
    bpw: float | None = None  # EXL2/EXL3 target bits per weight
    big_embeddings: bool = False  # "_L" variants: embeddings/output at Q8_0
    aliases: tuple[str, ...] = field(default=(), compare=False)
    embedding_type: str | None = None  # an explicit type for token embedding and output (early "_L" files used F16)

    @property
    def is_gguf(self) -> bool:
        return self.format == "gguf"


class UnknownQuantError(ValueError):
    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown quantization {text!r}.{hint}")


_NON_GGUF: dict[str, Quant] = {
    "awq": Quant("AWQ", "awq"),
    "gptq": Quant("GPTQ", "gptq"),
    "gptqint4": Quant("GPTQ", "gptq"),
    "gptqint8": Quant("GPTQ-Int8", "gptq", bpw=8),
    "gptq8bit": Quant("GPTQ-Int8", "gptq", bpw=8),
    "nf4": Quant("NF4", "nf4"),
    "bnb4": Quant("NF4", "nf4"),
    "bitsandbytes": Quant("NF4", "nf4"),
    "fp8": Quant("FP8", "fp8"),
    "int8": Quant("INT8", "int8"),
    "w8a8": Quant("INT8", "int8"),
    "nvfp4": Quant("NVFP4", "nvfp4"),
    "fp4": Quant("NVFP4", "nvfp4"),
    "mlx4": Quant("MLX 4bit", "mlx", bpw=4),
    "mlx3": Quant("MLX 3bit", "mlx", bpw=3),
    "mlx6": Quant("MLX 6bit", "mlx", bpw=6),
    "mlx8": Quant("MLX 8bit", "mlx", bpw=8),
    "fp16hf": Quant("FP16", "hf"),
    "bf16hf": Quant("BF16", "hf"),
}
# loose words people use for GGUF types
_GGUF_WORDS = {
    "4bit": "Q4_K_M",
    "4b": "Q4_K_M",
    "q4": "Q4_K_M",
    "int4": "Q4_K_M",
    "8bit": "Q8_0",
    "q8": "Q8_0",
    "5bit": "Q5_K_M",
    "q5": "Q5_K_M",
    "6bit": "Q6_K",
    "q6": "Q6_K",
    "3bit": "Q3_K_M",
    "q3": "Q3_K_M",
    "2bit": "Q2_K",
    "q2": "Q2_K",
    "fp16": "F16",
    "half": "F16",
    "16bit": "F16",
    "bf16": "BF16",
    "fp32": "F32",
    "32bit": "F32",
    "mxfp4": "MXFP4",
    "mxfp4moe": "MXFP4",
}


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.strip().lower())


_GGUF_BY_SQUASH = {_squash(n): n for n in [*GGUF_BASE, *GGUF_L_VARIANTS]}
_EXL = re.compile(r"^(exl[23])[\s_-]*(\d+(?:\.\d+)?)\s*(?:bpw|b|bit)?$", re.I)
_EXL_REV = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:bpw|b)?[\s_-]*(exl[23])$", re.I)
_UNSLOTH = re.compile(r"^(?:ud[-_\s]?)?q([234568])[-_\s]?k[-_\s]?xl$|^ud[-_\s]?q([234568])[-_\s]?k[-_\s]?[ml]$", re.I)
_MLX = re.compile(r"^mlx[\s_-]*(\d)[\s_-]*(?:bit|b)?$|^(\d)[\s_-]*bit[\s_-]*mlx$", re.I)


def parse_quant(text: str) -> Quant:
    """Parse what a user typed ('q4km', 'Q4_K_M', 'awq', 'exl2 4.65', 'mlx 4bit') into a Quant."""
    raw = text.strip()
    if not raw or len(raw) > 40:
        raise UnknownQuantError(raw[:40], list(COMMON_GGUF[:5]))
    if _squash(raw) in _GGUF_BY_SQUASH:  # e.g. bartowski's Q3_K_XL (Q3_K_L with Q8_0 embeddings), before Unsloth's names
        return gguf_quant(_GGUF_BY_SQUASH[_squash(raw)])
    dynamic = _UNSLOTH.match(raw)
    if dynamic:  # Unsloth dynamic quants: a K-quant base with important tensors kept at higher precision
        # Unsloth's dynamic quants keep the bulk at the K type of that width and upcast a few chosen tensors: in total
        # closest to the "_S" mix (no blanket attn_v / ffn_down upgrade) with token embedding and output at Q8_0
        ftype, big = {
            "2": ("Q2_K", True),
            "3": ("Q3_K_S", True),
            "4": ("Q4_K_S", True),
            "5": ("Q5_K_S", True),
            "6": ("Q6_K", True),
            "8": ("Q8_0", False),
        }[dynamic.group(1) or dynamic.group(2)]
        return Quant(raw.upper(), "gguf", ftype=ftype, big_embeddings=big)
    squashed = _squash(raw)
    if squashed in _GGUF_BY_SQUASH:
        return gguf_quant(_GGUF_BY_SQUASH[squashed])
    if squashed in _GGUF_WORDS:
        return gguf_quant(_GGUF_WORDS[squashed])
    match = _EXL.match(raw) or _EXL_REV.match(raw)
    if match:
        groups = match.groups()
        fmt, bpw = (groups[0], groups[1]) if groups[0].lower().startswith("exl") else (groups[1], groups[0])
        value = float(bpw)
        if not 1.5 <= value <= 8.5:
            raise UnknownQuantError(raw, [f"{fmt.upper()} 4.0bpw", f"{fmt.upper()} 6.0bpw"])
        return Quant(f"{fmt.upper()} {value:g}bpw", fmt.lower(), bpw=value)
    if squashed in {"exl2", "exl3"}:
        return Quant(f"{squashed.upper()} 4.65bpw", squashed, bpw=4.65)
    match = _MLX.match(raw)
    if match:
        bits = match.group(1) or match.group(2)
        key = f"mlx{bits}"
        if key in _NON_GGUF:
            return _NON_GGUF[key]
    for key in (squashed, squashed.replace("int4", "").replace("4bit", "")):
        if key in _NON_GGUF:
            return _NON_GGUF[key]
    if squashed.startswith(("awq", "gptq")):
        return _NON_GGUF["awq" if squashed.startswith("awq") else "gptq"]
    raise UnknownQuantError(raw, suggest_quants(raw))


def gguf_quant(ftype: str) -> Quant:
    if ftype in GGUF_L_VARIANTS:
        return Quant(ftype, "gguf", ftype=GGUF_L_VARIANTS[ftype], big_embeddings=True)
    return Quant(ftype, "gguf", ftype=ftype)


def all_quant_names() -> list[str]:
    return [*GGUF_BASE, *GGUF_L_VARIANTS, "AWQ", "GPTQ", "GPTQ-Int8", "EXL2 4.65bpw", "EXL3 4.0bpw", "MLX 4bit", "MLX 8bit", "FP8", "NF4"]


def suggest_quants(text: str, limit: int = 5) -> list[str]:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    names = all_quant_names()
    hits = process.extract(_squash(text), [_squash(n) for n in names], scorer=Levenshtein.normalized_similarity, limit=limit)
    return [names[index] for _, score, index in hits if score >= 0.4]


# ---------------------------------------------------------------------------------------------------
# Per-tensor type assignment
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TensorContext:
    """Model facts llama.cpp's recipe looks at."""

    n_layers: int
    n_gqa: int
    n_expert: int
    is_70b_class: bool = False
    native_expert_type: str | None = None  # routed experts already in this type stay in it (gpt-oss: MXFP4)


def _use_more_bits(i: np.ndarray, n: int) -> np.ndarray:
    return (i < n // 8) | (i >= 7 * n // 8) | ((i - n // 8) % 3 == 2)


def gguf_layer_types(ftype: str, role: str, i: np.ndarray, ctx: TensorContext) -> np.ndarray:
    """Storage type name for one per-layer tensor role at layer indices ``i`` (llama-quant.cpp rules)."""
    base = GGUF_BASE[ftype]
    n = ctx.n_layers
    out = np.full(i.shape, base, dtype=object)
    gqa4 = ctx.n_gqa >= 4
    n8 = ctx.n_expert == 8
    if ftype in {"F32", "F16", "BF16", "Q8_0", "Q4_1", "Q5_1", "Q6_K", "TQ1_0", "TQ2_0"}:
        pass
    elif ftype in _IQ_LOW:
        iq_s = ftype in {"IQ2_S", "IQ2_M"}
        iq1 = ftype in {"IQ1_S", "IQ1_M"}
        if role in ATTN_V_LIKE:
            out[:] = "Q4_K" if (gqa4 or ctx.n_expert >= 4) else ("IQ3_S" if iq_s else "Q2_K")
        elif role == "attn_k" and n8:
            out[:] = "Q4_K"
        elif role == "ffn_down":
            out[i < n // 8] = "IQ3_S" if iq_s else "Q2_K"
        elif role == "attn_output":
            if n8:
                out[:] = "Q5_K"
            elif iq1:
                out[:] = "IQ2_XXS"
            elif iq_s:
                out[:] = "IQ3_S"
    elif role in ATTN_V_LIKE:
        rules = {
            "Q2_K": "Q4_K" if gqa4 else "Q3_K",
            "Q2_K_S": "Q4_K" if gqa4 else None,
            "IQ3_XXS": "Q4_K" if gqa4 else None,  # with an imatrix (as published I-quants are)
            "IQ3_XS": "Q4_K" if gqa4 else None,
            "IQ3_S": "Q4_K" if gqa4 else None,
            "IQ3_M": "Q4_K",
            "Q3_K_L": "Q5_K",
            "IQ4_NL": "Q5_K" if gqa4 else None,
            "IQ4_XS": "Q5_K" if gqa4 else None,
        }
        if rules.get(ftype):
            out[:] = rules[ftype]
        elif ftype == "Q3_K_M":
            out[:] = np.where(i < 2, "Q5_K", "Q4_K")
        elif ftype in {"Q4_K_M", "Q5_K_M"}:
            out[_use_more_bits(i, n)] = "Q6_K"
        elif ftype == "Q4_K_S":
            out[i < 4] = "Q5_K"
        if ctx.is_70b_class:
            out[(out == "Q3_K") | (out == "Q4_K")] = "Q5_K"
        if n8:
            out[:] = "Q8_0"
    elif role == "attn_k":
        if n8:
            out[:] = "Q8_0"
        elif ftype == "IQ3_XS":
            out[:] = "IQ3_XXS"
        elif ftype == "IQ3_XXS":
            out[:] = "IQ2_S"
    elif role == "attn_q":
        if ftype == "IQ3_XS":
            out[:] = "IQ3_XXS"
        elif ftype == "IQ3_XXS":
            out[:] = "IQ2_S"
    elif role == "ffn_down":
        if ftype == "Q2_K":
            out[:] = "Q3_K"
        elif ftype == "Q2_K_S":
            out[i < n // 8] = "Q4_K"
        elif ftype == "Q3_K_M":
            out[:] = np.where(i < n // 16, "Q5_K", "Q4_K")
        elif ftype == "IQ3_M":
            out[(i < n // 8) | (n8 & _use_more_bits(i, n))] = "Q4_K"
        elif ftype == "Q3_K_L":
            out[:] = "Q5_K"
        elif ftype in {"Q4_K_M", "Q5_K_M"}:
            out[_use_more_bits(i, n)] = "Q6_K"
        elif ftype == "Q4_K_S":
            out[i < n // 8] = "Q5_K"
    elif role == "attn_output":
        if n8:
            if ftype in {
                "Q2_K",
                "IQ3_XS",
                "IQ3_XXS",
                "Q3_K_S",
                "Q3_K_M",
                "IQ4_NL",
                "Q4_K_S",
                "Q4_K_M",
                "IQ3_S",
                "IQ3_M",
                "IQ4_XS",
            }:
                out[:] = "Q5_K"
        else:
            rules = {"Q2_K": "Q3_K", "IQ3_XXS": "IQ3_S", "Q3_K_M": "Q4_K", "Q3_K_L": "Q5_K", "IQ3_M": "Q4_K"}
            if ftype in rules:
                out[:] = rules[ftype]
    elif role == "attn_qkv":
        fused = {"Q3_K_M": "Q4_K", "Q3_K_L": "Q4_K", "IQ3_M": "Q4_K", "Q4_K_M": "Q5_K", "Q5_K_M": "Q6_K"}
        if ftype in fused:
            out[:] = fused[ftype]
    elif role in {"ffn_gate", "ffn_up"} and ftype == "IQ3_XS":
        out[(i >= n // 8) & (i < 7 * n // 8)] = "IQ3_XXS"
    return out


def gguf_global_type(ftype: str, role: str, has_output: bool, big_embeddings: bool, embedding_type: str | None = None) -> str:
    """Storage type of the token embedding / output head."""
    base = GGUF_BASE[ftype]
    if embedding_type:
        return embedding_type
    if big_embeddings:
        return "Q8_0"
    if ftype == "MXFP4":
        return "Q8_0"
    if role == "output" or (role == "token_embd" and not has_output):
        if ftype in {"F32", "F16", "BF16"}:
            return base
        if ftype in _IQ_LOW or ftype == "IQ3_XXS":
            return "Q5_K"
        return "Q8_0" if base == "Q8_0" else "Q6_K"
    # token_embd
    if ftype in {"IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"}:
        return "Q2_K"
    if ftype in {"IQ2_S", "IQ2_M", "IQ3_XXS"}:
        return "IQ3_S"
    if ftype in {"TQ1_0", "TQ2_0"}:
        return "Q4_K"
    return base


def apply_row_fallback(types: np.ndarray, row_length: int) -> np.ndarray:
    """K/I-quants need rows that are a multiple of their block size; llama.cpp falls back otherwise."""
    if row_length % 256 == 0:
        return types
    result = types.copy()
    for k_type, fallback in _K_FALLBACK.items():
        result[result == k_type] = fallback
    return result


def non_gguf_types(quant: Quant, role: str) -> str:
    """Storage type for a tensor role under a non-GGUF format."""
    fmt = quant.format
    if role in {"norm", "router"}:
        return "F32" if fmt == "gguf" else "F16"
    embedding = role in {"token_embd", "output"}
    if fmt in {"awq", "gptq"}:
        return "F16" if embedding else ("INT8_G128" if quant.bpw == 8 else "INT4_G128")
    if fmt == "nf4":
        return "F16" if embedding else "NF4"
    if fmt == "fp8":
        return "BF16" if embedding else "FP8"
    if fmt == "int8":
        return "BF16" if embedding else "INT8"
    if fmt == "nvfp4":
        return "BF16" if embedding else "NVFP4"
    if fmt == "mlx":
        return f"MLX{int(quant.bpw or 4)}" if f"MLX{int(quant.bpw or 4)}" in TYPE_INDEX else "MLX4"
    if fmt in {"exl2", "exl3"}:
        if role == "token_embd":
            return "F16"
        return "Q6_K" if role == "output" else "EXL"  # head defaults to 6 bits
    if fmt == "hf":
        return "BF16" if quant.name == "BF16" else "F16"
    raise ValueError(f"unsupported format {fmt}")
