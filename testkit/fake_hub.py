"""A small fake of the Hugging Face Hub on 127.0.0.1, for tests and benches (point ``HF_ENDPOINT`` or
``HubResolver(endpoint=...)`` at ``hub.endpoint``).

It serves what ``huggingface_hub`` and the resolver ask for, with the Hub's status codes and error headers:
- ``GET /api/models/<owner>/<name>[/revision/<rev>]`` (``?blobs=true`` adds sizes, blob ids and LFS facts);
- ``GET|HEAD /<owner>/<name>/resolve/<rev>/<path>`` with ``Range`` requests (206, ``Content-Range``, 416);
  large (LFS) files redirect to a CDN-like ``/__cdn/...`` path on a second port (another origin), as the Hub does;
- gated repositories (401 without a token, 403 with a token that was not granted, ``X-Error-Code: GatedRepo``),
  private and missing ones (401/404 ``RepoNotFound``), a refused token (401 ``Invalid credentials``), forced
  statuses such as 429 (with ``Retry-After``) and slow answers.

Files can be *virtual*: real leading bytes (a GGUF header built with the ``gguf`` package) followed by zeros up
to a declared size, so a 5 GB GGUF costs only its header in memory and a test can check which byte ranges were
asked for. Every request is recorded in ``hub.requests``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
LFS_THRESHOLD = 10 << 20  # files at least this large are "LFS" files and redirect to the CDN


@dataclass
class FakeFile:
    path: str
    head: bytes = b""  # real leading bytes
    size: int | None = None  # declared size (zeros after head); default len(head)

    @property
    def length(self) -> int:
        return self.size if self.size is not None else len(self.head)

    def slice(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the virtual file."""
        end = min(end, self.length)
        if start >= end:
            return b""
        out = self.head[start:end]
        return out + b"\0" * (end - start - len(out))

    @property
    def oid(self) -> str:
        return hashlib.sha1(self.path.encode() + self.head[:4096] + str(self.length).encode()).hexdigest()


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, FakeFile] = field(default_factory=dict)
    safetensors: dict[str, int] | None = None  # parameters per dtype, as the Hub's model info reports them
    card_data: dict[str, Any] = field(default_factory=dict)
    gated: str | bool = False  # "auto" / "manual" like the Hub
    private: bool = False
    granted_tokens: set[str] = field(default_factory=set)  # tokens that may read a gated or private repo
    status: int | None = None  # answer every request with this status (429, 500, ...)
    delay_s: float = 0.0  # wait this long before answering
    pipeline_tag: str | None = "text-generation"
    library_name: str | None = "transformers"
    sha: str = ""
    gguf: dict[str, Any] | None = None  # the model info's "gguf" block
    ranges: bool = True  # False: ignore Range headers and send whole files (as some mirrors do)

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = hashlib.sha1(self.repo_id.encode()).hexdigest()

    def add_file(self, path: str, content: bytes | str | dict | list = b"", size: int | None = None) -> FakeRepo:
        if isinstance(content, dict | list):
            content = json.dumps(content, indent=2)
        if isinstance(content, str):
            content = content.encode()
        self.files[path] = FakeFile(path, content, size)
        return self


@dataclass
class HubRequest:
    method: str
    path: str
    range: str | None
    status: int
    bytes_sent: int
    authorized: bool


class FakeHub:
    """The fake Hub server. ``await hub.start()`` in async tests; ``with hub.running_in_thread():`` elsewhere."""

    VALID_TOKENS_DEFAULT = frozenset({"hf_granted", "hf_other"})

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.cdn_port = 0
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[HubRequest] = []
        self.valid_tokens: set[str] = set(self.VALID_TOKENS_DEFAULT)
        self.latency_s = 0.0  # added to every request (benches simulate a wide-area round trip)
        self.bytes_per_s: float | None = None  # throttle file bodies (benches simulate a link's bandwidth)
        self._runner: web.AppRunner | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.repo_id.lower()] = repo
        return repo

    def clear_log(self) -> None:
        self.requests.clear()

    def requests_for(self, repo_id: str) -> list[HubRequest]:
        return [r for r in self.requests if repo_id in r.path]

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/models/{owner}/{name}", self._model_info)
        app.router.add_get("/api/models/{owner}/{name}/revision/{rev}", self._model_info)
        app.router.add_route("*", "/{owner}/{name}/resolve/{rev}/{path:.+}", self._resolve)
        app.router.add_route("*", "/__cdn/{owner}/{name}/{path:.+}", self._cdn)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        cdn = web.TCPSite(self._runner, self.host, 0)  # another origin, as the Hub's CDN is
        await cdn.start()
        self.cdn_port = cdn._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextmanager
    def running_in_thread(self) -> Iterator[FakeHub]:
        """Serve from a background thread (for synchronous callers: the CLI, benches)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        stop: asyncio.Event | None = None

        async def main() -> None:
            nonlocal stop
            stop = asyncio.Event()
            await self.start()
            ready.set()
            await stop.wait()
            await self.stop()

        thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield self
        finally:
            assert stop is not None
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)
            loop.close()

    # -- helpers ---------------------------------------------------------------------------------------------
    def _token(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ").strip() or None if auth.startswith("Bearer ") else None

    def _log(self, request: web.Request, status: int, sent: int) -> None:
        self.requests.append(
            HubRequest(request.method, request.path, request.headers.get("Range"), status, sent, "Authorization" in request.headers)
        )

    def _error(self, request: web.Request, status: int, code: str | None, message: str, **headers: str) -> web.Response:
        extra = dict(headers)
        if code:
            extra["X-Error-Code"] = code
        extra["X-Error-Message"] = message
        self._log(request, status, 0)
        return web.json_response({"error": message}, status=status, headers=extra)

    async def _gate(self, request: web.Request, files: bool) -> FakeRepo | web.Response:
        """The repository, or the error the Hub would answer with."""
        repo_id = f"{request.match_info['owner']}/{request.match_info['name']}"
        repo = self.repos.get(repo_id.lower())
        token = self._token(request)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if repo is not None and repo.delay_s:
            await asyncio.sleep(repo.delay_s)
        if token is not None and token not in self.valid_tokens:
            return self._error(request, 401, None, "Invalid credentials in Authorization header")
        if repo is None:
            return self._error(request, 404 if token else 401, "RepoNotFound", "Repository not found")
        if repo.status is not None:
            return self._error(
                request,
                repo.status,
                None,
                "Too Many Requests" if repo.status == 429 else "Error",
                **({"Retry-After": "30"} if repo.status == 429 else {}),
            )
        if repo.private and token not in repo.granted_tokens:
            return self._error(request, 404 if token else 401, "RepoNotFound", "Repository not found")
        if files and repo.gated and token not in repo.granted_tokens:
            if token is None:
                return self._error(
                    request,
                    401,
                    "GatedRepo",
                    f"Access to model {repo.repo_id} is restricted. You must have access to it and be authenticated to access it. "
                    "Please log in.",
                )
            return self._error(
                request, 403, "GatedRepo", f"Access to model {repo.repo_id} is restricted and you are not in the authorized list."
            )
        return repo

    # -- routes ----------------------------------------------------------------------------------------------
    async def _model_info(self, request: web.Request) -> web.Response:
        repo = await self._gate(request, files=False)
        if isinstance(repo, web.Response):
            return repo
        blobs = request.query.get("blobs", "").lower() == "true"
        siblings = []
        for path, f in sorted(repo.files.items()):
            entry: dict[str, Any] = {"rfilename": path}
            if blobs:
                entry.update(size=f.length, blobId=f.oid)
                if f.length >= LFS_THRESHOLD or path.endswith((".gguf", ".safetensors")):
                    entry["lfs"] = {"size": f.length, "sha256": hashlib.sha256(f.oid.encode()).hexdigest(), "pointerSize": 135}
            siblings.append(entry)
        owner = repo.repo_id.split("/")[0]
        body: dict[str, Any] = {
            "_id": repo.sha[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": owner,
            "sha": repo.sha,
            "lastModified": "2025-01-01T00:00:00.000Z",
            "createdAt": "2024-07-01T00:00:00.000Z",
            "private": repo.private,
            "disabled": False,
            "gated": repo.gated,
            "downloads": 1000,
            "likes": 10,
            "library_name": repo.library_name,
            "tags": ["gguf"] if any(p.endswith(".gguf") for p in repo.files) else ["safetensors"],
            "pipeline_tag": repo.pipeline_tag,
            "cardData": repo.card_data,
            "siblings": siblings,
            "spaces": [],
        }
        if repo.safetensors:
            body["safetensors"] = {"parameters": dict(repo.safetensors), "total": sum(repo.safetensors.values())}
        if repo.gguf:
            body["gguf"] = repo.gguf
        config = repo.files.get("config.json")
        if config is not None:
            try:
                full = json.loads(config.head)
                body["config"] = {k: full[k] for k in ("architectures", "model_type") if k in full}
            except ValueError:
                pass
        self._log(request, 200, 0)
        return web.json_response(body)

    async def _resolve(self, request: web.Request) -> web.StreamResponse:
        repo = await self._gate(request, files=True)
        if isinstance(repo, web.Response):
            return repo
        path = request.match_info["path"]
        f = repo.files.get(path)
        if f is None:
            return self._error(request, 404, "EntryNotFound", f'{path} does not exist on "{request.match_info["rev"]}"')
        if f.length >= LFS_THRESHOLD:
            self._log(request, 302, 0)
            location = f"http://{self.host}:{self.cdn_port}/__cdn/{repo.repo_id}/{path}?sig=fake"
            raise web.HTTPFound(location, headers={"X-Repo-Commit": repo.sha})
        return await self._serve(request, f, repo.sha, repo.ranges)

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        repo_id = f"{request.match_info['owner']}/{request.match_info['name']}"
        repo = self.repos.get(repo_id.lower())
        f = repo.files.get(request.match_info["path"]) if repo else None
        if repo is None or f is None:
            return self._error(request, 404, None, "Not found")
        return await self._serve(request, f, repo.sha, repo.ranges)

    async def _serve(self, request: web.Request, f: FakeFile, sha: str, ranges: bool = True) -> web.StreamResponse:
        size = f.length
        headers = {"Accept-Ranges": "bytes" if ranges else "none", "ETag": f'"{f.oid}"', "X-Repo-Commit": sha}
        spec = request.headers.get("Range") if ranges else None
        if spec:
            match = _RANGE.match(spec.strip())
            if not match:
                return self._error(request, 416, None, "Bad range")
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            if start >= size:
                self._log(request, 416, 0)
                return web.Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
            body = f.slice(start, end + 1)
            if self.bytes_per_s and request.method == "GET":
                await asyncio.sleep(len(body) / self.bytes_per_s)
            self._log(request, 206, len(body) if request.method == "GET" else 0)
            return web.Response(
                status=206,
                body=body if request.method == "GET" else None,
                headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"},
            )
        if request.method == "HEAD":
            self._log(request, 200, 0)
            return web.Response(status=200, headers={**headers, "Content-Length": str(size)})
        response = web.StreamResponse(status=200, headers={**headers, "Content-Length": str(size)})
        sent = 0
        try:
            await response.prepare(request)
            while sent < size:
                part = f.slice(sent, sent + (1 << 20))
                await response.write(part)
                sent += len(part)
        except ConnectionError:
            pass  # the client stopped reading (as a header reader does)
        finally:
            self._log(request, 200, sent)
        return response
