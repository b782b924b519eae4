"""Evidence behind a speed: the catalog's measured rows for the question's setup, and the ladder that says how close
the answer is to a measurement.

Ladder (per speed, best first):
- ``measured``: this model, this hardware, this quant, this setup (runtime family, offload flags, concurrency),
  at about this prompt / generation size;
- ``measured-near``: this model on this hardware in this setup, at a neighbouring quant, context or test size, scaled
  by the estimator (estimate for the question / estimate for the measured setup);
- ``community``: a model of the same shape (layers, width, KV heads, dense or MoE, parameters within 10 %) on this
  hardware, same quant and setup, scaled the same way; or a moderator-approved community submission of this model,
  hardware and quant in this setup (``KnowledgeBase.community``, from the bot's state database), scaled likewise.
  Community submissions never reach "measured" and never overrule "won't run";
- ``extrapolated``: this model and quant measured on another device of the same chip or family, scaled by the
  estimator from that device to this one;
- ``estimated``: the calibrated model alone.

Rows measured with experts or layers in RAM (``cpu_moe``, ``n_cpu_moe``, ``gpu_layers`` below the layer count),
with several requests in flight (``concurrency`` > 1) or by another runtime family are "other setup": shown, never used
as "same setup" for a question whose setup differs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from answers.knowledge_base import KnowledgeBase
from estimator.estimate import Estimate, EstimateRequest, estimate
from estimator.runtimes import find_runtime, get_runtime
from knowledge.devices import model_spec, system_from_hardware
from knowledge.schema import Benchmark, Hardware, Model

LEVELS = ("measured", "measured-near", "community", "extrapolated", "estimated")
MATCH_LABELS = ("same setup", "other quant", "similar model", "other setup", "community")
COMMUNITY_RANK = 4  # community submissions are listed after every published row
NEAR_SIZE = 1.0  # |log2(test size / question size)| up to this counts as "about this size" for "measured"


@dataclass(frozen=True)
class MeasuredRow:
    """A published measurement shown beside an estimate."""

    model: str
    hardware: str
    quant: str
    runtime: str
    backend: str | None
    test: str
    tokens_per_s: float
    match: str  # same setup | other quant | similar model | other setup
    source: str
    context: int | None = None
    model_name: str = ""
    setup: str = ""  # what differs from the question's setup, when match is "other setup"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpeedEvidence:
    """The speed shown for one kind (decode or prefill), where it came from, and the estimator's own figure."""

    level: str
    tokens_per_s: float | None
    estimated: float | None
    basis: MeasuredRow | None = None
    scale: float = 1.0  # estimate for the question / estimate for the measured setup

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "tokens_per_s": None if self.tokens_per_s is None else round(self.tokens_per_s, 1),
            "estimated_tokens_per_s": None if self.estimated is None else round(self.estimated, 1),
            "scale": round(self.scale, 3),
            "basis": self.basis.to_json() if self.basis else None,
        }


def test_tokens(test: str) -> tuple[int, int]:
    """(kind order, tokens): generation first, then prompt processing; 'pp512' -> (1, 512)."""
    head = test.split("+")[0]
    return (0 if head.startswith("tg") else 1), int(head[2:] or 0)


def near_model(a: Model | None, b: Model | None) -> bool:
    if a is None or b is None:
        return False
    x, y = a.architecture, b.architecture
    return (x.layers, x.hidden, x.kv_heads, x.moe is None) == (y.layers, y.hidden, y.kv_heads, y.moe is None) and abs(
        a.params_b - b.params_b
    ) / a.params_b < 0.1


def hardware_ids_of(kb: KnowledgeBase, bench: Benchmark) -> set[str]:
    """The entry ids a benchmark's hardware field names (an entry, or every entry of a chip)."""
    if kb.catalog.hardware_by_id(bench.hardware) is not None:
        return {bench.hardware}
    return {h.id for h in kb.catalog.hardware if h.chip == bench.hardware}


def _same_hardware(kb: KnowledgeBase, bench: Benchmark, hardware_ids: list[str]) -> bool:
    if bench.hardware in hardware_ids:
        return True
    chips = {h.chip for h in (kb.catalog.hardware_by_id(i) for i in hardware_ids) if h and h.chip}
    return bench.hardware in chips


def _rows_of(kb: KnowledgeBase, model_id: str | None, hardware_ids: list[str]) -> list[Benchmark]:
    """The catalog's rows of this model or on this hardware (by entry id or chip), in catalog order: every evidence
    rung needs one or the other, so the rest of the catalog need not be looked at."""
    chips = {h.chip for h in (kb.catalog.hardware_by_id(i) for i in hardware_ids) if h and h.chip}
    positions = kb.benchmark_positions
    found: set[int] = set(positions.get(("model", model_id or ""), ()))
    for key in {*hardware_ids, *chips}:
        found.update(positions.get(("hardware", key), ()))
    rows = kb.catalog.benchmarks
    return [rows[i] for i in sorted(found)]


def _same_family(kb: KnowledgeBase, bench: Benchmark, hardware_ids: list[str]) -> bool:
    """Another device of the same vendor family and kind (extrapolation from it is scaled by the estimator)."""
    asked = [kb.catalog.hardware_by_id(i) for i in hardware_ids]
    rows = [kb.catalog.hardware_by_id(i) for i in hardware_ids_of(kb, bench)]
    return any(a and r and a.family == r.family and a.device == r.device for a in asked for r in rows)


@dataclass(frozen=True)
class Setup:
    """What a measurement must share with the question to be "same setup"."""

    runtime: str
    layers: int
    offload: bool  # the question puts layers or experts in RAM on purpose (-ngl below the layers, --cpu-moe, --n-cpu-moe)
    concurrency: int = 1

    @classmethod
    def of(cls, req: EstimateRequest) -> Setup:
        layers = req.model.arch.layers
        forced = req.gpu_layers is not None and req.gpu_layers <= layers
        return cls(req.runtime, layers, forced or req.cpu_moe or bool(req.n_cpu_moe), req.concurrency)

    def differences(self, bench: Benchmark) -> list[str]:
        out = []
        ours, theirs = get_runtime(self.runtime).engine, get_runtime_engine(bench.runtime)
        if ours != theirs:
            out.append(f"measured with {bench.runtime}")
        if row_offload(bench, self.layers) != self.offload:
            out.append(_offload_label(bench) if row_offload(bench, self.layers) else "measured fully on the GPU")
        if (bench.concurrency or 1) != self.concurrency:
            out.append(f"{bench.concurrency or 1} requests at once")
        return out


@lru_cache(maxsize=512)
def get_runtime_engine(runtime: str) -> str:
    found = find_runtime(runtime)
    return found.engine if found is not None else runtime  # engines the estimator does not model (ktransformers, ...)


def row_offload(bench: Benchmark, layers: int) -> bool:
    return bool(bench.cpu_moe or bench.n_cpu_moe or (bench.gpu_layers is not None and bench.gpu_layers <= layers))


def _offload_label(bench: Benchmark) -> str:
    if bench.cpu_moe:
        return "experts in RAM (--cpu-moe)"
    if bench.n_cpu_moe:
        return f"experts of {bench.n_cpu_moe} layers in RAM (--n-cpu-moe {bench.n_cpu_moe})"
    return f"{bench.gpu_layers} layers on the GPU (-ngl {bench.gpu_layers})"


def _relevance(rank: int, bench: Benchmark, prompt_tokens: int, gen_tokens: int, context: int | None) -> tuple[float, ...]:
    kind, tokens = test_tokens(bench.test)
    wanted = gen_tokens if kind == 0 else prompt_tokens
    size_gap = abs(math.log2(max(tokens, 1) / max(wanted, 1)))
    depth_gap = abs(math.log2(max(bench.context or 1, 1) / max(context or 1, 1))) if bench.context and context else 0.0
    return (rank, kind, round(size_gap + 0.5 * depth_gap, 2), -bench.tokens_per_s)


def find_measurements(
    kb: KnowledgeBase,
    model_id: str,
    hardware_ids: list[str],
    quant: str,
    gpus: int,
    prompt_tokens: int = 512,
    gen_tokens: int = 128,
    context: int | None = None,
    setup: Setup | None = None,
) -> tuple[str, list[MeasuredRow]]:
    """Measured rows for this model/hardware, most relevant first: the same setup before other quants, similar
    models and other setups, generation speed before prompt speed, the test sizes closest to the question first.
    Returns ("measured" | "estimated", rows): "measured" when a same-setup row of this model and quant exists."""
    if not hardware_ids or len(set(hardware_ids)) != 1:
        return "estimated", []
    model = kb.catalog.model(model_id)
    rows: list[tuple[int, Benchmark, str]] = []
    for bench in _rows_of(kb, None, hardware_ids):
        if bench.gpus != gpus or not _same_hardware(kb, bench, hardware_ids):
            continue
        differs = setup.differences(bench) if setup else []
        if bench.model == model_id:
            rank = 3 if differs else (0 if bench.quant.upper() == quant.upper() else 1)
        elif near_model(model, kb.catalog.model(bench.model)) and bench.quant.upper() == quant.upper():
            rank = 3 if differs else 2
        else:
            continue
        rows.append((rank, bench, "; ".join(differs)))
    for bench in community_benchmarks(kb):
        if bench.model == model_id and bench.gpus == gpus and _same_hardware(kb, bench, hardware_ids):
            differs = setup.differences(bench) if setup else []
            rows.append((COMMUNITY_RANK, bench, "; ".join(differs)))
    rows.sort(key=lambda r: _relevance(r[0], r[1], prompt_tokens, gen_tokens, context))
    measured = [_row(kb, rank, b, note) for rank, b, note in rows[:8]]
    evidence = "measured" if any(rank == 0 for rank, _, _ in rows) else "estimated"
    return evidence, measured


def _row(kb: KnowledgeBase, rank: int, b: Benchmark, note: str = "") -> MeasuredRow:
    return MeasuredRow(
        b.model,
        b.hardware,
        b.quant,
        b.runtime,
        b.backend,
        b.test,
        b.tokens_per_s,
        MATCH_LABELS[rank],
        b.source,
        b.context,
        kb.names.title("model", b.model),
        note,
    )


# ------------------------------------------------------------------------------------------------
# The ladder
# ------------------------------------------------------------------------------------------------
def _bench_request(kb: KnowledgeBase, req: EstimateRequest, bench: Benchmark, hardware: list[Hardware] | None = None) -> EstimateRequest:
    """The question's request moved to a measured row's model, hardware, quant and test sizes."""
    kind, tokens = test_tokens(bench.test)
    model = kb.catalog.model(bench.model)
    update: dict[str, Any] = {
        "quant": bench.quant,
        "prompt_tokens": tokens if kind == 1 else 0,
        "gen_tokens": tokens if kind == 0 else 0,
        "depth": bench.context or 0,
        "context": (bench.context or 0) + tokens + 16,
    }
    if model is not None and model.id != req.model.id:
        update["model"] = model_spec(model)
    if hardware:
        update["system"] = system_from_hardware(hardware * bench.gpus, req.system.ram_gib, req.system.ram_bandwidth_gbs)
    return req.model_copy(update=update)


def _speed_of(est: Estimate, kind: int) -> float | None:
    return est.decode_tps if kind == 0 else est.prefill_tps


def ladder(kb: KnowledgeBase, est: Estimate, model_id: str | None, hardware_ids: list[str], gpus: int, kind: int) -> SpeedEvidence:
    """The best rung for one speed (kind 0 = decode, 1 = prefill) and the speed to show for it."""
    own = _speed_of(est, kind)
    if own is None or model_id is None or ":" in model_id:
        return SpeedEvidence("estimated", own, own)
    req = est.request
    setup = Setup.of(req)
    model = kb.catalog.model(model_id)
    wanted = req.gen_tokens if kind == 0 else req.prompt_tokens
    best: tuple[int, float, Benchmark, list[Hardware] | None, bool] | None = None
    candidates = [(b, False) for b in _rows_of(kb, model_id, hardware_ids)] + [(b, True) for b in community_benchmarks(kb)]
    for bench, submitted in candidates:
        bkind, tokens = test_tokens(bench.test)
        if bkind != kind or "+" in bench.test or bench.gpus != gpus or setup.differences(bench):
            continue
        same_hw = _same_hardware(kb, bench, hardware_ids)
        if submitted:  # an approved submission: this model, hardware and quant, at best "community"
            if not (bench.model == model_id and same_hw and bench.quant.upper() == est.quant.name.upper()):
                continue
            rung = 2
        elif bench.model == model_id and same_hw:
            near = bench.quant.upper() == est.quant.name.upper() and abs(math.log2(max(tokens, 1) / max(wanted, 1))) <= NEAR_SIZE
            near = near and abs((bench.context or 0) - req.depth) <= max(512, 0.25 * req.depth)
            rung = 0 if near else 1
        elif same_hw and bench.quant.upper() == est.quant.name.upper() and near_model(model, kb.catalog.model(bench.model)):
            rung = 2
        elif bench.model == model_id and bench.quant.upper() == est.quant.name.upper() and _same_family(kb, bench, hardware_ids):
            rung = 3
        else:
            continue
        gap = abs(math.log2(max(tokens, 1) / max(wanted, 1))) + abs(math.log2(max(bench.context or 1, 1) / max(req.depth or 1, 1)))
        if best is None or (rung, gap) < (best[0], best[1]):
            hw = None if same_hw else [h for h in (kb.catalog.hardware_by_id(i) for i in sorted(hardware_ids_of(kb, bench))) if h][:1]
            best = (rung, gap, bench, hw, submitted)
    if best is None:
        return SpeedEvidence("estimated", own, own)
    rung, _, bench, hw, submitted = best
    label_rank = COMMUNITY_RANK if submitted else min(rung, 2)
    try:
        there = _speed_of(estimate(_bench_request(kb, req, bench, hw)), kind)
    except ValueError:
        there = None
    if not there:
        return SpeedEvidence("estimated", own, own)
    scale = own / there
    return SpeedEvidence(LEVELS[rung], bench.tokens_per_s * scale, own, _row(kb, label_rank, bench), scale)


def community_benchmarks(kb: KnowledgeBase) -> tuple[Benchmark, ...]:
    """The approved community rows the front end gave the knowledge base (answers.community.CommunityRow.bench)."""
    return tuple(row.bench for row in kb.community)


def proof_of_running(
    kb: KnowledgeBase, model_id: str | None, hardware_ids: list[str], quant: str, gpus: int, context: int
) -> Benchmark | None:
    """A measured row of this model and quant on this hardware that ran at this context or more (it proves a
    "won't run" wrong)."""
    if model_id is None or ":" in model_id or not hardware_ids:
        return None
    for bench in _rows_of(kb, model_id, []):
        if bench.model != model_id or bench.quant.upper() != quant.upper() or bench.gpus != gpus:
            continue
        if not _same_hardware(kb, bench, hardware_ids):
            continue
        _, tokens = test_tokens(bench.test)
        ran_at = (bench.context or 0) + tokens
        if ran_at >= context:
            return bench
    return None
