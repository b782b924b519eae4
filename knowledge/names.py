"""Name normalisation shared by the loader (alias uniqueness) and the search index."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s\-_/:,()]+")


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """Lowercase, fold accents, and collapse separators so 'Llama-3.1_8B' == 'llama 3.1 8b'."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SEPARATORS.sub(" ", text.lower()).strip()


def compact(text: str) -> str:
    """normalize() without any spaces: 'rtx 4090' -> 'rtx4090'."""
    return normalize(text).replace(" ", "")
