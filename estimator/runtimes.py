"""Runtime profiles: what each engine can load, how it places a model and what it costs.

Only llama.cpp-family speeds are calibrated (the calibration data is llama-bench). Other engines carry an
uncalibrated relative factor and a wider band, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from estimator.units import GIB


@dataclass(frozen=True)
class Runtime:
    id: str
    name: str
    engine: str  # llama.cpp | vllm | exllama | mlx | transformers
    formats: frozenset[str]
    backends: frozenset[str]
    cpu_offload: bool  # can keep some layers in system RAM
    flash_attention_default: bool
    speed_factor: float = 1.0  # relative to llama.cpp; 1.0 = calibrated engine
    calibrated: bool = False
    memory_fraction: float | None = None  # vLLM-style: share of VRAM the engine takes up front
    extra_overhead_bytes: float = 0.0  # per GPU, beyond the driver context (graphs, allocator pools)
    tensor_parallel: bool = False
    aliases: tuple[str, ...] = ()


_LLAMA_FORMATS = frozenset({"gguf"})
_ALL_BACKENDS = frozenset({"cuda", "rocm", "vulkan", "metal", "sycl", "cpu"})

RUNTIMES: dict[str, Runtime] = {
    r.id: r
    for r in (
        Runtime(
            "llama.cpp",
            "llama.cpp",
            "llama.cpp",
            _LLAMA_FORMATS,
            _ALL_BACKENDS,
            True,
            True,
            calibrated=True,
            aliases=("llamacpp", "llama-server", "llama-cli", "llama cpp"),
        ),
        # Ollama (ollama/ollama fb30760, llm/llama_server.go): runs llama-server with --flash-attn auto (on where the
        # GPU supports it), f16 KV cache unless OLLAMA_KV_CACHE_TYPE, -np OLLAMA_NUM_PARALLEL (default 1,
        # envconfig/config.go), -ngl chosen by llama-server's fit; default num_ctx by VRAM (ollama_default_context).
        Runtime(
            "ollama",
            "Ollama",
            "llama.cpp",
            _LLAMA_FORMATS,
            _ALL_BACKENDS - {"sycl"},
            True,
            True,
            calibrated=True,
            extra_overhead_bytes=0.2 * GIB,
        ),
        Runtime(
            "lm-studio",
            "LM Studio",
            "llama.cpp",
            _LLAMA_FORMATS | {"mlx"},
            _ALL_BACKENDS - {"sycl"},
            True,
            True,
            calibrated=True,
            aliases=("lmstudio", "lm studio"),
        ),
        Runtime("koboldcpp", "KoboldCpp", "llama.cpp", _LLAMA_FORMATS, _ALL_BACKENDS - {"sycl"}, True, False, calibrated=True),
        Runtime(
            "llamafile",
            "llamafile",
            "llama.cpp",
            _LLAMA_FORMATS,
            frozenset({"cuda", "rocm", "metal", "cpu"}),
            True,
            False,
            calibrated=True,
        ),
        # vLLM (vllm-project/vllm 001999d, vllm/engine/arg_utils.py EngineArgs): gpu_memory_utilization 0.90,
        # tensor_parallel_size 1 unless given, max_model_len from the model config, block_size 16, CUDA graphs up to
        # max_seq_len_to_capture 8192, max_num_seqs 256 (V0) / 1024 (V1).
        Runtime(
            "vllm",
            "vLLM",
            "vllm",
            frozenset({"hf", "awq", "gptq", "fp8", "int8", "nvfp4", "gguf"}),
            frozenset({"cuda", "rocm"}),
            False,
            True,
            speed_factor=1.0,
            memory_fraction=0.9,
            extra_overhead_bytes=1.0 * GIB,
            tensor_parallel=True,
        ),
        # SGLang: mem_fraction_static ~0.88 on a single large GPU (chosen by GPU memory in its server arguments; not
        # verified at a commit: the repository snapshot exceeds the mirror limit).
        Runtime(
            "sglang",
            "SGLang",
            "vllm",
            frozenset({"hf", "awq", "gptq", "fp8", "int8", "nvfp4"}),
            frozenset({"cuda", "rocm"}),
            False,
            True,
            speed_factor=1.0,
            memory_fraction=0.88,
            extra_overhead_bytes=1.0 * GIB,
            tensor_parallel=True,
        ),
        Runtime(
            "tensorrt-llm",
            "TensorRT-LLM",
            "vllm",
            frozenset({"hf", "awq", "gptq", "fp8", "int8", "nvfp4"}),
            frozenset({"cuda"}),
            False,
            True,
            speed_factor=1.1,
            memory_fraction=0.9,
            extra_overhead_bytes=1.0 * GIB,
            tensor_parallel=True,
            aliases=("trt-llm", "trtllm"),
        ),
        # ExLlamaV2 (turboderp-org/exllamav2 da07fac, exllamav2/config.py): max_seq_len from the model config, prompts in
        # chunks of max_input_len 2048, flash attention when available.
        Runtime(
            "exllamav2",
            "ExLlamaV2",
            "exllama",
            frozenset({"exl2", "gptq", "hf"}),
            frozenset({"cuda", "rocm"}),
            False,
            True,
            speed_factor=1.05,
            extra_overhead_bytes=0.3 * GIB,
            aliases=("exl2", "tabbyapi"),
        ),
        Runtime(
            "exllamav3",
            "ExLlamaV3",
            "exllama",
            frozenset({"exl3", "hf"}),
            frozenset({"cuda"}),
            False,
            True,
            speed_factor=1.0,
            extra_overhead_bytes=0.3 * GIB,
            aliases=("exl3",),
        ),
        # mlx-lm (ml-explore/mlx-lm d78bf58, mlx_lm/generate.py): prompt in steps of prefill_step_size 2048, wired limit
        # raised to the GPU's max recommended working set while generating (warns past 90 % of it).
        Runtime(
            "mlx-lm",
            "MLX (mlx-lm)",
            "mlx",
            frozenset({"mlx", "hf"}),
            frozenset({"metal"}),
            False,
            True,
            speed_factor=1.1,
            aliases=("mlx", "mlx_lm"),
        ),
        Runtime(
            "transformers",
            "Hugging Face Transformers",
            "transformers",
            frozenset({"hf", "awq", "gptq", "nf4", "int8", "fp8"}),
            frozenset({"cuda", "rocm", "metal", "cpu"}),
            True,
            False,
            speed_factor=0.5,
            extra_overhead_bytes=0.5 * GIB,
            aliases=("hf", "huggingface", "pytorch"),
        ),
    )
}


LLAMA_CPP_FAMILY = frozenset(r.id for r in RUNTIMES.values() if r.engine == "llama.cpp")  # load GGUF, llama-bench speeds

# Ollama's default num_ctx by total VRAM (server/routes.go at ollama/ollama fb30760: >= 47 GiB -> 262144, >= 23 GiB ->
# 32768, else 4096; the 47/23 thresholds allow for small differences from 48/24), capped at the model's trained
# context (server/sched.go effectiveModelContext); on a load failure Ollama steps down to 32768, then 4096
# (nextLowerAutoNumCtx).
OLLAMA_CONTEXT_TIERS = ((47.0, 262144), (23.0, 32768), (0.0, 4096))
OLLAMA_CONTEXT_STEPS = (32768, 4096)


def ollama_default_context(total_vram_gib: float, model_max_context: int) -> int:
    """The context Ollama allocates when the request names none."""
    tier = next(ctx for gib, ctx in OLLAMA_CONTEXT_TIERS if total_vram_gib >= gib)
    return min(tier, model_max_context)


# Runtimes that pick a loadable format's engine when the user names a format but no runtime.
RUNTIME_FOR_FORMAT = {
    "fp8": "vllm",
    "awq": "vllm",
    "gptq": "vllm",
    "int8": "vllm",
    "nvfp4": "vllm",
    "exl2": "exllamav2",
    "exl3": "exllamav3",
    "mlx": "mlx-lm",
    "nf4": "transformers",
    "hf": "vllm",
}


class UnknownRuntimeError(ValueError):
    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown runtime {text!r}.{hint}")


@cache
def _names() -> dict[str, Runtime]:
    """Every id, name and alias -> its runtime (the first runtime claiming a spelling keeps it), built once."""
    index: dict[str, Runtime] = {}
    for runtime in RUNTIMES.values():
        for key in (runtime.id, runtime.name.lower(), *runtime.aliases):
            index.setdefault(key, runtime)
    return index


def find_runtime(text: str) -> Runtime | None:
    """The runtime ``text`` names exactly (id, name or alias, any case), else None."""
    return _names().get(text.strip().lower())


def get_runtime(text: str | None) -> Runtime:
    """Resolve a runtime by id, name or alias ('llamacpp', 'LM Studio', 'trt-llm')."""
    if not text:
        return RUNTIMES["llama.cpp"]
    found = find_runtime(text)
    if found is not None:
        return found
    key = text.strip().lower()
    names = [r.id for r in RUNTIMES.values()]
    from rapidfuzz import process  # only for unknown names
    from rapidfuzz.distance import Levenshtein

    hits = process.extract(key, names, scorer=Levenshtein.normalized_similarity, limit=3)
    raise UnknownRuntimeError(text[:40], [names[i] for _, score, i in hits if score >= 0.3])
