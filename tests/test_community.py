"""Community benchmarks: real pasted outputs parsed into catalog rows, impossible numbers refused with a reason,
approved rows shown as "community" evidence (never "measured"), reproductions, export to the catalog format."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from answers.community import (
    MAX_PASTE,
    Parsed,
    benchmarks_of,
    check_numbers,
    community_rows,
    export_rows,
    parse_paste,
    reproductions,
    resolve,
)
from answers.estimates import EstimateQuery, run_estimate
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from knowledge.schema import Benchmark
from tests.data.bench_outputs import VLLM_BENCH_SERVE_LLAMA_8B, VLLM_SERVING_CONCURRENCY_8, healthy


def speeds_of(parsed: Parsed) -> list[tuple[str, float]]:
    return [(m.test, m.tokens_per_s) for m in parsed.measurements]


def test_llama_bench_table_with_model_file_device_and_build(kb):
    text, source = healthy("ok063")
    assert source == "https://github.com/geerlingguy/ai-benchmarks/issues/46"
    parsed = resolve(kb, parse_paste(text))
    assert parsed.kind == "llama-bench" and parsed.runtime == "llama.cpp"
    assert (parsed.model, parsed.quant, parsed.hardware, parsed.gpus) == ("llama-2-13b", "Q4_K_M", "rtx-2080-ti", 1)
    assert parsed.runtime_version == "b7474 (f9ec8858e)" and parsed.flash_attention is True and parsed.gpu_layers == 99
    assert speeds_of(parsed)[0] == ("pp512", 1493.64) and parsed.missing() == []


def test_llama_bench_keeps_one_configuration_and_never_guesses_the_model_from_the_architecture(kb):
    text, _ = healthy("ok061")  # llama 7B Q4_0 with nkvo 0 and 1, no command line
    parsed = resolve(kb, parse_paste(text))
    assert speeds_of(parsed) == [("pp512", 4035.47), ("tg128", 127.43)]  # nkvo 0 only
    assert "2 configurations" in parsed.notes[0] and parsed.hardware == "rtx-3090-ti" and parsed.quant == "Q4_0"
    assert parsed.missing() == ["model"]  # "llama 7B" could be any Llama-architecture 7B
    assert resolve(kb, parsed, model="llama 2 7b").model == "llama-2-7b"


def test_llama_bench_with_several_model_files_takes_the_first(kb):
    text, _ = healthy("ok060")
    parsed = resolve(kb, parse_paste(text))
    assert parsed.quant == "F16" and speeds_of(parsed) == [("pp512", 11048.22), ("tg128", 61.03)] and parsed.hardware == "rtx-4090"


def test_ollama_verbose_statistics(kb):
    text, source = healthy("ok011")
    assert source == "https://github.com/ollama/ollama/issues/1806"
    parsed = parse_paste(text)
    assert parsed.kind == "ollama" and parsed.runtime == "ollama" and parsed.model_text == "mistral"
    assert speeds_of(parsed) == [("tg120", 24.61), ("pp11", 53.77)]
    resolved = resolve(kb, parsed, gpu="rtx 3060 12gb")
    assert resolved.model and resolved.model.startswith("mistral") and resolved.hardware == "rtx-3060-12gb"


def test_llama_server_timings_and_flags(kb):
    text, source = healthy("ok006")
    assert source == "https://github.com/ggml-org/llama.cpp/issues/12237"
    parsed = parse_paste(text)
    assert parsed.kind == "llama-server" and speeds_of(parsed) == [("pp971", 111.17), ("tg19", 17.66)]
    assert parsed.flash_attention is True and parsed.gpu_layers == 30
    text, _ = healthy("ok018")  # llama_print_timings (older llama.cpp); "nan" prompt line skipped
    assert speeds_of(parse_paste(text)) == [("tg128", 1.07)]


def test_vllm_serving_summary_with_and_without_a_concurrency_limit(kb):
    parsed = resolve(kb, parse_paste(VLLM_BENCH_SERVE_LLAMA_8B))
    assert parsed.kind == "vllm-serving" and parsed.model == "llama-3.1-8b-instruct" and parsed.quant == "BF16"
    assert speeds_of(parsed) == [("tg203", 6582.87)] and parsed.concurrency == 1000 and parsed.missing() == ["gpu"]
    assert any("max-concurrency" in n for n in parsed.notes)
    eight = parse_paste(VLLM_SERVING_CONCURRENCY_8)
    assert eight.concurrency == 8 and speeds_of(eight) == [("tg199", 1226.98)] and eight.model_text is None


@pytest.mark.parametrize(
    "paste",
    ["", "hello", "🚀" * 100, "@everyone eval rate", "| model | test | t/s |\n| --- | --- | --- |\n| x | pp512 | fast |"],
)
def test_things_that_are_not_benchmarks_are_refused(paste):
    with pytest.raises(InputError, match="couldn't find benchmark numbers"):
        parse_paste(paste)


def test_huge_pastes_are_refused():
    with pytest.raises(InputError, match="characters"):
        parse_paste("eval rate: 1 tokens/s\n" * (MAX_PASTE * 2))


def test_typed_names_that_mean_nothing_are_refused(kb):
    parsed = parse_paste(healthy("ok063")[0])
    with pytest.raises(InputError, match="don't know the GPU"):
        resolve(kb, parsed, gpu="quantum toaster 9000")
    with pytest.raises(InputError, match="one kind of GPU"):
        resolve(kb, parsed, gpu="3090 + 3060")
    with pytest.raises(InputError):
        resolve(kb, parsed, quant="Q99_Z")
    assert resolve(kb, parsed, gpu="2x rtx 3090").gpus == 2


def ollama_row(kb: KnowledgeBase, tg: float, pp: float = 500.0) -> Parsed:
    parsed = resolve(
        kb,
        parse_paste(
            f"ollama run llama3.1:8b --verbose\nprompt eval count: 20 token(s)\nprompt eval rate: {pp} tokens/s\n"
            f"eval count: 128 token(s)\neval rate: {tg} tokens/s\n"
        ),
        gpu="rtx 3090",
        quant="Q4_K_M",
    )
    assert parsed.missing() == [], parsed
    return parsed


def test_impossible_numbers_are_refused_with_a_reason(kb):
    assert check_numbers(kb, ollama_row(kb, 110.0)) == []  # a real-looking 3090 speed for an 8B Q4_K_M
    reasons = check_numbers(kb, ollama_row(kb, 4000.0))
    assert len(reasons) == 1 and "936 GB/s allows" in reasons[0] and "tg128" in reasons[0]
    reasons = check_numbers(kb, ollama_row(kb, 100.0, pp=10_000_000.0))
    assert any("not a possible speed" in r for r in reasons)
    reasons = check_numbers(kb, ollama_row(kb, 100.0, pp=900_000.0))
    assert any("FP16 TFLOPS" in r for r in reasons)
    negative = ollama_row(kb, 100.0)
    negative.measurements[0].tokens_per_s = -5
    assert any("not a possible speed" in r for r in check_numbers(kb, negative))
    nan = ollama_row(kb, 100.0)
    nan.measurements[0].tokens_per_s = float("nan")
    assert check_numbers(kb, nan)


def record(kb: KnowledgeBase, parsed: Parsed, submission: int = 1, status: str = "approved") -> dict:
    return {
        "id": submission,
        "data": json.dumps(parsed.to_json()),
        "user_name": "alice",
        "reviewer_name": "mod",
        "reviewed_at": time.time(),
        "status": status,
    }


def test_approved_rows_become_community_evidence_never_measured(kb):
    fresh = KnowledgeBase.from_catalog(kb.catalog)
    model, hardware = "qwen3-14b", "rx-7600"  # a pair with no published row, so the ladder's top rung is "estimated"
    query = EstimateQuery(model=model, hardware=[hardware], quant="Q4_K_M")
    before = run_estimate(fresh, query)
    assert before.evidence_level in {"estimated", "extrapolated"}
    text = "ollama run qwen3:14b --verbose\neval count: 128 token(s)\neval rate: 21.5 tokens/s\n"
    parsed = resolve(fresh, parse_paste(text), model="qwen3 14b", gpu="rx 7600", quant="Q4_K_M")
    parsed.runtime = "llama.cpp"
    assert check_numbers(fresh, parsed) == []
    fresh.set_community(community_rows([record(fresh, parsed, 7)]))
    after = run_estimate(fresh, query)
    assert after.evidence_level == "community" and after.evidence == "estimated"  # never "measured"
    basis = after.speed_evidence["decode"].basis
    assert basis is not None and basis.match == "community" and "community submission #7 by alice, approved by mod" in basis.source
    assert any(r.match == "community" for r in after.measured)
    assert abs(after.estimate.decode_tps - 21.5 * after.speed_evidence["decode"].scale) < 0.01
    fresh.set_community([])
    assert run_estimate(fresh, query).evidence_level == before.evidence_level  # the cache follows the rows


def test_reproductions_need_another_member_and_a_close_number(kb):
    a = ollama_row(kb, 110.0)
    close, far, same_user = ollama_row(kb, 118.0), ollama_row(kb, 150.0), ollama_row(kb, 111.0)
    assert reproductions(a, [(2, 8, close), (3, 9, far), (4, 7, same_user)], submitter=7) == [2]


def test_export_writes_rows_the_catalog_loader_accepts(kb):
    rows = community_rows([record(kb, ollama_row(kb, 110.0), 3), record(kb, ollama_row(kb, 111.0), 4, "reproduced")])
    text = export_rows(rows)
    loaded = yaml.safe_load(text)
    assert len(loaded) == 4 and all(Benchmark.model_validate(item) for item in loaded)
    assert "reproduced by another member" in loaded[-1]["source"] and loaded[0]["runtime"] == "ollama"
    assert community_rows([{"id": 1, "data": "{broken"}]) == []  # unreadable records are skipped


def test_rows_keep_catalog_limits(kb):
    parsed = ollama_row(kb, 110.0)
    rows = benchmarks_of(parsed, "community submission #1 by x, approved by y on 2026-01-01")
    assert [r.test for r in rows] == ["tg128", "pp20"] and rows[0].model == "llama-3.1-8b-instruct"
