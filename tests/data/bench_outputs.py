"""Real benchmark outputs people pasted in public threads (the URL above each one). The llama-bench, Ollama and
llama-server pastes are read from data/eval/healthy_logs.yaml, where each carries its source URL."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

HEALTHY_LOGS = Path(__file__).resolve().parents[2] / "data" / "eval" / "healthy_logs.yaml"


@cache
def healthy(paste_id: str) -> tuple[str, str]:
    """(text, source URL) of a paste in data/eval/healthy_logs.yaml."""
    for item in yaml.safe_load(HEALTHY_LOGS.read_text(encoding="utf-8")):
        if item["id"] == paste_id:
            return item["text"], item["source"]
    raise KeyError(paste_id)


# https://github.com/vllm-project/vllm/pull/18566 (vllm bench serve, Llama 3.1 8B Instruct, no concurrency limit)
VLLM_BENCH_SERVE_LLAMA_8B = """\
vllm serve meta-llama/Llama-3.1-8B-Instruct --disable-log-requests

vllm bench serve --model meta-llama/Llama-3.1-8B-Instruct --endpoint-type openai-chat --endpoint /v1/chat/completions --dataset-name hf --dataset-path Aeala/ShareGPT_Vicuna_unfiltered
============ Serving Benchmark Result ============
Successful requests:                     1000
Benchmark duration (s):                  30.85
Total input tokens:                      229711
Total generated tokens:                  203068
Request throughput (req/s):              32.42
Output token throughput (tok/s):         6582.87
Total Token throughput (tok/s):          14029.44
---------------Time to First Token----------------
Mean TTFT (ms):                          9626.13
Median TTFT (ms):                        9459.70
P99 TTFT (ms):                           12666.73
-----Time per Output Token (excl. 1st token)------
Mean TPOT (ms):                          77.86
Median TPOT (ms):                        48.84
P99 TPOT (ms):                           211.21
---------------Inter-token Latency----------------
Mean ITL (ms):                           38.13
Median ITL (ms):                         25.44
P99 ITL (ms):                            214.35
==================================================
"""

# https://github.com/vllm-project/vllm/pull/31826 (one request at a time is not this one: 8 at once, tensor parallel 2)
VLLM_SERVING_CONCURRENCY_8 = """\
============ Serving Benchmark Result ============
Successful requests:                     1000
Failed requests:                         0
Maximum request concurrency:             8
Benchmark duration (s):                  162.21
Total input tokens:                      215312
Total generated tokens:                  199033
Request throughput (req/s):              6.16
Output token throughput (tok/s):         1226.98
Peak output token throughput (tok/s):    1332.00
Peak concurrent requests:                23.00
Total token throughput (tok/s):          2554.31
---------------Time to First Token----------------
Mean TTFT (ms):                          30.87
Median TTFT (ms):                        27.44
P99 TTFT (ms):                           97.69
-----Time per Output Token (excl. 1st token)------
Mean TPOT (ms):                          6.35
Median TPOT (ms):                        6.28
P99 TPOT (ms):                           7.86
---------------Inter-token Latency----------------
Mean ITL (ms):                           6.35
Median ITL (ms):                         6.08
P99 ITL (ms):                            18.73
==================================================
"""
