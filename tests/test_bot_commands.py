"""Every command, autocomplete, button and menu dispatched as real payloads through the real CommandTree."""

from __future__ import annotations

import discord
import pytest

from testkit.fake_discord import FORUM_CHANNEL_ID, command_option, component_payload, interaction_payload
from testkit.interactions import (
    click,
    embed_text,
    invoke,
    registered,
    run_interaction,
    sent_message,
)

ALL_COMMANDS = {
    "willitrun",
    "whatcanirun",
    "choosegpu",
    "compare",
    "costvscloud",
    "glossary",
    "error",
    "model",
    "gpu",
    "tool",
    "ask",
    "setup",
    "stats",
    "finetune",
    "rig",
    "bench",
}


async def test_all_commands_registered_within_discord_limits(bot, fake):
    commands = registered(fake)
    assert set(commands) == ALL_COMMANDS
    for cmd in commands.values():
        assert 1 <= len(cmd["name"]) <= 32 and 1 <= len(cmd["description"]) <= 100
        options = cmd.get("options", [])
        assert len(options) <= 25
        for option in options:
            assert len(option.get("description", "")) <= 100 and len(option.get("choices", [])) <= 25
    assert int(commands["setup"]["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    review = next(o for o in commands["bench"]["options"] if o["name"] == "review")
    assert review["type"] == 1 and {o["name"] for o in commands["rig"]["options"]} == {"set", "show", "clear"}


async def test_whatcanirun_groups_models_by_tier(bot, fake):
    _, _, message = await invoke(bot, fake, "whatcanirun", [command_option("hardware", "rtx-3090"), command_option("use", "code")])
    text = embed_text(message)
    assert "What runs on GeForce RTX 3090" in text and "Runs fully on the GPU" in text
    assert "Coder" in text or "Code" in text


async def test_choosegpu_ranks_by_value_under_budget(bot, fake):
    _, _, message = await invoke(
        bot, fake, "choosegpu", [command_option("budget", 1200, option_type=4), command_option("model", "qwen3-14b")]
    )
    text = embed_text(message)
    assert "GPUs for Qwen3 14B" in text and "tok/s per $1000" in text
    prices = [int(p.replace(",", "")) for p in __import__("re").findall(r"~\$([\d,]+) \(", text)]
    assert prices and max(prices) <= 1200


async def test_finetune_answers_with_the_memory_terms(bot, fake):
    _, _, message = await invoke(
        bot,
        fake,
        "finetune",
        [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-4090"), command_option("method", "qlora")],
    )
    text = embed_text(message)
    assert "QLORA of Llama 3.1 8B Instruct" in text and "activations" in text and "Assumed" in text
    _, _, message = await invoke(
        bot,
        fake,
        "finetune",
        [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-4090"), command_option("method", "full")],
    )
    text = embed_text(message)
    assert "Won't run" in text and "LoRA" in text


async def test_compare_models_and_gpus(bot, fake):
    _, _, message = await invoke(bot, fake, "compare", [command_option("a", "hardware:rtx-3090"), command_option("b", "4090")])
    assert "GeForce RTX 3090 vs GeForce RTX 4090" in embed_text(message) and "Choose" in embed_text(message)
    _, _, message = await invoke(bot, fake, "compare", [command_option("a", "qwen3 32b"), command_option("b", "llama 3.3 70b")])
    assert "Qwen3 32B" in embed_text(message) and "Llama 3.3 70B" in embed_text(message)
    _, _, message = await invoke(bot, fake, "compare", [command_option("a", "qwen3 32b"), command_option("b", "rtx 3090")])
    assert message["flags"] & 64 and "not one of each" in embed_text(message)


async def test_costvscloud_gives_break_even(bot, fake):
    _, _, message = await invoke(
        bot,
        fake,
        "costvscloud",
        [
            command_option("hardware", "rtx-3090"),
            command_option("model", "llama-3.1-8b-instruct"),
            command_option("tokens_per_day", 5_000_000, option_type=4),
        ],
    )
    text = embed_text(message)
    assert "Electricity" in text and "Cloud API" in text and ("Break-even" in text or "cloud is cheaper" in text)


async def test_costvscloud_takes_hours_a_day_or_says_what_is_missing(bot, fake):
    base = [command_option("hardware", "rtx-3090"), command_option("model", "llama-3.1-8b-instruct")]
    _, _, message = await invoke(bot, fake, "costvscloud", [*base, command_option("hours_per_day", 24.0, option_type=10)])
    assert "24.0 h of generation" in embed_text(message)
    _, _, message = await invoke(bot, fake, "costvscloud", base)
    assert message["flags"] & 64 and "tokens_per_day" in (message.get("content") or embed_text(message))


@pytest.mark.parametrize(
    "command,option,value,title",
    [
        ("glossary", "term", "kv cache", "KV cache"),
        ("model", "name", "gpt oss 20b", "gpt-oss 20B"),
        ("gpu", "name", "7900xtx", "Radeon RX 7900 XTX"),
        ("tool", "name", "ollama", "Ollama"),
    ],
)
async def test_cards(bot, fake, command, option, value, title):
    _, _, message = await invoke(bot, fake, command, [command_option(option, value)])
    assert message["embeds"][0]["title"].lower() == title.lower()


async def test_glossary_card_offers_related_terms_and_the_menu_works(bot, fake):
    payload, _, message = await invoke(bot, fake, "glossary", [command_option("term", "kv-cache")])
    menu = message["components"][0]["components"][0]
    assert menu["custom_id"] == "card:glossary" and len(menu["options"]) >= 2
    stored = sent_message(fake, payload, message)
    choice = menu["options"][0]["value"]
    click = component_payload("card:glossary", stored, component_type=3, values=[choice])
    callback = await run_interaction(bot, fake, click)
    assert callback["data"]["embeds"][0]["title"] == bot.kb.names.title("glossary", choice)


async def test_ambiguous_name_gets_a_did_you_mean_menu(bot, fake):
    _, _, message = await invoke(bot, fake, "model", [command_option("name", "llama 3.1 9b")])
    assert message["flags"] & 64 and "Did you mean" in message["content"]
    options = message["components"][0]["components"][0]["options"]
    assert any("Llama 3.1 8B" in o["label"] for o in options)


async def test_error_command_matches_a_pasted_log(bot, fake):
    log = "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 8192.00 MiB on device 0: cudaMalloc failed: out of memory"
    _, _, message = await invoke(bot, fake, "error", [command_option("text", log)])
    assert "cudaMalloc failed" in message["content"] and "Offload fewer layers" in embed_text(message)
    _, _, message = await invoke(bot, fake, "error", [command_option("text", "my model says weird stuff and repeats itself forever")])
    assert message["flags"] & 64 and message["components"]  # no exact match: choices instead of a guess


async def test_ask_answers_and_attaches_feedback_buttons(bot, fake):
    payload, _, message = await invoke(bot, fake, "ask", [command_option("question", "what is flash attention?")])
    assert "Flash Attention" in embed_text(message)
    ids = [c["custom_id"] for c in message["components"][0]["components"]]
    assert ids == [f"fb:solved:{payload['id']}", f"fb:not_helpful:{payload['id']}"]  # keyed by the answer, stored before sending
    stored = sent_message(fake, payload, message)
    click = component_payload(ids[0], stored)  # clicked at once: the answer row already exists
    bot._connection.parse_interaction_create(click)
    reply = await fake.wait_for(lambda r: r.path.endswith(f"/{click['id']}/{click['token']}/callback"))
    assert reply.body["data"]["content"] == "Thanks, marked as solved."
    assert await bot.state.feedback_for(int(payload["id"])) == {"solved": 1, "not_helpful": 0}


async def test_feedback_buttons_of_older_answers_still_work(bot, fake):
    """Buttons sent before answers carried their id (custom_id "fb:solved") are keyed by their message."""
    payload, _, message = await invoke(bot, fake, "ask", [command_option("question", "what is gqa?")])
    stored = {**sent_message(fake, payload, message), "id": "1500000000000009999"}
    stored["components"] = [
        {"type": 1, "components": [{"type": 2, "style": 3, "label": v, "custom_id": f"fb:{v}"} for v in ("solved", "not_helpful")]}
    ]
    await bot.state.record_answer(int(stored["id"]), None, 0, "h", "glossary", "gqa")
    click = component_payload("fb:not_helpful", stored)
    bot._connection.parse_interaction_create(click)
    reply = await fake.wait_for(lambda r: r.path.endswith(f"/{click['id']}/{click['token']}/callback"))
    assert "noted" in reply.body["data"]["content"]
    assert await bot.state.feedback_for(int(stored["id"])) == {"solved": 0, "not_helpful": 1}


async def test_ask_abstains_politely_on_chit_chat(bot, fake):
    _, _, message = await invoke(bot, fake, "ask", [command_option("question", "thanks!")])
    assert "Not sure" in embed_text(message) and not message.get("components")


async def test_willitrun_buttons_lower_quant_max_context_and_measurements(bot, fake):
    payload, _, message = await invoke(
        bot, fake, "willitrun", [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-4090")]
    )
    buttons = message["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Lower quant", "Max context", "Measured benchmarks"]
    assert all(len(b["custom_id"]) <= 100 for b in buttons)
    stored = sent_message(fake, payload, message)
    lower_msg = await click(bot, fake, buttons[0]["custom_id"], stored)
    assert "Q4_K_S" in lower_msg["embeds"][0]["footer"]["text"]
    longest_msg = await click(bot, fake, buttons[1]["custom_id"], stored)
    footer = longest_msg["embeds"][0]["footer"]["text"]
    assert int(footer.split(" ctx")[0].split("· ")[-1].replace(",", "")) > 8192
    measured_msg = await click(bot, fake, buttons[2]["custom_id"], stored)
    assert measured_msg["embeds"][0]["title"].startswith("Measured: Llama 3.1 8B Instruct")


async def test_setup_and_stats_for_admins_only(bot, fake):
    bot._connection.parse_guild_create(fake.guild())  # what the gateway sends: the channels the bot can see
    options = [{"name": "channel", "type": 7, "value": FORUM_CHANNEL_ID}, command_option("enabled", True, option_type=5)]
    payload = interaction_payload("setup", options, command_id=registered(fake)["setup"]["id"], subcommand="autoanswer")
    payload["data"]["resolved"] = {
        "channels": {
            FORUM_CHANNEL_ID: {
                "id": FORUM_CHANNEL_ID,
                "type": 15,
                "name": "help",
                "permissions": "0",
                "parent_id": None,
                "guild_id": payload["guild_id"],
            }
        }
    }
    callback = await run_interaction(bot, fake, payload)
    assert "Auto-answers are on" in callback["data"]["content"]
    assert int(FORUM_CHANNEL_ID) in (await bot.state.guild_settings(int(payload["guild_id"]))).autoanswer_channels
    _, _, message = await invoke(bot, fake, "setup", [command_option("value", 0.9, option_type=10)], subcommand="threshold")
    assert "0.90" in message["content"]
    _, _, message = await invoke(bot, fake, "stats", [])
    assert "Answer rate" in embed_text(message) and "threshold 0.90" in embed_text(message)
    _, _, denied = await invoke(bot, fake, "setup", [command_option("value", 0.1, option_type=10)], subcommand="threshold", permissions="0")
    assert denied["flags"] & 64 and "permission" in embed_text(denied)


async def test_hostile_input_never_pings_or_breaks_limits(bot, fake):
    hostile = "@everyone <@&123> <@456> " + "what is a kv cache " * 150
    _, _, message = await invoke(bot, fake, "ask", [command_option("question", hostile[:4000])])
    assert message["allowed_mentions"]["parse"] == []
    assert "@everyone" not in embed_text(message).replace("@\u200beveryone", "")


@pytest.mark.parametrize(
    "command,option,typed,expected",
    [
        ("glossary", "term", "kv cach", "kv-cache"),
        ("gpu", "name", "3090 t", "rtx-3090-ti"),
        ("tool", "name", "llama.c", "llama.cpp"),
        ("model", "name", "qwen3 30", "qwen3-30b-a3b"),
        ("whatcanirun", "hardware", "m2 max 96", "apple-m2-max-38c-96gb"),
        ("compare", "a", "4090", "hardware:rtx-4090"),
    ],
)
async def test_autocomplete_everywhere(bot, fake, command, option, typed, expected):
    payload = interaction_payload(
        command, [command_option(option, typed, focused=True)], kind=4, command_id=registered(fake)[command]["id"]
    )
    callback = await run_interaction(bot, fake, payload)
    values = [c["value"] for c in callback["data"]["choices"]]
    assert expected in values and len(values) <= 25
