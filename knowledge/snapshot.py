"""Built knowledge cached on disk: one pickle beside the catalog database, keyed by what it was built from.

A snapshot is valid only for the catalog files it was built from (their fingerprint, in its name and its header)
and the code that built it (a hash of the source files of the packages whose objects it holds, with the Python,
pydantic and numpy versions and ``FORMAT``). It is written atomically (temp file + rename); a file that is
missing, truncated, corrupted (length and CRC-32 of the payload are checked), for other code or other files, or
that fails to unpickle is ignored, and the caller rebuilds. Nothing here knows what the payload is.

File layout: ``MAGIC``, one line of JSON (key, payload length, CRC-32), then the pickle.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import pickle
import re
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.files import source_names, stamped_hash

FORMAT = 1  # bump when the payload's layout changes in a way the code hash would not see
MAGIC = b"runlocalai-knowledge-snapshot\n"
SUFFIX = ".knowledge.pickle"
KEEP_UNUSED_S = 7 * 86400  # other snapshots in the folder not used for a week are deleted on the next write
_KEY_PART = re.compile(r"[0-9a-f]{16}-[0-9a-f]{12}")  # "<fingerprint>-<code tag>" in a snapshot's name


def code_version(root: Path, packages: Iterable[str], manifest_dir: Path | None) -> str:
    """Hash of the ``.py`` files of ``packages`` under ``root`` (through a stat manifest, so usually no file is
    read), with the interpreter and library versions whose objects a pickle holds."""
    import numpy
    import pydantic

    sources = stamped_hash(root, source_names(root, packages), manifest_dir, "code")
    return f"{FORMAT}-{sys.version_info[:3]}-{pydantic.VERSION}-{numpy.__version__}-{sources}"


def _unpickle(payload: bytes | memoryview, resolve: Callable[[Any], Any] | None = None) -> Any:
    """``pickle.loads`` with the cyclic garbage collector paused: unpickling allocates ~100k containers, each
    allocation burst would trigger a collection scanning everything loaded so far (2-3x the time). ``resolve``
    turns the references written by ``dumps_part`` back into objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        unpickler = pickle.Unpickler(io.BytesIO(payload))
        if resolve is not None:
            unpickler.persistent_load = resolve  # type: ignore[method-assign]
        return unpickler.load()
    finally:
        if enabled:
            gc.enable()


def dumps_part(value: Any, refs: dict[int, Any]) -> bytes:
    """Pickle ``value`` on its own, writing the objects in ``refs`` (by ``id``) as references, not copies: a part of
    the snapshot (an index over catalog entries) can then be loaded later, on first use, against the objects
    already loaded (``loads_part``)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = lambda obj: refs.get(id(obj))  # type: ignore[method-assign]
    pickler.dump(value)
    return buffer.getvalue()


def loads_part(data: bytes, resolve: Callable[[Any], Any]) -> Any:
    return _unpickle(data, resolve)


@dataclass(frozen=True)
class Snapshot:
    """The snapshot file of one database for one catalog fingerprint and one code version."""

    path: Path
    fingerprint: str
    code: str

    @classmethod
    def beside(cls, db_path: Path, fingerprint: str, code: str) -> Snapshot:
        import hashlib

        code_tag = hashlib.sha256(code.encode()).hexdigest()[:12]
        return cls(db_path.with_name(f"{db_path.stem}-{fingerprint}-{code_tag}{SUFFIX}"), fingerprint, code)

    @property
    def key(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "code": self.code}

    def read(self) -> Any | None:
        """The stored object, or None when there is none for this key or it cannot be trusted."""
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        try:
            if not data.startswith(MAGIC):
                return None
            end = data.index(b"\n", len(MAGIC))
            header = json.loads(data[len(MAGIC) : end])
            payload = memoryview(data)[end + 1 :]
            if header.get("key") != self.key or header.get("length") != len(payload) or header.get("crc32") != zlib.crc32(payload):
                return None
            return _unpickle(payload)
        except Exception:  # anything wrong with the file means "rebuild", never "fail"
            return None

    def write(self, value: Any) -> bool:
        """Store ``value`` atomically; False when the folder is not writable (the caller just rebuilds next time)."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            header = json.dumps({"key": self.key, "length": len(payload), "crc32": zlib.crc32(payload)}).encode()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".snapshot-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(MAGIC + header + b"\n")
                    handle.write(payload)
                os.replace(tmp, self.path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except (OSError, pickle.PicklingError):
            return False
        self._prune()
        return True

    def _prune(self) -> None:
        """Delete this database's snapshots of other catalog files, and any snapshot unused for a week."""
        db_stem = self.path.name[: -len(f"-{self.fingerprint}-") - 12 - len(SUFFIX)]
        now = time.time()
        with contextlib.suppress(OSError):
            for other in self.path.parent.glob(f"*{SUFFIX}"):
                if other == self.path:
                    continue
                middle = other.name[len(db_stem) + 1 : -len(SUFFIX)] if other.name.startswith(f"{db_stem}-") else ""
                stale = _KEY_PART.fullmatch(middle) is not None and not middle.startswith(self.fingerprint)
                with contextlib.suppress(OSError):
                    if stale or now - other.stat().st_mtime > KEEP_UNUSED_S:
                        other.unlink()

    def touch(self) -> None:
        """Mark the snapshot as used (pruning keeps snapshots used within a week)."""
        with contextlib.suppress(OSError):
            if time.time() - self.path.stat().st_mtime > 86400:
                os.utime(self.path)
