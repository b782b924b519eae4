"""Golden questions: intent, top match, entities and abstention for messy community messages."""

from __future__ import annotations

import pytest

from testkit.golden_questions import CASES, as_tuple


def check(engine, text: str, expected: dict) -> list[str]:
    """Every way the answer differs from the expectation (empty when it is right)."""
    answer = engine.answer(text)
    problems = []
    intents = as_tuple(expected["intent"])
    if answer.intent not in intents:
        problems.append(f"intent {answer.intent!r} not in {intents}")
    if "none" in intents and not answer.abstained:
        problems.append("should abstain")
    if "none" not in intents and answer.abstained:
        problems.append("abstained")
    if "top" in expected:
        top = f"{answer.matches[0].kind}:{answer.matches[0].id}" if answer.matches else None
        if top not in as_tuple(expected["top"]):
            problems.append(f"top {top!r} not in {as_tuple(expected['top'])}")
    entities = answer.entities
    if "model" in expected and (entities.model is None or entities.model.id not in as_tuple(expected["model"])):
        problems.append(f"model {entities.model.id if entities.model else None!r} != {expected['model']!r}")
    if "hardware" in expected and [h.id for h in entities.hardware] != expected["hardware"]:
        problems.append(f"hardware {[h.id for h in entities.hardware]} != {expected['hardware']}")
    if "quant" in expected and entities.quant != expected["quant"]:
        problems.append(f"quant {entities.quant!r} != {expected['quant']!r}")
    if "context" in expected and entities.context != expected["context"]:
        problems.append(f"context {entities.context!r} != {expected['context']!r}")
    return problems


def test_golden_ids_exist(kb):
    for _, expected in CASES:
        for model_id in as_tuple(expected.get("model", ())):
            assert kb.catalog.model(model_id), model_id
        for hid in expected.get("hardware", []):
            assert kb.catalog.hardware_by_id(hid), hid
        for top in as_tuple(expected.get("top", ())):
            kind, entry_id = top.split(":", 1)
            assert kb.catalog.get(kind, entry_id), top


def test_there_are_at_least_150_golden_questions():
    assert len(CASES) >= 150


@pytest.mark.parametrize("text,expected", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_golden_question(engine, text, expected):
    assert check(engine, text, expected) == []


def test_long_log_with_several_errors_puts_the_root_cause_first(engine):
    noise = "\n".join(f"llama_model_loader: - kv {i:3d}: general.some_key str = value {i}" for i in range(45))
    log = (
        "```\n" + noise + "\n"
        "llm_load_tensors: offloaded 33/33 layers to GPU\n"
        "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory\n"
        "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n"
        "Error: llama runner process has terminated: exit status 2\n```"
    )
    assert 2000 < len(log) <= 4000
    answer = engine.answer(log)
    assert answer.intent == "error"
    ids = [m.id for m in answer.matches]
    assert ids[0] == "llama-cpp-cuda-buffer-alloc-failed"
    assert "ollama-llama-runner-terminated" in ids  # the consequence is listed, after the cause
    assert "cudaMalloc failed" in answer.text


def test_text_longer_than_the_limit_is_cut_not_crashed(engine):
    answer = engine.answer("what is a kv cache " + "x" * 10_000)
    assert answer.intent in {"glossary", "none"}


def test_ambiguous_search_offers_choices_instead_of_guessing(engine):
    answer = engine.answer("tell me about the attention thing with the cache and the heads")
    assert answer.abstained and answer.intent == "none"  # several terms fit equally: no single answer
    ids = [c.id for c in answer.choices]
    assert "grouped-query-attention" in ids and len(ids) >= 2
    assert "Did you mean" in answer.text


def test_every_answer_reports_a_stable_question_hash(engine):
    a, b = engine.answer("What is a KV cache?"), engine.answer("  what is a kv cache?  ")
    assert a.question_hash == b.question_hash and len(a.question_hash) == 16
