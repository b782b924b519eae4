"""Read a GGUF file's header (optional extra: ``pip install runlocalai-bot[gguf]``): the architecture from
its metadata and the exact bytes of every tensor, so the estimate uses the file as it is, not a recipe.

Only the header is read, front to back, from any binary stream (a local file, or an HTTP range reader for a
file on the Hugging Face Hub): magic, version, counts, the key/value metadata, the tensor infos. Tensor data
is never touched. Large arrays (the tokenizer's tokens, merges, scores) are skipped and kept as their length.
Type ids and block sizes come from the ``gguf`` package (``GGMLQuantizationType``, ``GGML_QUANT_SIZES``).
"""

from __future__ import annotations

import math
import re
import struct
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from estimator.architecture import ModelArch, MoESpec
from estimator.weights import WeightsBreakdown, WeightsBuilder

_LAYER = re.compile(r"^blk\.(\d+)\.")
GGUF_MAGIC = b"GGUF"
_KEEP_ARRAY_ITEMS = 4096  # numeric arrays up to this length are kept (per-layer values); longer ones as length only
_KEEP_STRING_ITEMS = 64  # string arrays up to this length are kept (tags, languages); tokens and merges are not
_MAX_STRING = 16 << 20  # a longer string means the header is corrupt
_MAX_COUNT = 1 << 32


class GGUFReadError(ValueError):
    pass


@dataclass(frozen=True)
class GGUFArray:
    """A metadata array kept only as its element type and length (e.g. ``tokenizer.ggml.tokens``)."""

    item_type: int
    length: int

    def __len__(self) -> int:
        return self.length


@dataclass(frozen=True)
class GGUFTensorInfo:
    name: str
    type_name: str  # ggml storage type, e.g. Q4_K, F32
    n_elements: int
    n_bytes: int


@dataclass
class GGUFHeader:
    version: int
    metadata: dict[str, Any]
    tensors: list[GGUFTensorInfo]
    data_offset: int  # bytes before the tensor data (header, metadata, tensor infos, padding)

    @property
    def tensor_bytes(self) -> int:
        return sum(t.n_bytes for t in self.tensors)


@dataclass(frozen=True)
class GGUFModel:
    name: str
    arch: ModelArch
    weights: WeightsBreakdown
    quant_label: str  # the file's ftype, or named after the most common storage type of the layer weights


def _gguf_constants() -> Any:
    try:
        import gguf
    except ImportError as exc:  # the optional extra is not installed
        raise GGUFReadError("Reading GGUF files needs the gguf package: pip install 'runlocalai-bot[gguf]'") from exc
    return gguf


class _Cursor:
    """Sequential reads over a binary stream with a local buffer (no seeking needed)."""

    def __init__(self, stream: BinaryIO, label: str, chunk: int = 1 << 20):
        self.stream = stream
        self.label = label
        self.chunk = chunk
        self.buf = b""
        self.pos = 0  # position in buf
        self.base = 0  # file offset of buf[0]
        self.order = "<"

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def _fill(self, n: int) -> None:
        if self.pos + n <= len(self.buf):
            return
        rest = self.buf[self.pos :]
        self.base += self.pos
        self.pos = 0
        parts = [rest]
        have = len(rest)
        while have < n:
            data = self.stream.read(max(self.chunk, n - have))
            if not data:
                raise GGUFReadError(f"{self.label}: the GGUF header ends early (truncated at byte {self.base + have:,})")
            parts.append(data)
            have += len(data)
        self.buf = b"".join(parts)

    def take(self, n: int) -> bytes:
        self._fill(n)
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def skip(self, n: int) -> None:
        while n > 0:
            step = min(n, self.chunk)
            self._fill(step)
            self.pos += step
            n -= step

    def unpack(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        self._fill(size)
        values = struct.unpack_from(self.order + fmt, self.buf, self.pos)
        self.pos += size
        return values[0] if len(values) == 1 else values

    def unpack_many(self, fmt: str, count: int) -> list[Any]:
        size = struct.calcsize(fmt) * count
        self._fill(size)
        values = struct.unpack_from(f"{self.order}{count}{fmt}", self.buf, self.pos)
        self.pos += size
        return list(values)

    def string(self) -> str:
        length = self.unpack("Q")
        if length > _MAX_STRING:
            raise GGUFReadError(f"{self.label}: implausible string length {length:,} at byte {self.offset:,}")
        return self.take(length).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Skip ``count`` length-prefixed strings (a tokenizer's hundreds of thousands): a tight loop over the
        buffer, refilled only when a string crosses its end."""
        unpack = struct.Struct(self.order + "Q").unpack_from
        remaining = count
        while remaining:
            buf, pos, end = self.buf, self.pos, len(self.buf)
            need = 8
            while remaining and pos + 8 <= end:
                (length,) = unpack(buf, pos)
                if length > _MAX_STRING:
                    raise GGUFReadError(f"{self.label}: implausible string length {length:,} at byte {self.base + pos:,}")
                if pos + 8 + length > end:
                    need = 8 + length
                    break
                pos += 8 + length
                remaining -= 1
            self.pos = pos
            if remaining:
                self._fill(need)


# GGUF value type id -> struct format (GGUF spec: uint8 .. float64; 8 = string, 9 = array)
_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


def _value(cur: _Cursor, vtype: int) -> Any:
    if vtype in _SCALAR:
        return cur.unpack(_SCALAR[vtype])
    if vtype == _STRING:
        return cur.string()
    if vtype == _ARRAY:
        item_type, count = cur.unpack("I"), cur.unpack("Q")
        if count > _MAX_COUNT:
            raise GGUFReadError(f"{cur.label}: implausible array length {count:,}")
        if item_type in _SCALAR:
            fmt = _SCALAR[item_type]
            if count <= _KEEP_ARRAY_ITEMS:
                return cur.unpack_many(fmt, count)
            cur.skip(count * struct.calcsize(fmt))
            return GGUFArray(item_type, count)
        if item_type == _STRING:
            if count <= _KEEP_STRING_ITEMS:
                return [cur.string() for _ in range(count)]
            cur.skip_strings(count)
            return GGUFArray(item_type, count)
        if item_type == _ARRAY:  # nested arrays are not used by llama.cpp; read and drop
            for _ in range(count):
                _value(cur, _ARRAY)
            return GGUFArray(item_type, count)
        raise GGUFReadError(f"{cur.label}: unknown array item type {item_type}")
    raise GGUFReadError(f"{cur.label}: unknown metadata value type {vtype}")


def parse_gguf_header(stream: BinaryIO, label: str = "file") -> GGUFHeader:
    """Parse magic, metadata and tensor infos from ``stream`` (positioned at the start of a GGUF file).

    Reads sequentially and stops at the end of the tensor infos; the caller's stream decides how much is
    fetched at a time (a local file, or HTTP range requests)."""
    gguf = _gguf_constants()
    cur = _Cursor(stream, label)
    if cur.take(4) != GGUF_MAGIC:
        raise GGUFReadError(f"{label} is not a readable GGUF file (no GGUF magic at the start)")
    raw_version = cur.take(4)
    version = struct.unpack("<I", raw_version)[0]
    if version & 0xFFFF == 0:  # written on a big-endian machine
        cur.order = ">"
        version = struct.unpack(">I", raw_version)[0]
    if version not in (2, 3):
        raise GGUFReadError(f"{label} is not a readable GGUF file (GGUF version {version} is not supported)")
    tensor_count, kv_count = cur.unpack("Q"), cur.unpack("Q")
    if tensor_count > 1 << 20 or kv_count > 1 << 20:
        raise GGUFReadError(f"{label} is not a readable GGUF file (implausible counts)")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cur.string()
        metadata[key] = _value(cur, cur.unpack("I"))
    tensors: list[GGUFTensorInfo] = []
    for _ in range(tensor_count):
        name = cur.string()
        n_dims = cur.unpack("I")
        if n_dims > 8:
            raise GGUFReadError(f"{label}: tensor {name} has {n_dims} dimensions")
        dims = [cur.unpack("Q") for _ in range(n_dims)]
        type_id = cur.unpack("I")
        cur.unpack("Q")  # offset of the tensor's data: not needed
        try:
            qtype = gguf.GGMLQuantizationType(type_id)
            block, type_size = gguf.GGML_QUANT_SIZES[qtype]
        except (ValueError, KeyError):
            raise GGUFReadError(
                f"{label}: tensor {name} has an unknown storage type id {type_id} (newer than this gguf package?)"
            ) from None
        n_elements = math.prod(dims) if dims else 1
        tensors.append(GGUFTensorInfo(name, qtype.name, n_elements, n_elements * type_size // block))
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        alignment = 32
    end = cur.offset
    data_offset = end + (-end % alignment)
    return GGUFHeader(version=version, metadata=metadata, tensors=tensors, data_offset=data_offset)


def merge_split_headers(headers: Iterable[GGUFHeader]) -> GGUFHeader:
    """One header for a model split over several files (``-00001-of-0000N.gguf``): metadata of the first
    split, tensors of all of them."""
    headers = list(headers)
    if not headers:
        raise GGUFReadError("no GGUF headers to merge")
    first = headers[0]
    tensors = [t for h in headers for t in h.tensors]
    return GGUFHeader(first.version, first.metadata, tensors, sum(h.data_offset for h in headers))


def _meta(metadata: dict[str, Any], key: str, default: Any = None) -> Any:
    value = metadata.get(key)
    if value is None or isinstance(value, GGUFArray):
        return default
    if isinstance(value, list):
        numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        return max(numbers) if numbers else default  # per-layer arrays (e.g. feed_forward_length): the widest layer
    return value


def read_gguf(path: str | Path) -> GGUFModel:
    """The model in a local GGUF file, from its header only."""
    path = Path(path)
    if not path.is_file():
        raise GGUFReadError(f"No such file: {path}")
    with path.open("rb") as handle:
        try:
            header = parse_gguf_header(handle, path.name)
        except GGUFReadError as exc:
            if "Reading GGUF files needs" in str(exc) or "not a readable GGUF file" in str(exc):
                raise
            raise GGUFReadError(f"{path.name} is not a readable GGUF file ({exc})") from exc
    return model_from_header(header, path.name, default_name=path.stem)


def model_from_header(header: GGUFHeader, label: str, default_name: str | None = None) -> GGUFModel:
    """Architecture (from the metadata) and exact weights (from the tensor infos) of a parsed header."""
    metadata = header.metadata
    arch_name = _meta(metadata, "general.architecture")
    if not arch_name:
        raise GGUFReadError(f"{label} has no general.architecture key")
    a = arch_name

    def key(name: str, default: Any = None) -> Any:
        return _meta(metadata, f"{a}.{name}", default)

    layers = int(key("block_count", 0))
    hidden = int(key("embedding_length", 0))
    heads = int(key("attention.head_count", 0) or 0)
    if not (layers and hidden and heads):
        raise GGUFReadError(f"{label}: missing block_count / embedding_length / attention.head_count for {a}")
    tokens = metadata.get("tokenizer.ggml.tokens")
    vocab = len(tokens) if tokens is not None else int(key("vocab_size", 32000))
    names = {t.name for t in header.tensors}
    fields: dict[str, Any] = {
        "model_type": a,
        "layers": layers,
        "hidden": hidden,
        "intermediate": int(key("feed_forward_length", 4 * hidden)),
        "heads": heads,
        "kv_heads": int(key("attention.head_count_kv", heads) or heads),
        "head_dim": int(key("attention.key_length", hidden // heads)),
        "vocab": vocab,
        "tied_embeddings": "output.weight" not in names,
        "max_context": int(key("context_length", 4096)),
        "rope_theta": key("rope.freq_base"),
    }
    window = key("attention.sliding_window")
    if window:
        fields["sliding_window"] = int(window)
    experts = int(key("expert_count", 0) or 0)
    if experts > 1:
        fields["moe"] = MoESpec(
            experts=experts,
            active=int(key("expert_used_count", 2)),
            shared=int(key("expert_shared_count", 0) or 0),
            expert_intermediate=int(key("expert_feed_forward_length", fields["intermediate"])),
            dense_layers=int(key("leading_dense_block_count", 0) or 0),
        )
    try:
        arch = ModelArch.model_validate(fields)
    except ValueError as exc:
        raise GGUFReadError(f"{label}: inconsistent metadata ({exc})") from exc
    name = str(_meta(metadata, "general.name", default_name or label))
    return GGUFModel(name=name, arch=arch, weights=_weights(header.tensors, arch), quant_label=_quant_label(header))


def _weights(tensors: list[GGUFTensorInfo], arch: ModelArch) -> WeightsBreakdown:
    """Every tensor of the file at its real type and byte count, through the same builder the recipe uses."""
    builder = WeightsBuilder(arch.layers)
    share = arch.moe.active / arch.moe.experts if arch.moe else 1.0
    embd_type = "F16"
    for tensor in tensors:
        size = float(tensor.n_bytes)
        count = float(tensor.n_elements)
        type_name = tensor.type_name
        match = _LAYER.match(tensor.name)
        if match and int(match.group(1)) < arch.layers:
            expert = "_exps" in tensor.name
            builder.add_layers([int(match.group(1))], [type_name], [size], count, expert=expert, active_fraction=share if expert else 1.0)
        elif tensor.name == "token_embd.weight":
            embd_type = type_name
            builder.add_global("token_embd", type_name, size, count)
        elif tensor.name == "output.weight":
            builder.add_global("output", type_name, size, count)
        else:  # output_norm and the like ride with the last layer
            builder.add_global("other", type_name, size, count)
    return builder.build(tied=arch.tied_embeddings, head_weights=arch.vocab * arch.hidden, embd_type=embd_type)


_BASE_TO_FTYPE = {"Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q3_K": "Q3_K_M", "Q2_K": "Q2_K", "Q6_K": "Q6_K", "IQ3_S": "IQ3_S"}


def _quant_label(header: GGUFHeader) -> str:
    """The file's ftype (general.file_type), else named after its most common layer storage type."""
    from estimator.quants import GGUF_BASE

    file_type = _meta(header.metadata, "general.file_type")
    if file_type is not None:
        try:
            from gguf import LlamaFileType

            name = LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
            if name in GGUF_BASE:
                return name
        except (ValueError, ImportError):
            pass
    sizes: dict[str, int] = defaultdict(int)
    for tensor in header.tensors:
        if _LAYER.match(tensor.name):
            sizes[tensor.type_name] += int(tensor.n_bytes)
    dominant = max(sizes, key=sizes.__getitem__) if sizes else "F16"
    return _BASE_TO_FTYPE.get(dominant, dominant if dominant in GGUF_BASE else "F16")
