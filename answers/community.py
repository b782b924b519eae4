"""Community benchmarks: pasted benchmark output -> catalog-shaped rows, checked for impossible numbers, reviewed
by moderators (pending -> approved -> reproduced), then shown in answers as "community" evidence.

Parsers read what people paste: a ``llama-bench`` table, ``ollama run --verbose`` statistics, llama-server /
llama-cli timings (``prompt eval time = … tokens per second``) and vLLM's serving benchmark summary
(``benchmark_serving.py`` / ``vllm bench serve``). Each finds the model (file name, Ollama tag or Hub id), the quant,
the GPU (llama.cpp's ``Device 0: …`` line, nvidia-smi) and the runtime version where the paste shows them; what is
missing is listed so the front end can ask for it.

Approved rows reach the answers through ``KnowledgeBase.community`` (``answers.evidence`` reads them as the
``community`` rung, never as ``measured``); they are never written to the fit files, so the estimator is never fitted
on them. ``export_rows`` turns them into a catalog file (knowledge/data/benchmarks format) for review.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from answers.entities import EntityExtractor
from answers.estimates import EstimateQuery, run_estimate
from answers.hub import catalog_model_for
from answers.hub_ids import find_hub_ids
from answers.knowledge_base import KnowledgeBase
from answers.user_errors import InputError
from answers.values import parse_quant_text
from estimator.units import GB
from knowledge.schema import Benchmark

MAX_PASTE = 4000  # characters of a pasted output (a Discord modal paragraph)
MAX_FILE_BYTES = 64 * 1024  # an attached output file
MAX_ROWS = 24  # rows of one submission
MAX_TOKENS_PER_S = 1_000_000.0
BANDWIDTH_SLACK = 1.5  # measured decode may beat the bandwidth bound by this factor (caches, rounding), no more
COMPUTE_SLACK = 3.0  # measured prompt speed may beat the FP16 compute bound by this factor (sparsity, rounding)
REPRODUCE_WITHIN = 0.15  # two members' rows within 15 % of each other reproduce each other
RUNTIMES = ("llama.cpp", "ollama", "vllm")


@dataclass
class Measurement:
    test: str  # pp512 / tg128
    tokens_per_s: float
    context: int | None = None  # depth the test ran at (llama-bench "@ d4096")


@dataclass
class Parsed:
    """What a paste says: enough for catalog rows once model, hardware and quant are known."""

    kind: str  # llama-bench | ollama | llama-server | vllm-serving
    measurements: list[Measurement]
    runtime: str
    model_text: str | None = None  # file name, Ollama tag, Hub id, or llama-bench's "llama 7B"
    model: str | None = None  # catalog id
    quant: str | None = None
    hardware_text: str | None = None
    hardware: str | None = None  # catalog id
    gpus: int = 1
    backend: str | None = None
    runtime_version: str | None = None
    flash_attention: bool | None = None
    gpu_layers: int | None = None
    concurrency: int | None = None
    notes: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """What the front end must ask for: "model", "gpu", "quant"."""
        return [name for name, value in (("model", self.model), ("gpu", self.hardware), ("quant", self.quant)) if not value]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Parsed:
        data = dict(data)
        data["measurements"] = [Measurement(**m) for m in data.get("measurements", [])]
        return cls(**data)


# ------------------------------------------------------------------------------------------------
# Parsers
# ------------------------------------------------------------------------------------------------
_BENCH_HEADER = re.compile(r"^\|\s*model\s*\|.*\|\s*test\s*\|\s*t/s\s*\|\s*$", re.M)
_DEVICE = re.compile(r"Device\s+\d+:\s+(?:NVIDIA\s+|AMD\s+)?(.+?)(?:,\s*(?:compute capability|gfx)|\s*\(|,\s*VMM|\s*$)", re.M)
_FOUND_DEVICES = re.compile(r"found\s+(\d+)\s+(CUDA|ROCm|Vulkan|SYCL|Metal)\s+devices", re.I)
_BUILD = re.compile(r"^build:\s*([0-9a-f]{6,12})\s*\((\d+)\)", re.M)
_MODEL_FLAG = re.compile(r"(?:^|\s)(?:-m|--model)\s+(\S+)")
_OLLAMA_RUN = re.compile(r"ollama\s+run\s+(\S+)")
_OLLAMA_STAT = re.compile(r"^\s*(prompt eval count|prompt eval rate|eval count|eval rate):\s*([\d.]+)", re.M)
_OLLAMA_VERSION = re.compile(r"ollama version is ([\d.]+)")
_TIMING = re.compile(
    r"(prompt\s+eval|(?<!prompt )\beval)\s+time\s*=\s*[\d.]+\s*ms\s*/\s*(\d+)\s*(?:tokens|runs)\s*"
    r"\(\s*[\d.]+\s*ms per token,\s*([\d.]+)\s*tokens per second\)"
)
_VLLM_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ()/.-]+?):\s+([\d.]+|inf|not set)\s*$", re.M)
_VLLM_MODEL = re.compile(r"(?:--model\s+|model=')([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")
_QUANT_IN_MODEL = re.compile(
    r"\b(I?Q\d_[A-Z0-9]+(?:_[A-Z]+)?|F16|BF16|F32|MXFP4(?:_MOE)?)(?:\s*-\s*(Medium|Small|Large|Extra Small|[\d.]+ bpw))?", re.I
)
_QUANT_IN_NAME = re.compile(r"(?:^|[-_.:])(i?q\d(?:_[a-z0-9]+)*|f16|bf16|fp16|q8_0|mxfp4)(?=$|[-_.])", re.I)
_LLAMA_BENCH_SIZE_SUFFIX = {"medium": "_M", "small": "_S", "large": "_L", "extra small": "_XS"}


def _test(text: str) -> tuple[str, int | None] | None:
    """llama-bench's test cell: "pp 512", "tg128", "pp512 @ d4096" -> ("pp512", 4096)."""
    match = re.fullmatch(r"\s*(pp|tg)\s*(\d+)(?:\s*@\s*d(\d+))?\s*", text)
    if not match:
        return None
    return f"{match.group(1)}{int(match.group(2))}", int(match.group(3)) if match.group(3) else None


def _quant_of_model_cell(cell: str) -> str | None:
    match = _QUANT_IN_MODEL.search(cell)
    if not match:
        return None
    base = match.group(1).upper()
    size = (match.group(2) or "").lower()
    if base.startswith("MXFP4"):
        return "MXFP4"
    if size in _LLAMA_BENCH_SIZE_SUFFIX and re.fullmatch(r"I?Q\d_K", base):
        return base + _LLAMA_BENCH_SIZE_SUFFIX[size]
    return base


def parse_llama_bench(text: str) -> Parsed | None:
    header = _BENCH_HEADER.search(text)
    if not header:
        return None
    columns = [c.strip().lower() for c in header.group(0).strip().strip("|").split("|")]
    rows: list[dict[str, str]] = []
    for line in text[header.end() :].splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(columns) or set(cells[0]) <= set("-: "):
            continue
        rows.append(dict(zip(columns, cells, strict=True)))
    setting = [c for c in columns if c not in {"test", "t/s", "size", "params"}]
    configurations = list(dict.fromkeys(tuple(row.get(c) for c in setting) for row in rows))
    kept = [row for row in rows if tuple(row.get(c) for c in setting) == configurations[0]] if configurations else []
    measurements, quants, backends, ngl, fa = [], set(), set(), set(), set()
    for row in kept[:MAX_ROWS]:
        test = _test(row.get("test", ""))
        speed = re.match(r"\s*([\d.]+)", row.get("t/s", ""))
        if not test or not speed:
            continue
        measurements.append(Measurement(test[0], float(speed.group(1)), test[1]))
        quants.add(_quant_of_model_cell(row.get("model", "")))
        backends.add(row.get("backend"))
        ngl.add(row.get("ngl"))
        fa.add(row.get("fa"))
    if not measurements:
        return None
    files = _MODEL_FLAG.findall(text)
    # llama-bench names only the architecture and size ("llama 7B"): the model comes from the -m file, else the user
    parsed = Parsed("llama-bench", measurements, "llama.cpp", model_text=files[0] if files else None)
    parsed.quant = next(iter(quants)) if len(quants) == 1 else None
    if len(configurations) > 1:
        kept_label = ", ".join(f"{c} {v}" for c, v in zip(setting, configurations[0], strict=True) if v)
        parsed.notes.append(f"the table holds {len(configurations)} configurations; the first was kept ({kept_label[:120]})")
    if len(backends) == 1 and next(iter(backends)):
        parsed.backend = next(iter(backends))
    if len(ngl) == 1 and str(next(iter(ngl)) or "").isdigit():
        parsed.gpu_layers = int(next(iter(ngl)))  # type: ignore[arg-type]
    if len(fa) == 1 and next(iter(fa)) in {"0", "1"}:
        parsed.flash_attention = next(iter(fa)) == "1"
    _common(text, parsed)
    return parsed


def parse_ollama(text: str) -> Parsed | None:
    stats = {k: float(v) for k, v in _OLLAMA_STAT.findall(text)}
    if "eval rate" not in stats:
        return None
    measurements = [Measurement(f"tg{int(stats.get('eval count', 128))}", stats["eval rate"])]
    if "prompt eval rate" in stats and stats.get("prompt eval count", 0) >= 1:
        measurements.append(Measurement(f"pp{int(stats['prompt eval count'])}", stats["prompt eval rate"]))
    run = _OLLAMA_RUN.search(text)
    parsed = Parsed("ollama", measurements, "ollama", model_text=run.group(1) if run else None)
    version = _OLLAMA_VERSION.search(text)
    parsed.runtime_version = version.group(1) if version else None
    _common(text, parsed)
    return parsed


def parse_llama_server(text: str) -> Parsed | None:
    timings = _TIMING.findall(text)
    if not timings:
        return None
    measurements: list[Measurement] = []
    for kind, tokens, rate in timings[-2:] if len(timings) > 2 else timings:
        if int(tokens) < 1 or rate in {"nan", "inf"}:
            continue
        test = "pp" if kind == "prompt eval" else "tg"
        measurements.append(Measurement(f"{test}{int(tokens)}", float(rate)))
    if not measurements:
        return None
    parsed = Parsed("llama-server", measurements, "llama.cpp")
    model = _MODEL_FLAG.search(text)
    parsed.model_text = model.group(1) if model else None
    if re.search(r"(?:^|\s)(?:-fa|--flash-attn)(?:\s+(?:on|1))?(?:\s|$)", text):
        parsed.flash_attention = True
    ngl = re.search(r"(?:^|\s)(?:-ngl|--n-gpu-layers|--gpu-layers)\s+(\d+)", text)
    parsed.gpu_layers = int(ngl.group(1)) if ngl else None
    _common(text, parsed)
    return parsed


def parse_vllm_serving(text: str) -> Parsed | None:
    if "Serving Benchmark Result" not in text and "Successful requests" not in text:
        return None
    fields = {k.strip().lower(): v for k, v in _VLLM_FIELD.findall(text)}
    done = fields.get("successful requests")
    tpot = fields.get("mean tpot (ms)")
    output = fields.get("output token throughput (tok/s)")
    if not done or not (tpot or output):
        return None
    requests = int(float(done))
    generated = float(fields.get("total generated tokens", "0") or 0)
    prompt = float(fields.get("total input tokens", "0") or 0)
    concurrency_text = fields.get("maximum request concurrency", "not set")
    concurrency = int(float(concurrency_text)) if concurrency_text.replace(".", "").isdigit() else None
    parsed = Parsed("vllm-serving", [], "vllm")
    out_len = max(1, round(generated / requests)) if generated and requests else 128
    if concurrency == 1 and tpot and float(tpot) > 0:
        parsed.measurements.append(Measurement(f"tg{out_len}", 1000.0 / float(tpot)))
        parsed.concurrency = 1
    elif output:
        parsed.concurrency = concurrency or requests
        parsed.measurements.append(Measurement(f"tg{out_len}", float(output)))
        if concurrency is None:
            parsed.notes.append(f"no --max-concurrency: counted as {requests} requests at once (aggregate rate)")
    if prompt and requests:
        parsed.notes.append(f"prompts averaged {prompt / requests:,.0f} tokens")
    model = _VLLM_MODEL.search(text)
    parsed.model_text = model.group(1) if model else None
    version = re.search(r"vllm(?:\s+version)?\s+v?(\d+\.\d+\.\d+)", text, re.I)
    parsed.runtime_version = version.group(1) if version else None
    _common(text, parsed)
    return parsed


def _common(text: str, parsed: Parsed) -> None:
    """Device lines, device count and build, shared by the llama.cpp-family pastes."""
    devices = _DEVICE.findall(text)
    found = _FOUND_DEVICES.search(text)
    if devices:
        parsed.hardware_text = devices[0].strip()
        parsed.gpus = len({d for d in devices}) if len(set(devices)) > 1 else len(devices)
    if found:
        parsed.gpus = max(1, min(16, int(found.group(1))))
        parsed.backend = parsed.backend or {"cuda": "CUDA", "rocm": "ROCm", "vulkan": "Vulkan"}.get(found.group(2).lower())
    build = _BUILD.search(text)
    if build and not parsed.runtime_version:
        parsed.runtime_version = f"b{build.group(2)} ({build.group(1)})"
    if len(set(devices)) > 1:
        parsed.notes.append("the GPUs differ; submit runs on one kind of GPU")
        parsed.hardware_text = None


PARSERS = (parse_llama_bench, parse_vllm_serving, parse_ollama, parse_llama_server)


def parse_paste(text: str) -> Parsed:
    """The first parser that reads ``text``; InputError naming what is accepted when none does."""
    if len(text) > MAX_PASTE * 16:
        raise InputError(f"That paste is {len(text):,} characters; keep it under {MAX_PASTE * 16:,} (the summary is enough).")
    text = text.replace("\r\n", "\n")
    for parser in PARSERS:
        parsed = parser(text)
        if parsed is not None:
            return parsed
    raise InputError(
        "I couldn't find benchmark numbers in that. Paste the table printed by llama-bench, the statistics of "
        "`ollama run --verbose`, llama-server's `prompt eval time = …` lines, or vLLM's serving benchmark summary."
    )


# ------------------------------------------------------------------------------------------------
# Resolving names and checking numbers
# ------------------------------------------------------------------------------------------------
def _model_words(text: str) -> str:
    """A file name or tag as words the question parser reads: "Qwen3-14B-Q4_K_M.gguf" -> "qwen3 14b q4_k_m"."""
    name = "/".join(text.split("/")[-2:]) if "/" in text else text  # "models/codellama-7b/ggml-model-f16.gguf": the folder counts
    name = re.sub(r"\.gguf$|-\d{5}-of-\d{5}|sha256-[0-9a-f]{16,}", "", name, flags=re.I)
    return re.sub(r"[-_:/]", " ", name)


def ollama_tag(kb: KnowledgeBase, text: str) -> Any:
    """The catalog model an Ollama tag names ("mistral" is "mistral:latest", "qwen3:14b")."""
    tag = text.strip().lower()
    tags = {tag, f"{tag}:latest"} if ":" not in tag else {tag}
    return next((m for m in kb.catalog.models if tags & {t.lower() for t in m.ollama_tags}), None)


def resolve(kb: KnowledgeBase, parsed: Parsed, model: str | None = None, gpu: str | None = None, quant: str | None = None) -> Parsed:
    """Fill catalog ids from the paste and from what the user typed (typed values win)."""
    extractor = EntityExtractor(kb.names)
    out = replace(parsed, notes=list(parsed.notes), measurements=list(parsed.measurements))
    model_text = (model or "").strip()[:200] or out.model_text
    if model_text:
        hub = [catalog_model_for(kb.catalog, ref) for ref in find_hub_ids(model_text)]
        entry = next((m for m in hub if m is not None), None) or ollama_tag(kb, model_text)
        if entry is not None:
            out.model = entry.id
        else:
            hits = extractor.extract(_model_words(model_text)).models
            out.model = hits[0].id if hits else None
            if model and not hits:
                raise InputError(f"I don't know the model {model[:80]!r}; pick one from the catalog (try /model).")
        file_quant = _QUANT_IN_NAME.search(model_text.rsplit("/", 1)[-1])
        if file_quant and not out.quant:
            out.quant = file_quant.group(1).upper().replace("FP16", "F16")
    if quant and quant.strip():
        out.quant = parse_quant_text(quant.strip()[:40])
    elif out.quant:
        try:
            out.quant = parse_quant_text(out.quant)
        except InputError:
            out.quant = None
    elif out.runtime == "vllm":
        out.quant = "BF16"
        out.notes.append("no quant named: BF16 (vLLM's default) assumed")
    elif out.runtime == "ollama" and out.model and (entry := kb.catalog.model(out.model)) is not None and entry.ollama_quant:
        out.quant = entry.ollama_quant
        out.notes.append(f"no quant named: {entry.ollama_quant}, the quant of Ollama's default tag, assumed")
    hardware_text = (gpu or "").strip()[:100] or out.hardware_text
    if hardware_text:
        entities = extractor.extract(hardware_text)
        groups = entities.hardware_groups
        if len(groups) > 1:
            raise InputError("Submit runs on one kind of GPU (e.g. 2x RTX 3090), not a mix.")
        if groups:
            out.hardware = groups[0][0].id
            if gpu and gpu.strip():
                out.gpus = groups[0][1]
        elif gpu and gpu.strip():
            raise InputError(f"I don't know the GPU {gpu[:80]!r}; name it as in /gpu (e.g. RTX 3090, M2 Max 96GB).")
    return out


def check_numbers(kb: KnowledgeBase, parsed: Parsed) -> list[str]:
    """Reasons the numbers cannot be real (empty when they can): non-positive or absurd values, generation faster
    than the hardware's memory bandwidth allows for this model by a wide margin, prompts faster than its compute."""
    reasons: list[str] = []
    for m in parsed.measurements:
        if not (m.tokens_per_s > 0) or not math.isfinite(m.tokens_per_s) or m.tokens_per_s > MAX_TOKENS_PER_S:
            reasons.append(f"{m.test}: {m.tokens_per_s:g} tok/s is not a possible speed")
        tokens = int(m.test[2:])
        if not 1 <= tokens <= 1_048_576 or (m.context is not None and not 0 < m.context <= 10_485_760):
            reasons.append(f"{m.test}: the test size is out of range")
    if reasons or parsed.missing():
        return reasons
    assert parsed.model and parsed.hardware and parsed.quant
    try:
        result = run_estimate(
            kb,
            EstimateQuery(
                model=parsed.model,
                hardware=[parsed.hardware],
                gpus=parsed.gpus if parsed.gpus > 1 else None,
                quant=parsed.quant,
                runtime=parsed.runtime if parsed.runtime in {"llama.cpp", "ollama", "vllm"} else None,
                context=4096,
            ),
        )
    except InputError as exc:
        return [f"this setup cannot be estimated: {exc.message}"]
    est = result.estimate
    devices = est.request.system.gpus
    bandwidth = sum(d.bandwidth_gbs for d in devices) or est.request.system.ram_bandwidth_gbs
    read = float(est.weights.layer_read_bytes.sum() + est.weights.output_bytes)
    flops_per_token = 2 * max(est.weights.active_params, 1.0)
    tflops = sum(d.fp16_tflops or d.compute_tflops for d in devices) or 1.0
    streams = parsed.concurrency or 1
    for m in parsed.measurements:
        if m.test.startswith("tg"):
            bound = bandwidth * GB / read * (streams if streams > 1 else 1)
            if m.tokens_per_s > bound * BANDWIDTH_SLACK:
                reasons.append(
                    f"{m.test}: {m.tokens_per_s:,.1f} tok/s is {m.tokens_per_s / bound:.1f}× what {bandwidth:,.0f} GB/s allows for "
                    f"{result.model_ref['name']} {parsed.quant} ({read / GB:.1f} GB read per token: at most ~{bound:,.0f} tok/s)"
                )
        else:
            bound = tflops * 1e12 / flops_per_token
            if m.tokens_per_s > bound * COMPUTE_SLACK:
                reasons.append(
                    f"{m.test}: {m.tokens_per_s:,.0f} tok/s is {m.tokens_per_s / bound:.1f}× what {tflops:,.0f} FP16 TFLOPS can "
                    f"compute for {result.model_ref['name']} (at most ~{bound:,.0f} tok/s)"
                )
    return reasons


# ------------------------------------------------------------------------------------------------
# Rows
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommunityRow:
    """An approved community measurement, as the answers see it."""

    submission: int
    bench: Benchmark
    submitted_by: str
    approved_by: str
    approved_at: float
    reproduced: bool = False

    @property
    def label(self) -> str:
        return "reproduced" if self.reproduced else "approved"


def benchmarks_of(parsed: Parsed, source: str, date: dt.date | None = None) -> list[Benchmark]:
    """Catalog rows (knowledge.schema.Benchmark) for a resolved submission."""
    assert parsed.model and parsed.hardware and parsed.quant
    rows = []
    for m in parsed.measurements[:MAX_ROWS]:
        try:
            rows.append(
                Benchmark(
                    model=parsed.model,
                    hardware=parsed.hardware,
                    gpus=parsed.gpus,
                    quant=parsed.quant,
                    runtime=parsed.runtime,
                    backend=parsed.backend,
                    runtime_version=parsed.runtime_version,
                    test=m.test,
                    tokens_per_s=round(m.tokens_per_s, 2),
                    flash_attention=parsed.flash_attention,
                    context=m.context,
                    gpu_layers=parsed.gpu_layers,
                    concurrency=parsed.concurrency if parsed.concurrency and parsed.concurrency > 1 else None,
                    source=source,
                    date=date,
                    notes="; ".join(parsed.notes)[:300] or None,
                )
            )
        except ValidationError as exc:
            raise InputError(f"That row does not fit the catalog format ({exc.errors()[0]['msg']}).") from exc
    return rows


def source_text(submission: int, submitted_by: str, approved_by: str, when: float, reproduced: bool = False) -> str:
    day = dt.datetime.fromtimestamp(when, dt.UTC).date().isoformat()
    tier = ", reproduced by another member" if reproduced else ""
    return f"community submission #{submission} by {submitted_by[:40]}, approved by {approved_by[:40]} on {day}{tier}"


def community_rows(records: list[dict[str, Any]]) -> list[CommunityRow]:
    """Rows from stored approved submissions: each record has id, data (Parsed JSON), user_name, reviewer_name,
    reviewed_at and status. Unreadable records are skipped."""
    out: list[CommunityRow] = []
    for record in records:
        try:
            parsed = Parsed.from_json(json.loads(record["data"]))
            reproduced = record["status"] == "reproduced"
            when = float(record["reviewed_at"] or 0)
            source = source_text(record["id"], record["user_name"], record["reviewer_name"] or "?", when, reproduced)
            date = dt.datetime.fromtimestamp(when, dt.UTC).date()
            for bench in benchmarks_of(parsed, source, date):
                out.append(CommunityRow(record["id"], bench, record["user_name"], record["reviewer_name"] or "?", when, reproduced))
        except (KeyError, TypeError, ValueError, InputError, AssertionError):
            continue
    return out


def reproductions(candidate: Parsed, others: list[tuple[int, int, Parsed]], submitter: int) -> list[int]:
    """Ids of other members' approved submissions that measured the same setup within 15 % of ``candidate``."""
    found = []
    for submission_id, user_id, other in others:
        if user_id == submitter or (other.model, other.hardware, other.gpus, other.quant, other.runtime) != (
            candidate.model,
            candidate.hardware,
            candidate.gpus,
            candidate.quant,
            candidate.runtime,
        ):
            continue
        pairs = [
            (a, b)
            for a in candidate.measurements
            for b in other.measurements
            if a.test[:2] == b.test[:2] and 0.5 <= int(a.test[2:]) / max(int(b.test[2:]), 1) <= 2
        ]
        # every comparable test agrees (a matching prompt speed does not excuse a different generation speed)
        if pairs and all(abs(a.tokens_per_s - b.tokens_per_s) <= REPRODUCE_WITHIN * max(a.tokens_per_s, b.tokens_per_s) for a, b in pairs):
            found.append(submission_id)
    return found


def export_rows(rows: list[CommunityRow]) -> str:
    """Approved rows as a knowledge/data/benchmarks file (one flow mapping per row), for a maintainer to review."""
    lines = [
        "# Community benchmarks exported by `runlocalai catalog export-community`: approved (and reproduced) submissions",
        "# from Discord. Review each row before moving this file under knowledge/data/benchmarks/ and listing it under",
        "# `check` in data/measurements/split.yaml (community rows are never fitted).",
    ]
    for row in rows:
        data = row.bench.model_dump(mode="json", exclude_none=True)
        if data.get("gpus") == 1:
            data.pop("gpus")
        lines.append("- " + json.dumps(data, ensure_ascii=False))  # a JSON object is a YAML flow mapping
    return "\n".join(lines) + "\n"
