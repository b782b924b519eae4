"""Hardware catalog properties the estimator and the name index rely on: CPU bandwidth = channels x 8 x MT/s,
every family has speed constants (directly or through FAMILY_ALIASES), common spellings resolve to the intended
entry, iGPU links point at unified entries, and an assumed RAM size is reported as assumed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from answers.estimates import EstimateQuery, run_estimate
from estimator.calibration.constants import CONSTANTS
from estimator.speed import FAMILY_ALIASES
from knowledge.devices import default_backend, system_from_hardware
from knowledge.loader import load_catalog
from knowledge.schema import Hardware, memory_speed
from knowledge.search import NameIndex, resolve


@pytest.fixture(scope="module")
def catalog():
    report = load_catalog()
    assert report.problems == [], "\n".join(map(str, report.problems[:20]))
    return report.catalog


@pytest.fixture(scope="module")
def names(catalog):
    return NameIndex(catalog)


def test_catalog_has_at_least_450_hardware_entries(catalog):
    assert len(catalog.hardware) >= 450


def test_cpu_bandwidth_is_channels_times_8_bytes_times_top_speed(catalog):
    checked = 0
    for hw in catalog.hardware:
        if hw.cpu is None:
            continue
        bus_bytes = hw.cpu.memory_bus_bits / 8 if hw.cpu.memory_bus_bits else hw.cpu.memory_channels * 8
        peak = bus_bytes * max(memory_speed(t) for t in hw.cpu.memory_types) / 1000
        assert hw.bandwidth_gbs == pytest.approx(peak, rel=0.01), hw.id
        assert hw.cpu.threads >= hw.cpu.cores, hw.id
        checked += 1
    assert checked >= 180
    # a named AMD/Intel CPU always carries its cpu block
    named = [h for h in catalog.hardware if h.family in {"amd_cpu", "intel_cpu", "arm_cpu"}]
    assert named and all(h.cpu is not None and h.device == "cpu" for h in named)


def test_generic_memory_entries_follow_the_formula(catalog):
    for hw in catalog.hardware:
        if hw.vendor != "generic":
            continue
        speed = memory_speed(hw.memory_type.split(" ")[0])
        channels = int(hw.memory_type.split("(")[1].split(" ")[0])
        assert hw.bandwidth_gbs == pytest.approx(channels * 8 * speed / 1000, rel=0.01), hw.id


def test_schema_rejects_a_cpu_bandwidth_that_breaks_the_formula():
    entry = {
        "id": "bad-cpu",
        "name": "Bad CPU",
        "vendor": "amd",
        "device": "cpu",
        "family": "amd_cpu",
        "segment": "desktop",
        "memory_gb": 32,
        "memory_type": "DDR5-5600 (2 channels)",
        "bandwidth_gbs": 100.0,
        "backends": {"cpu": True},
        "cpu": {"cores": 8, "threads": 16, "memory_channels": 2, "memory_types": ["DDR5-5600"]},
        "sources": ["https://example.com/cpu"],
    }
    with pytest.raises(ValidationError, match="theoretical peak"):
        Hardware.model_validate(entry)
    Hardware.model_validate({**entry, "bandwidth_gbs": 89.6})
    with pytest.raises(ValidationError, match="memory type"):
        Hardware.model_validate({**entry, "cpu": {**entry["cpu"], "memory_types": ["DDR5 fast"]}})
    with pytest.raises(ValidationError, match="memory_typical"):
        Hardware.model_validate({**entry, "device": "gpu", "bandwidth_gbs": 89.6, "cpu": {**entry["cpu"], "memory_typical": True}})


def test_every_family_has_speed_constants(catalog):
    calibrated = set(CONSTANTS.decode_family) | {"cpu"}
    for alias, target in FAMILY_ALIASES.items():
        assert target in calibrated, alias
    for hw in catalog.hardware:
        assert hw.family in calibrated or hw.family in FAMILY_ALIASES, f"{hw.id}: {hw.family}"


def test_igpu_links_point_at_unified_entries(catalog):
    linked = 0
    for hw in catalog.hardware:
        if hw.cpu and hw.cpu.igpu:
            target = catalog.hardware_by_id(hw.cpu.igpu)
            assert target is not None and target.device == "unified", hw.id
            linked += 1
    assert linked >= 20


def test_new_vendors_get_a_backend(catalog):
    by_id = {h.id: h for h in catalog.hardware}
    assert default_backend(by_id["snapdragon-x-elite-16gb"]) == "cpu"
    assert default_backend(by_id["raspberry-pi-5-8gb"]) == "cpu"
    assert default_backend(by_id["orange-pi-5-8gb"]) == "cpu"
    assert default_backend(by_id["arc-140v-32gb"]) == "vulkan"
    assert default_backend(by_id["radeon-780m-ddr5-5600"]) == "vulkan"


COMMON_SPELLINGS = [
    ("5800x", "ryzen-7-5800x"),
    ("r7 5800x", "ryzen-7-5800x"),
    ("ryzen 5800x", "ryzen-7-5800x"),
    ("Ryzen 7 5800X3D", "ryzen-7-5800x3d"),
    ("7950x3d", "ryzen-9-7950x3d"),
    ("ryzen 5 7600", "ryzen-5-7600"),
    ("9950x", "ryzen-9-9950x"),
    ("12700h", "core-i7-12700h"),
    ("i7-12700h", "core-i7-12700h"),
    ("13900k", "core-i9-13900k"),
    ("i9 13900k", "core-i9-13900k"),
    ("i9-14900K", "core-i9-14900k"),
    ("core ultra 7 155h", "core-ultra-7-155h"),
    ("ultra 9 285k", "core-ultra-9-285k"),
    ("258v", "core-ultra-7-258v"),
    ("7840hs", "ryzen-7-7840hs"),
    ("ryzen ai 9 hx 370", "ryzen-ai-9-hx-370"),
    ("hx 370", "ryzen-ai-9-hx-370"),
    ("threadripper 7980x", "threadripper-7980x"),
    ("threadripper pro 7995wx", "threadripper-pro-7995wx"),
    ("epyc 9654", "epyc-9654"),
    ("epyc 7763", "epyc-7763"),
    ("xeon e5-2690 v4", "xeon-e5-2690-v4"),
    ("xeon platinum 8480+", "xeon-platinum-8480-plus"),
    ("rx580", "rx-580-8gb"),
    ("rx 580", "rx-580-8gb"),
    ("rx 580 8gb", "rx-580-8gb"),
    ("rx 580 4gb", "rx-580-4gb"),
    ("rx 570", "rx-570-8gb"),
    ("vega 64", "vega-64"),
    ("radeon vii", "radeon-vii"),
    ("rx 5700 xt", "rx-5700-xt"),
    ("p40", "tesla-p40"),
    ("tesla p40", "tesla-p40"),
    ("p4", "tesla-p4"),
    ("v100 sxm2", "tesla-v100-sxm2-16gb"),
    ("mi50", "instinct-mi50-32gb"),
    ("mi25", "instinct-mi25"),
    ("gtx 970", "gtx-970"),
    ("980 ti", "gtx-980-ti"),
    ("titan xp", "titan-xp"),
    ("3080 laptop", "rtx-3080-laptop-8gb"),
    ("3080 mobile", "rtx-3080-laptop-8gb"),
    ("2060 laptop", "rtx-2060-laptop"),
    ("rtx 5060 laptop", "rtx-5060-laptop"),
    ("arc a310", "arc-a310"),
    ("pi 5", "raspberry-pi-5-8gb"),
    ("rpi5", "raspberry-pi-5-8gb"),
    ("raspberry pi 5 16gb", "raspberry-pi-5-16gb"),
    ("pi 4", "raspberry-pi-4-4gb"),
    ("orange pi 5", "orange-pi-5-8gb"),
    ("steam deck", "steam-deck-lcd"),
    ("steam deck oled", "steam-deck-oled"),
    ("rog ally x", "rog-ally-x"),
    ("legion go", "legion-go"),
    ("780m", "radeon-780m-ddr5-5600"),
    ("8700g", "ryzen-7-8700g"),
    ("arc 140v", "arc-140v-32gb"),
    ("snapdragon x elite", "snapdragon-x-elite-16gb"),
    ("jetson orin nano", "jetson-orin-nano-8gb"),
    ("jetson nano", "jetson-nano-4gb"),
    ("ddr5-6000 dual channel", "cpu-ddr5-6000-2ch"),
    ("ddr4-3200 8ch", "cpu-ddr4-3200-8ch"),
    ("12 channel ddr5-6000", "cpu-ddr5-6000-12ch"),
    ("quad channel ddr4-3200", "cpu-ddr4-3200-4ch"),
    ("threadripper 3000", "threadripper-3000-4ch-ddr4-3200"),
    ("epyc genoa", "epyc-9004-12ch-ddr5-4800"),
    # names that already meant something keep their meaning
    ("3090", "rtx-3090"),
    ("7600", "rx-7600"),
    ("tesla v100 32gb", "tesla-v100-32gb"),
]


@pytest.mark.parametrize(("text", "expected"), COMMON_SPELLINGS)
def test_common_spellings_resolve(names, text, expected):
    assert resolve(names, text, "hardware").id == expected


def test_assumed_ram_is_reported_and_a_given_size_is_not(catalog):
    cpu = catalog.hardware_by_id("ryzen-7-5800x")
    assert cpu.cpu.memory_typical
    assert system_from_hardware([cpu]).ram_assumed
    given = system_from_hardware([cpu], ram_gib=64)
    assert not given.ram_assumed and given.ram_gib == 64 and given.ram_bandwidth_gbs == cpu.bandwidth_gbs
    board = catalog.hardware_by_id("raspberry-pi-5-8gb")  # soldered memory is a fact, not an assumption
    system = system_from_hardware([board])
    assert not system.ram_assumed and system.cpu_tflops == board.fp32_tflops < 1.0


@pytest.mark.parametrize("hardware", ["ryzen-9-7950x", "snapdragon-x-elite-16gb", "raspberry-pi-5-8gb", "steam-deck-oled", "rx-580-8gb"])
def test_new_kinds_of_hardware_estimate(kb, hardware):
    result = run_estimate(kb, EstimateQuery(model="llama-3.2-3b-instruct", hardware=[hardware], quant="Q4_K_M", context=4096))
    data = result.to_json()
    assert data["fit"] in {"runs_well", "tight", "offload", "cpu_only"}
    assert data["decode_tokens_per_s"] > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtx 4060 ti", "rtx-4060-ti-8gb"),
        ("rtx 5060 ti", "rtx-5060-ti-16gb"),
        ("tesla v100", "tesla-v100-16gb"),
        ("rx 9060 xt", "rx-9060-xt-16gb"),
    ],
)
def test_an_alias_wins_over_a_shared_chip_slug(names, text, expected):
    assert resolve(names, text, "hardware").id == expected


def test_a_bare_chip_slug_still_names_its_variants(names):
    assert {h.id for h in names.exact("apple-m4-pro-20c", "hardware")} == {
        "apple-m4-pro-20c-24gb",
        "apple-m4-pro-20c-48gb",
        "apple-m4-pro-20c-64gb",
    }


def test_hardware_card_shows_the_cpu_facts(catalog):
    from answers.cards import hardware_text

    text = hardware_text(catalog.hardware_by_id("ryzen-7-7840hs"))
    assert "8 cores / 16 threads" in text and "LPDDR5X-7500" in text and "AVX-512" in text
    assert "radeon-780m-ddr5-5600" in text and "assumed build" in text
    pi = hardware_text(catalog.hardware_by_id("raspberry-pi-5-8gb"))
    assert "32-bit memory bus" in pi and "no AVX" in pi and "assumed" not in pi
