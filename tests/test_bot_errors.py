"""The one error path: every button, menu and command that hits a failure answers with one friendly ephemeral
message through the real dispatch path; nothing is only logged; no reply shows a Python repr."""

from __future__ import annotations

import logging

import pytest

from tests.fake_discord import FORUM_CHANNEL_ID, TEXT_CHANNEL_ID, FakeDiscord, command_option, component_payload, interaction_payload
from tests.test_bot_commands import embed_text, invoke, registered
from tests.test_bot_dispatch import run_interaction


def message_with_component(fake: FakeDiscord, custom_id: str, *, select: bool = False) -> dict:
    """A stored bot message carrying one button (or select menu) with ``custom_id``."""
    component = (
        {"type": 3, "custom_id": custom_id, "options": [{"label": "x", "value": "x"}], "min_values": 1, "max_values": 1}
        if select
        else {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    )
    return fake._message({"content": "", "components": [{"type": 1, "components": [component]}]}, TEXT_CHANNEL_ID)


async def press(bot, fake: FakeDiscord, custom_id: str, *, values: list[str] | None = None) -> dict:
    """Click a button / choose in a menu; returns the first message the user is shown (response or follow-up)."""
    message = message_with_component(fake, custom_id, select=values is not None)
    payload = component_payload(custom_id, message, component_type=3 if values is not None else 2, values=values)
    callback = await run_interaction(bot, fake, payload)
    if callback["type"] == 4:
        return callback["data"]
    rec = await fake.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and payload["token"] in r.path)
    return rec.body


def assert_friendly(message: dict, *fragments: str) -> None:
    text = embed_text(message)
    assert message.get("flags", 0) & 64, "error replies are ephemeral"
    for fragment in fragments:
        assert fragment in text, text
    assert "<Object" not in text and "Traceback" not in text and "Error(" not in text


@pytest.mark.parametrize(
    "custom_id,expected",
    [
        ("wir:lq:no-such-model:rtx-4090:1:Q4_K_M:8192:llama.cpp:f16", "I don't know the model"),
        ("wir:lq:llama-3.1-8b-instruct:rtx-4090:1:IQ2_M:8192:llama.cpp:f16", "already the smallest"),
        ("wir:mc:llama-3.1-405b-instruct:rtx-3060-12gb:1:Q4_K_M:8192:llama.cpp:f16", "does not fit fully"),
        ("wir:mb:llama-3.1-8b-instruct:rtx-4090:1:Q4_K_M:8192:no-such-runtime:f16", "Unknown runtime"),
        ("wir:lq:llama-3.1-8b-instruct:rtx-4090:1:Q9_Z_XXL:8192:llama.cpp:f16", "quantization"),
        ("gpage:no-such:0", "Unknown glossary category"),
    ],
)
async def test_buttons_that_fail_answer_friendly(bot, fake, caplog, custom_id, expected):
    with caplog.at_level(logging.ERROR):
        message = await press(bot, fake, custom_id)
    assert_friendly(message, expected)
    assert not [r for r in caplog.records if "Ignoring exception" in r.getMessage()]


async def test_a_bug_behind_a_button_is_apologised_for_and_logged(bot, fake, caplog, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(bot.state, "record_feedback", broken)
    with caplog.at_level(logging.ERROR, logger="runlocalai.bot"):
        message = await press(bot, fake, "fb:solved:1500000000000000001")
    assert_friendly(message, "Something went wrong on my side")
    assert "database exploded" not in embed_text(message)
    assert any(r.exc_info and "database exploded" in str(r.exc_info[1]) for r in caplog.records)


async def test_menu_choices_that_no_longer_exist_answer_friendly(bot, fake):
    message = await press(bot, fake, "card:glossary", values=["not-a-term"])
    assert message["flags"] & 64 and "no longer in the catalog" in message["content"]


async def test_impossible_buttons_are_not_shown(bot, fake):
    _, _, message = await invoke(
        bot,
        fake,
        "willitrun",
        [command_option("model", "llama-3.1-8b-instruct"), command_option("hardware", "rtx-3060-12gb"), command_option("quant", "IQ2_M")],
    )
    labels = [b["label"] for row in message.get("components", []) for b in row["components"]]
    assert "Lower quant" not in labels  # IQ2_M is the bottom of the ladder
    assert "Measured benchmarks" not in labels  # nothing measured for this pair
    assert labels == ["Max context"]
    _, _, message = await invoke(
        bot, fake, "willitrun", [command_option("model", "llama-3.1-405b-instruct"), command_option("hardware", "rtx-3060-12gb")]
    )
    labels = [b["label"] for row in message.get("components", []) for b in row["components"]]
    assert "Max context" not in labels  # nothing fits on the GPU, so there is no context to maximise


@pytest.mark.parametrize(
    "options,expected",
    [
        ([command_option("model", "llama 3.1 9b"), command_option("hardware", "rtx 4090")], "Did you mean"),
        (
            [command_option("model", "llama-3.1-8b"), command_option("hardware", "rtx 4090"), command_option("quant", "Q9_Z_XXL")],
            "quantization",
        ),
        (
            [command_option("model", "llama-3.1-8b"), command_option("hardware", "rtx 4090"), command_option("context", "99999999k")],
            "longer than",
        ),
        (
            [command_option("model", "llama-3.1-8b"), command_option("hardware", "rtx 4090"), command_option("context", "-8k")],
            "not possible",
        ),
    ],
)
async def test_bad_options_get_a_clear_message(bot, fake, options, expected):
    payload = interaction_payload("willitrun", options, command_id=registered(fake)["willitrun"]["id"])
    callback = await run_interaction(bot, fake, payload)
    assert_friendly(callback["data"], expected)


async def test_autoanswer_on_a_channel_the_bot_cannot_see_answers_in_words(bot, fake):
    options = [{"name": "channel", "type": 7, "value": "1999999999999999999"}, command_option("enabled", True, option_type=5)]
    payload = interaction_payload("setup", options, command_id=registered(fake)["setup"]["id"], subcommand="autoanswer")
    payload["data"]["resolved"] = {
        "channels": {"1999999999999999999": {"id": "1999999999999999999", "type": 15, "name": "hidden", "permissions": "0"}}
    }
    callback = await run_interaction(bot, fake, payload)
    assert_friendly(callback["data"], "can't see that channel")


async def test_reload_is_for_operators_only(bot, fake):
    other = "1400000000000000077"
    payload = interaction_payload("setup", [], command_id=registered(fake)["setup"]["id"], subcommand="reload", user_id=other)
    callback = await run_interaction(bot, fake, payload)
    assert_friendly(callback["data"], "Only the bot's operators")
    payload = interaction_payload("setup", [], command_id=registered(fake)["setup"]["id"], subcommand="reload")  # the owner
    await run_interaction(bot, fake, payload)
    rec = await fake.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and payload["token"] in r.path)
    assert "Catalog reloaded" in rec.body["content"]


def test_forum_channel_constant_is_a_forum():
    assert FORUM_CHANNEL_ID != TEXT_CHANNEL_ID
