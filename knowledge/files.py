"""The catalog's files and their fingerprint, checked cheaply.

The fingerprint is a content hash of every catalog file (it names the SQLite build and the knowledge snapshot).
Hashing ~900 files costs tens of milliseconds, so ``stamped_hash`` keeps a small manifest beside the database: a
digest of each file's (name, size, mtime, ctime, inode) and the hash they had. When the stats match, the stored
hash is returned; when anything differs (an edit, a new or deleted file, a checkout) the files are hashed again.
A file modified less than ``RACY_NS`` before its stats were recorded is never trusted (an edit within the same
timestamp tick would keep its mtime), as git does with "racily clean" entries.

Standard library only: the command line calls this before it decides whether anything must be loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# folder -> file suffix (knowledge/loader.py pairs each folder with its schema)
FOLDERS: dict[str, str] = {
    "models": ".yaml",
    "hardware": ".yaml",
    "tools": ".yaml",
    "benchmarks": ".yaml",
    "glossary": ".md",
    "errors": ".md",
}
RACY_NS = 2_000_000_000  # stats recorded within 2 s of a file's last change are not trusted
_MANIFEST_VERSION = 2


def catalog_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every catalog file, folder by folder, sorted by name within a folder (the order the loader reads them)."""
    return [data_dir / rel for rel in catalog_names(data_dir)]


def catalog_names(data_dir: Path = DATA_DIR) -> list[str]:
    """``catalog_files`` as paths relative to ``data_dir`` ("models/llama.yaml"), without building Path objects."""
    out: list[str] = []
    for folder, suffix in FOLDERS.items():
        try:
            with os.scandir(os.path.join(data_dir, folder)) as entries:
                names = sorted(e.name for e in entries if e.name.endswith(suffix))
        except FileNotFoundError:
            continue
        out.extend(f"{folder}/{name}" for name in names)
    return out


def content_hash(root: Path, names: Iterable[str]) -> str:
    """SHA-256 over each file's path relative to ``root`` and its bytes (hex)."""
    digest = hashlib.sha256()
    for rel in names:
        digest.update(rel.encode())
        with open(os.path.join(root, rel), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def fingerprint(data_dir: Path = DATA_DIR) -> str:
    """Content hash of every catalog file (decides when the SQLite build and the snapshot are stale)."""
    return content_hash(data_dir, catalog_names(data_dir))[:16]


def quick_fingerprint(data_dir: Path = DATA_DIR, manifest_dir: Path | None = None) -> str:
    """``fingerprint(data_dir)``, without reading the files when their stats match the manifest in ``manifest_dir``."""
    data_dir = data_dir.resolve()
    return stamped_hash(data_dir, catalog_names(data_dir), manifest_dir, "catalog")[:16]


def source_names(root: Path, packages: Iterable[str]) -> list[str]:
    """The ``.py`` files of ``packages`` (folders under ``root``), relative to ``root``, sorted."""
    out: list[str] = []
    for package in packages:
        for folder, dirs, files in os.walk(os.path.join(root, package)):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            out.extend(f"{rel}/{name}" for name in files if name.endswith(".py"))
    return sorted(out)


def stamped_hash(root: Path, names: list[str], manifest_dir: Path | None, label: str) -> str:
    """``content_hash(root, names)``, taken from the manifest ``label`` in ``manifest_dir`` when no file changed.
    Without a manifest directory (or when it cannot be written) the files are simply hashed."""
    if manifest_dir is None:
        return content_hash(root, names)
    manifest = manifest_dir / f"stamp-{label}-{hashlib.sha256(str(root).encode()).hexdigest()[:12]}.json"
    try:
        stats, newest = _stats(root, names)
    except OSError:
        return content_hash(root, names)  # a file vanished while listing: let the hash report it
    stored = _read_manifest(manifest)
    if (
        stored is not None
        and stored.get("root") == str(root)
        and stored.get("stats") == stats
        and newest < stored.get("checked_ns", 0) - RACY_NS
    ):
        return str(stored["hash"])
    checked_ns = time.time_ns()  # before reading: a change after this point gets a later timestamp
    value = content_hash(root, names)
    _write_manifest(manifest, {"version": _MANIFEST_VERSION, "root": str(root), "stats": stats, "hash": value, "checked_ns": checked_ns})
    return value


def _stats(root: Path, names: list[str]) -> tuple[str, int]:
    digest = hashlib.sha256()
    newest = 0
    base = str(root)
    for rel in names:
        st = os.stat(f"{base}/{rel}")
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode())
    return f"{len(names)}:{digest.hexdigest()}", newest


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != _MANIFEST_VERSION or not isinstance(data.get("hash"), str):
        return None
    return data


def _write_manifest(path: Path, data: dict) -> None:
    """Atomic (temp file + rename); a read-only cache folder only costs hashing next time."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".stamp-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
