"""/bench submit (paste modal, attached file, asking for what the paste lacks), moderators' persistent Approve /
Reject buttons, approved rows as community evidence in /willitrun, abuse limits, through the real discord.py paths."""

from __future__ import annotations

import json

from testkit.fake_discord import USER_ID, command_option, component_payload, interaction_payload, modal_inputs, modal_submit_payload
from testkit.interactions import assert_within_discord_limits, embed_text, final_message, invoke, registered, run_interaction
from tests.data.bench_outputs import healthy

LLAMA_BENCH, _ = healthy("ok063")  # llama-2-13b Q4_K_M on an RTX 2080 Ti, with the -m file, device and build
OLLAMA, _ = healthy("ok011")  # `ollama run mistral --verbose`: no GPU in the paste
MEMBER = str(int(USER_ID) + 7)


async def open_bench_modal(bot, fake, user_id: str = USER_ID) -> dict:
    payload = interaction_payload("bench", [], command_id=registered(fake)["bench"]["id"], subcommand="submit", user_id=user_id)
    callback = await run_interaction(bot, fake, payload)
    assert callback["type"] == 9
    return callback["data"]


async def submit_modal(bot, fake, modal: dict, values_by_label: dict[str, str], user_id: str = USER_ID) -> tuple[dict, dict]:
    inputs = modal_inputs(modal)
    values = {}
    for label, value in values_by_label.items():
        values[inputs[next(k for k in inputs if k.lower().startswith(label.lower()))]["custom_id"]] = value
    payload = modal_submit_payload(modal, values, user_id=user_id)
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    assert_within_discord_limits(message)
    return payload, message


async def paste(bot, fake, text: str, user_id: str = USER_ID, **fields: str) -> dict:
    modal = await open_bench_modal(bot, fake, user_id)
    return (await submit_modal(bot, fake, modal, {"Output": text, **fields}, user_id))[1]


async def moderator_click(bot, fake, custom_id: str) -> dict:
    """Open the review queue and click one of its buttons as a member with Manage Server."""
    _, _, queue = await invoke(bot, fake, "bench", [], subcommand="review")
    payload = component_payload(custom_id, stored(fake, queue))
    payload["member"]["permissions"] = str(1 << 5)
    return await run_interaction(bot, fake, payload)


def stored(fake, message: dict) -> dict:
    return next(m for m in reversed(list(fake.messages.values())) if m["components"] == message.get("components", []))


async def test_a_complete_paste_is_stored_pending_and_a_moderator_approves_it(bot, fake):
    message = await paste(bot, fake, LLAMA_BENCH, user_id=MEMBER)
    text = embed_text(message)
    assert message["flags"] & 64 and "Submitted #" in text and "Llama 2 13B" in text and "GeForce RTX 2080 Ti" in text
    submission = (await bot.state.bench_list(("pending",)))[0]
    assert submission.user_id == int(MEMBER) and json.loads(submission.data)["quant"] == "Q4_K_M"
    # the queue, for moderators only
    _, _, denied = await invoke(bot, fake, "bench", [], subcommand="review", permissions="0")
    assert denied["flags"] & 64 and "permission" in embed_text(denied)
    _, _, queue = await invoke(bot, fake, "bench", [], subcommand="review")
    ids = [c["custom_id"] for row in queue["components"] for c in row["components"]]
    assert ids == [f"bench:approve:{submission.id}", f"bench:reject:{submission.id}"] and "Llama 2 13B" in embed_text(queue)
    # a member without Manage Server cannot click Approve (persistent button, checked on click)
    click = component_payload(ids[0], stored(fake, queue), user_id=MEMBER)
    reply = await run_interaction(bot, fake, click)
    assert "Manage Server" in json.dumps(reply) and (await bot.state.bench_get(submission.id)).status == "pending"  # type: ignore[union-attr]
    # the moderator approves; the row is community evidence at once
    payload = component_payload(ids[0], stored(fake, queue))
    payload["member"]["permissions"] = str(1 << 5)
    reply = await run_interaction(bot, fake, payload)
    assert "Approved" in reply["data"]["content"] and len(bot.kb.community) == 1
    twice = component_payload(ids[0], stored(fake, queue))
    twice["member"]["permissions"] = str(1 << 5)
    again = await run_interaction(bot, fake, twice)
    assert "already reviewed" in again["data"]["content"]
    _, _, estimate = await invoke(
        bot,
        fake,
        "willitrun",
        [command_option("model", "llama-2-13b"), command_option("hardware", "rtx-2080-ti"), command_option("quant", "Q4_K_M")],
    )
    assert f"community submission #{submission.id}" in embed_text(estimate)


async def test_a_paste_without_the_gpu_asks_for_it_with_a_follow_up_modal(bot, fake):
    message = await paste(bot, fake, OLLAMA)
    assert "Almost there: tell me the gpu" in embed_text(message)
    button = message["components"][0]["components"][0]
    assert button["custom_id"].startswith("bench:fill:") and button["label"] == "Add the missing details"
    draft_id = int(button["custom_id"].rsplit(":", 1)[1])
    assert (await bot.state.bench_get(draft_id)).status == "draft"  # type: ignore[union-attr]
    # someone else cannot complete it
    other = await run_interaction(bot, fake, component_payload(button["custom_id"], stored(fake, message), user_id=MEMBER))
    assert "Only the member who submitted it" in json.dumps(other)
    callback = await run_interaction(bot, fake, component_payload(button["custom_id"], stored(fake, message)))
    assert callback["type"] == 9 and list(modal_inputs(callback["data"])) == ["GPU and count (e.g. 2x RTX 3090)"]
    _, done = await submit_modal(bot, fake, callback["data"], {"GPU": "RTX 3060 12GB"})
    assert f"Submitted #{draft_id}" in embed_text(done) and (await bot.state.bench_get(draft_id)).status == "pending"  # type: ignore[union-attr]


async def test_an_attached_file_is_read(bot, fake):
    attachment = fake.attach("bench.txt", LLAMA_BENCH.encode())
    payload = interaction_payload(
        "bench",
        [{"name": "file", "type": 11, "value": attachment["id"]}],
        command_id=registered(fake)["bench"]["id"],
        subcommand="submit",
    )
    payload["data"]["resolved"] = {"attachments": {attachment["id"]: attachment}}
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    assert "Submitted #" in embed_text(message)
    big = fake.attach("big.txt", b"x" * (70 * 1024))
    payload = interaction_payload(
        "bench", [{"name": "file", "type": 11, "value": big["id"]}], command_id=registered(fake)["bench"]["id"], subcommand="submit"
    )
    payload["data"]["resolved"] = {"attachments": {big["id"]: big}}
    message = await final_message(fake, payload, await run_interaction(bot, fake, payload))
    assert "at most 64 KB" in embed_text(message)


async def test_impossible_numbers_and_junk_are_refused_and_not_stored(bot, fake):
    fast = (
        "ollama run llama3.1:8b --verbose\nprompt eval count: 20 token(s)\nprompt eval rate: 500 tokens/s\n"
        "eval count: 128 token(s)\neval rate: 9000 tokens/s\n"
    )
    message = await paste(bot, fake, fast, GPU="RTX 3090", Quant="Q4_K_M")
    assert "Not accepted" in embed_text(message) and "GB/s allows" in embed_text(message)
    for junk in ("@everyone " + "🚀" * 300, "eval rate: -5 tokens/s", "x" * 4000):
        message = await paste(bot, fake, junk)
        assert message["flags"] & 64 and "@everyone" not in embed_text(message).replace("@\u200beveryone", "")
    assert await bot.state.bench_list(("pending", "draft")) == []


async def test_submissions_are_rate_limited_per_user(bot, fake):
    bot.settings.bench_per_hour = 2
    for _ in range(2):
        assert "Submitted #" in embed_text(await paste(bot, fake, LLAMA_BENCH))
    modal = await open_bench_modal(bot, fake)
    _, message = await submit_modal(bot, fake, modal, {"Output": LLAMA_BENCH})
    assert "2 benchmarks an hour" in embed_text(message)
    assert "Submitted #" in embed_text(await paste(bot, fake, LLAMA_BENCH, user_id=MEMBER))  # per user


async def test_reject_and_reproduced_tiers(bot, fake):
    await paste(bot, fake, LLAMA_BENCH, user_id=MEMBER)
    await paste(bot, fake, LLAMA_BENCH.replace("1493.64", "1500.10"))
    first, second = await bot.state.bench_list(("pending",))
    for submission in (first, second):
        await moderator_click(bot, fake, f"bench:approve:{submission.id}")
    assert {s.status for s in await bot.state.bench_list(("reproduced",))} == {"reproduced"}
    assert all(row.reproduced for row in bot.kb.community)
    await paste(bot, fake, LLAMA_BENCH, user_id=str(int(USER_ID) + 99))
    third = (await bot.state.bench_list(("pending",)))[0]
    reply = await moderator_click(bot, fake, f"bench:reject:{third.id}")
    assert "Rejected" in reply["data"]["content"] and (await bot.state.bench_get(third.id)).status == "rejected"  # type: ignore[union-attr]
