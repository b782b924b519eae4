"""Catalog files: every shipped file validates; problems are all reported with file and field; SQLite round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR, CatalogError, load_catalog, load_valid_catalog
from knowledge.store import build_database, ensure_database, fts_search, load_catalog_db

REPO = Path(__file__).resolve().parents[1]


def test_every_shipped_file_validates():
    report = load_catalog()
    assert report.problems == [], "\n".join(map(str, report.problems[:20]))
    counts = report.catalog.counts()
    assert counts["models"] >= 150 and counts["hardware"] >= 150 and counts["tools"] >= 25
    assert counts["glossary"] >= 250 and counts["errors"] >= 60 and counts["benchmarks"] >= 300


def test_glossary_covers_every_topic_name():
    from knowledge.names import normalize

    catalog = load_catalog().catalog
    names = {normalize(n) for t in catalog.glossary for n in (t.term, *t.aliases, t.id)}
    topics = REPO / "data" / "topics" / "glossary.txt"
    missing = []
    for line in topics.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        first = line.split("|")[0].strip()
        if normalize(first) not in names:
            missing.append(first)
    assert missing == []


@pytest.fixture
def broken_catalog(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for folder in ("models", "hardware", "tools", "glossary", "errors", "benchmarks"):
        (data / folder).mkdir(parents=True)
    shutil.copy(DATA_DIR / "models" / "llama.yaml", data / "models" / "llama.yaml")
    (data / "models" / "bad.yaml").write_text(
        "- id: Bad Id\n  name: x\n  family: f\n  developer: d\n  params_b: -1\n  license: l\n  sources: [https://example.com/x]\n"
        "  architecture: {model_type: llama, layers: 0, hidden: 1, intermediate: 1, heads: 3, kv_heads: 2, head_dim: 1,"
        " vocab: 1, tied_embeddings: false, max_context: 1}\n"
        "- id: dup-alias\n  name: Dup\n  family: f\n  developer: d\n  params_b: 8\n  license: l\n  aliases: [llama 3.1 8b]\n"
        "  sources: [https://example.com/x]\n  architecture: {model_type: llama, layers: 1, hidden: 8, intermediate: 8, heads: 1,"
        " kv_heads: 1, head_dim: 8, vocab: 8, tied_embeddings: false, max_context: 8}\n"
    )
    (data / "benchmarks" / "b.yaml").write_text(
        "- {model: no-such-model, hardware: no-such-gpu, quant: Q4_0, test: tg128, tokens_per_s: 10, source: https://example.com/b}\n"
    )
    (data / "glossary" / "t.md").write_text(
        "---\nid: t\nterm: T\ncategory: inference\nshort: too short\nexample: x\n"
        "related: [missing-term]\nsources: [https://example.com/t]\n---\nshort body\n"
    )
    return data


def test_validator_reports_every_problem_with_file_and_field(broken_catalog: Path):
    report = load_catalog(broken_catalog)
    text = "\n".join(map(str, report.problems))
    assert "models/bad.yaml" in text and "id" in text and "params_b" in text and "layers" in text
    clash = [str(p) for p in report.problems if "also names" in str(p)]  # one alias naming two entries
    assert clash and "dup-alias" in clash[0] and "llama-3.1-8b-instruct" in clash[0]
    assert "unknown model id 'no-such-model'" in text and "unknown hardware id 'no-such-gpu'" in text
    assert "glossary/t.md" in text and "short" in text
    assert len(report.problems) >= 7
    with pytest.raises(CatalogError):
        load_valid_catalog(broken_catalog)


async def test_sqlite_round_trip(tmp_path: Path):
    catalog = load_valid_catalog()
    path = build_database(catalog, tmp_path / "c.sqlite")
    loaded = await load_catalog_db(path)
    assert loaded.counts() == catalog.counts()
    assert loaded.model("llama-3.1-8b-instruct") == catalog.model("llama-3.1-8b-instruct")
    assert loaded.benchmarks[0] == catalog.benchmarks[0]


async def test_full_text_search_ranks_by_bm25(catalog_db: Path):
    hits = await fts_search(catalog_db, "flash attention memory")
    assert hits and ("glossary", "flash-attention") in [(k, i) for k, i, _ in hits[:3]]


def test_rebuild_only_when_files_change(tmp_path: Path):
    path = tmp_path / "c.sqlite"
    ensure_database(path)
    first = path.stat().st_mtime_ns
    ensure_database(path)
    assert path.stat().st_mtime_ns == first


def test_errors_kb_covers_every_topic():
    from rapidfuzz import fuzz

    catalog = load_catalog().catalog
    topics = REPO / "data" / "topics" / "errors.txt"
    uncovered = []
    for line in topics.read_text().splitlines():
        if line.startswith("#") or "::" not in line:
            continue
        topic, fragments = (part.strip() for part in line.split("::", 1))
        frags = [f.strip().lower() for f in fragments.split("|") if len(f.strip()) >= 6]
        covered = any(
            any(f in sig.lower() for f in frags for sig in entry.signatures)
            or fuzz.token_set_ratio(topic.lower(), entry.title.lower()) >= 80
            for entry in catalog.errors
        )
        if not covered:
            uncovered.append(topic)
    assert uncovered == []


def test_runtime_matrix_is_derived_from_tools():
    from knowledge.matrix import compatibility_matrix

    rows = {r["id"]: r for r in compatibility_matrix(load_catalog().catalog)}
    assert rows["llama.cpp"]["backends"]["metal"] and rows["llama.cpp"]["formats"]["gguf"]
    assert not rows["vllm"]["backends"]["metal"]
    assert rows["ollama"]["based_on"] == ["llama.cpp"]
