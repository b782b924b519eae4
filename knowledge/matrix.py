"""Runtime compatibility matrix, derived from the tool entries (never maintained by hand)."""

from __future__ import annotations

from typing import Any

from knowledge.catalog import Catalog

BACKEND_COLUMNS = ("cuda", "rocm", "metal", "vulkan", "sycl", "cpu")
OS_COLUMNS = ("linux", "windows", "macos")
FORMAT_COLUMNS = ("gguf", "safetensors", "awq", "gptq", "exl2", "exl3", "mlx", "onnx")


def compatibility_matrix(catalog: Catalog) -> list[dict[str, Any]]:
    """One row per runtime/server: which backends, operating systems and formats it supports."""
    rows = []
    for tool in sorted(catalog.tools, key=lambda t: t.name.lower()):
        if tool.category not in {"runtime", "server", "app"}:
            continue
        formats = {f.lower() for f in tool.formats} | {q.lower() for q in tool.quants}
        rows.append(
            {
                "id": tool.id,
                "name": tool.name,
                "backends": {b: b in tool.backends for b in BACKEND_COLUMNS},
                "os": {o: o in tool.os for o in OS_COLUMNS},
                "formats": {f: any(f in x for x in formats) for f in FORMAT_COLUMNS},
                "openai_api": tool.openai_api,
                "based_on": tool.based_on,
            }
        )
    return rows


def matrix_text(rows: list[dict[str, Any]]) -> str:
    header = [
        "runtime".ljust(24),
        *[c[:6].ljust(6) for c in BACKEND_COLUMNS],
        "|",
        *[c[:3] for c in OS_COLUMNS],
        "|",
        *[c[:5].ljust(5) for c in FORMAT_COLUMNS],
        "api",
    ]
    lines = [" ".join(header)]
    mark = {True: "x", False: "."}
    for row in rows:
        cells = [
            row["name"][:24].ljust(24),
            *[mark[row["backends"][c]].ljust(6) for c in BACKEND_COLUMNS],
            "|",
            *[mark[row["os"][c]].ljust(3) for c in OS_COLUMNS],
            "|",
            *[mark[row["formats"][c]].ljust(5) for c in FORMAT_COLUMNS],
            mark[row["openai_api"]],
        ]
        lines.append(" ".join(cells))
    return "\n".join(lines)
