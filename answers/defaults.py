"""What every front end assumes when the user does not say (one place, stated in the README). No imports: the
command line reads these for its help text without loading anything else."""

from __future__ import annotations

DEFAULT_CONTEXT = 8192  # a chat-sized context: estimate, ask, the bot and the advisors all use it
DEFAULT_RUNTIME = "llama.cpp"
DEFAULT_KV_CACHE = "f16"
DEFAULT_PROMPT_TOKENS = 512  # llama-bench's pp512: the prompt whose processing speed is reported
DEFAULT_GEN_TOKENS = 128  # llama-bench's tg128
MIN_CONTEXT = 256
MAX_CONTEXT = 10_485_760  # 10M tokens: longer than any released model's window
KV_CACHE_TYPES = ("f16", "q8_0", "q4_0")
