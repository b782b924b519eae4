"""The knowledge snapshot and the catalog fingerprint: used when fresh, rebuilt when a catalog file or the code
changes, ignored when damaged. No timing here (bench/cli_latency.py measures); every test checks which path ran."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import knowledge.files as files
from answers.engine import AnswerEngine
from answers.knowledge_base import SNAPSHOT_PARTS, KnowledgeBase
from knowledge.files import DATA_DIR, content_hash, fingerprint, quick_fingerprint, stamped_hash
from knowledge.snapshot import SUFFIX, Snapshot

GQA = Path("glossary") / "grouped-query-attention.md"
OLD_SHORT = "An attention variant where groups of query heads share a single key/value head"
NEW_SHORT = "An attention VARIETY where groups of query heads share a single key/value head"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalog files and a cache folder holding its database and snapshot (built once)."""
    base = tmp_path_factory.mktemp("snapshot")
    shutil.copytree(DATA_DIR, base / "data")
    kb = KnowledgeBase.load(base / "cache" / "catalog.sqlite", base / "data")
    assert kb.source == "built"
    return base


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    """A private copy of ``built`` (timestamps kept), so each test starts from a fresh snapshot."""
    shutil.copytree(built / "data", tmp_path / "data", copy_function=shutil.copy2)
    shutil.copytree(built / "cache", tmp_path / "cache", copy_function=shutil.copy2)
    return tmp_path


def _load(work: Path) -> KnowledgeBase:
    return KnowledgeBase.load(work / "cache" / "catalog.sqlite", work / "data")


def _snapshots(work: Path) -> list[Path]:
    return sorted((work / "cache").glob(f"*{SUFFIX}"))


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_, **__):
        raise AssertionError("the knowledge was rebuilt although the snapshot is current")

    monkeypatch.setattr(KnowledgeBase, "from_catalog", classmethod(refuse))
    monkeypatch.setattr("knowledge.store.read_catalog_db", refuse)
    monkeypatch.setattr("knowledge.loader.load_valid_catalog", refuse)
    monkeypatch.setattr("answers.errors_match.SignatureMatcher.__init__", refuse)
    monkeypatch.setattr("answers.entities.EntityExtractor.__init__", refuse)
    monkeypatch.setattr("answers.bm25.catalog_bm25", refuse)
    monkeypatch.setattr("answers.catalog_grid.build_tables", refuse)


def test_a_fresh_snapshot_is_used_and_holds_everything_the_engine_builds(work: Path, monkeypatch: pytest.MonkeyPatch):
    _no_rebuild(monkeypatch)
    kb = _load(work)
    assert kb.source == "snapshot"
    assert kb.catalog.fingerprint == fingerprint(work / "data")
    assert set(kb._stored_parts) == set(SNAPSHOT_PARTS)  # stored, loaded on first use (not built)
    engine = AnswerEngine(kb)
    assert set(kb._stored_parts) == {"grid_tables"}  # the catalog-wide arrays wait for the first question needing them
    assert engine.bm25 is kb.search_index and engine.signatures is kb.signature_matcher and engine.entities is kb.entity_extractor
    answer = engine.answer("what is gqa")
    assert answer.intent == "glossary" and answer.text.startswith("Grouped-Query Attention: " + OLD_SHORT)
    hits = engine.signatures.match("llama runner started\nCUDA error: out of memory")
    assert [h.entry.id for h in hits] == ["llama-cpp-cuda-buffer-alloc-failed"]
    assert hits[0].entry is kb.catalog.get("error", hits[0].entry.id)  # one object graph: entries are shared
    assert engine.answer("will llama 3.1 8b run on a 3060 12gb").intent == "will_it_run"
    listing = engine.answer("what can I run on a 3090")
    assert listing.intent == "what_can_i_run" and "Runs fully on the GPU" in listing.text
    assert not kb._stored_parts  # loaded from the snapshot, not built (build_tables refuses above)


def test_editing_a_catalog_file_rebuilds_everything(work: Path):
    before = _load(work)
    assert before.source == "snapshot" and before.catalog.fingerprint == fingerprint(work / "data")
    path = work / "data" / GQA
    text = path.read_text()
    assert OLD_SHORT in text and len(NEW_SHORT) == len(OLD_SHORT)
    stat = path.stat()
    path.write_text(text.replace(OLD_SHORT, NEW_SHORT))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and mtime: only ctime and content differ
    after = _load(work)
    assert after.source == "built"
    assert after.catalog.fingerprint == fingerprint(work / "data") != before.catalog.fingerprint
    assert after.catalog.get("glossary", "grouped-query-attention").short.startswith(NEW_SHORT)
    assert AnswerEngine(after).answer("what is gqa").text.startswith("Grouped-Query Attention: " + NEW_SHORT)
    assert len(_snapshots(work)) == 1  # the database's snapshot of the old files is gone
    assert _load(work).source == "snapshot"  # and the new one is used from then on


def test_a_new_or_deleted_file_changes_the_fingerprint(work: Path):
    data = work / "data"
    first = quick_fingerprint(data, work / "cache")
    extra = data / "glossary" / "zz-extra.md"
    shutil.copy(data / GQA, extra)
    assert quick_fingerprint(data, work / "cache") == fingerprint(data) != first
    extra.unlink()
    assert quick_fingerprint(data, work / "cache") == first


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "garbage", "empty", "valid header, unpicklable payload"])
def test_a_damaged_snapshot_is_ignored_and_rewritten(work: Path, damage: str):
    (path,) = _snapshots(work)
    data = path.read_bytes()
    if damage == "flip a byte":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        import json
        import zlib

        from knowledge.snapshot import MAGIC

        header_end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : header_end])
        payload = b"\x80\x05not a pickle at all"
        header.update(length=len(payload), crc32=zlib.crc32(payload))
        path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    kb = _load(work)
    assert kb.source == "built" and kb.catalog.counts()["glossary"] > 0
    assert _load(work).source == "snapshot"  # rewritten whole


def test_a_snapshot_is_never_used_by_other_code_or_beside_another_database(work: Path, monkeypatch: pytest.MonkeyPatch):
    (path,) = _snapshots(work)
    stored = Snapshot(path, path.name.split("-")[1], "some other code version")
    assert stored.read() is None  # the key in the header names the code that wrote it
    import knowledge.snapshot

    monkeypatch.setattr(knowledge.snapshot, "code_version", lambda *_: "a newer version of the code")
    assert _load(work).source == "built"
    monkeypatch.undo()
    db = work / "cache" / "catalog.sqlite"
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1_000_000_000))  # the database was rebuilt meanwhile
    assert _load(work).source == "built"


def test_the_code_version_follows_the_source_files(tmp_path: Path):
    from knowledge.snapshot import code_version

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    first = code_version(tmp_path, ["pkg"], tmp_path / "cache")
    assert code_version(tmp_path, ["pkg"], tmp_path / "cache") == first
    (package / "a.py").write_text("x = 2\n")  # same size, most likely the same timestamp tick: caught as racily clean
    assert code_version(tmp_path, ["pkg"], tmp_path / "cache") != first
    (package / "b.py").write_text("")
    assert code_version(tmp_path, ["pkg"], tmp_path / "cache") not in {first}


def test_the_manifest_skips_hashing_only_for_files_unchanged_since_long_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "files"
    root.mkdir()
    names = ["a.txt", "b.txt"]
    for name in names:
        (root / name).write_text(name * 10)
    calls = []

    def counting(root_: Path, names_: list[str]) -> str:
        calls.append(1)
        return content_hash(root_, names_)

    monkeypatch.setattr(files, "content_hash", counting)
    value = stamped_hash(root, names, tmp_path, "t")
    assert stamped_hash(root, names, tmp_path, "t") == value and len(calls) == 2  # changed < 2 s before: hashed again
    monkeypatch.setattr(files, "RACY_NS", 0)  # as if the stats had been recorded long after the last change
    assert stamped_hash(root, names, tmp_path, "t") == value and len(calls) == 2  # stats match: no file read
    stat = (root / "a.txt").stat()
    (root / "a.txt").write_text("A.TXT" * 10)  # same size, mtime put back: ctime and content differ
    os.utime(root / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = stamped_hash(root, names, tmp_path, "t")
    assert changed == content_hash(root, names) != value and len(calls) == 3
    for manifest in tmp_path.glob("stamp-t-*.json"):
        manifest.write_text("not json")
    assert stamped_hash(root, names, tmp_path, "t") == changed and len(calls) == 4  # an unreadable manifest: hash
    assert stamped_hash(root, names, None, "t") == changed and len(calls) == 5  # no manifest folder: always hash


async def test_the_bot_loader_uses_the_snapshot_and_rebuilds_after_an_edit(work: Path):
    kb = await KnowledgeBase.load_async(work / "cache" / "catalog.sqlite", work / "data")
    assert kb.source == "snapshot"
    path = work / "data" / GQA
    path.write_text(path.read_text().replace(OLD_SHORT, NEW_SHORT))
    reloaded = await KnowledgeBase.load_async(work / "cache" / "catalog.sqlite", work / "data")
    assert reloaded.source == "built" and reloaded.catalog.get("glossary", "grouped-query-attention").short.startswith(NEW_SHORT)


QUESTIONS = [
    "what is gqa",
    "will llama 3.1 8b run on a 3060 12gb",
    "can my 4070 super run qwen3 32b at q4 with 16k context?",
    "2x 3090 llama 3.3 70b 32k ctx",
    "rtx 3070 vs rx 6800 for llama 8b",  # fuzzy names: numbers must agree
    "why is my model repeating itself over and over",  # BM25 search
    "Error: llama runner process has terminated: exit status 2",
    "llama_model_load: error loading model: unable to allocate CUDA0 buffer",
]


def test_answers_from_the_snapshot_equal_answers_from_a_fresh_build(kb: KnowledgeBase, catalog_db: Path):
    fresh = KnowledgeBase.from_catalog(kb.catalog, catalog_db)  # everything built in this process
    loaded = KnowledgeBase.load(catalog_db)
    assert loaded.source == "snapshot"
    built_engine, loaded_engine = AnswerEngine(fresh), AnswerEngine(loaded)
    for question in QUESTIONS:
        a, b = built_engine.answer(question).to_json(), loaded_engine.answer(question).to_json()
        assert a == b, question
    assert fresh.names.fuzzy("rtx 4090 ti", "hardware") == loaded.names.fuzzy("rtx 4090 ti", "hardware")


def test_a_part_that_cannot_be_loaded_is_built(work: Path):
    kb = _load(work)
    kb._stored_parts["search_index"] = b"\x80\x05not a pickle"
    assert kb.search_index.top("flash attention memory", limit=1)  # built again, and it works
    assert kb.signature_matcher.match("CUDA error: out of memory")  # the other parts still come from the snapshot


def test_loading_the_snapshot_imports_no_engine_module(work: Path):
    """`runlocalai estimate` needs the catalog and the names, not the engine: its indexes stay stored."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom pathlib import Path\nfrom answers.knowledge_base import KnowledgeBase\n"
        f"kb = KnowledgeBase.load(Path({str(work / 'cache' / 'catalog.sqlite')!r}), Path({str(work / 'data')!r}))\n"
        "print(kb.source, sorted(m for m in sys.modules if m in {'answers.entities', 'answers.signals', 'answers.errors_match',"
        " 'answers.log_context', 'answers.bm25', 'answers.engine', 'rapidfuzz', 'aiosqlite', 'yaml'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == "snapshot" and out.strip().endswith("[]"), out


def test_the_name_index_is_the_same_in_every_process():
    """A snapshot written by one process is read by another: ties between fuzzy matches must not depend on the
    process's string-hash seed (they follow the order of the names in the index)."""
    import subprocess
    import sys

    code = (
        "from answers.knowledge_base import KnowledgeBase\nfrom knowledge.search import NameIndex\n"
        "names = NameIndex(KnowledgeBase.load().catalog)\n"
        "print(repr([(h.id, h.score) for h in names.fuzzy('rtx 4090 ti', 'hardware', 8)]))\n"
        "print(repr(names._choices['hardware']))"
    )
    root = Path(__file__).resolve().parents[1]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, cwd=root, check=True
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
