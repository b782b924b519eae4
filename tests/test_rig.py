"""Rigs read from free text and from real tool outputs (tests/data/tool_outputs.py, each with its source URL)."""

from __future__ import annotations

import pytest

from answers.conversation import Context
from answers.entities import EntityExtractor
from answers.rig import MAX_RIG_TEXT, Rig, RigReader, marketed_gib, read_tools
from answers.rig_detect import collect, detect
from answers.user_errors import InputError
from tests.data import tool_outputs as t


@pytest.fixture(scope="module")
def reader(kb) -> RigReader:
    return RigReader(EntityExtractor(kb.names))


@pytest.mark.parametrize(
    "paste,hardware,label,os_name,source",
    [
        (t.NVIDIA_SMI_RTX_4070, ["rtx-4070"], "GeForce RTX 4070", None, "nvidia-smi"),
        (t.NVIDIA_SMI_5090_AND_3090, ["rtx-5090", "rtx-3090"], "GeForce RTX 5090 + GeForce RTX 3090", None, "nvidia-smi"),
        (t.NVIDIA_SMI_L40S_TCC, ["l40s"], "NVIDIA L40S", "Windows", "nvidia-smi"),
        (t.ROCM_SMI_CSV, ["rx-7900-xt"], "Radeon RX 7900 XT", "Linux", "rocm-smi"),
        (t.ROCM_SMI_PRODUCT_NAME_ID, ["rx-7900-xtx"], "Radeon RX 7900 XTX", "Linux", "rocm-smi"),
        (t.AMD_SMI_7900_XTX, ["rx-7900-xtx"], "Radeon RX 7900 XTX", "Linux", "amd-smi"),
        (t.SYSTEM_PROFILER_M1, ["apple-m1-7c-8gb"], "Apple M1 (7-core GPU, 8GB)", "macOS", "system_profiler"),
        (t.LSCPU_I3_12100F, ["core-i3-12100"], "Intel Core i3-12100", "Linux", "lscpu"),
    ],
)
def test_tool_outputs_name_the_catalog_hardware(reader, paste, hardware, label, os_name, source):
    rig = reader.read(paste)
    assert rig.hardware_ids == hardware and rig.label == label and rig.os == os_name and rig.source == source


def test_nvidia_smi_header_gives_the_driver(reader):
    assert reader.read(t.NVIDIA_SMI_5090_AND_3090).driver == "NVIDIA 580.119.02, CUDA 13.0"


def test_a_cut_name_falls_back_to_the_cards_memory_and_says_so(reader):
    rig = reader.read(t.NVIDIA_SMI_TRUNCATED_NAME)
    assert rig.hardware_ids == [] and rig.machine().signals.vram_gb == 24 and rig.label == "a 24 GB GPU"
    assert "not in the catalog" in rig.notes[0]


def test_a_chip_newer_than_the_catalog_is_a_mac_with_its_memory(reader):
    rig = reader.read(t.SYSTEM_PROFILER_M5)
    assert rig.machine().signals.unified_gb == 32 and rig.label == "a Mac with 32 GB" and rig.os == "macOS"


def test_free_output_reads_as_the_ram_that_was_bought():
    assert read_tools(t.FREE_H_15G).ram_gib == 16
    assert read_tools(t.FREE_M_32G).ram_gib == 32
    assert read_tools("MemTotal:       131891148 kB\nMemFree: 1 kB").ram_gib == 128
    assert marketed_gib(125.7) == 128 and marketed_gib(23.4) == 24 and marketed_gib(40.0) == 40


def test_several_pastes_in_one_message_combine(reader):
    rig = reader.read(t.NVIDIA_SMI_RTX_4070 + "\n" + t.LSCPU_I3_12100F + "\n" + t.FREE_H_15G)
    assert rig.label == "GeForce RTX 4070 + 16 GB RAM" and rig.cpu == "12th Gen Intel Core i3-12100F"
    assert rig.source == "nvidia-smi + lscpu + free" and rig.hardware_ids == ["rtx-4070"]  # the CPU is the host, not a device


def test_rocm_concise_table_without_names_asks_for_the_product_names(reader):
    with pytest.raises(InputError, match="showproductname"):
        reader.read(t.ROCM_SMI_CONCISE)


def test_free_text_through_the_question_parser(reader):
    rig = reader.read("2x 3090 + 128gb ddr4, ubuntu, llama.cpp")
    assert rig.hardware_ids == ["rtx-3090", "rtx-3090"] and rig.label == "2× GeForce RTX 3090 + 128 GB DDR4"
    assert rig.os == "Ubuntu" and rig.runtime == "llama.cpp"
    assert rig.entities["models"] == [] and "context" not in rig.entities["signals"]
    assert reader.read("M2 Max 96GB, macOS").hardware_ids == ["apple-m2-max-38c-96gb"]
    cpu = reader.read("cpu only, 64gb ddr5")
    assert cpu.machine().signals.cpu_only and cpu.label == "CPU only + 64 GB DDR5"
    # a model named beside the machine is not part of the rig
    assert reader.read("4090 for qwen3 32b at 32k").entities["models"] == []


def test_options_override_what_the_text_says(reader):
    rig = reader.read("rtx 4090, windows", os_name="Arch Linux", runtime="ollama", label="my box")
    assert (rig.os, rig.runtime, rig.label) == ("Arch Linux", "ollama", "my box")


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "hello there, how are you?",
        "@everyone <@&123> ping",
        "🚀" * 50,
        "-8gb vram",
        "999999999999999999999999 GB ram ",
    ],
)
def test_text_without_a_machine_is_refused_with_a_sentence(reader, hostile):
    with pytest.raises(InputError):
        reader.read(hostile)


def test_pastes_over_the_cap_are_refused(reader):
    with pytest.raises(InputError, match="at most 4,000"):
        reader.read("rtx 3090 " * (MAX_RIG_TEXT // 9 + 10))


def test_labels_are_clipped_and_stored_json_round_trips(reader):
    rig = reader.read("rtx 3090", label="x" * 500)
    assert len(rig.label) == 120
    again = Rig.from_json(rig.dumps())
    assert again is not None and again.to_json() == rig.to_json()
    assert Rig.from_json("not json") is None and Rig.from_json({"v": 99}) is None and Rig.from_json('{"v": 1, "entities": 3}') is None


def test_engine_answers_on_the_rig_and_says_so(engine, reader):
    rig = reader.read("2x 3090 + 128gb ddr4")
    answer = engine.answer("will qwen3 32b run?", context=Context(rig=rig.machine(), rig_label=rig.label))
    assert "On your rig: 2× GeForce RTX 3090 + 128 GB DDR4." in answer.text
    assert answer.estimate is not None and [h["id"] for h in answer.estimate.hardware_refs] == ["rtx-3090", "rtx-3090"]


# -- runlocalai rig detect: every command faked ---------------------------------------------------
def fake_machine(outputs: dict[str, str | None], files: dict[str, str] | None = None):
    calls: list[list[str]] = []

    def run(argv: list[str]) -> str | None:
        calls.append(argv)
        return outputs.get(argv[0])

    def read_file(path: str) -> str | None:
        return (files or {}).get(path)

    return run, read_file, calls


def test_detect_on_linux_reads_nvidia_smi_lscpu_and_meminfo(reader):
    run, read_file, calls = fake_machine(
        {"nvidia-smi": t.NVIDIA_SMI_5090_AND_3090, "rocm-smi": None, "lscpu": t.LSCPU_I3_12100F},
        {"/proc/meminfo": "MemTotal:       65792148 kB\n"},
    )
    rig = detect(reader, "Linux", run, read_file)
    assert rig.hardware_ids == ["rtx-5090", "rtx-3090"] and rig.label == "GeForce RTX 5090 + GeForce RTX 3090 + 64 GB RAM"
    assert rig.os == "Linux" and rig.source.startswith("runlocalai rig detect (nvidia-smi")
    assert [c[0] for c in calls] == ["nvidia-smi", "rocm-smi", "lscpu"]


def test_detect_on_linux_with_an_amd_card(reader):
    run, read_file, _ = fake_machine({"rocm-smi": t.ROCM_SMI_CSV}, {"/proc/meminfo": "MemTotal: 32768000 kB"})
    assert detect(reader, "Linux", run, read_file).label == "Radeon RX 7900 XT + 32 GB RAM"


def test_detect_on_macos_reads_system_profiler(reader):
    run, read_file, calls = fake_machine({"system_profiler": t.SYSTEM_PROFILER_M1})
    rig = detect(reader, "Darwin", run, read_file)
    assert rig.hardware_ids == ["apple-m1-7c-8gb"] and rig.os == "macOS"
    assert calls[0] == ["system_profiler", "SPHardwareDataType"]
    run, read_file, _ = fake_machine({"sysctl": "hw.memsize: 68719476736\nmachdep.cpu.brand_string: Apple M2 Max\n"})
    assert detect(reader, "Darwin", run, read_file).hardware_ids == ["apple-m2-max-38c-64gb"]


def test_detect_with_nothing_readable_is_a_sentence(reader):
    run, read_file, _ = fake_machine({})
    with pytest.raises(InputError, match="No GPU"):
        detect(reader, "Linux", run, read_file)
    assert collect("Windows", run, read_file) == []
