"""Reading questions the way people write them: counts, roles, memory variants, stated settings, money, and
what the answer must say it assumed or could not use. Each case is a behaviour, checked on the real catalog."""

from __future__ import annotations

import itertools

import pytest

from answers.conversation import Context, from_snapshot, snapshot
from answers.entities import EntityExtractor, prepare
from answers.intents import is_chitchat
from answers.user_errors import InputError


@pytest.fixture(scope="module")
def extract(kb):
    return EntityExtractor(kb.names).extract


@pytest.mark.parametrize(
    "text,groups",
    [
        ("llama 3.3 70b on 2 x rtx 3090", [("rtx-3090", 2)]),
        ("two 3090s and 64gb ram", [("rtx-3090", 2)]),
        ("dual 3090", [("rtx-3090", 2)]),
        ("4x3090 build", [("rtx-3090", 4)]),
        ("3090 x2 in my server", [("rtx-3090", 2)]),
        ("1*5090, 2*4090", [("rtx-5090", 1), ("rtx-4090", 2)]),
        ("a 3090 + 3060 12gb", [("rtx-3090", 1), ("rtx-3060-12gb", 1)]),
        ("1080ti sli", [("gtx-1080-ti", 2)]),
        ("两张24g的p40行不行", [("tesla-p40", 2)]),
        ("I have an RTX 4090 and 64GB RAM. Can my 4090 run llama 3.3 70b?", [("rtx-4090", 1)]),  # one card, named twice
    ],
)
def test_counts_and_the_same_card_named_twice(extract, text, groups):
    assert [(h.id, n) for h, n in extract(text).hardware_groups] == groups


@pytest.mark.parametrize(
    "text,hardware_id",
    [
        ("m3 ultra 512gb", "apple-m3-ultra-80c-512gb"),
        ("192GB M2 Ultra", "apple-m2-ultra-60c-192gb"),  # sold with 60 or 76 GPU cores: the named chip's own
        ("MacBook Air M1 2020 w/ 16GB RAM", "apple-m1-7c-16gb"),
        ("Macbook Max M3 128GB of RAM", "apple-m3-max-40c-128gb"),
        ("rtx4060 16gb vram", "rtx-4060-ti-16gb"),  # people drop the "Ti" of the 16 GB card
        ("3060 6G", "rtx-3060-laptop"),  # the 6 GB 3060 is the laptop chip
        ("8 x 32GB V100", "tesla-v100-32gb"),
    ],
)
def test_a_memory_size_near_a_name_picks_the_variant(extract, text, hardware_id):
    assert extract(text).hardware[0].id == hardware_id


@pytest.mark.parametrize("text", ["quadro rtx 4000", "i9-9960X", "24GB memory with AMD Ryzen 7"])
def test_a_different_product_line_is_never_picked(extract, text):
    """The catalog has no Quadro RTX 4000, no i9-9960X and no unnamed Ryzen 7: no wrong machine instead."""
    assert extract(text).hardware == []


def test_the_host_cpu_beside_gpus_is_not_an_accelerator(extract):
    e = extract("I have 2 RTX 3090s with NVLink, 128 GB of DDR4 RAM, and a Ryzen 9 5950x")
    assert [(h.id, n) for h, n in e.hardware_groups] == [("rtx-3090", 2)]
    assert [h.id for h in e.cpus] == ["ryzen-9-5950x"] and e.signals.ram_gb == 128 and e.signals.ram_type == "ddr4"


def test_sides_of_a_comparison_keep_their_counts(extract):
    e = extract("compare m2 ultra vs 2x 3090")
    assert [[h.id for h in side] for side in e.hardware_sides] == [["apple-m2-ultra-60c-64gb"], ["rtx-3090", "rtx-3090"]]


@pytest.mark.parametrize(
    "text,field,value",
    [
        ("qwen3 14b 128k context on 3090 with q8_0 kv cache", "kv_cache", "q8_0"),
        ("qwen3 14b 128k context on 3090 with q8_0 kv cache", "context", 131072),
        ("qwen3 14b 128k context on 3090 with q8_0 kv cache", "quant", None),  # the q8_0 was the cache, not the weights
        ("ollama with num_ctx 32768", "context", 32768),
        ("ollama with num_ctx 32768", "runtime", "ollama"),
        ("qwen3 32b with vllm on an a100", "runtime", "vllm"),
        ("mlx 4bit on m2 max", "runtime", "mlx-lm"),
        ("32gb ddr4 3200", "ram_speed", 3200),
        ("64gb ddr5-6000 dual channel", "ram_channels", 2),
        ("cpu only with 32gb ddr5", "cpu_only", True),
        ("best GPU under $800 for running 32B models", "size_class_b", 32.0),
        ("best GPU under $800 for running 32B models", "budget_usd", 800.0),
        ("budget 2000 used", "used", True),
        ("at $0.30/kWh for 2M tokens a day", "electricity_price", 0.30),
        ("at $0.30/kWh for 2M tokens a day", "tokens_per_day", 2_000_000),
        ("cheapest way to get 48gb of vram?", "target_vram_gb", 48.0),
        ("best coding model for a 4090", "use_case", "coding"),
        ("llama with -ngl 40 and flash attention", "gpu_layers", 40),
        ("€1500 for a gpu", "budget", (1500.0, "EUR")),
    ],
)
def test_stated_facts_are_kept(extract, text, field, value):
    assert getattr(extract(text).signals, field) == value


def test_a_budget_in_another_currency_is_converted_and_said(engine):
    answer = engine.answer("which gpu should i buy for qwen3 32b, budget €1500?")
    assert answer.intent == "choose_gpu"
    assert "1,500 EUR" in answer.text and "approximate rate" in answer.text


@pytest.mark.parametrize(
    "text,problem",
    [
        ("will llama 3.1 8b run with -8 GB VRAM", "not a possible amount of GPU memory"),
        ("llama 3.1 8b at Q9_Z_XXL on a 3090", "I don't know the quantization"),
        ("llama 3.1 8b with 99999999k context on a 3090", "is not possible"),
    ],
)
def test_impossible_input_is_refused_and_said_not_silently_replaced(engine, text, problem):
    answer = engine.answer(text)
    assert problem in answer.text  # the answer says what it could not use


def test_what_was_assumed_is_said(engine):
    answer = engine.answer("will qwen3 14b run on a 3060 12gb?")
    assert answer.intent == "will_it_run" and "Assumed:" in answer.text and "Q4_K_M" in answer.text
    assert any("Q4_K_M" in a for a in answer.assumptions)


def test_runtimes_named_in_the_question_are_used(engine):
    assert engine.answer("qwen3 30b a3b in ollama on a 3060").estimate.estimate.runtime.id == "ollama"
    assert engine.answer("mlx 4bit llama 3.1 8b on m2 max").estimate.estimate.quant.name == "MLX 4bit"
    kv = engine.answer("qwen3 14b 128k context on 3090 with q8_0 kv cache").estimate
    assert kv.estimate.request.kv_cache == "q8_0" and kv.estimate.quant.name != "Q8_0"


def test_generic_machines(engine):
    card = engine.answer("gpt-oss-20b on a 16GB card").estimate
    assert card.hardware_refs[0]["id"] == "custom" and card.estimate.request.system.gpus[0].memory_gib == 16
    cpu = engine.answer("cpu only with 32gb ddr5, can i run qwen3 8b?").estimate
    assert not cpu.estimate.request.system.gpus and cpu.estimate.request.system.ram_gib == 32


@pytest.mark.parametrize(
    "text,intent",
    [
        ("what can I run on a 3090", "what_can_i_run"),
        ("best coding model for a 4090", "what_can_i_run"),
        ("best model for arc b580", "what_can_i_run"),
        ("best GPU under $800 for running 32B models", "choose_gpu"),
        ("cheapest way to get 48gb of vram?", "choose_gpu"),
        ("is it cheaper to run llama 3.1 8b on a 3090 than the api for 5M tokens a day", "cost"),
        ("compare m2 ultra vs 2x 3090", "compare"),
        ("what is offloading and why is it so slow", "glossary"),
        ("safetensors vs gguf? which do i download", "glossary"),
        ("why does memory bandwidth matter more than tflops", "glossary"),
        ("ollama only uses my cpu, not the gpu", "error"),
        ("7900xtx", "hardware"),
    ],
)
def test_every_question_shape_has_a_route(engine, text, intent):
    answer = engine.answer(text)
    assert answer.intent == intent and not answer.abstained, answer.text[:200]


@pytest.mark.parametrize(
    "text",
    ["my 4090 finally arrived today!!", "thanks, that fixed it", "lol same", "Switched to a 7800 XT and everything runs fine now."],
)
def test_chitchat_naming_hardware_stays_silent(engine, text):
    assert engine.answer(text).abstained


@pytest.mark.parametrize(
    "text,chitchat",
    [
        ("thanks, that fixed it", True),
        ("it worked, thanks", True),
        ("Same with 0.3.12 - it worked with 0.3.10 for me.", False),  # a regression report, not a thread closing
        ("that worked previously but now: Error: llama runner process has terminated", False),
    ],
)
def test_it_worked_closes_a_thread_but_it_worked_with_an_older_version_reports_a_regression(text, chitchat):
    assert is_chitchat(text) is chitchat


def test_the_what_can_i_run_list_follows_quality_not_size(engine):
    answer = engine.answer("what can I run on a 3090")
    tier = answer.payload["tiers"]["runs_well"]
    assert all(row["quality"] >= later["quality"] for row, later in itertools.pairwise(tier) if row["quant"] == later["quant"])


def test_follow_ups_inherit_what_they_leave_out(engine):
    first = engine.answer("will qwen3 32b run on my 3090?")
    context = Context(previous=from_snapshot(snapshot(first.entities)), previous_intent=first.intent)
    second = engine.answer("what about at 32k?", context=context)
    assert second.intent == "will_it_run" and second.estimate.estimate.context == 32768
    assert "Carried over from the conversation: Qwen3 32B, GeForce RTX 3090" in second.text
    third = engine.answer(
        "and with q8 kv cache?", context=Context(previous=from_snapshot(snapshot(second.entities)), previous_intent="will_it_run")
    )
    assert third.estimate.estimate.request.kv_cache == "q8_0" and third.estimate.estimate.context == 32768


def test_the_rig_fills_the_machine_and_says_so(engine, extract):
    rig = extract("2x 3090 + 128gb ddr4")
    answer = engine.answer("can I run llama 3.3 70b?", context=Context(rig=rig))
    assert "On your rig: 2× GeForce RTX 3090 + 128 GB DDR4." in answer.text
    assert [h["id"] for h in answer.estimate.hardware_refs] == ["rtx-3090", "rtx-3090"]
    assert engine.answer("lol nice", context=Context(rig=rig)).abstained  # the rig never turns chatter into a question


def test_snapshots_carry_no_text_and_reject_foreign_data(extract):
    data = snapshot(extract("will qwen3 32b run on my 3090 at 32k with 64gb ram?"))
    assert "run on my" not in str(data) and data["models"][0]["id"] == "qwen3-32b" and data["signals"]["context"] == 32768
    assert from_snapshot({"v": 999}) is None and from_snapshot("garbage") is None  # type: ignore[arg-type]


def test_did_you_mean_ranks_the_slip_people_make(kb):
    from answers.lookup import resolve_entry

    with pytest.raises(InputError) as slip:
        resolve_entry(kb, "hardware", "rtx 4900")
    assert slip.value.suggestions[0] == "GeForce RTX 4090"
    with pytest.raises(InputError) as variant:
        resolve_entry(kb, "hardware", "rtx 5080 super")  # no such card: suggest, never silently become the 5080
    assert "GeForce RTX 5080" in variant.value.suggestions
    with pytest.raises(InputError) as unknown:
        resolve_entry(kb, "hardware", "rx 9999")
    assert unknown.value.suggestions == [] and "--vram-gb" in unknown.value.message  # how to describe it instead
    with pytest.raises(InputError) as line:
        resolve_entry(kb, "hardware", "gtx 1090")  # a key beside the 9, in the line the person named
    assert line.value.suggestions[0] == "GeForce GTX 1080"
    with pytest.raises(InputError) as card:
        resolve_entry(kb, "hardware", "rx 9950 xt")  # a graphics card was meant: never the Ryzen 9 9950X
    assert card.value.suggestions and not any("Ryzen" in name for name in card.value.suggestions)


def test_an_unknown_gpu_in_a_question_is_said_not_ignored(engine):
    """ "rtx 4900 for llama 3.1 70b?" names a machine the catalog lacks: the reply says so with the likeliest slip
    and still gives what the model needs, instead of a model card that reads as if no machine was named."""
    answer = engine.answer("rtx 4900 for llama 3.1 70b?")
    assert answer.intent == "will_it_run" and not answer.abstained
    assert answer.text.startswith("I don't know the GPU 'rtx 4900'. Did you mean GeForce RTX 4090?")
    assert answer.entities.unknown_hardware == ["rtx 4900"] and answer.payload["requirements"]
    shopping = engine.answer("what can i run on my gtx 1090")
    assert "Did you mean GeForce GTX 1080?" in shopping.text
    assert engine.answer("will llama 3.1 8b run on my rtx 4090").entities.unknown_hardware == []


def test_prepare_never_breaks_model_names():
    assert "8x7b" in prepare("mixtral 8x7b on a 3090") and "max 2" in prepare("max 2 gpus")


def test_a_choice_between_named_cards_compares_them(engine):
    """ "a 5090 or two 3090s for 70b models" weighs the two named options on a typical 70B model (an original release,
    not a fine-tune of it), rather than ranking every GPU on the market; "used" prices second-hand."""
    answer = engine.answer("should I buy a 5090 or two 3090s for 70b models")
    assert answer.intent == "compare"
    assert [row["hardware"] for row in answer.payload["hardware"]] == [["rtx-5090"], ["rtx-3090", "rtx-3090"]]
    assert answer.payload["model"] == "llama-3.3-70b-instruct"
    used = engine.answer("is a used 3090 or a 4060 ti 16gb better for llms?")
    assert used.intent == "compare" and used.payload["used"] is True
    assert engine.answer("Get a 3060 12gb for starters or a used 3090.").intent != "compare"  # advice, not a question


def test_a_size_class_with_a_use_word_is_read(extract):
    assert extract("which gpu for 14b coding models").signals.size_class_b == 14
    assert extract("best gpu for 70b reasoning models?").signals.size_class_b == 70


def test_a_speed_question_about_a_model_on_a_machine_is_an_estimate(engine):
    """ "what's the tok/s of X on Y" asks for a speed, not for the meaning of tok/s; "what is tok/s" alone still does."""
    assert engine.answer("what's the tok/s of llama 3 8b on an m1 macbook air 8gb").intent == "will_it_run"
    assert engine.answer("what does tokens per second mean").intent == "glossary"


def test_two_runtimes_are_compared_with_their_speeds(engine):
    """ "is ollama or llama.cpp faster" compares the two tools: what each is and their estimated speed on one model and
    machine (the same engine underneath: the same figure), each at the format it runs."""
    answer = engine.answer("is ollama or llama.cpp faster")
    assert answer.intent == "compare"
    rows = {row["id"]: row for row in answer.payload["tools"]}
    assert rows["ollama"]["decode_tokens_per_s"] == rows["llama.cpp"]["decode_tokens_per_s"]
    served = engine.answer("vllm vs ollama for qwen3 8b on a 4090?")
    assert served.intent == "compare" and served.payload["model"] == "qwen3-8b"
    quants = {row["id"]: row.get("quant") for row in served.payload["tools"]}
    assert quants["ollama"] == "Q4_K_M" and quants["vllm"] != "Q4_K_M"


def test_what_is_asks_a_meaning_only_about_a_term_near_it(engine):
    """ "What's the biggest model I can run on 3060 12gb" names out-of-memory elsewhere in the post: the "what's" is
    about the model, so it is a what-can-I-run question; "what is the kv cache" still asks for the term."""
    text = "I keep running out of memory. What's the biggest model, and most context, I can run on 3060 12gb?"
    assert engine.answer(text).intent == "what_can_i_run"
    assert engine.answer("what is the kv cache").intent == "glossary"
    assert engine.answer("why does memory bandwidth matter more than tflops").intent == "glossary"


def test_any_chance_to_run_is_a_will_it_run_question(engine):
    answer = engine.answer("Is there any chance to run this locally on a 8GB VRAM GPU (RTX 4060)?")
    assert answer.intent == "will_it_run" and "Which model" in answer.text  # the model is not named: ask for it


@pytest.mark.parametrize(
    "text,runtime,phrase",
    [
        ("qwen3:30b with num_ctx 32768 on a 3090", "ollama", "qwen3:30b"),
        ("llama 3.1 8b on a 4090 with --gpu-memory-utilization 0.9", "vllm", "--gpu-memory-utilization"),
        ("Llama(model_path=x, n_gpu_layers=20) on a 3060", "llama-cpp-python", "n_gpu_layers="),
        ("./main -m model.gguf -ngl 35 on a 3060", "llama.cpp", "-ngl"),
        ("koboldcpp? I pass --gpulayers 20 on a 3060", "koboldcpp", None),  # the name wins over the flag
    ],
)
def test_a_runtime_only_one_tool_spells_that_way_is_read(extract, text, runtime, phrase):
    signals = extract(text).signals
    assert signals.runtime == runtime
    assert signals.runtime_from == phrase


def test_times_and_urls_are_not_ollama_tags_nor_cards(extract):
    for text in ("meeting at 10:30 about llama3", "see http://localhost:11434/api on my 3090"):
        assert extract(text).signals.runtime is None
    assert extract("meeting at 10:30 about llama3").hardware == []  # not a GT 1030


def test_a_runtime_read_from_a_setting_is_said(engine):
    answer = engine.answer("will qwen3:14b run on my 3060 12gb")
    assert answer.estimate is not None and answer.estimate.estimate.request.runtime == "ollama"
    assert "Runtime Ollama: read from 'qwen3:14b'" in answer.text


@pytest.mark.parametrize(
    "text,groups",
    [
        ("显卡选择 RTX 3060ti 8G 还是 3060 12G 运行本模型", [("rtx-3060-ti", 1), ("rtx-3060-12gb", 1)]),
        ("3060 12gb or 4060 8gb", [("rtx-3060-12gb", 1), ("rtx-4060", 1)]),
    ],
)
def test_a_memory_written_with_a_name_stays_with_it(extract, text, groups):
    assert [(h.id, n) for h, n in extract(text).hardware_groups] == groups


@pytest.mark.parametrize(
    "text,ram,ram_type",
    [
        ("ryzen 3900x with 32gb", 32, None),
        ("will llama 3 8b run on my 5800x3d 32gb no gpu", 32, None),
        ("5950x 64gb + 3090", 64, None),
        ("显卡 4*4090D 、256GD4内存", 256, "ddr4"),
        ("epyc with 512g d5", 512, "ddr5"),
    ],
)
def test_ram_written_the_short_way_is_read(extract, text, ram, ram_type):
    signals = extract(text).signals
    assert signals.ram_gb == ram
    assert signals.ram_type == ram_type


@pytest.mark.parametrize(
    "text,vram,count,ram",
    [
        ("will llama 3.3 70b run on 2x 24gb cards", 24, 2, None),
        ("command-r-plus-104b-q5_k_s really too large for 3x24 GB ?", 24, 3, None),
        ("two 16gb cards", 16, 2, None),
        ("my rig has 2x32gb ddr5 and a 3090", None, 1, 64),  # two sticks of RAM, not two cards
        ("2x 24gb cards and 2x48gb ddr5", 24, 2, 96),
    ],
)
def test_several_cards_or_sticks_of_one_size(extract, text, vram, count, ram):
    signals = extract(text).signals
    assert (signals.vram_gb, signals.vram_count, signals.ram_gb) == (vram, count, ram)


def test_unnamed_cards_with_a_count_are_estimated_as_that_many(engine):
    answer = engine.answer("will llama 3.3 70b run on 2x 24gb cards")
    assert answer.intent == "will_it_run" and answer.estimate is not None
    assert len(answer.estimate.estimate.request.system.gpus) == 2


@pytest.mark.parametrize(
    "text,model_id",
    [
        ("can I run a 70b on my 6700xt", "llama-3.3-70b-instruct"),
        ("will a 32b model fit on my 3090", "qwen3-32b"),
        ("can I run the 72b on 2x 3090", "qwen2.5-72b-instruct"),  # the size a name states, not the nearest size
        ("can my 4060 run any 14b coding models", "qwen2.5-coder-14b-instruct"),
    ],
)
def test_a_size_without_a_model_is_estimated_on_a_typical_one(engine, text, model_id):
    answer = engine.answer(text)
    assert answer.intent == "will_it_run" and answer.estimate is not None
    assert answer.estimate.model_ref["id"] == model_id
    assert answer.text.startswith("A typical ")  # says which model stood in for the size
    assert answer.entities.model is None  # what the user said is kept as said
    assert answer.matches[0].kind == "hardware"  # the machine the user named comes before the stand-in model


def test_a_size_the_catalog_lacks_asks_for_the_model(engine):
    answer = engine.answer("can I run a 900b on my 3090")
    assert answer.intent == "will_it_run" and answer.estimate is None
    assert answer.text.startswith("Which model")


@pytest.mark.parametrize(
    "text,hardware_id",
    [("Jetson Orion Nano", "jetson-orin-nano-8gb"), ("my jetson orion nx", "jetson-orin-nx-8gb"), ("steam dek", "steam-deck-lcd")],
)
def test_a_misspelt_product_without_digits_is_found(extract, text, hardware_id):
    assert [h.id for h in extract(text).hardware] == [hardware_id]


@pytest.mark.parametrize(
    "text,hours", [("run it 24/7", 24), ("around the clock", 24), ("8 hours a day", 8), ("2.5 h per day", 2.5), ("at 10:30", None)]
)
def test_hours_a_day_are_read(extract, text, hours):
    assert extract(text).signals.hours_per_day == hours


def test_a_cost_question_for_round_the_clock_use_costs_a_full_day(engine):
    answer = engine.answer("how much would it cost to run qwen3 32b 24/7 on a 4090 at 0.30/kWh vs openrouter")
    assert answer.intent == "cost"
    assert answer.payload["hours_per_day"] == pytest.approx(24.0, abs=0.01)
    assert "generating 24 hours a day" in answer.text
    assert engine.answer("can I run llama 3.1 8b on a 3090 24/7").intent == "will_it_run"  # no cost word: not a bill


@pytest.mark.parametrize(
    "text,ram,vram",
    [("16gb ram and no gpu", 16, None), ("i have 8gb ram on my card", None, None), ("24gb vram and 64gb ram", 64, 24)],
)
def test_system_ram_beside_a_gpu_word_later_in_the_sentence(extract, text, ram, vram):
    signals = extract(text).signals
    assert (signals.ram_gb, signals.vram_gb) == (ram, vram)


def test_a_size_named_with_for_sets_the_compared_model(engine):
    answer = engine.answer("which is faster for 70b, m4 max 128gb or 2x 3090?")
    assert answer.intent == "compare"
    assert "for Llama 3.3 70B Instruct" in answer.text.splitlines()[0]


def test_a_model_with_room_at_a_good_quant_is_listed_as_running_well(engine):
    tiers = engine.answer("what can I run on an m4 max 128gb").payload["tiers"]
    well = {row["id"]: row["quant"] for row in tiers["runs_well"]}
    assert well.get("glm-4.5-air") in {"Q5_K_M", "Q4_K_M", "Q6_K", "Q8_0"}  # not "tight at Q6_K"
    assert "glm-4.5-air" not in {row["id"] for row in tiers.get("tight", [])}


def test_cpu_suggestions_use_a_fast_quant_and_stay_in_the_ram(engine):
    tiers = engine.answer("what model should i use with 16gb ram and no gpu").payload["tiers"]
    rows = tiers["cpu_only"]
    assert rows and all(row["quant"] not in {"F16", "Q8_0", "Q6_K", "Q5_K_M"} for row in rows)
    offload = engine.answer("what can I run on a 3060 12gb").payload["tiers"].get("offload", [])
    assert all("235b" not in row["id"] for row in offload)  # RAM unknown: nothing beyond the RAM it assumed


@pytest.mark.parametrize(
    "text", ["why is my gpu not being used ollama", "my rtx 3090 isn't detected in lm studio", "why is my gpu not being used"]
)
def test_a_described_gpu_problem_is_troubleshooting_not_a_definition(engine, text):
    answer = engine.answer(text)
    assert answer.intent == "error"
    assert answer.matches[0].id in {"gpu-not-used", "ollama-running-on-cpu", "lm-studio-gpu-not-detected"}


@pytest.mark.parametrize(
    "text,model_id", [("mistral small", "mistral-small-3.2-24b-instruct-2506"), ("llama 3.3", "llama-3.3-70b-instruct")]
)
def test_a_family_of_one_size_named_without_a_version_is_its_newest_model(extract, text, model_id):
    assert extract(f"can i run {text} on a 3090").model.id == model_id


def test_a_family_of_many_sizes_is_not_guessed_from_its_name(kb):
    assert not [h for h in kb.names.exact("qwen3") if h.kind == "model"]  # 0.6B to 235B: the size must be said


def test_does_x_reduce_y_asks_what_x_does(engine):
    answer = engine.answer("does flash attention reduce vram")
    assert answer.intent == "glossary" and answer.matches[0].id == "flash-attention"


def test_two_models_of_one_size_are_compared_on_quality_for_the_use_named(engine):
    text = engine.answer("llama3.1 8b vs qwen3 8b which is better for coding").text
    assert "Quality for coding: Qwen3 8B scores higher than Llama 3.1 8B Instruct" in text
    assert "larger model" not in text  # 8.03B against 8.2B is not a size choice


def test_a_smaller_model_that_scores_higher_is_recommended_outright(engine):
    text = engine.answer("llama 2 70b vs qwen3 14b").text
    assert "Choose Qwen3 14B: it is smaller and faster" in text


def test_a_gpu_budget_without_a_target_puts_memory_first_and_only_cards_sold_today(engine):
    answer = engine.answer("best gpu for local llms under 500 dollars")
    rows = answer.payload["ranking"]
    memory = [row["memory_gb"] for row in rows]
    assert memory == sorted(memory, reverse=True) and memory[0] >= 16
    assert not {"rx-580-8gb", "rx-480-8gb", "gtx-1080-ti"} & {row["id"] for row in rows}  # not sold new any more
    assert "most memory first" in answer.text and 'say "used"' in answer.text


def test_used_and_new_are_read_per_side_of_a_choice(engine):
    answer = engine.answer("used 3090 or new 4070 ti super for ai")
    assert answer.intent == "compare"
    assert answer.payload["used_per_side"] == [True, False]
    lines = answer.text.splitlines()
    assert "used;" in lines[1] and "new;" in lines[2]


def test_a_family_of_many_sizes_lists_its_sizes_on_the_machine(engine):
    answer = engine.answer("qwen3 on a 3090")
    assert answer.intent == "will_it_run" and answer.entities.family == "qwen3" and answer.entities.model is None
    assert "Qwen3 comes in several sizes" in answer.text
    listed = [row["id"] for tier in answer.payload["tiers"].values() for row in tier]
    assert listed and all(i.startswith("qwen3") for i in listed)
    assert engine.answer("qwen3 14b on a 3090").entities.model.id == "qwen3-14b"  # a size makes it a model


def test_a_family_answer_uses_the_context_it_was_trained_for(engine):
    answer = engine.answer("can i run llama 2 on my 3060?")
    assert "4,096-token context" in answer.text and "llama-2-7b-chat" in str(answer.payload)


@pytest.mark.parametrize(
    "text,family,model_id",
    [
        ("gemma 3 on a 3060", "gemma 3", None),
        ("gemma3 on a 3060", None, "gemma-3-4b-it"),
        ("gemma 3 27b on a 3090", None, "gemma-3-27b-it"),
    ],
)
def test_a_family_name_against_an_ollama_tag_and_a_sized_name(engine, text, family, model_id):
    """ "gemma3" is Ollama's tag for the 4B; "gemma 3" is the family; "gemma 3 27b" one model."""
    entities = engine.answer(text).entities
    assert entities.family == family
    assert (entities.model.id if entities.model else None) == model_id


@pytest.mark.parametrize("text", ["best model for roleplay on 24gb", "what can I run on a 24gb card"])
def test_on_an_amount_is_gpu_memory(extract, text):
    assert extract(text).signals.vram_gb == 24


def test_a_model_on_an_amount_of_ram_is_a_cpu_estimate(engine):
    answer = engine.answer("qwen3 8b on 16gb ram")
    assert answer.intent == "will_it_run" and answer.estimate is not None
    assert answer.estimate.estimate.fit == "cpu_only"
