"""Recognise Hugging Face model repositories in what people type: ``owner/name``, Hub URLs (with /tree/main,
/blob/main/file.gguf, /resolve/... parts), ``hf.co/owner/name:Q4_K_M`` (Ollama's spelling) and ``hf://``.

Two entry points: ``parse_hub_ref`` for a field that should hold one repository (strict), and
``find_hub_ids`` / ``find_hub_refs`` for free text (careful: "tok/s", "2/3", "num_ctx/32k", "CPU/GPU",
"Q4_K_M/Q5_K_M" and file paths are not repositories).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Hub repo ids: letters, digits, '-', '_', '.'; no '--' or '..'; not starting or ending with '-' or '.'
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_HOSTS = r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)"
_URL = re.compile(
    rf"(?<![\w.@/-]){_HOSTS}/(?P<path>[^\s<>()\[\]{{}}'\"`,;]+)",
    re.IGNORECASE,
)
_HF_URI = re.compile(rf"(?<![\w/])hf://(?:models/)?(?P<owner>{_PART})/(?P<name>{_PART})(?:@(?P<rev>[\w.-]+))?")
_BARE = re.compile(
    rf"(?<![\w.@/:\\~$%-])(?P<owner>{_PART})/(?P<name>{_PART})(?::(?P<tag>[A-Za-z0-9_.-]+))?(?![\w/\\-])",
)
# First URL segments that are site pages, not owners.
_SITE_PAGES = frozenset(
    [
        "datasets",
        "spaces",
        "docs",
        "blog",
        "papers",
        "models",
        "collections",
        "organizations",
        "settings",
        "login",
        "join",
        "pricing",
        "tasks",
        "learn",
        "posts",
        "chat",
        "api",
        "enterprise",
        "new",
        "search",
        "notifications",
        "welcome",
        "terms",
        "privacy",
        "changelog",
        "inference-endpoints",
        "inference-api",
        "huggingface-projects",
        "buckets",
    ]
)
# Folders people write in paths that look like "owner/name".
_FOLDERS = frozenset(
    [
        "models",
        "model",
        "data",
        "home",
        "usr",
        "var",
        "tmp",
        "opt",
        "mnt",
        "srv",
        "src",
        "lib",
        "lib64",
        "bin",
        "sbin",
        "etc",
        "dev",
        "proc",
        "sys",
        "users",
        "user",
        "downloads",
        "documents",
        "desktop",
        "cache",
        "caches",
        "hub",
        "gguf",
        "ggufs",
        "weights",
        "checkpoints",
        "ckpt",
        "outputs",
        "output",
        "runs",
        "logs",
        "app",
        "apps",
        "config",
        "configs",
        "library",
        "volumes",
        "workspace",
        "ollama",
        "blobs",
        "manifests",
        "snapshots",
        "refs",
        "build",
        "dist",
        "venv",
        "site-packages",
    ]
)
_NUMBER_UNIT = re.compile(r"^\d+(?:\.\d+)?(?:[kmbgt]|gb|mb|tb|gib|mib|ms|s|x|k?tok|bit|bits|bpw)?$", re.IGNORECASE)
_QUANTISH = re.compile(
    r"^(?:ud-)?(?:i?q\d(?:_\w+)?|tq\d_\d|[bf]?f(?:p)?(?:16|32)|fp8|int[48]|mxfp4|nvfp4|nf4|awq|gptq|exl[23]|\d+bit|w\d+a\d+)$",
    re.IGNORECASE,
)
_FILE_EXT = re.compile(
    r"\.(?:gguf|bin|safetensors|json|ya?ml|txt|md|py|sh|pt|pth|onnx|zip|tar|gz|log|cpp|h|c|js|ts|exe|dll|so|toml|ini|cfg|png|jpe?g)$",
    re.IGNORECASE,
)
# Owners whose repositories people paste all the time; a bare id under one of them needs no other sign.
COMMON_OWNERS = frozenset(
    name.lower()
    for name in [
        "meta-llama",
        "mistralai",
        "Qwen",
        "google",
        "microsoft",
        "deepseek-ai",
        "openai",
        "nvidia",
        "ibm-granite",
        "allenai",
        "HuggingFaceTB",
        "tiiuae",
        "CohereLabs",
        "CohereForAI",
        "01-ai",
        "THUDM",
        "zai-org",
        "moonshotai",
        "MiniMaxAI",
        "internlm",
        "LiquidAI",
        "bigcode",
        "stabilityai",
        "bartowski",
        "unsloth",
        "TheBloke",
        "mradermacher",
        "lmstudio-community",
        "mlx-community",
        "ggml-org",
        "NousResearch",
        "cognitivecomputations",
        "Lewdiculous",
        "TheDrummer",
        "Sao10K",
        "anthracite-org",
        "bigscience",
        "EleutherAI",
        "openbmb",
        "baidu",
        "tencent",
        "ByteDance-Seed",
        "xai-org",
        "apple",
        "amd",
        "intel",
        "RedHatAI",
        "neuralmagic",
        "Intel",
        "nomic-ai",
        "BAAI",
        "sentence-transformers",
        "upstage",
        "arcee-ai",
        "PrimeIntellect",
        "inclusionAI",
        "swiss-ai",
        "ServiceNow-AI",
        "Salesforce",
        "openai-community",
    ]
)


@dataclass(frozen=True)
class HubRef:
    """A model repository named by the user, with what else the reference pins down."""

    repo_id: str
    revision: str | None = None  # a branch, tag or commit from a /tree/<rev> or /blob/<rev>/ URL (None: main)
    filename: str | None = None  # a file inside the repo (e.g. the .gguf a /blob/ URL points at)
    quant: str | None = None  # Ollama-style ``:Q4_K_M`` tag
    repo_type: str = "model"  # "dataset" or "space" when the URL says so (then it is not a model)


def _clean_tail(text: str) -> str:
    return text.rstrip(".,;:!?)]}>'\"`*_")


def _looks_like_name(owner: str, name: str) -> bool:
    """Heuristics for a bare ``owner/name`` in prose (URLs need none of these)."""
    if "--" in owner or "--" in name or ".." in owner or ".." in name:
        return False
    if len(owner) < 2 or len(name) < 2 or owner.isdigit() or name.isdigit():
        return False
    if owner.lower() in _FOLDERS or _FILE_EXT.search(name):
        return False
    if _NUMBER_UNIT.match(name) or _NUMBER_UNIT.match(owner) or _QUANTISH.match(name) or _QUANTISH.match(owner):
        return False
    if not re.search(r"[A-Za-z]", name) or not re.search(r"[A-Za-z]", owner):
        return False
    if owner.lower() in COMMON_OWNERS:
        return True
    if re.search(r"\d[-.]|[-.]\d", owner):  # "gpt-4o/gpt-4o-mini", "qwen2.5/qwen3": two model names, not owner/name
        return False
    # elsewhere: the name must look like a model repository (a version or size, words joined by '-' or '_')
    return bool(re.search(r"\d", name)) and bool(re.search(r"[-_]", name)) and len(name) >= 4


def _from_url_path(path: str, repo_type_default: str = "model") -> HubRef | None:
    path = path.split("?", 1)[0].split("#", 1)[0]
    parts = [p for p in path.split("/") if p]
    repo_type = repo_type_default
    if parts and parts[0].lower() in {"datasets", "spaces"}:
        repo_type = "dataset" if parts[0].lower() == "datasets" else "space"
        parts = parts[1:]
    elif parts and parts[0].lower() in _SITE_PAGES:
        return None
    if len(parts) < 2:
        return None
    owner, name = parts[0], _clean_tail(parts[1])
    tag = None
    if ":" in name:  # hf.co/owner/name:Q4_K_M
        name, tag = name.split(":", 1)
    if not re.fullmatch(_PART, owner) or not re.fullmatch(_PART, name):
        return None
    revision = filename = None
    if len(parts) >= 4 and parts[2] in {"tree", "blob", "resolve", "raw", "blame"}:
        revision = parts[3]
        rest = "/".join(parts[4:])
        if rest and parts[2] != "tree":
            filename = _clean_tail(rest)
    if revision in {"main", "HEAD"}:
        revision = None
    return HubRef(f"{owner}/{name}", revision, filename, _clean_tail(tag) if tag else None, repo_type)


def parse_hub_ref(text: str) -> HubRef | None:
    """One repository from a field that should hold exactly one: ``owner/name[:QUANT]``, a Hub URL, ``hf://``.
    None when the text is not a repository reference."""
    text = text.strip().strip("<>`'\"")
    if not text or any(c.isspace() for c in text):
        return None
    match = _URL.fullmatch(text)
    if match:
        return _from_url_path(match.group("path"))
    match = _HF_URI.fullmatch(text)
    if match:
        rev = match.group("rev")
        return HubRef(f"{match.group('owner')}/{match.group('name')}", None if rev in {None, "main"} else rev)
    match = _BARE.fullmatch(text)
    if match:
        owner, name = match.group("owner"), match.group("name")
        if "--" in owner + name or ".." in owner + name or owner.lower() in _SITE_PAGES:
            return None
        if _FILE_EXT.search(name) or owner.isdigit() or not re.search(r"[A-Za-z]", owner + name):
            return None
        if any(_NUMBER_UNIT.match(part) or _QUANTISH.match(part) for part in (owner, name)):  # "7b/13b", "q4/q8"
            return None
        return HubRef(f"{owner}/{name}", quant=match.group("tag"))
    return None


def find_hub_refs(text: str) -> list[HubRef]:
    """Every model repository named in free text, in order of appearance, without repeats."""
    found: list[tuple[int, HubRef]] = []
    taken: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        taken.append(match.span())
        ref = _from_url_path(match.group("path"))
        if ref is not None and ref.repo_type == "model":
            found.append((match.start(), ref))
    for match in _HF_URI.finditer(text):
        taken.append(match.span())
        rev = match.group("rev")
        found.append((match.start(), HubRef(f"{match.group('owner')}/{match.group('name')}", None if rev in {None, "main"} else rev)))
    for match in _BARE.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        owner, name = match.group("owner"), _clean_tail(match.group("name"))
        if name != match.group("name") and not name:
            continue
        if not _looks_like_name(owner, name):
            continue
        found.append((match.start(), HubRef(f"{owner}/{name}", quant=match.group("tag"))))
    seen: set[str] = set()
    refs: list[HubRef] = []
    for _, ref in sorted(found, key=lambda item: item[0]):
        if ref.repo_id.lower() not in seen:
            seen.add(ref.repo_id.lower())
            refs.append(ref)
    return refs


def find_hub_ids(text: str) -> list[str]:
    """Repository ids (``owner/name``) named in free text, in order, without repeats."""
    return [ref.repo_id for ref in find_hub_refs(text)]
