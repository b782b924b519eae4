"""GGUF file sizes: the estimator's tensor recipe against published file sizes (data/eval/gguf_sizes.yaml).

No constant is fitted on these rows: the recipe follows llama.cpp's quantizer rules, so every row is a check. A listing
rounds its sizes (Hugging Face: 3 significant figures; some READMEs: one decimal), so a prediction inside the rounding
interval counts as exact and the error is the distance to that interval. Rows made by llama.cpp versions whose recipe
differed (notes say so: TheBloke's Mixtral of December 2023, before the mixture-of-experts rules; the October 2023
Q2_K recipe) are reported apart: the estimator models today's rules.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from calibration.benchmarks import REPO_ROOT, catalog
from estimator.quants import Quant, parse_quant
from estimator.weights import compute_weights

SIZES_FILE = REPO_ROOT / "data" / "eval" / "gguf_sizes.yaml"
UNITS = {"GB": 1e9, "MB": 1e6, "bytes": 1.0}
# names in the file that are not catalog ids -> the catalogued model with the same tensor shapes (the file's notes say so)
SAME_SHAPES = {"Qwen2-7B-Instruct": "qwen2.5-7b-instruct"}
# llama.cpp spells these as aliases of the _M mixes (tools/quantize)
QUANT_ALIASES = {"Q3_K": "Q3_K_M", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q8_0_L": "Q8_0"}
OLD_RECIPE = re.compile(r"before the MoE-specific quant rules|old Q2_K recipe", re.I)
# The ai.gitee.com mirror prints "Size of remote file" in GiB under a "GB" label: its four rows (official Qwen GGUFs)
# each sit 1.0737x (= 2^30 / 10^9) below the same files' Hugging Face listing, so they are read as GiB here.
GIB_MIRRORS = ("ai.gitee.com",)


@dataclass(frozen=True)
class SizeCheck:
    model: str
    quant: str
    repo: str
    measured_bytes: float
    predicted_bytes: float
    error: float  # relative distance outside the listing's rounding interval (signed: + = predicted too large)
    old_recipe: bool


def _half_ulp(size: float, notes: str) -> float:
    if "significant figures" in notes:
        match = re.search(r"(\d) significant", notes)
        digits = int(match.group(1)) if match else 3
        return 0.5 * 10 ** (math.floor(math.log10(abs(size))) - digits + 1)
    if "1 decimal" in notes:
        return 0.05
    if "3 decimals" in notes:
        return 0.0005
    text = repr(float(size))
    decimals = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    return 0.5 * 10 ** -max(decimals, 2)


def _quant(row: dict[str, Any]) -> Quant:
    notes = row.get("notes", "")
    name = QUANT_ALIASES.get(row["quant"], row["quant"])
    if "other tensors 16-bit" in notes:
        name = "F16"  # an MXFP4 export whose non-expert tensors are 16-bit: llama.cpp's F16 file of this model
    quant = parse_quant(name)
    if row["quant"].endswith("_L") and "embed/output in f16" in notes:
        quant = dataclasses.replace(quant, embedding_type="F16", big_embeddings=False)
    return quant


def size_checks() -> list[SizeCheck]:
    cat = catalog()
    out = []
    for row in yaml.safe_load(SIZES_FILE.read_text(encoding="utf-8")):
        model = cat.model(SAME_SHAPES.get(row["model"], row["model"]))
        if model is None:
            raise ValueError(f"{row['model']}: not in the catalog and no same-shapes mapping")
        quant = _quant(row)
        predicted = compute_weights(model.architecture, quant, model.params_b).file_bytes
        unit = UNITS[row["unit"]]
        if row["unit"] == "GB" and any(m in row.get("notes", "") for m in GIB_MIRRORS):
            unit = 2.0**30
        measured = row["size"] * unit
        half = _half_ulp(row["size"], row.get("notes", "")) * unit if row["unit"] != "bytes" else 0.0
        outside = max(0.0, abs(predicted - measured) - half)
        out.append(
            SizeCheck(
                model=row["model"],
                quant=row["quant"],
                repo=row["repo"],
                measured_bytes=measured,
                predicted_bytes=predicted,
                error=math.copysign(outside / measured, predicted - measured),
                old_recipe=bool(OLD_RECIPE.search(row.get("notes", ""))),
            )
        )
    return out
