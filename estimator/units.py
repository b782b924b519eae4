"""Byte units. Compute in bytes; convert only at the edges.

GB (10^9) is what we report. GiB (2^30) is what GPU vendors and Apple mean by "GB" of memory and what
llama.cpp prints; MiB likewise.
"""

GB = 1e9
GIB = float(2**30)
MIB = float(2**20)


def gib_to_bytes(gib: float) -> float:
    """Marketed memory ('24 GB' card, '16 GB' Mac) -> bytes."""
    return gib * GIB


def to_gb(n_bytes: float) -> float:
    return n_bytes / GB
