"""/rig set (options and the paste modal), /rig show, /rig clear, and the rig used by /willitrun, /whatcanirun and
free-text questions, through the real CommandTree against the fake Discord API."""

from __future__ import annotations

import pytest

from testkit.fake_discord import USER_ID, command_option, interaction_payload, modal_inputs, modal_submit_payload
from testkit.interactions import assert_within_discord_limits, embed_text, final_message, invoke, registered, run_interaction
from tests.data import tool_outputs as t


async def set_rig(bot, fake, machine: str, **options) -> dict:
    opts = [command_option("machine", machine)] + [command_option(k, v) for k, v in options.items()]
    _, _, message = await invoke(bot, fake, "rig", opts, subcommand="set")
    return message


async def open_modal(bot, fake, **options) -> tuple[dict, dict]:
    opts = [command_option(k, v) for k, v in options.items()]
    payload = interaction_payload("rig", opts, command_id=registered(fake)["rig"]["id"], subcommand="set")
    callback = await run_interaction(bot, fake, payload)
    assert callback["type"] == 9  # MODAL
    return payload, callback["data"]


async def submit_modal(bot, fake, modal: dict, values_by_label: dict[str, str]) -> dict:
    inputs = modal_inputs(modal)
    values = {}
    for label, value in values_by_label.items():
        key = next(k for k in inputs if k.lower().startswith(label.lower()))
        values[inputs[key]["custom_id"]] = value
    payload = modal_submit_payload(modal, values)
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    assert_within_discord_limits(message)
    return message


async def test_rig_set_show_clear_with_options(bot, fake):
    message = await set_rig(bot, fake, "2x 3090 + 128gb ddr4, ubuntu, llama.cpp")
    assert message["flags"] & 64 and "2× GeForce RTX 3090 + 128 GB DDR4" in embed_text(message)
    assert "OS: Ubuntu" in embed_text(message) and "Runtime: llama.cpp" in embed_text(message)
    assert (await bot.user_rig(int(USER_ID))).hardware_ids == ["rtx-3090", "rtx-3090"]  # type: ignore[union-attr]
    _, _, shown = await invoke(bot, fake, "rig", [], subcommand="show")
    assert "2× GeForce RTX 3090" in embed_text(shown) and shown["flags"] & 64
    _, _, cleared = await invoke(bot, fake, "rig", [], subcommand="clear")
    assert cleared["content"] == "Your rig is deleted." and await bot.state.rig_get(int(USER_ID)) is None
    _, _, again = await invoke(bot, fake, "rig", [], subcommand="clear")
    assert again["content"] == "There was no rig saved for you."
    _, _, shown = await invoke(bot, fake, "rig", [], subcommand="show")
    assert "No rig saved" in shown["content"]


async def test_rig_set_modal_reads_pasted_nvidia_smi_and_free(bot, fake):
    _, modal = await open_modal(bot, fake, runtime="ollama")
    assert len(modal["components"]) == 4 and modal["title"] == "Your rig"
    message = await submit_modal(bot, fake, modal, {"Machine": t.NVIDIA_SMI_5090_AND_3090 + "\n" + t.FREE_H_15G, "Operating": "Fedora"})
    text = embed_text(message)
    assert "GeForce RTX 5090 + GeForce RTX 3090 + 16 GB RAM" in text and "OS: Fedora" in text
    assert "Runtime: ollama" in text and "nvidia-smi + free" in text and "NVIDIA 580.119.02" in text


async def test_rig_modal_errors_go_through_the_one_error_path(bot, fake):
    _, modal = await open_modal(bot, fake)
    message = await submit_modal(bot, fake, modal, {"Machine": t.ROCM_SMI_CONCISE})
    assert message["flags"] & 64 and "showproductname" in embed_text(message)
    assert await bot.state.rig_get(int(USER_ID)) is None


@pytest.mark.parametrize(
    "hostile",
    ["@everyone <@&1> hello", "🚀🔥" * 200, "-8gb vram", "9" * 900 + " gb ram", "ＲＴＸ　３０９０？", "\u202e3090"],
)
async def test_hostile_rig_text_is_refused_or_read_never_pinging(bot, fake, hostile):
    message = await set_rig(bot, fake, hostile[:1000])
    assert message["allowed_mentions"]["parse"] == [] and "@everyone" not in embed_text(message).replace("@\u200beveryone", "")
    assert message["flags"] & 64


async def test_huge_label_is_clipped(bot, fake):
    message = await set_rig(bot, fake, "rtx 4090", label="@here " + "x" * 94)
    stored = await bot.user_rig(int(USER_ID))
    assert stored is not None and len(stored.label) <= 120 and "@\u200bhere" in embed_text(message)


async def test_willitrun_and_whatcanirun_use_the_rig_and_say_so(bot, fake):
    _, _, message = await invoke(bot, fake, "willitrun", [command_option("model", "qwen3-32b")])
    assert message["flags"] & 64 and "/rig set" in embed_text(message)  # no hardware and no rig: how to fix it
    await set_rig(bot, fake, "2x 3090 + 128gb ddr4", runtime="ollama")
    _, _, message = await invoke(bot, fake, "willitrun", [command_option("model", "qwen3-32b")])
    embed = message["embeds"][0]
    assert embed["description"].startswith("On your rig: 2× GeForce RTX 3090 + 128 GB DDR4.")
    assert embed["title"] == "Qwen3 32B on 2× GeForce RTX 3090" and "Ollama" in embed["footer"]["text"]
    _, _, named = await invoke(bot, fake, "willitrun", [command_option("model", "qwen3-32b"), command_option("hardware", "rtx-4090")])
    assert "On your rig" not in named["embeds"][0]["description"]  # named hardware wins
    _, _, runs = await invoke(bot, fake, "whatcanirun", [])
    assert "What runs on your rig" in embed_text(runs) and "On your rig: 2× GeForce RTX 3090" in embed_text(runs)


async def test_a_mac_rig_by_memory_only_has_no_buttons_that_cannot_work(bot, fake):
    _, modal = await open_modal(bot, fake)
    await submit_modal(bot, fake, modal, {"Machine": t.SYSTEM_PROFILER_M5})
    _, _, message = await invoke(bot, fake, "willitrun", [command_option("model", "llama-3.1-8b-instruct")])
    assert "On your rig: a Mac with 32 GB." in message["embeds"][0]["description"] and not message.get("components")
