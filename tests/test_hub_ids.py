"""Recognising Hugging Face repositories in what people type (answers/hub_ids.py) and reading a repository's
file listing (knowledge/hub_files.py)."""

from __future__ import annotations

import pytest

from answers.hub_ids import HubRef, find_hub_ids, find_hub_refs, parse_hub_ref
from knowledge.hub_files import (
    exact_param_count,
    gguf_quant_label,
    group_gguf_files,
    modalities,
    native_format,
    pick_quant,
)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("will meta-llama/Llama-3.1-8B-Instruct run on a 3060?", ["meta-llama/Llama-3.1-8B-Instruct"]),
        ("try Qwen/Qwen3-30B-A3B.", ["Qwen/Qwen3-30B-A3B"]),
        ("(https://huggingface.co/Qwen/Qwen3-30B-A3B)", ["Qwen/Qwen3-30B-A3B"]),
        ("https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/tree/main", ["bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"]),
        ("huggingface.co/unsloth/Qwen3-8B-GGUF/blob/main/Qwen3-8B-Q4_K_M.gguf fits?", ["unsloth/Qwen3-8B-GGUF"]),
        ("ollama run hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", ["bartowski/Llama-3.2-1B-Instruct-GGUF"]),
        ("hf://mistralai/Mistral-7B-v0.1 vs someuser/cool-model-7b", ["mistralai/Mistral-7B-v0.1", "someuser/cool-model-7b"]),
        ("Qwen/Qwen3-8B or qwen/qwen3-8b", ["Qwen/Qwen3-8B"]),
        # not repositories
        ("I get 30 tok/s with 2/3 of the layers offloaded, num_ctx/32k", []),
        ("CPU/GPU split, Q4_K_M/Q5_K_M, 8B/70B, fp16/bf16, and/or x86/arm64", []),
        ("gpt-4o/gpt-4o-mini are not local; llama3/llama3.1 are ollama tags", []),
        ("/home/me/models/Qwen/Qwen3-8B/config.json and ./models/bartowski/x-GGUF", []),
        ("C:\\models\\TheBloke\\x and ~/gguf/Qwen3-8B-Q4_K_M.gguf", []),
        ("see https://huggingface.co/datasets/HuggingFaceFW/fineweb and https://huggingface.co/docs/hub", []),
        ("someuser/coolmodel", []),  # unknown owner, and the name has no version or size
    ],
)
def test_find_hub_ids(text, ids):
    assert find_hub_ids(text) == ids


def test_refs_keep_the_file_revision_and_quant():
    refs = find_hub_refs("https://huggingface.co/a-org/Model-7B-GGUF/blob/v2/sub/Model-Q8_0.gguf and hf.co/b-org/Other-1B-GGUF:IQ4_XS")
    assert refs == [HubRef("a-org/Model-7B-GGUF", "v2", "sub/Model-Q8_0.gguf"), HubRef("b-org/Other-1B-GGUF", quant="IQ4_XS")]


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("meta-llama/Llama-3.1-8B", HubRef("meta-llama/Llama-3.1-8B")),
        ("  <https://huggingface.co/Qwen/Qwen3-8B/tree/main>  ", HubRef("Qwen/Qwen3-8B")),
        ("https://huggingface.co/a/b/resolve/main/c-Q4_K_M.gguf?download=true", HubRef("a/b", filename="c-Q4_K_M.gguf")),
        ("hf.co/a/b:Q4_K_M", HubRef("a/b", quant="Q4_K_M")),
        ("a/b", HubRef("a/b")),  # a field that must hold a repository accepts short ids
        ("https://huggingface.co/datasets/a/b", HubRef("a/b", repo_type="dataset")),
        ("hello world", None),
        ("2/3", None),
        ("7b/13b", None),
        ("q4_k_m/q8_0", None),
        ("llama-3.1-8b", None),
        ("https://huggingface.co/docs/transformers", None),
        ("models/x.gguf", None),
    ],
)
def test_parse_hub_ref(text, ref):
    assert parse_hub_ref(text) == ref


FP8_WEIGHTS = {"num_bits": 8, "type": "float"}
LLAMA_FILES = [
    ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", 4_920_734_016),
    ("Meta-Llama-3.1-8B-Instruct-IQ4_XS.gguf", 4_447_671_296),
    ("Meta-Llama-3.1-8B-Instruct-Q8_0.gguf", 8_540_775_424),
    ("Meta-Llama-3.1-8B-Instruct-f32.gguf", 32_132_954_624),
    ("Meta-Llama-3.1-8B-Instruct.imatrix", 4_988_146),
    ("README.md", 9_000),
]


def test_gguf_listing_by_quant_with_split_sizes_summed():
    files = [
        *LLAMA_FILES,
        ("Big-Q8_0/Big-Q8_0-00002-of-00002.gguf", 30_000_000_000),
        ("Big-Q8_0/Big-Q8_0-00001-of-00002.gguf", 45_000_000_000),
        ("mmproj-model-f16.gguf", 850_000_000),
        ("Qwen3-30B-A3B-UD-Q4_K_XL.gguf", 17_700_000_000),
    ]
    groups = group_gguf_files(files)
    assert list(groups) == ["IQ4_XS", "Q4_K_M", "Q8_0", "UD-Q4_K_XL", "F32", "Big-Q8_0"]  # by size; mmproj left out
    assert groups["Big-Q8_0"].paths == ("Big-Q8_0/Big-Q8_0-00001-of-00002.gguf", "Big-Q8_0/Big-Q8_0-00002-of-00002.gguf")
    assert groups["Big-Q8_0"].size_bytes == 75_000_000_000 and groups["Big-Q8_0"].split
    assert groups["F32"].size_bytes == 32_132_954_624


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("qwen2.5-7b-instruct-q4_k_m.gguf", "Q4_K_M"),
        ("mixtral-8x7b-instruct-v0.1.Q2_K.gguf", "Q2_K"),
        ("gemma-3-27b-it-q4_0.gguf", "Q4_0"),
        ("Llama-3.2-1B-Instruct-fp16.gguf", "F16"),
        ("gpt-oss-20b-mxfp4.gguf", "MXFP4"),
        ("Qwen3-Coder-30B-A3B-Instruct-UD-Q4_K_XL-00001-of-00002.gguf", "UD-Q4_K_XL"),
        ("QwQ-32B.gguf", None),
    ],
)
def test_quant_from_file_name(name, label):
    assert gguf_quant_label(name) == label


def test_pick_quant():
    groups = group_gguf_files(LLAMA_FILES)
    assert pick_quant(groups) == "Q4_K_M"
    assert pick_quant(groups, "q8_0") == "Q8_0" and pick_quant(groups, "iq4xs") == "IQ4_XS"
    assert pick_quant(groups, "Q5_K_M") is None
    assert pick_quant(group_gguf_files([("m-Q8_0.gguf", 1), ("m-Q6_K.gguf", 2), ("m-F16.gguf", 3)])) == "Q6_K"


@pytest.mark.parametrize(
    ("params", "config", "expected"),
    [
        ({"BF16": 8_030_261_248}, {"torch_dtype": "bfloat16"}, "BF16"),
        ({"F16": 10, "F32": 1}, {}, "F16"),
        ({"F8_E4M3": 7_000, "BF16": 1_000, "F32": 10}, {"quantization_config": {"quant_method": "fp8", "fmt": "e4m3"}}, "FP8"),
        ({"I32": 900, "F16": 1_000}, {"quantization_config": {"quant_method": "awq", "bits": 4}}, "AWQ"),
        ({"I32": 900, "F16": 1_000}, {"quantization_config": {"quant_method": "gptq", "bits": 4}}, "GPTQ"),
        ({"U8": 900, "BF16": 1_000}, {"quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": True}}, "NF4"),
        ({"U8": 900, "BF16": 10}, {"quantization_config": {"quant_method": "mxfp4"}}, "MXFP4"),
        ({"U32": 900, "BF16": 10}, {"quantization": {"group_size": 64, "bits": 4}}, "MLX 4bit"),
        (
            {"F8_E4M3": 900, "BF16": 100},
            {"quantization_config": {"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": FP8_WEIGHTS}}}},
            "FP8",
        ),
        (None, {"torch_dtype": "float16"}, "F16"),
        (None, {}, None),
    ],
)
def test_native_format(params, config, expected):
    assert native_format(params, config) == expected


def test_packed_weights_have_no_exact_count():
    assert exact_param_count({"BF16": 8_030_261_248}) == 8_030_261_248
    assert exact_param_count({"F8_E4M3": 7, "BF16": 1, "F32": 2}) == 10
    assert exact_param_count({"I32": 900, "F16": 1_000}) is None
    assert modalities({"vision_config": {"hidden_size": 1152}, "audio_config": {}}) == ["text", "image"]
