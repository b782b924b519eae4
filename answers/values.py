"""Numbers and names typed by people, checked once for every front end: a clear message instead of a silent
change ("-8 GB", "Q9_Z_XXL" and "99999999k" are refused with a reason, never replaced by a default)."""

from __future__ import annotations

import math
import re

from answers.defaults import MAX_CONTEXT, MIN_CONTEXT
from answers.user_errors import InputError

_CONTEXT = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*([kKmM])?\s*(?:tokens?|tok|ctx)?\s*$")
LIMITS = {  # what a real machine can have; anything outside is a typo
    "VRAM": (0.5, 4096.0, "GB"),
    "RAM": (0.5, 4096.0, "GB"),
    "memory bandwidth": (1.0, 20_000.0, "GB/s"),
    "RAM bandwidth": (1.0, 20_000.0, "GB/s"),
    "FP16 TFLOPS": (0.01, 10_000.0, "TFLOPS"),
    "Apple wired limit": (1.0, 4096.0, "GB"),
}


def context_tokens(value: float, unit: str | None) -> int:
    """'32' 'k' -> 32768; '1' 'm' -> 1048576 (the binary multiples people mean for context sizes)."""
    scale = {"k": 1024, "m": 1024 * 1024}.get((unit or "").lower(), 1)
    return round(value * scale)


def check_context(tokens: int, typed: str | None = None) -> int:
    shown = typed or f"{tokens:,}"
    if tokens <= 0:
        raise InputError(f"A context of {shown} tokens is not possible: give a positive size such as 8192 or 32k.")
    if tokens < MIN_CONTEXT:
        raise InputError(f"A context of {shown} tokens is too small to chat in; the minimum is {MIN_CONTEXT} (try 4k or 8k).")
    if tokens > MAX_CONTEXT:
        raise InputError(
            f"A context of {shown} tokens ({tokens:,}) is longer than any model's window; the largest I estimate is {MAX_CONTEXT:,} (10M)."
        )
    return tokens


def parse_context_text(text: str) -> int:
    """'8192', '32k', '128K', '1M', '32,768' -> tokens, or InputError saying why not."""
    match = _CONTEXT.match(text.replace("_", ""))
    if not match:
        raise InputError(f"{text[:40]!r} is not a context size; use a number of tokens such as 8192, 32k or 128k.")
    return check_context(context_tokens(float(match.group(1).replace(",", "")), match.group(2)), text.strip()[:40])


def parse_quant_text(text: str) -> str:
    """A quant name in canonical form, or InputError with the closest known names."""
    from estimator.quants import UnknownQuantError, parse_quant  # here: the command line parses contexts without numpy

    try:
        return parse_quant(text).name
    except UnknownQuantError as exc:
        raise InputError(f"I don't know the quantization {text.strip()[:40]!r}.", exc.suggestions) from exc


def check_amount(label: str, value: float | None) -> float | None:
    """A hardware number within what real machines have, or InputError naming the limit."""
    if value is None:
        return None
    low, high, unit = LIMITS[label]
    if not math.isfinite(value):
        raise InputError(f"{label} must be a finite number of {unit}.")
    if value <= 0:
        raise InputError(f"{label} of {value:g} {unit} is not possible: give a positive amount.")
    if not low <= value <= high:
        raise InputError(f"{label} of {value:g} {unit} is outside what a machine has ({low:g} to {high:,.0f} {unit}).")
    return value


def quant_for_runtime(stated: str, runtime: str) -> str:
    """What a generic "4-bit" / "8-bit" means on a runtime: MLX 4bit on mlx-lm, AWQ or FP8 on vLLM-style
    servers, EXL2 at that bpw on ExLlama, the usual GGUF type elsewhere. Specific names pass through."""
    bits = re.fullmatch(r"(\d)bit", stated)
    if not bits:
        return stated
    n = int(bits.group(1))
    if runtime == "mlx-lm" and n in {3, 4, 6, 8}:
        return f"MLX {n}bit"
    if runtime in {"vllm", "sglang", "tensorrt-llm"}:
        return "AWQ" if n <= 4 else "FP8"
    if runtime in {"exllamav2", "exllamav3"}:
        return f"{'EXL3' if runtime == 'exllamav3' else 'EXL2'} {n}.0bpw"
    return parse_quant_text(stated)
