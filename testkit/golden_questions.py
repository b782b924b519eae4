"""Golden questions for the answer engine: what community members actually type, and the right answer.

Each case: the text and what must come out: ``intent`` (one name or a tuple of acceptable names),
``top`` ("kind:id", or a tuple of acceptable ones) for the best match, ``model`` / ``hardware`` / ``quant`` /
``context`` for extracted entities. Intent "none" means the engine must abstain.
"""

from __future__ import annotations

W = "will_it_run"

CASES: list[tuple[str, dict]] = [
    # ------------------------------------------------------------------ will it run (clean)
    ("Will Llama 3.1 8B run on an RTX 3060 12GB?", {"intent": W, "model": "llama-3.1-8b-instruct", "hardware": ["rtx-3060-12gb"]}),
    ("can my 4070 super run qwen3 32b at q4?", {"intent": W, "model": "qwen3-32b", "hardware": ["rtx-4070-super"], "quant": "Q4_K_M"}),
    ("can i run gpt-oss 20b on a 3090?", {"intent": W, "model": "gpt-oss-20b", "hardware": ["rtx-3090"]}),
    ("will gpt oss 120b fit on a 5090", {"intent": W, "model": "gpt-oss-120b", "hardware": ["rtx-5090"]}),
    (
        "2x 3090 llama 3.3 70b 32k ctx",
        {"intent": W, "model": "llama-3.3-70b-instruct", "hardware": ["rtx-3090", "rtx-3090"], "context": 32768},
    ),
    (
        "two 3090s enough for l3.3 70b at q4km?",
        {"intent": W, "model": "llama-3.3-70b-instruct", "hardware": ["rtx-3090", "rtx-3090"], "quant": "Q4_K_M"},
    ),
    (
        "dual 4090 can run deepseek r1 distill llama 70b?",
        {"intent": W, "model": "deepseek-r1-distill-llama-70b", "hardware": ["rtx-4090", "rtx-4090"]},
    ),
    ("r1 distill 32b on a 4090 how fast", {"intent": W, "model": "deepseek-r1-distill-qwen-32b", "hardware": ["rtx-4090"]}),
    ("qwen2.5-coder 32b on 7900xtx?", {"intent": W, "model": "qwen2.5-coder-32b-instruct", "hardware": ["rx-7900-xtx"]}),
    (
        "how many tok/s would qwen 2.5 coder 32b get on a 3090ti",
        {"intent": W, "model": "qwen2.5-coder-32b-instruct", "hardware": ["rtx-3090-ti"]},
    ),
    (
        "m2 max 96gb llama 3.3 70b q4",
        {"intent": W, "model": "llama-3.3-70b-instruct", "hardware": ["apple-m2-max-38c-96gb"], "quant": "Q4_K_M"},
    ),
    (
        "mbp m3 pro 18gb can it do mistral nemo?",
        {"intent": W, "model": "mistral-nemo-instruct-2407", "hardware": ["apple-m3-pro-14c-18gb"]},
    ),
    ("will gemma 3 27b run on my 16gb card", {"intent": W, "model": "gemma-3-27b-it"}),
    ("does phi-4 fit in 12gb of vram?", {"intent": W, "model": "phi-4"}),
    ("can a 8gb gpu run llama 3.1 8b", {"intent": W, "model": "llama-3.1-8b-instruct"}),
    (
        "qwen3 30b a3b on rtx 3060 12gb 32k context",
        {"intent": W, "model": "qwen3-30b-a3b", "hardware": ["rtx-3060-12gb"], "context": 32768},
    ),
    ("will mixtral 8x7b run on a 4060 ti 16gb", {"intent": W, "model": "mixtral-8x7b-instruct-v0.1", "hardware": ["rtx-4060-ti-16gb"]}),
    ("llama 3.2 3b on a gtx 1060 6gb?", {"intent": W, "model": "llama-3.2-3b-instruct", "hardware": ["gtx-1060-6gb"]}),
    (
        "deepseek r1 671b on m3 ultra 512gb",
        {"intent": W, "model": ("deepseek-r1", "deepseek-r1-0528"), "hardware": ["apple-m3-ultra-80c-512gb"]},
    ),
    ("can the dgx spark run gpt-oss-120b", {"intent": W, "model": "gpt-oss-120b", "hardware": ["dgx-spark"]}),
    (
        "strix halo 128gb qwen3 235b a22b q3?",
        {"intent": W, "model": "qwen3-235b-a22b", "hardware": ["ryzen-ai-max-395-128gb"], "quant": "Q3_K_M"},
    ),
    (
        "p40 qwen2.5 32b q4_k_m 8k context",
        {"intent": W, "model": "qwen2.5-32b-instruct", "hardware": ["tesla-p40"], "quant": "Q4_K_M", "context": 8192},
    ),
    ("4x p40 for llama 3.1 70b fp16?", {"intent": W, "model": "llama-3.1-70b-instruct", "hardware": ["tesla-p40"] * 4, "quant": "F16"}),
    ("Llama 3.1 8B Q8_0 on Arc B580", {"intent": W, "model": "llama-3.1-8b-instruct", "hardware": ["arc-b580"], "quant": "Q8_0"}),
    # a chip named without GPU cores resolves to the base configuration sold with that memory
    ("gemma 3 12b on m4 pro 24gb", {"intent": W, "model": "gemma-3-12b-it", "hardware": ["apple-m4-pro-16c-24gb"]}),
    ("qwen3 8b fp16 on 4090", {"intent": W, "model": "qwen3-8b", "hardware": ["rtx-4090"], "quant": "F16"}),
    ("can my rtx 2080 ti handle mistral 7b instruct v0.3", {"intent": W, "model": "mistral-7b-instruct-v0.3", "hardware": ["rtx-2080-ti"]}),
    ("llama3.1:8b on a gtx 1080 ti", {"intent": W, "model": "llama-3.1-8b-instruct", "hardware": ["gtx-1080-ti"]}),
    ("qwq 32b on 2x 3060 12gb", {"intent": W, "model": "qwq-32b", "hardware": ["rtx-3060-12gb", "rtx-3060-12gb"]}),
    (
        "how fast is llama 3.3 70b on an m4 max 128gb",
        {"intent": W, "model": "llama-3.3-70b-instruct", "hardware": ["apple-m4-max-40c-128gb"]},
    ),
    ("command r plus on 3x 3090?", {"intent": W, "model": "command-r-plus-08-2024", "hardware": ["rtx-3090"] * 3}),
    ("glm 4.5 air on strix halo 128gb", {"intent": W, "model": "glm-4.5-air", "hardware": ["ryzen-ai-max-395-128gb"]}),
    (
        "Is a 5060 Ti 16GB enough for Qwen3 14B with 16k context?",
        {"intent": W, "model": "qwen3-14b", "hardware": ["rtx-5060-ti-16gb"], "context": 16384},
    ),
    ("llama 4 scout on 4x 4090", {"intent": W, "model": "llama-4-scout-17b-16e-instruct", "hardware": ["rtx-4090"] * 4}),
    ("gpt-oss-20b on m1 pro 16gb", {"intent": W, "model": "gpt-oss-20b", "hardware": ["apple-m1-pro-14c-16gb"]}),
    (
        "mistral small 3.1 on 3090 at 4bit",
        {"intent": W, "model": "mistral-small-3.1-24b-instruct-2503", "hardware": ["rtx-3090"], "quant": "Q4_K_M"},
    ),
    # ------------------------------------------------------------------ will it run (typos, slang)
    ("can my 3090ti run lama 3.1 8b", {"intent": W, "model": "llama-3.1-8b-instruct", "hardware": ["rtx-3090-ti"]}),
    ("will qwen3-32b work on a 4090 with 32k ctx", {"intent": W, "model": "qwen3-32b", "hardware": ["rtx-4090"], "context": 32768}),
    (
        "bro will deepseek r1 distill qwen 14b run on my 4060",
        {"intent": W, "model": "deepseek-r1-distill-qwen-14b", "hardware": ["rtx-4060"]},
    ),
    ("gemma3 27b 4090 q8?", {"intent": W, "model": "gemma-3-27b-it", "hardware": ["rtx-4090"], "quant": "Q8_0"}),
    ("anyone know if phi 4 runs on a 3060", {"intent": W, "model": "phi-4", "hardware": ["rtx-3060-12gb"]}),
    ("qwen3 4b on rtx 3050", {"intent": W, "model": "qwen3-4b"}),
    ("llama 3.2 1b on a raspberry pi?", {"intent": ("will_it_run", "model"), "model": "llama-3.2-1b-instruct"}),
    ("running qwen2.5 7b on 6900xt ok?", {"intent": W, "model": "qwen2.5-7b-instruct", "hardware": ["rx-6900-xt"]}),
    ("7900 xtx vs llama 70b at q2?", {"intent": W, "model": "llama-3.3-70b-instruct", "hardware": ["rx-7900-xtx"], "quant": "Q2_K"}),
    ("can I fit qwen3 coder 30b a3b into 24gb vram", {"intent": W, "model": "qwen3-coder-30b-a3b-instruct"}),
    (
        "would an rtx a6000 do llama 3.1 70b at 8bit",
        {"intent": W, "model": "llama-3.1-70b-instruct", "hardware": ["rtx-a6000"], "quant": "Q8_0"},
    ),
    (
        "mixtral 8x22b on mac studio m2 ultra 192gb",
        {"intent": W, "model": "mixtral-8x22b-instruct-v0.1", "hardware": ["apple-m2-ultra-76c-192gb"]},
    ),
    ("smollm2 1.7b on jetson orin nano", {"intent": W, "model": "smollm2-1.7b-instruct", "hardware": ["jetson-orin-nano-8gb"]}),
    ("starcoder2 15b on 4070 ti super", {"intent": W, "model": "starcoder2-15b", "hardware": ["rtx-4070-ti-super"]}),
    (
        "can qwen2.5 72b run on 2x 4090 awq",
        {"intent": W, "model": "qwen2.5-72b-instruct", "hardware": ["rtx-4090", "rtx-4090"], "quant": "AWQ"},
    ),
    ("how much vram do i need for llama 3.3 70b", {"intent": ("will_it_run", "model"), "model": "llama-3.3-70b-instruct"}),
    ("yi 1.5 34b on a 3090 at 16k", {"intent": W, "model": "yi-1.5-34b-chat", "hardware": ["rtx-3090"], "context": 16384}),
    ("granite 3.3 8b on rtx 3070", {"intent": W, "model": "granite-3.3-8b-instruct", "hardware": ["rtx-3070"]}),
    ("codestral 22b + 4080 super?", {"intent": W, "model": "codestral-22b-v0.1", "hardware": ["rtx-4080-super"]}),
    ("kimi k2 on 8x h100", {"intent": W, "model": "kimi-k2-instruct", "hardware": ["h100-80gb-pcie"] * 8}),
    ("olmo 2 13b on m2 pro 32gb", {"intent": W, "model": "olmo-2-1124-13b-instruct"}),
    ("hermes 3 8b on 3060 ti", {"intent": W, "model": "hermes-3-llama-3.1-8b", "hardware": ["rtx-3060-ti"]}),
    ("internlm 2.5 7b chat on a t4", {"intent": W, "model": "internlm2.5-7b-chat", "hardware": ["tesla-t4"]}),
    ("can llama 2 13b run on an rtx 3080 10gb", {"intent": W, "model": ("llama-2-13b", "llama-2-13b-chat"), "hardware": ["rtx-3080-10gb"]}),
    # ------------------------------------------------------------------ errors (pasted logs)
    (
        "```\nggml_backend_cuda_buffer_type_alloc_buffer: allocating 8192.00 MiB on device 0: cudaMalloc failed: out of memory\n"
        "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n```",
        {"intent": "error", "top": "error:llama-cpp-cuda-buffer-alloc-failed"},
    ),
    (
        "Error: model requires more system memory (44.0 GiB) than is available (15.2 GiB)",
        {"intent": "error", "top": "error:ollama-requires-more-system-memory"},
    ),
    (
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB",
        {"intent": "error", "top": "error:cuda-out-of-memory-loading"},
    ),
    (
        "RuntimeError: MPS backend out of memory (MPS allocated: 17.4 GB, other allocations: 1.1 GB)",
        {"intent": "error", "top": "error:mps-backend-out-of-memory"},
    ),
    (
        "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.",
        {"intent": "error", "top": "error:vllm-no-memory-for-cache-blocks"},
    ),
    (
        "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'qwen3moe'",
        {"intent": "error", "top": "error:llama-cpp-unknown-model-architecture"},
    ),
    ("CUDA error: no kernel image is available for execution on the device", {"intent": "error", "top": "error:cuda-no-kernel-image"}),
    ("Illegal instruction (core dumped)", {"intent": "error", "top": "error:illegal-instruction-no-avx"}),
    (
        "Failed to initialize NVML: Driver/library version mismatch",
        {"intent": "error", "top": "error:nvml-driver-library-version-mismatch"},
    ),
    (
        'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].',
        {"intent": "error", "top": "error:docker-gpu-not-visible"},
    ),
    ("AssertionError: Torch not compiled with CUDA enabled", {"intent": "error", "top": "error:torch-not-compiled-with-cuda"}),
    ("Error: listen tcp 127.0.0.1:11434: bind: address already in use", {"intent": "error", "top": "error:port-already-in-use"}),
    (
        "OSError: You are trying to access a gated repo. Make sure to have access to it at https://huggingface.co/meta-llama/Llama-3.1-8B. "
        "401 Client Error",
        {"intent": "error", "top": "error:huggingface-gated-repo"},
    ),
    ("ERROR: Failed building wheel for flash-attn", {"intent": "error", "top": "error:flash-attn-build-failure"}),
    ("ggml_vulkan: No devices found.", {"intent": "error", "top": "error:vulkan-no-devices-found"}),
    (
        "Error: llama runner process has terminated: exit status 0xc0000409",
        {"intent": "error", "top": ("error:windows-exit-status-0xc0000409", "error:ollama-llama-runner-terminated")},
    ),
    (
        '```\ntime=2025-01-10T10:00:00 level=INFO source=server.go msg="starting llama server"\n'
        "ggml_cuda_init: failed to initialize CUDA: no CUDA-capable device is detected\n"
        "llm_load_tensors: offloaded 0/33 layers to GPU\n"
        "Error: llama runner process has terminated: exit status 2\n```",
        {"intent": "error", "top": "error:cuda-init-failed"},
    ),
    (
        "```\nllama_kv_cache_init: CUDA0 KV buffer size = 16384.00 MiB\n"
        "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 16384.00 MiB on device 0: cudaMalloc failed: out of memory\n"
        "llama_init_from_model: failed to allocate buffer for kv cache\n"
        "Error: llama runner process has terminated: error loading model\n```",
        {"intent": "error", "top": ("error:llama-cpp-cuda-buffer-alloc-failed", "error:cuda-oom-long-context")},
    ),
    (
        "rocBLAS error: Cannot read TensileLibrary.dat: Illegal seek for GPU arch : gfx1031\nHSA_OVERRIDE_GFX_VERSION",
        {"intent": "error", "top": "error:rocm-unsupported-gfx-target"},
    ),
    ("OSError: [Errno 28] No space left on device", {"intent": "error", "top": "error:disk-full-model-download"}),
    (
        "safetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge",
        {"intent": "error", "top": "error:safetensors-header-too-large"},
    ),
    (
        "The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (45000).",
        {"intent": "error", "top": "error:vllm-max-model-len-exceeds-kv-cache"},
    ),
    (
        "RuntimeError: FlashAttention only supports Ampere GPUs or newer.",
        {"intent": "error", "top": "error:flash-attention-requires-ampere"},
    ),
    (
        "ValueError: Loading this model requires you to execute the configuration file in that repo on your local machine. "
        "set the option `trust_remote_code=True` to remove this error.",
        {"intent": "error", "top": "error:transformers-trust-remote-code"},
    ),
    ("nvcc fatal : Unsupported gpu architecture 'compute_120'", {"intent": "error", "top": "error:nvcc-unsupported-gpu-architecture"}),
    ("GGML_ASSERT(ggml_nelements(a) == ne0*ne1) failed", {"intent": "error", "top": "error:ggml-assert-failure"}),
    ("CUBLAS_STATUS_NOT_SUPPORTED when calling `cublasGemmEx`", {"intent": "error", "top": "error:cublas-status-errors"}),
    ("my ollama is using 100% CPU instead of the gpu, ollama ps shows 100% CPU", {"intent": "error", "top": "error:ollama-running-on-cpu"}),
    (
        "llama_model_load: error loading model: tensor 'blk.0.attn_q.weight' data is not within the file bounds, model is corrupted or incomplete",
        {"intent": "error", "top": "error:gguf-tensor-data-out-of-bounds"},
    ),
    (
        "Access to fetch at 'http://localhost:11434/api/chat' from origin 'http://localhost:3000' has been blocked by CORS policy",
        {"intent": "error", "top": "error:cors-blocked-web-ui"},
    ),
    (
        "bitsandbytes was compiled without GPU support. 8-bit optimizers, 8-bit multiplication, and GPU quantization are unavailable.",
        {"intent": "error", "top": "error:bitsandbytes-no-gpu-support"},
    ),
    (
        "Out of memory: Killed process 4242 (ollama) total-vm:52000000kB",
        {"intent": "error", "top": "error:system-ram-exhausted-oom-killer"},
    ),
    # ------------------------------------------------------------------ glossary
    ("what is a kv cache", {"intent": "glossary", "top": "glossary:kv-cache"}),
    ("whats gguf", {"intent": ("glossary", "tool"), "top": "glossary:gguf"}),
    ("eli5 quantization", {"intent": "glossary", "top": "glossary:quantization"}),
    ("what does -ngl mean in llama.cpp", {"intent": "glossary", "top": "glossary:layer-offloading"}),
    ("what's MoE", {"intent": "glossary", "top": "glossary:mixture-of-experts"}),
    ("what is flash attention", {"intent": "glossary", "top": "glossary:flash-attention"}),
    ("explain grouped query attention", {"intent": "glossary", "top": "glossary:grouped-query-attention"}),
    ("what is q4_k_m", {"intent": "glossary", "top": "glossary:q4_k_m"}),
    ("what does temperature do", {"intent": "glossary", "top": "glossary:temperature"}),
    ("what is min-p sampling", {"intent": "glossary", "top": "glossary:min-p"}),
    ("what is speculative decoding", {"intent": "glossary", "top": "glossary:speculative-decoding"}),
    ("define perplexity", {"intent": "glossary", "top": "glossary:perplexity"}),
    ("what is an imatrix", {"intent": "glossary", "top": "glossary:importance-matrix"}),
    ("what is rope scaling / yarn", {"intent": "glossary", "top": "glossary:rope-scaling"}),
    ("what does context length mean", {"intent": "glossary", "top": "glossary:context-length"}),
    ("what is LoRA", {"intent": "glossary", "top": "glossary:lora"}),
    ("what is RAG?", {"intent": "glossary", "top": "glossary:retrieval-augmented-generation"}),
    ("what is tensor parallelism", {"intent": "glossary", "top": "glossary:tensor-parallelism"}),
    ("meaning of prefill vs decode", {"intent": "glossary", "top": ("glossary:prefill", "glossary:decode")}),
    ("what is unified memory on a mac", {"intent": "glossary", "top": "glossary:unified-memory"}),
    ("what's the difference between awq and gptq", {"intent": "glossary", "top": ("glossary:awq", "glossary:gptq")}),
    ("what is time to first token", {"intent": "glossary", "top": "glossary:time-to-first-token"}),
    ("what is mmap in llama.cpp", {"intent": "glossary", "top": "glossary:mmap"}),
    ("what is a system prompt", {"intent": "glossary", "top": "glossary:system-prompt"}),
    ("what is the roofline model", {"intent": "glossary", "top": "glossary:roofline-model"}),
    ("what is memory bandwidth and why does it matter for llms", {"intent": "glossary", "top": "glossary:memory-bandwidth"}),
    ("what is exl2", {"intent": "glossary", "top": "glossary:exl2"}),
    ("what are tensor cores", {"intent": "glossary", "top": "glossary:tensor-cores"}),
    (
        "HSA_OVERRIDE_GFX_VERSION what does it do",
        {"intent": ("glossary", "error"), "top": ("glossary:gfx-target", "error:rocm-unsupported-gfx-target")},
    ),
    ("what is continuous batching", {"intent": "glossary", "top": "glossary:continuous-batching"}),
    # ------------------------------------------------------------------ models
    ("tell me about qwen3 30b a3b", {"intent": "model", "top": "model:qwen3-30b-a3b"}),
    ("how many parameters does gpt-oss-120b have", {"intent": "model", "top": "model:gpt-oss-120b"}),
    ("context length of gemma 3 27b", {"intent": "model", "top": "model:gemma-3-27b-it"}),
    ("deepseek v3 info", {"intent": "model", "top": "model:deepseek-v3"}),
    ("llama 3.3 70b license", {"intent": "model", "top": "model:llama-3.3-70b-instruct"}),
    ("qwq 32b", {"intent": "model", "top": "model:qwq-32b"}),
    ("mistral nemo", {"intent": "model", "top": "model:mistral-nemo-instruct-2407"}),
    ("phi 3.5 moe details", {"intent": "model", "top": "model:phi-3.5-moe-instruct"}),
    # ------------------------------------------------------------------ hardware
    ("specs of the rtx 3090", {"intent": "hardware", "top": "hardware:rtx-3090"}),
    ("how much vram does a 4060 ti 16gb have", {"intent": "hardware", "top": "hardware:rtx-4060-ti-16gb"}),
    ("m4 max 128gb memory bandwidth", {"intent": "hardware", "top": "hardware:apple-m4-max-40c-128gb"}),
    ("tesla p40 specs", {"intent": "hardware", "top": "hardware:tesla-p40"}),
    ("7900xtx", {"intent": "hardware", "top": "hardware:rx-7900-xtx"}),
    ("dgx spark bandwidth", {"intent": "hardware", "top": "hardware:dgx-spark"}),
    ("arc b580 specs", {"intent": "hardware", "top": "hardware:arc-b580"}),
    # ------------------------------------------------------------------ tools
    ("how do i install ollama", {"intent": "tool", "top": "tool:ollama"}),
    ("how to install llama.cpp on windows", {"intent": "tool", "top": "tool:llama.cpp"}),
    ("setup vllm", {"intent": "tool", "top": "tool:vllm"}),
    ("what is lm studio", {"intent": ("tool", "glossary"), "top": ("tool:lm-studio", "glossary:lm-studio")}),
    ("install open webui docker", {"intent": "tool", "top": "tool:open-webui"}),
    ("how do i use koboldcpp", {"intent": "tool", "top": "tool:koboldcpp"}),
    ("tabbyapi setup", {"intent": "tool", "top": "tool:tabbyapi"}),
    ("download mlx lm", {"intent": "tool", "top": "tool:mlx-lm"}),
    # ------------------------------------------------------------------ compare
    ("3090 vs 4090 for llms", {"intent": "compare", "top": ("hardware:rtx-3090", "hardware:rtx-4090")}),
    ("7900xtx or 4090 for local ai?", {"intent": "compare", "top": ("hardware:rx-7900-xtx", "hardware:rtx-4090")}),
    ("qwen3 32b vs llama 3.3 70b", {"intent": "compare", "top": ("model:qwen3-32b", "model:llama-3.3-70b-instruct")}),
    (
        "gemma 3 27b or mistral small 3.1 24b which is better",
        {"intent": "compare", "top": ("model:gemma-3-27b-it", "model:mistral-small-3.1-24b-instruct-2503")},
    ),
    ("compare m4 max 128gb and dgx spark", {"intent": "compare", "top": ("hardware:apple-m4-max-40c-128gb", "hardware:dgx-spark")}),
    ("p40 vs 3090 for inference", {"intent": "compare", "top": ("hardware:tesla-p40", "hardware:rtx-3090")}),
    # ------------------------------------------------------------------ choose a GPU
    ("which gpu should i buy for qwen3 32b under $1000", {"intent": "choose_gpu", "model": "qwen3-32b"}),
    ("best gpu under $500 for local llm", {"intent": "choose_gpu"}),
    ("what gpu should i get for llama 3.3 70b", {"intent": "choose_gpu", "model": "llama-3.3-70b-instruct"}),
    ("recommend a budget card for running 8b models", {"intent": "choose_gpu"}),
    ("upgrade from my 1060, what card for 14b models", {"intent": "choose_gpu"}),
    ("which graphics card is the best value for gpt-oss 20b", {"intent": "choose_gpu", "model": "gpt-oss-20b"}),
    # ------------------------------------------------------------------ cost
    (
        "is it cheaper to run llama 3.1 8b on a 3090 than the api for 5M tokens a day",
        {"intent": "cost", "model": "llama-3.1-8b-instruct", "hardware": ["rtx-3090"]},
    ),
    ("electricity cost of running qwen3 32b on a 4090", {"intent": "cost", "model": "qwen3-32b", "hardware": ["rtx-4090"]}),
    ("break even vs cloud for gpt-oss 20b on 5090", {"intent": "cost", "model": "gpt-oss-20b", "hardware": ["rtx-5090"]}),
    ("is local cheaper than the cloud", {"intent": "cost"}),
    # ------------------------------------------------------------------ abstain
    ("thanks!", {"intent": "none"}),
    ("thank you so much", {"intent": "none"}),
    ("lol", {"intent": "none"}),
    ("ok cool", {"intent": "none"}),
    ("good morning everyone", {"intent": "none"}),
    ("nice", {"intent": "none"}),
    ("what's the weather like today", {"intent": "none"}),
    ("anyone watching the game tonight?", {"intent": "none"}),
    ("my cat keeps sitting on my keyboard", {"intent": "none"}),
    ("how do I center a div in css", {"intent": "none"}),
    ("recommend a good pizza place in berlin", {"intent": "none"}),
    ("happy birthday dude!", {"intent": "none"}),
    ("who won the election", {"intent": "none"}),
    ("brb", {"intent": "none"}),
    ("sounds good, cheers", {"intent": "none"}),
    ("can someone review my pull request", {"intent": "none"}),
    ("i love this server", {"intent": "none"}),
    ("what time is it in tokyo", {"intent": "none"}),
    ("", {"intent": "none"}),
    ("@everyone free nitro", {"intent": "none"}),
    ("asdfghjkl", {"intent": "none"}),
    ("+1", {"intent": "none"}),
]


def as_tuple(value: object) -> tuple:
    """An expectation may list several acceptable values; a single value is a one-element tuple."""
    return value if isinstance(value, tuple) else (value,)
