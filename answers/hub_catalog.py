"""Draft a catalog entry (the format of knowledge/data/models/*.yaml) from a resolved Hugging Face repository,
for a maintainer to review: ``runlocalai catalog add-model owner/name [--write]``.

Every fact comes with its source: the architecture from config.json (or the GGUF header), the parameter count
from the Hub's safetensors metadata (or the GGUF tensors), licence and base model from the model card. What a
repository cannot say (family, variant, the developer's display name) is guessed from its name and the catalog,
and the notes say so. The draft is validated against ``knowledge.schema.Model`` and the catalog's name rules.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from answers.hub import HubModel
from answers.user_errors import InputError
from estimator.quants import UnknownQuantError, parse_quant
from knowledge.catalog import Catalog
from knowledge.loader import DATA_DIR, architecture_differences
from knowledge.names import normalize
from knowledge.schema import Model

_LICENSES = {
    "apache-2.0": "Apache-2.0",
    "mit": "MIT",
    "llama2": "Llama 2 Community License",
    "llama3": "Meta Llama 3 Community License",
    "llama3.1": "Llama 3.1 Community License",
    "llama3.2": "Llama 3.2 Community License",
    "llama3.3": "Llama 3.3 Community License",
    "llama4": "Llama 4 Community License",
    "gemma": "Gemma Terms of Use",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "bigcode-openrail-m": "BigCode OpenRAIL-M",
}
PUBLIC_HUB = "https://huggingface.co"  # sources name the public Hub even when facts were read through a mirror
_SIZE = re.compile(r"^(?:\d+(?:\.\d+)?[bmk]|a\d+(?:\.\d+)?b|e\d+b|\d+x\d+b)$", re.IGNORECASE)
_VARIANT_WORDS = {
    "instruct": "instruct",
    "it": "instruct",
    "chat": "instruct",
    "base": "base",
    "coder": "code",
    "code": "code",
    "thinking": "reasoning",
    "reasoning": "reasoning",
    "vl": "vision",
    "vision": "vision",
    "embedding": "embedding",
}
_DROP_FROM_FAMILY = {*_VARIANT_WORDS, "hf", "gguf", "awq", "gptq", "fp8", "bf16", "mlx", "4bit", "8bit", "preview"}


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._+-]+", "-", text.lower()).strip("-.")
    return re.sub(r"-{2,}", "-", slug)


def _display_name(repo_name: str) -> str:
    name = re.sub(r"(?i)-gguf$", "", repo_name)
    return re.sub(r"[-_]+", " ", name).strip()


def _family(repo_name: str) -> str:
    words = [w for w in re.split(r"[-_]+", re.sub(r"(?i)-gguf$", "", repo_name)) if w]
    kept = [w for w in words if not _SIZE.match(w) and w.lower() not in _DROP_FROM_FAMILY]
    return _slug("-".join(kept) or repo_name)


def _variant(repo_name: str, modalities: tuple[str, ...]) -> str:
    found = [_VARIANT_WORDS[w.lower()] for w in re.split(r"[-_]+", repo_name) if w.lower() in _VARIANT_WORDS]
    for preferred in ("embedding", "code", "reasoning", "vision", "base", "instruct"):
        if preferred in found:
            return preferred if preferred != "vision" or "image" in modalities else "instruct"
    return "instruct"


def _license(value: str | None) -> str:
    if not value:
        return "unknown: see the model card"
    return _LICENSES.get(value.lower(), value)


def _canonical_quant(value: str | None) -> str | None:
    if not value or value == "GGUF":
        return None
    try:
        return value if parse_quant(value).name == value else None
    except UnknownQuantError:
        return None


def _developers(catalog: Catalog) -> dict[str, str]:
    owners: dict[str, str] = {}
    for model in catalog.models:
        if model.hf_repo:
            owners.setdefault(model.hf_repo.split("/")[0].lower(), model.developer)
    return owners


def _taken_names(catalog: Catalog) -> set[str]:
    return {normalize(n) for m in catalog.models for n in (m.id, m.name, *m.aliases)}


def draft_catalog_entry(hub: HubModel, catalog: Catalog, today: date | None = None) -> dict[str, Any]:
    """A catalog model entry for ``hub``, as a dict in the YAML files' field order. Raises ``InputError`` when the
    repository is already catalogued or the draft would not validate."""
    repo = hub.repo_id
    for model in catalog.models:
        if model.hf_repo and model.hf_repo.lower() == repo.lower():
            raise InputError(f"{repo} is already in the catalog as {model.id}.")
    owner, repo_name = repo.split("/", 1)
    taken = _taken_names(catalog)
    entry_id = _slug(re.sub(r"(?i)-gguf$", "", repo_name))
    if normalize(entry_id) in taken:  # a conversion or fine-tune of a catalogued model: keep its owner in the id
        entry_id = _slug(f"{owner}-{entry_id}{'-gguf' if hub.is_gguf else ''}")
    name = _display_name(repo_name)
    if normalize(name) in taken:
        name = f"{name} ({owner}{' GGUF' if hub.is_gguf else ''})"
    if normalize(entry_id) in taken or normalize(name) in taken:
        raise InputError(f"A catalog entry already uses the name {name!r} or the id {entry_id!r}; add {repo} by hand.")
    developer_owner = hub.base_model.split("/")[0] if hub.is_gguf and hub.base_model and "/" in hub.base_model else owner
    aliases = []
    for alias in (name.lower(), repo_name.lower(), repo.lower()):
        key = normalize(alias)
        if key and key not in taken and alias not in aliases and normalize(alias) != normalize(entry_id):
            aliases.append(alias)
    arch = hub.spec.arch
    arch_fields = arch.model_dump(exclude_none=True, exclude_defaults=True)
    if hub.config and hub.config.get("model_type"):
        arch_fields["model_type"] = hub.config["model_type"]
    for required in (
        "model_type",
        "layers",
        "hidden",
        "intermediate",
        "heads",
        "kv_heads",
        "head_dim",
        "vocab",
        "tied_embeddings",
        "max_context",
    ):
        arch_fields.setdefault(required, getattr(arch, required))
    order = list(type(arch).model_fields)
    arch_fields = {k: arch_fields[k] for k in order if k in arch_fields}
    if hub.params:
        params_b = round(hub.params / 1e9, 2)
    else:
        from estimator.tensors import parameter_count

        params_b = round(parameter_count(arch) / 1e9 + arch.vision_params_b, 2)
    entry: dict[str, Any] = {
        "id": entry_id,
        "name": name,
        "family": _family(repo_name),
        "developer": _developers(catalog).get(developer_owner.lower(), developer_owner),
        "aliases": aliases,
        "params_b": params_b,
    }
    notes: list[str] = [f"Drafted from the Hugging Face Hub on {(today or date.today()).isoformat()}; review every field before merging."]
    if arch.moe:
        from estimator.weights import compute_weights

        active = compute_weights(arch, parse_quant("BF16"), params_b).active_params / 1e9
        entry["active_params_b"] = round(active, 2)
        notes.append("active_params_b is computed from the architecture (check the model card).")
    if hub.created_at:
        entry["release_date"] = date.fromisoformat(hub.created_at)
        notes.append("release_date is the repository's creation date.")
    entry["license"] = _license(hub.license)
    entry["modalities"] = list(hub.modalities)
    entry["variant"] = _variant(repo_name, hub.modalities)
    entry["hf_repo"] = repo
    entry["architecture"] = arch_fields
    base = _base_model_id(hub, catalog, arch)
    if base:
        entry["base_model"] = base
    native = _canonical_quant(hub.native_format)
    if native:
        entry["native_quant"] = native
    if hub.is_gguf:
        read = hub.quant_files.paths[0] if hub.quant_files else "its file"
        original = f"; its card names {hub.base_model} as the original." if hub.base_model else "."
        notes.append(f"A GGUF conversion: architecture and parameter count from the header of {read}{original}")
    else:
        counted = (
            f"{hub.params:,} parameters in the Hub's safetensors metadata" if hub.params else "parameter count derived from config.json"
        )
        notes.append(f"Architecture from config.json; {counted}.")
    if hub.gated:
        notes.append("The repository is gated (licence acceptance needed to download).")
    entry["notes"] = " ".join(notes)
    page = f"{PUBLIC_HUB}/{repo}"
    sources = []
    if hub.sources.get("config"):
        sources.append(f"{page}/blob/main/config.json")
    if hub.quant_files:
        sources.append(f"{page}/blob/main/{hub.quant_files.paths[0]}")
    sources.append(page)
    if hub.params_source == "safetensors":
        sources.append(f"{PUBLIC_HUB}/api/models/{repo}")
    entry["sources"] = sources
    try:
        Model.model_validate(entry)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise InputError(f"The draft for {repo} does not validate ({problems}).") from None
    return entry


def _base_model_id(hub: HubModel, catalog: Catalog, arch: Any) -> str | None:
    """The catalog id of the card's base model, when it is catalogued with the same shapes."""
    if not hub.base_model:
        return None
    for model in catalog.models:
        if model.hf_repo and model.hf_repo.lower() == hub.base_model.lower():
            return model.id if not architecture_differences(arch, model.architecture) else None
    return None


class _CatalogDumper(yaml.SafeDumper):
    """The catalog files' style: mappings as blocks, short lists of plain words inline, URL lists as indented blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    inline = all(isinstance(i, str | int | float) and "://" not in str(i) for i in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=inline)


_CatalogDumper.add_representer(list, _represent_list)


def draft_yaml(entry: dict[str, Any], repo: str) -> str:
    header = f"# Draft from the Hugging Face Hub (runlocalai catalog add-model {repo}): review before merging.\n"
    body = yaml.dump([entry], Dumper=_CatalogDumper, sort_keys=False, allow_unicode=True, width=140, default_flow_style=False)
    return header + body


def write_draft(entry: dict[str, Any], repo: str, data_dir: Path | None = None) -> Path:
    """Write the draft to a new file knowledge/data/models/<id>.yaml (never over an existing file)."""
    path = (data_dir if data_dir is not None else DATA_DIR) / "models" / f"{entry['id']}.yaml"
    if path.exists():
        raise InputError(f"{path} already exists; not overwriting it.")
    path.write_text(draft_yaml(entry, repo), encoding="utf-8")
    return path
