"""Any Hugging Face repository (answers/hub.py) against the fake Hub on 127.0.0.1 (testkit/fake_hub.py):
config.json and safetensors repositories, GGUF repositories read with range requests, the cache in both state
backends and in the CLI's file, and every failure as one sentence."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from answers.estimates import EstimateQuery, run_estimate
from answers.hub import HubResolver
from answers.hub_cache import MemoryHubCache, SQLiteHubCache, default_hub_cache_path
from answers.user_errors import InputError
from testkit.fake_hub import FakeHub
from testkit.hub_data import (
    BARTOWSKI_LLAMA,
    GRANTED_TOKEN,
    OTHER_TOKEN,
    llama31_8b_q4km,
    llama_tensors,
    standard_hub,
    tensor_bytes,
)

MiB = 1 << 20


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("RUNLOCALAI_HF_TOKEN", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def hub():
    server = standard_hub()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make(hub: FakeHub, **kwargs) -> HubResolver:
    kwargs.setdefault("timeout_s", 5.0)
    return HubResolver(kwargs.pop("cache", MemoryHubCache()), endpoint=hub.endpoint, **kwargs)


# ------------------------------------------------------------------------------------------------------
# config.json + safetensors repositories
# ------------------------------------------------------------------------------------------------------
async def test_dense_repo_exact_params_arch_and_sources(hub, kb):
    model = await make(hub).resolve("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/tree/main")
    assert model.repo_id == "Qwen/Qwen2.5-7B-Instruct" and not model.is_gguf and model.params_source == "safetensors"
    assert model.params == 7_615_616_512 and model.native_format == "BF16" and model.default_quant is None
    assert model.spec.id == "hf:Qwen/Qwen2.5-7B-Instruct" and model.spec.params_b == pytest.approx(7.615616512)
    assert model.spec.arch == kb.catalog.model("qwen2.5-7b-instruct").architecture.model_copy(update={"vision_params_b": 0.0})
    assert model.license == "apache-2.0" and not model.gated and model.base_model == "Qwen/Qwen2.5-7B"
    assert model.sources["config"].endswith("/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json")
    # one round trip: the model info and config.json were asked for together
    assert sorted(r.path.split("/")[1] for r in hub.requests) == ["Qwen", "api"]


async def test_moe_mla_hybrid_and_quantized_repos(hub):
    resolver = make(hub)
    moe = await resolver.resolve("Qwen/Qwen3-30B-A3B")
    assert moe.spec.arch.moe is not None and moe.spec.arch.moe.experts == 128 and moe.params == 30_532_122_624
    mla = await resolver.resolve("deepseek-ai/DeepSeek-V2-Lite-Chat")
    assert mla.spec.arch.mla is not None and mla.spec.arch.head_dim == 192 and mla.license == "deepseek"
    hybrid = await resolver.resolve("ibm-granite/granite-4.0-h-tiny")
    assert hybrid.spec.arch.kv_layers == 4 and hybrid.spec.arch.recurrent_state_mib == pytest.approx(55.37)
    awq = await resolver.resolve("Qwen/Qwen2.5-7B-Instruct-AWQ")
    assert awq.native_format == "AWQ" and awq.default_quant == "AWQ"
    assert awq.params is None and awq.params_source == "config" and awq.spec.params_b is None  # packed int32: no exact count


async def test_gated_vision_repo_with_a_token(hub):
    with pytest.raises(InputError, match="is gated: its files need an accepted licence and a Hugging Face token"):
        await make(hub).resolve("google/gemma-3-4b-it")
    with pytest.raises(InputError, match="has not been granted access"):
        await make(hub, token=OTHER_TOKEN).resolve("google/gemma-3-4b-it")
    model = await make(hub, token=GRANTED_TOKEN).resolve("google/gemma-3-4b-it")
    assert model.modalities == ("text", "image") and model.gated
    assert model.spec.arch.vision_params_b == pytest.approx(0.42, abs=0.01)  # 4.30B on the Hub minus the 3.88B text model
    assert model.spec.arch.global_every == 6 and model.spec.arch.heads == 8  # Gemma3TextConfig defaults


async def test_token_from_the_environment_and_refused_tokens(hub, monkeypatch):
    monkeypatch.setenv("RUNLOCALAI_HF_TOKEN", GRANTED_TOKEN)
    assert (await make(hub).resolve("meta-llama/Llama-3.1-8B-Instruct")).params == 8_030_261_248
    assert all(r.authorized for r in hub.requests)
    with pytest.raises(InputError, match="was refused"):
        await make(hub, token="hf_expired").resolve("Qwen/Qwen2.5-7B-Instruct")


async def test_private_repos_need_the_token(hub):
    with pytest.raises(InputError, match="or it is private"):
        await make(hub).resolve("secret/Private-7B")
    assert (await make(hub, token=GRANTED_TOKEN).resolve("secret/Private-7B")).private


# ------------------------------------------------------------------------------------------------------
# GGUF repositories
# ------------------------------------------------------------------------------------------------------
async def test_gguf_repo_quants_sizes_and_header_by_range_requests(hub):
    model = await make(hub, token=GRANTED_TOKEN).resolve(BARTOWSKI_LLAMA)
    head, size = llama31_8b_q4km()
    assert model.is_gguf and model.quant == "Q4_K_M" and model.default_quant == "Q4_K_M" and model.weights_exact
    assert list(model.gguf_files)[:3] == ["Q2_K", "Q3_K_M", "IQ4_XS"]  # ordered by size
    assert model.gguf_files["Q4_K_M"].size_bytes == size and model.gguf_files["Q8_0"].size_bytes == 8_540_000_000
    assert model.spec.weights is not None and model.spec.weights.file_bytes == tensor_bytes(llama_tensors(32, 4096, 14336, 1024, 128256))
    assert model.params == 8_030_261_248 and model.spec.arch.layers == 32 and model.spec.arch.vocab == 128256
    assert model.license == "llama3.1" and model.base_model == "meta-llama/Meta-Llama-3.1-8B-Instruct"
    # only the header: every request to the file carried a Range within the first few MB of a 4.9 GB file
    reads = [r for r in hub.requests if r.path.endswith("Q4_K_M.gguf") and r.status == 206]
    assert reads and all(r.range and r.range.startswith("bytes=") for r in reads)
    ends = [int(r.range.split("-")[1]) for r in reads]
    assert len(head) < max(ends) < 16 * MiB and sum(r.bytes_sent for r in reads) < 16 * MiB and size > 4_000 * MiB
    assert model.header_bytes == sum(r.bytes_sent for r in reads)
    # the Hub redirected to its CDN; the token went to the Hub only
    cdn = [r for r in hub.requests if r.path.startswith("/__cdn/")]
    assert cdn and not any(r.authorized for r in cdn)
    assert not any(r.path.endswith(".gguf") and r.range is None for r in hub.requests)


async def test_a_server_that_ignores_ranges_is_read_only_as_far_as_the_header(hub):
    hub.repos[BARTOWSKI_LLAMA.lower()].ranges = False
    model = await make(hub).resolve(BARTOWSKI_LLAMA)
    assert model.spec.weights is not None and model.spec.weights.file_bytes == tensor_bytes(llama_tensors(32, 4096, 14336, 1024, 128256))
    await asyncio.sleep(0.2)  # let the server notice the closed connections
    full = [r for r in hub.requests if r.path.endswith("Q4_K_M.gguf") and r.status == 200]
    assert full and sum(r.bytes_sent for r in full) < 64 * MiB  # of 4.9 GB: the connection was dropped


async def test_split_gguf_the_file_a_url_names_and_missing_quants(hub):
    resolver = make(hub)
    split = await resolver.resolve("testorg/Tiny-Split-GGUF:q8_0")
    files = split.gguf_files["Q8_0"]
    assert files.split and files.size_bytes == sum(hub.repos["testorg/tiny-split-gguf"].files[p].length for p in files.paths)
    assert split.spec.weights is not None and split.spec.weights.file_bytes == tensor_bytes(llama_tensors(4, 256, 512, 128, 1000, "Q8_0"))
    assert split.spec.arch.vision_params_b == pytest.approx(0.4)  # from the F16 mmproj file beside it
    named = await resolver.resolve("https://huggingface.co/testorg/Tiny-Split-GGUF/blob/main/Tiny-Q4_0.gguf")
    assert named.quant == "Q4_0" and named.default_quant == "Q4_0"
    with pytest.raises(InputError, match=r"has no Q5_K_S GGUF file; it has: .*Q4_K_M") as info:
        await resolver.resolve(BARTOWSKI_LLAMA, quant="Q5_K_S")
    assert "Q8_0" in info.value.suggestions


def test_catalogued_repositories_are_found_before_any_lookup(kb):
    from answers.hub import catalog_model_for

    assert catalog_model_for(kb.catalog, "https://huggingface.co/qwen/qwen3-30b-a3b").id == "qwen3-30b-a3b"
    assert catalog_model_for(kb.catalog, "someone/Unknown-7B") is None and catalog_model_for(kb.catalog, "not a repo") is None


async def test_hub_models_feed_the_estimator(hub, kb):
    resolver = make(hub)
    gguf = await resolver.resolve(BARTOWSKI_LLAMA)
    query = EstimateQuery(model_spec=gguf.spec, quant=gguf.default_quant, hardware=["rtx-3060-12gb"], context=8192)
    result = run_estimate(kb, query).to_json()
    assert result["model"] == {"id": f"hf:{BARTOWSKI_LLAMA}:Q4_K_M", "name": BARTOWSKI_LLAMA}
    assert result["memory"]["weights_gb"] == pytest.approx(gguf.spec.weights.file_bytes / 1e9, abs=0.01)
    assert result["fit"] == "runs_well"
    dense = await resolver.resolve("Qwen/Qwen2.5-7B-Instruct")
    catalog = run_estimate(kb, EstimateQuery(model="qwen2.5-7b-instruct", hardware=["rtx-3060-12gb"], quant="Q4_K_M")).to_json()
    mine = run_estimate(kb, EstimateQuery(model_spec=dense.spec, hardware=["rtx-3060-12gb"], quant="Q4_K_M")).to_json()
    assert mine["memory"]["total_gb"] == pytest.approx(catalog["memory"]["total_gb"], rel=1e-3)


# ------------------------------------------------------------------------------------------------------
# Failures: one sentence each
# ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nobody/Missing-7B", "There is no Hugging Face model repository nobody/Missing-7B, or it is private"),
        ("ratelimited/Model-7B", "rate-limiting lookups right now (it asks to wait 30 s)"),
        ("someone/Llama-LoRA", "It is an adapter (LoRA) for meta-llama/Llama-3.1-8B-Instruct"),
        ("someone/Empty-Repo", "has neither a config.json nor GGUF files"),
        ("someone/Pure-Mamba-2.8B", "pure recurrent architecture"),
        ("someone/Odd-Arch-1B", "has an architecture I cannot read from its config.json (model_type oddformer"),
        ("https://huggingface.co/datasets/HuggingFaceFW/fineweb", "is a Hugging Face dataset, not a model repository"),
        ("what is a kv cache", "is not a Hugging Face model repository"),
    ],
)
async def test_failures_are_one_clear_sentence(hub, text, message):
    with pytest.raises(InputError) as info:
        await make(hub).resolve(text)
    assert message in info.value.message and "Traceback" not in info.value.message


async def test_slow_hub_times_out_within_the_budget(hub):
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"did not answer within 0.5 s"):
        await make(hub, timeout_s=0.5).resolve("slow/Model-7B")
    assert time.perf_counter() - start < 1.5


async def test_offline_mode_and_no_network(hub, monkeypatch):
    resolver = make(hub)
    await resolver.resolve("Qwen/Qwen2.5-7B-Instruct")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub.clear_log()
    assert (await resolver.resolve("Qwen/Qwen2.5-7B-Instruct")).from_cache  # what is cached still answers
    with pytest.raises(InputError, match="offline for the Hugging Face Hub"):
        await resolver.resolve("Qwen/Qwen3-30B-A3B")
    assert hub.requests == []
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match="offline for the Hugging Face Hub"):
        await HubResolver(endpoint=f"http://127.0.0.1:{port}", timeout_s=2).resolve("Qwen/Qwen3-30B-A3B")


# ------------------------------------------------------------------------------------------------------
# Cache
# ------------------------------------------------------------------------------------------------------
async def test_cache_hits_negative_cache_and_stale_fallback(hub):
    cache = MemoryHubCache()
    resolver = make(hub, cache=cache)
    first = await resolver.resolve(BARTOWSKI_LLAMA)
    hub.clear_log()
    again = await resolver.resolve("https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF")
    also = await resolver.resolve(BARTOWSKI_LLAMA, quant="q4_k_m")  # the default quant is stored under its name too
    dense = await resolver.resolve("Qwen/Qwen3-30B-A3B", quant="Q4_K_M")  # a quant asked of a safetensors repo
    hub.clear_log()
    assert (await resolver.resolve("Qwen/Qwen3-30B-A3B")).from_cache and (
        await resolver.resolve("Qwen/Qwen3-30B-A3B", quant="Q8_0")
    ).from_cache
    assert not dense.is_gguf and dense.default_quant is None
    assert hub.requests == [] and again.from_cache and also.from_cache
    assert again.spec.weights is not None and first.spec.weights is not None
    assert again.spec.weights.file_bytes == first.spec.weights.file_bytes and again.gguf_files == first.gguf_files
    assert again.spec.arch == first.spec.arch and again.sources == first.sources
    # a missing repository is remembered for a while; a rate limit is not
    for _ in range(2):
        with pytest.raises(InputError):
            await resolver.resolve("nobody/Missing-7B")
        with pytest.raises(InputError):
            await resolver.resolve("ratelimited/Model-7B")
    assert len([r for r in hub.requests_for("nobody/Missing-7B") if "/api/" in r.path]) == 1
    assert len([r for r in hub.requests_for("ratelimited/Model-7B") if "/api/" in r.path]) == 2
    # an expired entry is served when the Hub cannot answer
    await resolver.resolve("Qwen/Qwen2.5-7B-Instruct")
    key = next(k for k in cache.data if "qwen/qwen2.5-7b-instruct@" in k)
    cache.data[key] = (cache.data[key][0], time.time() - 1)
    hub.repos["qwen/qwen2.5-7b-instruct"].status = 503
    stale = await resolver.resolve("Qwen/Qwen2.5-7B-Instruct")
    assert stale.stale and stale.params == 7_615_616_512


async def test_concurrent_lookups_of_one_repo_share_one_fetch(hub):
    resolver = make(hub)
    models = await asyncio.gather(*(resolver.resolve("Qwen/Qwen3-30B-A3B") for _ in range(8)))
    assert {m.params for m in models} == {30_532_122_624}
    assert len([r for r in hub.requests if r.path.startswith("/api/")]) == 1


async def test_state_backends_are_the_cache(hub, state):
    """The bot's state repository (SQLite and PostgreSQL) implements the cache interface."""
    assert await state.hub_cache_get("k") is None
    await state.hub_cache_put("k", "v1", 60)
    await state.hub_cache_put("k", "v2", 60)
    value, expires = await state.hub_cache_get("k")
    assert value == "v2" and expires > time.time() + 50
    await state.hub_cache_put("old", "x", -31 * 86400)  # long expired: purged by the next write
    await state.hub_cache_put("k2", "y", 60)
    assert await state.hub_cache_get("old") is None
    resolver = make(hub, cache=state)
    model = await resolver.resolve(BARTOWSKI_LLAMA)
    hub.clear_log()
    cached = await make(hub, cache=state).resolve(BARTOWSKI_LLAMA)
    assert hub.requests == [] and cached.from_cache and cached.spec.weights is not None
    assert cached.spec.weights.file_bytes == model.spec.weights.file_bytes


def test_cli_cache_file_sits_beside_the_catalog_and_works_synchronously(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLOCALAI_DB", str(tmp_path / "cat" / "catalog.sqlite"))
    assert default_hub_cache_path() == tmp_path / "cat" / "hub-cache.sqlite"
    hub = standard_hub()
    with hub.running_in_thread():
        cache = SQLiteHubCache()
        model = HubResolver(cache, endpoint=hub.endpoint).resolve_sync("Qwen/Qwen3-30B-A3B")
        hub.clear_log()
        again = HubResolver(SQLiteHubCache(), endpoint=hub.endpoint).resolve_sync("Qwen/Qwen3-30B-A3B")
    assert hub.requests == [] and again.from_cache and again.params == model.params
    assert (tmp_path / "cat" / "hub-cache.sqlite").exists()
    cache.put("x", "y", -1)
    value, expires = cache.get("x")
    assert value == "y" and expires < time.time()


def test_resolve_sync_refuses_to_run_inside_an_event_loop():
    async def inside() -> None:
        with pytest.raises(RuntimeError, match="await resolve"):
            HubResolver().resolve_sync("a/b")

    asyncio.run(inside())
