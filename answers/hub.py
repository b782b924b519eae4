"""Any Hugging Face model repository as a model the estimator can use.

    resolver = HubResolver(cache, token=None, timeout_s=2.0)
    hub = await resolver.resolve("bartowski/Qwen3-14B-GGUF", quant="Q4_K_M")   # or resolver.resolve_sync(...)
    EstimateQuery(model_spec=hub.spec, quant=hub.default_quant, ...)

What is read, with ``huggingface_hub`` (``HfApi.model_info`` and its shared HTTP session):
- the model info with file sizes (one request): licence, gating, the safetensors parameter count per dtype, and
  the file listing;
- ``config.json`` (fetched at the same time as the model info, so an unseen repository costs one round trip):
  the architecture via ``ModelArch.from_hf_config``;
- for a GGUF repository, the chosen quant's header with HTTP range requests (the first few MB, as gguf-parser
  does; every part of a split file): the metadata architecture and the exact bytes of every tensor.

Results are cached (``answers/hub_cache.py``) for a day; failures that will not change soon (no such repository,
nothing to read the architecture from) for ten minutes. When the Hub cannot be reached an expired entry is
served rather than nothing. Every failure is one ``InputError`` sentence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from answers.hub_cache import HubCache, MemoryHubCache, SQLiteHubCache
from answers.hub_ids import HubRef, parse_hub_ref
from answers.user_errors import InputError
from estimator.architecture import ModelArch
from estimator.estimate import ModelSpec
from estimator.weights import WeightsBreakdown
from knowledge.hub_files import (
    GGUFQuantFiles,
    estimator_quant,
    exact_param_count,
    gguf_quant_label,
    group_gguf_files,
    has_vision,
    is_mmproj,
    modalities,
    native_format,
    pick_quant,
)

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

    from knowledge.catalog import Catalog
    from knowledge.schema import Model

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT_S = 2.0  # the whole lookup, well inside Discord's 3-second window (callers defer anyway)
DEFAULT_TTL_S = 24 * 3600.0
NEGATIVE_TTL_S = 600.0
HEADER_CHUNK = 4 << 20  # first range request (most headers fit: the tokenizer is the bulk of them)
HEADER_CHUNK_MAX = 8 << 20
MAX_HEADER_BYTES = 64 << 20
CACHE_VERSION = 2  # 2: the weights breakdown stored field by field
_USER_AGENT = "runlocalai-bot"


@dataclass(frozen=True)
class HubModel:
    """A Hugging Face repository resolved into facts and a ``ModelSpec`` ready for estimation."""

    repo_id: str
    name: str  # display name (the repository id)
    spec: ModelSpec  # id "hf:<repo>", the architecture, params_b, and (GGUF) the exact weights of the file read
    params: int | None  # exact parameter count (safetensors metadata, or the GGUF tensors); None when unknown
    params_source: str  # "safetensors" | "gguf" | "config" (derived from the architecture by the estimator)
    native_format: str | None  # BF16, F16, F32, FP8, AWQ, GPTQ, NF4, MLX 4bit, MXFP4 ...; "GGUF" for GGUF repositories
    is_gguf: bool
    gguf_files: dict[str, GGUFQuantFiles] = field(default_factory=dict)  # by quant label, split parts summed, by size
    quant: str | None = None  # GGUF: label of the file whose header was read (e.g. Q4_K_M, UD-Q4_K_XL)
    default_quant: str | None = None  # pass as EstimateQuery.quant: GGUF: the file's ftype; quantized checkpoints: their format
    weights_exact: bool = False  # spec.weights are the file's real tensors
    license: str | None = None
    gated: bool = False
    private: bool = False
    base_model: str | None = None
    pipeline_tag: str | None = None
    modalities: tuple[str, ...] = ("text",)
    revision: str | None = None  # commit the facts were read at
    created_at: str | None = None  # when the repository was created (ISO date)
    sources: dict[str, str] = field(default_factory=dict)  # model page, config.json, API, GGUF file URLs
    config: dict[str, Any] | None = None  # config.json as published (None for GGUF-only repositories)
    header_bytes: int = 0  # bytes fetched to read GGUF header(s)
    from_cache: bool = False
    stale: bool = False  # served from an expired cache entry because the Hub could not be reached
    fetched_at: float = 0.0

    @property
    def quant_files(self) -> GGUFQuantFiles | None:
        return self.gguf_files.get(self.quant) if self.quant else None


# ------------------------------------------------------------------------------------------------------
# Messages (one sentence each, no traceback)
# ------------------------------------------------------------------------------------------------------
def _msg_not_found(repo: str, with_token: bool) -> str:
    if with_token:
        return f"There is no Hugging Face model repository {repo} (or the configured token cannot see it)."
    return f"There is no Hugging Face model repository {repo}, or it is private (set RUNLOCALAI_HF_TOKEN to read private repositories)."


def _msg_gated(repo: str, with_token: bool) -> str:
    if with_token:
        return f"{repo} is gated and the configured Hugging Face token has not been granted access: accept its licence on huggingface.co."
    return f"{repo} is gated: its files need an accepted licence and a Hugging Face token (set RUNLOCALAI_HF_TOKEN or HF_TOKEN)."


def _msg_timeout(repo: str, seconds: float) -> str:
    return f"The Hugging Face Hub did not answer within {seconds:g} s for {repo}; try again in a moment."


def _msg_offline(repo: str) -> str:
    return f"Cannot look up {repo}: this machine is offline for the Hugging Face Hub (HF_HUB_OFFLINE is set or there is no network)."


def _msg_rate_limited(retry_after: str | None) -> str:
    wait = f" (it asks to wait {retry_after} s)" if retry_after and retry_after.isdigit() else ""
    return (
        f"The Hugging Face Hub is rate-limiting lookups right now{wait}; "
        "try again in a minute (a token in RUNLOCALAI_HF_TOKEN raises the limit)."
    )


class HubLookupError(InputError):
    """A lookup that failed for a reason that will not change in minutes (no such repository, nothing to read the
    architecture from): cached for ``negative_ttl_s`` so repeated questions do not hit the Hub."""


class _Timeout(Exception):
    pass


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0.005:
            raise _Timeout
        return remaining


def _offline() -> bool:
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"} or bool(constants.HF_HUB_OFFLINE)


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _translate(exc: BaseException, repo: str, with_token: bool, seconds: float, what: str = "") -> InputError:
    """Any failure of a Hub call as one user sentence."""
    import httpx2
    from huggingface_hub.errors import (
        DisabledRepoError,
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, InputError):
        return exc
    if isinstance(exc, _Timeout | httpx2.TimeoutException | TimeoutError):
        return InputError(_msg_timeout(repo, seconds))
    if isinstance(exc, OfflineModeIsEnabled):
        return InputError(_msg_offline(repo))
    if isinstance(exc, GatedRepoError):
        return InputError(_msg_gated(repo, with_token))
    if isinstance(exc, RepositoryNotFoundError):
        return HubLookupError(_msg_not_found(repo, with_token))
    if isinstance(exc, RevisionNotFoundError):
        return InputError(f"{repo} has no such revision (branch, tag or commit).")
    if isinstance(exc, DisabledRepoError):
        return InputError(f"{repo} has been disabled on the Hugging Face Hub.")
    if isinstance(exc, RemoteEntryNotFoundError):
        return InputError(f"{repo} has no file {what or 'by that name'}.")
    status = _status(exc)
    if status == 429:
        response = getattr(exc, "response", None)
        return InputError(_msg_rate_limited(response.headers.get("Retry-After") if response is not None else None))
    if status in (401, 403):
        if with_token:
            return InputError("The Hugging Face token in RUNLOCALAI_HF_TOKEN / HF_TOKEN was refused (invalid or expired).")
        return InputError(_msg_gated(repo, with_token))
    if isinstance(exc, HfHubHTTPError) and status is not None:
        return InputError(f"The Hugging Face Hub answered HTTP {status} for {repo}; try again later.")
    if isinstance(exc, httpx2.TransportError | ConnectionError):  # refused, unreachable, DNS, reset
        return InputError(_msg_offline(repo))
    return InputError(f"Could not read {repo} from the Hugging Face Hub ({type(exc).__name__}).")


# ------------------------------------------------------------------------------------------------------
# GGUF header over HTTP range requests
# ------------------------------------------------------------------------------------------------------
class HTTPRangeReader(io.RawIOBase):
    """A forward-only file over HTTP range requests: each ``read`` past the bytes already fetched asks for the next
    chunk (4 MiB, then 8 MiB), as gguf-parser's seeker does. A server that ignores ``Range`` is read only as far
    as needed and the connection dropped. After a redirect (the Hub sends file downloads to a CDN) the final URL
    is used directly, without the Authorization header. ``read(n)`` returns a whole chunk (at least ``n`` bytes
    until the end of the file), which the header parser's buffer takes as it comes."""

    def __init__(self, url: str, headers: dict[str, str], deadline: _Deadline, limit: int = MAX_HEADER_BYTES):
        super().__init__()
        self.url = url
        self.headers = dict(headers)
        self.deadline = deadline
        self.limit = limit
        self.pos = 0
        self.chunk = HEADER_CHUNK
        self.requests = 0
        self.eof = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        from huggingface_hub.utils import get_session, hf_raise_for_status

        if self.eof:
            return b""
        want = max(size or 0, self.chunk)
        if self.pos >= self.limit:
            raise InputError(f"The GGUF header is larger than {self.limit >> 20} MiB; not read.")
        want = min(want, self.limit - self.pos)
        headers = {**self.headers, "Range": f"bytes={self.pos}-{self.pos + want - 1}"}
        chunks: list[bytes] = []
        got = 0
        with get_session().stream("GET", self.url, headers=headers, timeout=self.deadline.left(), follow_redirects=True) as response:
            self.requests += 1
            if response.status_code == 416:  # the range starts past the end of the file
                self.eof = True
                return b""
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            skip = self.pos if response.status_code == 200 else 0  # the whole file from byte 0: skip what we have
            for part in response.iter_bytes():
                if skip:
                    cut = min(skip, len(part))
                    part, skip = part[cut:], skip - cut
                chunks.append(part)
                got += len(part)
                if got >= want:
                    break
            final = str(response.url)
        if final != self.url:
            self.url = final
            self.headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        data = b"".join(chunks)[:want]
        if len(data) < want:
            self.eof = True
        self.pos += len(data)
        self.chunk = min(self.chunk * 2, HEADER_CHUNK_MAX)
        return data


# ------------------------------------------------------------------------------------------------------
# Serialisation for the cache
# ------------------------------------------------------------------------------------------------------


def _weights_to_json(w: WeightsBreakdown) -> dict[str, Any]:
    """Every field of the breakdown (arrays as lists), so a cached lookup round-trips whatever fields it has."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(w):
        value = getattr(w, f.name)
        out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
    out["_arrays"] = [f.name for f in dataclasses.fields(w) if isinstance(getattr(w, f.name), np.ndarray)]
    return out


def _weights_from_json(data: dict[str, Any]) -> WeightsBreakdown:
    arrays = set(data.get("_arrays") or [])
    known = {f.name for f in dataclasses.fields(WeightsBreakdown)}
    values: dict[str, Any] = {k: (np.asarray(v, dtype=float) if k in arrays else v) for k, v in data.items() if k in known}
    return WeightsBreakdown(**values)


def hub_model_to_json(model: HubModel) -> str:
    spec = model.spec
    data = {
        "v": CACHE_VERSION,
        **{k: v for k, v in asdict(model).items() if k not in {"spec", "gguf_files", "from_cache", "stale"}},
        "gguf_files": [asdict(files) for files in model.gguf_files.values()],
        "spec": {
            "id": spec.id,
            "name": spec.name,
            "arch": spec.arch.model_dump(),
            "params_b": spec.params_b,
            "weights": _weights_to_json(spec.weights) if spec.weights is not None else None,
        },
    }
    return json.dumps(data, separators=(",", ":"))


def hub_model_from_json(text: str) -> HubModel:
    data = json.loads(text)
    if data.pop("v", None) != CACHE_VERSION:
        raise ValueError("cache entry of another version")
    spec_data = data.pop("spec")
    weights = spec_data.get("weights")
    spec = ModelSpec(
        id=spec_data["id"],
        name=spec_data["name"],
        arch=ModelArch.model_validate(spec_data["arch"]),
        params_b=spec_data.get("params_b"),
        weights=_weights_from_json(weights) if weights else None,
    )
    files = {f["quant"]: GGUFQuantFiles(f["quant"], tuple(f["paths"]), f["size_bytes"]) for f in data.pop("gguf_files")}
    data["modalities"] = tuple(data.get("modalities") or ("text",))
    return HubModel(spec=spec, gguf_files=files, from_cache=True, **data)


# ------------------------------------------------------------------------------------------------------
# The resolver
# ------------------------------------------------------------------------------------------------------
def _env_token() -> str | None:
    for name in ("RUNLOCALAI_HF_TOKEN", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


class HubResolver:
    """Resolves ``owner/name`` or a Hub URL into a ``HubModel``; see the module docstring.

    ``cache``: a ``HubCache`` (the bot's state repository, ``SQLiteHubCache`` for the CLI; default: in memory).
    ``token``: a Hugging Face token for gated/private repositories (default: ``RUNLOCALAI_HF_TOKEN``, ``HF_TOKEN``;
    a token saved by ``hf auth login`` is not used). ``timeout_s``: the budget of one lookup, all requests included.
    ``endpoint``: the Hub (default ``HF_ENDPOINT`` or https://huggingface.co; tests point it at a local fake).
    """

    def __init__(
        self,
        cache: HubCache | None = None,
        token: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        endpoint: str | None = None,
        ttl_s: float = DEFAULT_TTL_S,
        negative_ttl_s: float = NEGATIVE_TTL_S,
        max_concurrent: int = 4,
    ):
        self.cache: HubCache = cache if cache is not None else MemoryHubCache()
        self.token = token or _env_token()
        self.timeout_s = timeout_s
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        from concurrent.futures import ThreadPoolExecutor  # here, not at import: the command line rarely needs it

        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="hub")
        self._side = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="hub-io")
        self._inflight: dict[str, asyncio.Future[HubModel]] = {}
        self._api: Any = None
        self._sync_loop: asyncio.AbstractEventLoop | None = None

    # -- public API -------------------------------------------------------------------------------------
    async def resolve(self, text: str, quant: str | None = None) -> HubModel:
        """The repository named by ``text`` (``owner/name``, ``owner/name:QUANT``, a Hub URL). ``quant`` picks the
        GGUF file to read (default: the file the URL names, else Q4_K_M or the nearest). Raises ``InputError``."""
        import asyncio

        ref = self._ref(text)
        quant = quant or ref.quant
        key = self._key(ref, quant)
        cached = await self._cached(key)
        if cached is None and quant and not ref.filename:  # a quant asked of a safetensors repository changes nothing
            plain = await self._cached(self._key(ref, None))
            cached = plain if plain is not None and not plain[0].is_gguf else None
        if cached is not None and not cached[1]:
            return cached[0]
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[HubModel] = loop.create_future()
        self._inflight[key] = future
        try:
            model = await self._lookup(ref, quant, key, cached[0] if cached else None)
            future.set_result(model)
            return model
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            self._inflight.pop(key, None)

    def resolve_sync(self, text: str, quant: str | None = None) -> HubModel:
        """``resolve`` for synchronous callers (the command line). Not from inside a running event loop.

        Runs on a private event loop kept between calls (a new loop per call costs up to ~15 ms at times)."""
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self._sync_loop is None or self._sync_loop.is_closed():
                self._sync_loop = asyncio.new_event_loop()
            return self._sync_loop.run_until_complete(self.resolve(text, quant))
        raise RuntimeError("resolve_sync() called from a running event loop: await resolve() instead")

    def close(self) -> None:
        """Stop the worker threads (lookups still running finish on their own time-outs)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._side.shutdown(wait=False, cancel_futures=True)
        if self._sync_loop is not None and not self._sync_loop.is_closed():
            self._sync_loop.close()

    # -- internals -----------------------------------------------------------------------------------------
    def _ref(self, text: str) -> HubRef:
        ref = parse_hub_ref(text)
        if ref is None:
            raise InputError(
                f"{text.strip()[:80]!r} is not a Hugging Face model repository: write owner/name or paste its huggingface.co URL."
            )
        if ref.repo_type != "model":
            raise InputError(f"{ref.repo_id} is a Hugging Face {ref.repo_type}, not a model repository.")
        return ref

    def _key(self, ref: HubRef, quant: str | None) -> str:
        selector = ref.filename or (quant or "").upper()
        auth = "t" if self.token else "a"
        return f"hub:v{CACHE_VERSION}:{auth}:{ref.repo_id.lower()}@{ref.revision or 'main'}:{selector}"

    async def _cached(self, key: str) -> tuple[HubModel, bool] | None:
        """(model, expired) from the cache; a cached failure is raised again while it is fresh."""
        try:
            hit = await self.cache.hub_cache_get(key)
        except Exception:  # a broken cache must not break lookups
            return None
        if hit is None:
            return None
        value, expires_at = hit
        expired = expires_at <= time.time()
        if value.startswith("!"):
            if not expired:
                raise InputError(value[1:])
            return None
        try:
            model = hub_model_from_json(value)
        except (ValueError, KeyError, TypeError):
            return None
        return model, expired

    async def _store(self, key: str, value: str, ttl_s: float) -> None:
        with contextlib.suppress(Exception):  # a cache that cannot be written only costs a lookup next time
            await self.cache.hub_cache_put(key, value, ttl_s)

    async def _lookup(self, ref: HubRef, quant: str | None, key: str, stale: HubModel | None) -> HubModel:
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = _Deadline(self.timeout_s)
        try:
            model = await asyncio.wait_for(loop.run_in_executor(self._pool, self._fetch, ref, quant, deadline), self.timeout_s + 0.5)
        except InputError as exc:
            if isinstance(exc, HubLookupError):
                await self._store(key, "!" + exc.message, self.negative_ttl_s)
            elif stale is not None:
                return replace(stale, stale=True)
            raise
        except TimeoutError:
            if stale is not None:
                return replace(stale, stale=True)
            raise InputError(_msg_timeout(ref.repo_id, self.timeout_s)) from None
        text = hub_model_to_json(model)
        await self._store(key, text, self.ttl_s)
        alias = self._key(ref, model.quant if model.is_gguf else None) if not ref.filename else key
        if alias != key:  # GGUF: also under the quant read; otherwise under the plain repository
            await self._store(alias, text, self.ttl_s)
        return model

    def _hfapi(self) -> Any:
        if self._api is None:
            from huggingface_hub import HfApi

            self._api = HfApi(endpoint=self.endpoint, token=self.token or False, library_name=_USER_AGENT)
        return self._api

    def _headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(token=self.token or False, library_name=_USER_AGENT)

    def _file_url(self, repo: str, path: str, revision: str | None) -> str:
        return f"{self.endpoint}/{repo}/resolve/{quote(revision or 'main', safe='')}/{quote(path)}"

    def _get_json(self, url: str, deadline: _Deadline) -> Any:
        from huggingface_hub.utils import get_session, hf_raise_for_status

        response = get_session().get(url, headers=self._headers(), timeout=deadline.left(), follow_redirects=True)
        hf_raise_for_status(response)
        return response.json()

    def _fetch(self, ref: HubRef, quant: str | None, deadline: _Deadline) -> HubModel:
        """Runs in a worker thread: every network call of one lookup, within ``deadline``."""
        repo, with_token = ref.repo_id, bool(self.token)
        if _offline():
            raise InputError(_msg_offline(repo))
        config_future: Future[Any] | None = None
        wants_file = bool(ref.filename and ref.filename.lower().endswith(".gguf"))
        if not wants_file:  # speculative: most repositories have one, and it saves a round trip
            config_future = self._side.submit(self._get_json, self._file_url(repo, "config.json", ref.revision), deadline)
        try:
            info = self._hfapi().model_info(repo, revision=ref.revision, files_metadata=True, timeout=deadline.left())
        except Exception as exc:
            if config_future is not None:
                config_future.cancel()
            raise _translate(exc, repo, with_token, self.timeout_s) from None
        siblings = [(s.rfilename, s.size) for s in (info.siblings or [])]
        names = {name for name, _ in siblings}
        quants = group_gguf_files(siblings)
        card = info.card_data.to_dict() if info.card_data is not None else {}
        gated = bool(info.gated)
        common = {
            "repo_id": info.id or repo,
            "name": info.id or repo,
            "license": _license(card),
            "gated": gated,
            "private": bool(info.private),
            "base_model": _first_str(card.get("base_model")),
            "pipeline_tag": info.pipeline_tag,
            "revision": info.sha,
            "created_at": info.created_at.date().isoformat() if info.created_at else None,
            "fetched_at": time.time(),
        }
        sources = {"model": f"{self.endpoint}/{common['repo_id']}", "api": f"{self.endpoint}/api/models/{common['repo_id']}"}
        has_safetensors = any(n.endswith(".safetensors") for n in names)
        use_gguf = bool(quants) and (wants_file or "config.json" not in names or not has_safetensors)
        if use_gguf:
            if config_future is not None:
                config_future.cancel()
            return self._from_gguf(ref, quant, info, siblings, quants, common, sources, deadline)
        if "config.json" not in names:
            raise _no_architecture(repo, names, common["base_model"])
        try:
            if config_future is None:
                config_future = self._side.submit(self._get_json, self._file_url(repo, "config.json", info.sha), deadline)
            config = config_future.result(timeout=deadline.left())
        except Exception as exc:
            if isinstance(exc, ValueError) and not isinstance(exc, InputError):
                raise InputError(f"{repo}'s config.json is not valid JSON.") from None
            raise _translate(exc, repo, with_token, self.timeout_s, "config.json") from None
        sources["config"] = f"{self.endpoint}/{common['repo_id']}/blob/main/config.json"
        return self._from_config(config, info, quants, common, sources)

    # -- safetensors / config.json repositories ------------------------------------------------------------
    def _from_config(
        self, config: Any, info: Any, quants: dict[str, GGUFQuantFiles], common: dict[str, Any], sources: dict[str, str]
    ) -> HubModel:
        repo = common["repo_id"]
        arch = arch_from_config(config, repo)
        st = getattr(info, "safetensors", None)
        per_dtype = dict(st.parameters) if st is not None and st.parameters else None
        fmt = native_format(per_dtype, config)
        params = exact_param_count(per_dtype)
        if params is not None and has_vision(config):
            from estimator.tensors import parameter_count

            extra = params - parameter_count(arch)
            if 0 < extra < 0.5 * params:
                arch = arch.model_copy(update={"vision_params_b": round(extra / 1e9, 3)})
        spec = ModelSpec(id=f"hf:{repo}", name=repo, arch=arch, params_b=params / 1e9 if params else None)
        quantized = fmt is not None and fmt not in {"BF16", "F16", "F32"} and estimator_quant(fmt) is not None
        return HubModel(
            spec=spec,
            params=params,
            params_source="safetensors" if params else "config",
            native_format=fmt,
            is_gguf=False,
            gguf_files=quants,
            default_quant=fmt if quantized else None,
            modalities=tuple(modalities(config)),
            sources=sources,
            config=config,
            **common,
        )

    # -- GGUF repositories ---------------------------------------------------------------------------------
    def _from_gguf(
        self,
        ref: HubRef,
        quant: str | None,
        info: Any,
        siblings: list[tuple[str, int | None]],
        quants: dict[str, GGUFQuantFiles],
        common: dict[str, Any],
        sources: dict[str, str],
        deadline: _Deadline,
    ) -> HubModel:
        from estimator.gguf_file import GGUFReadError, merge_split_headers, model_from_header, parse_gguf_header

        repo = common["repo_id"]
        if ref.filename:
            label = next((q for q, files in quants.items() if ref.filename in files.paths), None)
            if label is None:
                raise InputError(f"{repo} has no GGUF file {ref.filename}.")
        else:
            label = pick_quant(quants, quant)
            if label is None:
                raise InputError(f"{repo} has no {quant} GGUF file; it has: {', '.join(quants)}.", list(quants)[:10])
        files = quants[label]
        headers, fetched = [], 0
        for path in files.paths:
            reader = HTTPRangeReader(self._file_url(repo, path, info.sha), self._headers(), deadline)
            try:
                headers.append(parse_gguf_header(reader, path))  # type: ignore[arg-type]
            except GGUFReadError as exc:
                raise InputError(f"Could not read the GGUF header of {repo}/{path}: {exc}") from None
            except InputError:
                raise
            except Exception as exc:
                raise _translate(exc, repo, bool(self.token), self.timeout_s, path) from None
            fetched += reader.pos
        try:
            model = model_from_header(merge_split_headers(headers), f"{repo}/{files.paths[0]}", default_name=repo)
        except GGUFReadError as exc:
            raise InputError(f"{repo}: {exc}") from None
        arch = model.arch
        projector = _mmproj_params(siblings)
        if projector:
            arch = arch.model_copy(update={"vision_params_b": round(projector / 1e9, 3)})
        weights = model.weights
        spec = ModelSpec(id=f"hf:{repo}:{label}", name=repo, arch=arch, params_b=weights.params / 1e9, weights=weights)
        sources["gguf"] = f"{self.endpoint}/{repo}/blob/main/{files.paths[0]}"
        return HubModel(
            spec=spec,
            params=int(weights.params),
            params_source="gguf",
            native_format="GGUF",
            is_gguf=True,
            gguf_files=quants,
            quant=label,
            default_quant=model.quant_label,
            weights_exact=True,
            modalities=("text", "image") if projector else ("text",),
            sources=sources,
            config=None,
            header_bytes=fetched,
            **common,
        )


def arch_from_config(config: Any, repo: str) -> ModelArch:
    """``ModelArch.from_hf_config`` with its failures as one sentence about the repository."""
    from pydantic import ValidationError

    from estimator.architecture import UnsupportedArchitectureError

    if not isinstance(config, dict):
        raise HubLookupError(f"{repo}'s config.json is not a JSON object.")
    model_type = config.get("model_type") or "unknown"
    try:
        return ModelArch.from_hf_config(config)
    except UnsupportedArchitectureError as exc:
        raise HubLookupError(f"{repo} ({model_type}): {exc}.") from None
    except (KeyError, TypeError) as exc:
        detail = "no hidden size, layer count or attention head count under a name I know"
        raise HubLookupError(f"{repo} has an architecture I cannot read from its config.json (model_type {model_type}: {detail}).") from exc
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise HubLookupError(f"{repo}'s config.json (model_type {model_type}) has values that do not fit together: {first}.") from exc


def _no_architecture(repo: str, names: set[str], base_model: str | None) -> InputError:
    if "adapter_config.json" in names:
        hint = (
            f" It is an adapter (LoRA) for {base_model}: ask about that model."
            if base_model
            else " It is an adapter (LoRA): ask about its base model."
        )
    elif "model_index.json" in names:
        hint = " It is a diffusers pipeline (image generation), not a language model."
    elif base_model:
        hint = f" Its card names {base_model} as the base model: try that."
    else:
        hint = ""
    return HubLookupError(f"{repo} has neither a config.json nor GGUF files, so there is no architecture to read.{hint}")


def _license(card: dict[str, Any]) -> str | None:
    value = card.get("license")
    if value == "other" and card.get("license_name"):
        return str(card["license_name"])
    return _first_str(value)


def _first_str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


_PROJECTOR_BYTES = {"F16": 2, "BF16": 2, "F32": 4}


def _mmproj_params(siblings: list[tuple[str, int | None]]) -> float:
    """Vision projector parameters from the size of an F16/BF16/F32 mmproj file beside the model (0 if none)."""
    for path, size in siblings:
        if path.lower().endswith(".gguf") and is_mmproj(path) and size:
            label = gguf_quant_label(path)
            if label in _PROJECTOR_BYTES:
                return size / _PROJECTOR_BYTES[label]
    return 0.0


def catalog_model_for(catalog: Catalog, text: str) -> Model | None:
    """The catalog entry whose ``hf_repo`` is the repository ``text`` names, if any: its curated facts and measured
    benchmarks should win over a Hub lookup (call this first, then ``resolve``)."""
    ref = parse_hub_ref(text)
    if ref is None or ref.filename or ref.quant:
        return None
    wanted = ref.repo_id.lower()
    return next((m for m in catalog.models if m.hf_repo and m.hf_repo.lower() == wanted), None)


def cli_resolver(timeout_s: float = 10.0) -> HubResolver:
    """The command line's resolver: cache file beside the catalog database, a patient timeout."""
    return HubResolver(SQLiteHubCache(), timeout_s=timeout_s)
