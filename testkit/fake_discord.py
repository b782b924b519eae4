"""A small fake of Discord's REST API and gateway on 127.0.0.1, for tests.

It speaks just enough of the real protocol for an unmodified discord.py client: login (users/@me,
applications/@me), gateway (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats), command registration,
interaction callbacks, webhooks (follow-ups) and channel messages. Tests push gateway events with
``dispatch`` and read what the bot sent from ``requests``; files sent as multipart (``files[n]`` parts beside
``payload_json``) are kept on the request as ``files``, with the description given in the payload's
``attachments``, and the stored message lists them as attachments the way Discord returns them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

APP_ID = "1100000000000000001"
BOT_ID = APP_ID
GUILD_ID = "1200000000000000001"
TEXT_CHANNEL_ID = "1300000000000000001"
FORUM_CHANNEL_ID = "1300000000000000002"
USER_ID = "1400000000000000001"
ADMIN_PERMISSIONS = str(1 << 5 | 1 << 3)  # MANAGE_GUILD | ADMINISTRATOR
_ids = itertools.count(1500000000000000001)


def snowflake() -> str:
    return str(next(_ids))


def now() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str = USER_ID, name: str = "tester", bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member(user_id: str = USER_ID, permissions: str = "0", name: str = "tester") -> dict[str, Any]:
    return {
        "user": user(user_id, name),
        "roles": [],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": permissions,
        "nick": None,
        "avatar": None,
        "pending": False,
    }


def text_channel(channel_id: str) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


@dataclass
class RecordedFile:
    """A file uploaded with a request: its multipart field (``files[0]``), name, bytes and, from the payload's
    ``attachments``, its description (the alt text)."""

    field: str
    filename: str
    content_type: str
    data: bytes
    description: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[RecordedFile] = field(default_factory=list)

    @property
    def json(self) -> Any:
        return self.body


def _attachments_of(body: Any) -> list[dict[str, Any]]:
    """The ``attachments`` a payload declares: top level (webhooks, messages) or under ``data`` (callbacks)."""
    if not isinstance(body, dict):
        return []
    data = body.get("data")
    declared = body.get("attachments") or (data.get("attachments") if isinstance(data, dict) else None)
    return list(declared or [])


@dataclass
class FakeDiscord:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # scope -> commands
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> message
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _originals: dict[str, str] = field(default_factory=dict)  # interaction token -> original response message id
    _changed: asyncio.Event | None = None
    _runner: web.AppRunner | None = None
    identified: int = 0
    valid_token: str | None = None  # when set, any other token gets 401 like Discord's
    privileged_intents: bool = True  # False: identifying with the message-content intent closes with 4014
    _uploads: list[RecordedFile] = field(default_factory=list)  # files of the request being handled
    attachments: dict[str, bytes] = field(default_factory=dict)  # files users attached (served at /attachments/...)

    # ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def attach(self, filename: str, data: bytes, content_type: str = "text/plain; charset=utf-8") -> dict[str, Any]:
        """A file a user attached to a command option, as Discord lists it in ``data.resolved.attachments``."""
        attachment_id = snowflake()
        self.attachments[attachment_id] = data
        url = f"http://{self.host}:{self.port}/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    # ---------------------------------------------------------------------------------------
    def _record(self, rec: Recorded) -> None:
        self.requests.append(rec)
        assert self._changed is not None
        self._changed.set()

    async def wait_for(self, predicate: Callable[[Recorded], bool], timeout: float = 10.0) -> Recorded:
        """First recorded request (past or future) matching ``predicate``."""
        assert self._changed is not None
        deadline = asyncio.get_running_loop().time() + timeout
        seen = 0
        while True:
            for rec in self.requests[seen:]:
                if predicate(rec):
                    return rec
            seen = len(self.requests)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                paths = [f"{r.method} {r.path}" for r in self.requests[-10:]]
                raise TimeoutError(f"no matching request within {timeout}s; last requests: {paths}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_connected(self, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while self.identified == 0:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("bot never identified on the gateway")
            await asyncio.sleep(0.05)

    def callbacks(self, interaction_id: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/callback") and (interaction_id is None or f"/{interaction_id}/" in r.path)]

    # ---------------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        payload = json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.send_str(payload)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2 and not self.privileged_intents and (data.get("d") or {}).get("intents", 0) & (1 << 15):
                self._record(Recorded("GATEWAY", "identify-refused", {}, data.get("d")))
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                break
            elif op == 2:
                self.identified += 1
                self._record(Recorded("GATEWAY", "identify", {}, data.get("d")))
                shard = (data.get("d") or {}).get("shard") or [0, 1]
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": {**self._ready(), "shard": shard}}))
                await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": self.guild()}))
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**user(BOT_ID, "runlocalai", bot=True), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": "fake-session",
            "private_channels": [],
            "resume_gateway_url": f"ws://{self.host}:{self.port}/gateway",
            "application": {"id": APP_ID, "flags": 0},
            "relationships": [],
            "presences": [],
        }

    def guild(self) -> dict[str, Any]:
        return {
            "id": GUILD_ID,
            "name": "Local LLM",
            "icon": None,
            "owner_id": USER_ID,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                {
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": "1071698660929",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "features": ["COMMUNITY"],
            "mfa_level": 0,
            "system_channel_id": None,
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "joined_at": now(),
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "voice_states": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "presences": [],
            "members": [member(BOT_ID, "0", "runlocalai"), member(USER_ID, ADMIN_PERMISSIONS)],
            "channels": [
                {
                    "id": TEXT_CHANNEL_ID,
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "guild_id": GUILD_ID,
                },
                {
                    "id": FORUM_CHANNEL_ID,
                    "type": 15,
                    "name": "help",
                    "position": 1,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "guild_id": GUILD_ID,
                    "available_tags": [],
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "flags": 0,
                    "topic": None,
                },
            ],
        }

    # ---------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[RecordedFile] = []
        if request.can_read_body:
            if request.content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if not isinstance(part, BodyPartReader):
                        continue
                    if part.name == "payload_json":
                        body = json.loads(await part.text())
                    elif part.name and part.name.startswith("files["):
                        content_type = part.headers.get("Content-Type", "application/octet-stream")
                        files.append(RecordedFile(part.name, part.filename or "", content_type, bytes(await part.read())))
                declared = {str(a.get("id")): a for a in _attachments_of(body)}
                for f in files:
                    f.description = declared.get(f.field[len("files[") : -1], {}).get("description")
            else:
                raw = await request.text()
                body = json.loads(raw) if raw else None
        self._record(Recorded(request.method, path, dict(request.query), body, files))
        self._uploads = files
        if self.valid_token is not None and request.headers.get("Authorization") != f"Bot {self.valid_token}":
            unauthorized = {"message": "401: Unauthorized", "code": 0}
            return web.Response(status=401, body=json.dumps(unauthorized).encode(), headers={"Content-Type": "application/json"})
        handler = self._route(request.method, path)
        result = handler(path, body)
        if result is None:
            return web.Response(status=204)
        # discord.py only decodes bodies whose content type is exactly application/json (as Discord sends)
        return web.Response(body=json.dumps(result).encode(), headers={"Content-Type": "application/json"})

    def _route(self, method: str, path: str) -> Callable[[str, Any], Any]:
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/users/@me":
            return lambda *_: {**user(BOT_ID, "runlocalai", bot=True), "verified": True, "mfa_enabled": False}
        if method == "GET" and path == "/oauth2/applications/@me":
            return lambda *_: self._application()
        if method == "GET" and path == "/gateway/bot":
            return lambda *_: {
                "url": f"ws://{self.host}:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
            }
        if parts[0] == "applications" and parts[-1] == "commands":
            scope = parts[3] if len(parts) > 3 and parts[2] == "guilds" else "global"
            if method == "PUT":
                return lambda _p, body: self._register(scope, body)
            return lambda *_: self.commands.get(scope, [])
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback
        if parts[0] == "webhooks":
            token = parts[2] if len(parts) > 2 else ""
            if method == "POST":
                return lambda _p, body: self._followup(token, body)
            if method in {"PATCH", "GET"} and parts[-1] == "@original":
                return lambda _p, body: self._original(token, body)
            if method in {"PATCH", "GET"}:
                return lambda _p, body: self.messages.get(parts[-1]) or self._message(body or {}, channel_id=TEXT_CHANNEL_ID)
            return lambda *_: None
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return lambda _p, body: self._message(body, channel_id=parts[1])
        if parts[0] == "channels" and "reactions" in parts:
            return lambda *_: None
        if parts[0] == "channels" and parts[-1] == "typing":
            return lambda *_: None
        if parts[0] == "channels" and method == "GET":
            return lambda *_: text_channel(parts[1])
        return lambda *_: {}

    def _application(self) -> dict[str, Any]:
        return {
            "id": APP_ID,
            "name": "runlocalai",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user(USER_ID),
            "summary": "",
            "verify_key": "00",
            "team": None,
            "flags": 0,
            "interactions_endpoint_url": None,
        }

    def _register(self, scope: str, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        registered = [
            {
                **cmd,
                "id": snowflake(),
                "application_id": APP_ID,
                "version": snowflake(),
                "default_member_permissions": cmd.get("default_member_permissions"),
                "type": cmd.get("type", 1),
            }
            for cmd in body
        ]
        self.commands[scope] = registered
        return registered

    def _message(self, body: dict[str, Any] | None, channel_id: str) -> dict[str, Any]:
        body = body or {}
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": user(BOT_ID, "runlocalai", bot=True),
            "content": body.get("content", ""),
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._stored_attachments(body),
            "embeds": body.get("embeds", []),
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "components": body.get("components", []),
            "application_id": APP_ID,
        }
        self.messages[message["id"]] = message
        return message

    def _stored_attachments(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Attachments as Discord returns them on the message: the uploaded files of this request."""
        uploads = {f.field[len("files[") : -1]: f for f in self._uploads}
        stored = []
        for declared in _attachments_of(body):
            upload = uploads.get(str(declared.get("id")))
            if upload is None:
                continue
            attachment_id = snowflake()
            url = f"http://{self.host}:{self.port}/attachments/{attachment_id}/{upload.filename}"
            stored.append(
                {
                    "id": attachment_id,
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": mimetypes.guess_type(upload.filename)[0] or upload.content_type,  # Discord detects it
                    **({"description": upload.description} if upload.description else {}),
                }
            )
        return stored

    def _followup(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """The first follow-up after a deferral replaces the "thinking" original response."""
        message = self._message(body, channel_id=TEXT_CHANNEL_ID)
        original = self._originals.get(token)
        if original is not None and self.messages.get(original, {}).get("deferred"):
            message["id"] = original
            self.messages[original] = message
        return message

    def _original(self, token: str, body: dict[str, Any] | None) -> dict[str, Any]:
        original = self._originals.get(token)
        if original is None:
            return self._message(body or {}, channel_id=TEXT_CHANNEL_ID)
        if body:
            self.messages[original].update({k: v for k, v in body.items() if k in {"content", "embeds", "components"}})
        return self.messages[original]

    def _callback(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        interaction_id, token = path.strip("/").split("/")[1:3]
        response_type = body.get("type")
        message = self._message(body.get("data") or {}, TEXT_CHANNEL_ID) if response_type in {4, 5, 7} else None
        if message is not None:
            message["deferred"] = response_type == 5
            self._originals[token] = message["id"]
        return {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": response_type == 5,
                "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
            },
            "resource": {"type": response_type, **({"message": message} if message else {})},
        }


# ---------------------------------------------------------------------------------------------
# Payload builders (shaped as Discord sends them)
# ---------------------------------------------------------------------------------------------
def command_option(name: str, value: Any, option_type: int = 3, focused: bool = False) -> dict[str, Any]:
    option = {"name": name, "type": option_type, "value": value}
    if focused:
        option["focused"] = True
    return option


def _envelope(kind: int, channel_id: str, user_id: str, permissions: str) -> dict[str, Any]:
    """Fields every interaction carries, as Discord sends them."""
    return {
        "id": snowflake(),
        "application_id": APP_ID,
        "type": kind,
        "token": f"tok-{snowflake()}",
        "version": 1,
        "guild_id": GUILD_ID,
        "channel_id": channel_id,
        "channel": text_channel(channel_id),
        "member": member(user_id, permissions),
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
    }


def interaction_payload(
    name: str,
    options: list[dict[str, Any]],
    *,
    kind: int = 2,
    command_id: str | None = None,
    permissions: str = ADMIN_PERMISSIONS,
    user_id: str = USER_ID,
    subcommand: str | None = None,
    channel_id: str = TEXT_CHANNEL_ID,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND (type 2) or AUTOCOMPLETE (type 4) interaction as Discord delivers it."""
    if subcommand:
        options = [{"name": subcommand, "type": 1, "options": options}]
    payload = _envelope(kind, channel_id, user_id, permissions)
    payload["data"] = {"id": command_id or snowflake(), "name": name, "type": 1, "options": options, "guild_id": GUILD_ID}
    return payload


def component_payload(
    custom_id: str,
    message: dict[str, Any],
    *,
    component_type: int = 2,
    values: list[str] | None = None,
    user_id: str = USER_ID,
    channel_id: str = TEXT_CHANNEL_ID,
) -> dict[str, Any]:
    """A MESSAGE_COMPONENT (type 3) interaction: a button click or a menu choice on ``message``."""
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    payload = _envelope(3, channel_id, user_id, "0")
    payload.update({"message": message, "data": data})
    return payload


def message_payload(
    content: str,
    *,
    channel_id: str = TEXT_CHANNEL_ID,
    author_id: str = USER_ID,
    bot: bool = False,
    mentions: list[dict[str, Any]] | None = None,
    message_id: str | None = None,
    referenced: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "guild_id": GUILD_ID,
        "author": user(author_id, "asker", bot=bot),
        "member": member(author_id),
        "content": content,
        "timestamp": now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 19 if referenced else 0,
        "flags": 0,
        "components": [],
    }
    if referenced:
        payload["referenced_message"] = referenced
        payload["message_reference"] = {"message_id": referenced["id"], "channel_id": channel_id, "guild_id": GUILD_ID}
    return payload


def thread_payload(
    name: str, *, thread_id: str | None = None, parent_id: str = FORUM_CHANNEL_ID, owner_id: str = USER_ID
) -> dict[str, Any]:
    """THREAD_CREATE for a new forum post (the starter message has the thread's id)."""
    return {
        "id": thread_id or snowflake(),
        "guild_id": GUILD_ID,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "type": 11,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
            "create_timestamp": now(),
        },
        "flags": 0,
        "total_message_sent": 0,
        "applied_tags": [],
        "newly_created": True,
    }


def modal_submit_payload(
    modal: dict[str, Any], values: dict[str, str], *, user_id: str = USER_ID, permissions: str = ADMIN_PERMISSIONS
) -> dict[str, Any]:
    """A MODAL_SUBMIT (type 5) interaction for the modal the bot sent (``modal`` is the callback's ``data``): each text
    input gets ``values[custom_id]`` (else its prefilled value, as Discord submits it), laid out the way the modal
    was (action rows or labels)."""

    def filled(component: dict[str, Any]) -> dict[str, Any]:
        value = values.get(component["custom_id"], component.get("value") or "")
        return {"type": 4, "custom_id": component["custom_id"], "value": value}

    components = []
    for top in modal.get("components", []):
        if top.get("type") == 1:
            components.append({"type": 1, "components": [filled(c) for c in top.get("components", []) if c.get("type") == 4]})
        elif top.get("type") == 18 and (top.get("component") or {}).get("type") == 4:
            components.append({"type": 18, "id": top.get("id", 0), "component": filled(top["component"])})
    payload = _envelope(5, TEXT_CHANNEL_ID, user_id, permissions)
    payload["data"] = {"custom_id": modal["custom_id"], "components": components}
    return payload


def modal_inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The text inputs of a modal the bot sent, by label (labels sit on the input or on its Label wrapper)."""
    out: dict[str, dict[str, Any]] = {}
    for top in modal.get("components", []):
        if top.get("type") == 1:
            for c in top.get("components", []):
                out[c.get("label", c["custom_id"])] = c
        elif top.get("type") == 18:
            out[top.get("label", "")] = top["component"]
    return out
