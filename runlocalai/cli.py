"""`runlocalai`: the bot's brain in a terminal.

    runlocalai estimate --model llama-3.1-8b --hardware rtx-4090 [--json]
    runlocalai ask "Will Llama 3.1 8B run on an RTX 3060 12GB?" [--json]
    runlocalai whatcanirun --hardware rtx-3090 [--use code] [--json]
    runlocalai choosegpu [--model qwen3-32b] [--budget 1500] [--used] [--json]
    runlocalai compare "rtx 3090" "rtx 4090" [--json]
    runlocalai costvscloud --hardware rtx-3090 --model llama-3.1-8b --tokens-per-day 2M [--json]
    runlocalai catalog validate|build|stats|matrix [--json]
    runlocalai catalog add-model owner/name [--write] [--quant Q4_K_M]
    runlocalai catalog export-community [--state-db PATH] [--out FILE]
    runlocalai rig detect|set "2x 3090 + 128gb ddr4"|show|clear [--json]
    runlocalai bot

User errors print one clear line (with "did you mean" choices) and exit 2; no tracebacks. Heavy modules are
imported inside the commands, so `--help` and argument errors are instant.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from answers.defaults import DEFAULT_CONTEXT, DEFAULT_GEN_TOKENS, DEFAULT_KV_CACHE, DEFAULT_PROMPT_TOKENS, DEFAULT_RUNTIME, KV_CACHE_TYPES

EXIT_USER_ERROR = 2
_SUFFIX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMbB])?\s*$")


def _whole(text: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _count(text: str) -> int:
    """'2000000', '2M', '500k' -> a count (decimal multiples: tokens per day, not context sizes)."""
    match = _SUFFIX.match(text.replace(",", "").replace("_", ""))
    if not match:
        raise argparse.ArgumentTypeError(f"expected a number such as 2000000, 500k or 2M, got {text!r}")
    scale = {"k": 1e3, "m": 1e6, "b": 1e9}.get((match.group(2) or "").lower(), 1)
    return round(float(match.group(1)) * scale)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _context(text: str) -> int:
    from answers.user_errors import InputError
    from answers.values import parse_context_text

    try:
        return parse_context_text(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        self.exit(EXIT_USER_ERROR, f"runlocalai: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="runlocalai", description="Will this model run on my machine, and how fast?")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    est = sub.add_parser("estimate", help="memory, fit verdict and speed for a model on hardware")
    src = est.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="catalog model name or id (fuzzy)")
    src.add_argument("--model-config", type=Path, help="a Hugging Face config.json")
    src.add_argument("--gguf", type=Path, help="a local GGUF file (reads its header; needs the [gguf] extra)")
    est.add_argument("--hardware", action="append", default=[], help="GPU / Mac / platform name or id (repeat for several)")
    est.add_argument("--gpus", type=_whole, help="N identical GPUs of the one --hardware")
    est.add_argument("--vram-gb", type=_number, help="custom GPU memory as marketed (24 = a 24 GiB card)")
    est.add_argument("--bandwidth-gbs", type=_number, help="custom memory bandwidth, GB/s")
    est.add_argument("--fp16-tflops", type=_number, help="custom FP16 matrix TFLOPS")
    est.add_argument("--unified-memory", action="store_true", help="custom hardware shares memory with the CPU")
    est.add_argument("--ram-gb", type=_number, help="system RAM (GiB as marketed)")
    est.add_argument("--ram-bandwidth-gbs", type=_number, help="system RAM bandwidth, GB/s")
    est.add_argument("--wired-limit-gb", type=_number, help="Apple: raised iogpu.wired_limit_mb, in GB")
    est.add_argument("--quant", help="Q4_K_M, Q8_0, F16, IQ4_XS, AWQ, GPTQ, EXL2 4.65bpw, MLX 4bit, FP8, NF4 ...")
    est.add_argument(
        "--context",
        type=_context,
        help=f"allocated context, e.g. 8192, 32k (default {DEFAULT_CONTEXT:,}; Ollama and vLLM: what they allocate by default)",
    )
    est.add_argument("--prompt-tokens", type=_whole, default=DEFAULT_PROMPT_TOKENS, help="prompt whose processing speed is reported")
    est.add_argument("--gen-tokens", type=_whole, default=DEFAULT_GEN_TOKENS, help="tokens generated for the decode speed")
    est.add_argument(
        "--runtime",
        help=f"llama.cpp, ollama, lm-studio, vllm, exllamav2, mlx-lm, ... (default {DEFAULT_RUNTIME}, or the engine --quant needs)",
    )
    est.add_argument("--kv-cache", default=DEFAULT_KV_CACHE, choices=list(KV_CACHE_TYPES))
    est.add_argument("--flash-attention", action=argparse.BooleanOptionalAction, default=None)
    est.add_argument("--gpu-layers", type=_whole, help="llama.cpp -ngl (default: as many as fit)")
    est.add_argument("--cpu-moe", action="store_true", help="keep MoE experts in RAM (llama.cpp --cpu-moe)")
    est.add_argument("--n-cpu-moe", type=_whole, help="llama.cpp --n-cpu-moe N: experts of the first N layers in RAM")
    est.add_argument("--desktop-reserve-gb", type=_number, help="GPU memory the display/desktop keeps (default 0.5; 0 = headless)")
    est.add_argument("--gpu-memory-utilization", type=float, help="vLLM/SGLang share of each GPU (default 0.9)")
    est.add_argument("--concurrency", type=_whole, default=1, help="sequences decoded together (serving); speeds are per sequence")
    train = est.add_argument_group("fine-tuning memory (--train)")
    train.add_argument("--train", choices=["full", "lora", "qlora"], help="estimate fine-tuning memory instead of inference")
    train.add_argument("--trainer", default="hf", choices=["hf", "torchtune", "litgpt", "unsloth"], help="whose defaults to assume")
    train.add_argument("--batch-size", type=_whole, default=1, help="sequences per step per GPU")
    train.add_argument("--seq-len", type=_whole, default=2048, help="tokens per sequence")
    train.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=None)
    train.add_argument("--lora-rank", type=_whole)
    train.add_argument("--lora-targets", help="q,k,v,o,gate,up,down,head or all / attention / mlp")
    train.add_argument("--optimizer", choices=["adamw", "adamw_8bit", "sgd"])
    train.add_argument("--precision", choices=["bf16", "fp16", "fp32", "mixed"])
    est.add_argument("--vision", action="store_true", help="also load the vision projector (images)")
    est.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="answer a free-text question as the bot would")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true")

    wcir = sub.add_parser("whatcanirun", help="the best catalog models that fit on a GPU or machine")
    wcir.add_argument("--hardware", help="GPU / Mac / platform name or id (default: your saved rig, `runlocalai rig`)")
    wcir.add_argument("--context", type=_context, help=f"context in tokens (default {DEFAULT_CONTEXT:,})")
    wcir.add_argument("--use", default="any", help="any, chat, code, reasoning, vision")
    wcir.add_argument("--json", action="store_true")

    choose = sub.add_parser("choosegpu", help="GPUs ranked by value for a model")
    choose.add_argument("--model", help="target model (default Llama 3.1 8B)")
    choose.add_argument("--budget", type=_number, help="maximum price, USD")
    choose.add_argument("--context", type=_context, help=f"context in tokens (default {DEFAULT_CONTEXT:,})")
    choose.add_argument("--used", action="store_true", help="rank by used prices")
    choose.add_argument("--json", action="store_true")

    cmp_ = sub.add_parser("compare", help="two models or two GPUs side by side")
    cmp_.add_argument("a", help="a model or a GPU")
    cmp_.add_argument("b", help="another model or GPU (same kind)")
    cmp_.add_argument("--context", type=_context, help=f"context in tokens (default {DEFAULT_CONTEXT:,})")
    cmp_.add_argument("--json", action="store_true")

    cost = sub.add_parser("costvscloud", help="electricity versus a cloud API, and when the hardware pays off")
    cost.add_argument("--hardware", required=True)
    cost.add_argument("--model", required=True)
    volume = cost.add_mutually_exclusive_group(required=True)
    volume.add_argument("--tokens-per-day", type=_count, help="e.g. 2000000 or 2M")
    volume.add_argument("--hours-per-day", type=_number, help="hours a day the machine generates (24 = around the clock)")
    cost.add_argument("--electricity-price", type=_number, default=0.15, help="per kWh (default 0.15)")
    cost.add_argument("--api-price", type=_number, help="cloud price per 1M tokens (default by model size)")
    cost.add_argument("--json", action="store_true")

    cat = sub.add_parser("catalog", help="validate, build or count the catalog; draft an entry from the Hugging Face Hub")
    cat.add_argument("action", choices=["validate", "build", "stats", "matrix", "add-model", "export-community"])
    cat.add_argument("repo", nargs="?", help="add-model: a Hugging Face repository, owner/name or its URL")
    cat.add_argument("--json", action="store_true")
    cat.add_argument("--db", type=Path, help="database path (default: user cache)")
    cat.add_argument("--write", action="store_true", help="add-model: write knowledge/data/models/<id>.yaml instead of printing")
    cat.add_argument("--quant", help="add-model, GGUF repositories: the quant whose header to read (default Q4_K_M)")
    cat.add_argument("--state-db", type=Path, help="export-community: the bot's SQLite state (default RUNLOCALAI_STATE_DB / its DSN)")
    cat.add_argument("--out", type=Path, help="export-community: file to write (default community-benchmarks.yaml)")

    rig = sub.add_parser("rig", help="your machine, used when a command names no hardware")
    rig.add_argument("action", choices=["detect", "set", "show", "clear"])
    rig.add_argument("machine", nargs="?", help='set: "2x 3090 + 128gb ddr4, ubuntu, llama.cpp", or - to read a paste from stdin')
    rig.add_argument("--os", help="set: operating system")
    rig.add_argument("--runtime", help="set: the runtime you use")
    rig.add_argument("--label", help="set: a name for the machine")
    rig.add_argument("--dry-run", action="store_true", help="detect: show what was read without saving it")
    rig.add_argument("--json", action="store_true")

    sub.add_parser("bot", help="run the Discord bot (needs DISCORD_TOKEN)")
    return parser


def _fail(message: str, suggestions: list[str] | None = None) -> int:
    line = f"runlocalai: {message}"
    if suggestions and "Did you mean" not in message:
        line += f" Did you mean: {', '.join(suggestions)}?"
    print(line, file=sys.stderr)
    return EXIT_USER_ERROR


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _kb():
    from answers.knowledge_base import KnowledgeBase

    return KnowledgeBase.load()


def cmd_estimate(args: argparse.Namespace) -> int:
    from answers.estimates import EstimateQuery, run_estimate
    from answers.render import estimate_text

    if args.train:
        return _cmd_train(args)
    query = EstimateQuery(
        model=args.model,
        model_config=args.model_config,
        gguf_path=args.gguf,
        hardware=args.hardware,
        gpus=args.gpus,
        vram_gb=args.vram_gb,
        bandwidth_gbs=args.bandwidth_gbs,
        fp16_tflops=args.fp16_tflops,
        unified_memory=args.unified_memory,
        ram_gb=args.ram_gb,
        ram_bandwidth_gbs=args.ram_bandwidth_gbs,
        quant=args.quant,
        context=args.context,
        prompt_tokens=args.prompt_tokens,
        gen_tokens=args.gen_tokens,
        runtime=args.runtime,
        kv_cache=args.kv_cache,
        flash_attention=args.flash_attention,
        gpu_layers=args.gpu_layers,
        cpu_moe=args.cpu_moe,
        wired_limit_gb=args.wired_limit_gb,
        vision=args.vision,
        n_cpu_moe=args.n_cpu_moe,
        desktop_reserve_gb=args.desktop_reserve_gb,
        gpu_memory_utilization=args.gpu_memory_utilization,
        concurrency=args.concurrency or 1,
    )
    kb = _kb()
    note = _rig_into(kb, query) if not (query.hardware or query.vram_gb or query.bandwidth_gbs or query.ram_gb) else None
    hub = _hub_model(kb, args.model, args.quant) if args.model else None
    if hub is not None:
        query.model, query.model_spec = None, hub.spec
        query.quant = query.quant or hub.default_quant
    result = run_estimate(kb, query)
    if args.json:
        _print_json({**result.to_json(), **({"rig": note} if note else {})})
    else:
        print("\n".join([note, estimate_text(result)]) if note else estimate_text(result))
    return 0


def rig_path() -> Path:
    """The saved rig: a small JSON file beside the catalog cache (RUNLOCALAI_RIG_FILE overrides it)."""
    import os

    from knowledge.store import database_dir

    override = os.environ.get("RUNLOCALAI_RIG_FILE")
    return Path(override) if override else database_dir() / "rig.json"


def _saved_rig() -> Any:
    path = rig_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    from answers.rig import Rig  # only with a saved rig: the module builds its tables when imported

    return Rig.from_json(text)


def _rig_into(kb: Any, query: Any) -> str | None:
    """Fill an estimate's hardware from the saved rig; returns the "On your rig" line (None without a rig)."""
    from answers.setups import setup_from
    from estimator.runtimes import RUNTIMES

    rig = _saved_rig()
    if rig is None:
        return None
    setup = setup_from(kb, rig.machine())
    if setup.empty:
        return None
    setup.apply(query)
    query.runtime = query.runtime or (rig.runtime if rig.runtime in RUNTIMES else None)
    return f"On your rig: {rig.label}."


def _hub_model(kb: Any, text: str, quant: str | None = None) -> Any:
    """A Hugging Face repository (``owner/name`` or a Hub URL) that is not a catalog name, resolved on the Hub."""
    from answers.hub import catalog_model_for, cli_resolver
    from answers.hub_ids import parse_hub_ref
    from answers.lookup import lookup_entry

    if parse_hub_ref(text) is None or catalog_model_for(kb.catalog, text) is not None or lookup_entry(kb, "model", text).entry:
        return None
    resolver = cli_resolver()
    try:
        return resolver.resolve_sync(text, quant)
    finally:
        resolver.close()


def _cmd_train(args: argparse.Namespace) -> int:
    from answers.training import TrainingQuery, run_training, training_text

    if args.gguf is not None:
        return _fail("--train needs --model or --model-config (a GGUF file is already quantized).")
    query = TrainingQuery(
        method=args.train,
        model=args.model,
        model_config=args.model_config,
        hardware=args.hardware,
        gpus=args.gpus,
        vram_gb=args.vram_gb,
        bandwidth_gbs=args.bandwidth_gbs,
        fp16_tflops=args.fp16_tflops,
        desktop_reserve_gb=args.desktop_reserve_gb,
        trainer=args.trainer,
        precision=args.precision,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        gradient_checkpointing=args.gradient_checkpointing,
        lora_rank=args.lora_rank,
        lora_targets=args.lora_targets,
    )
    result = run_training(_kb(), query)
    if args.json:
        _print_json(result.to_json())
    else:
        print(training_text(result))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from answers.conversation import Context
    from answers.engine import AnswerEngine, hub_refs_to_resolve

    kb = _kb()
    refs = hub_refs_to_resolve(kb, args.text)
    hub = _hub_model(kb, refs[0]) if refs else None
    rig = _saved_rig()
    context = Context(rig=rig.machine(), rig_label=rig.label) if rig is not None else None
    answer = AnswerEngine(kb).answer(args.text, hub_model=hub, context=context)
    if args.json:
        _print_json(answer.to_json())
    elif answer.abstained and not answer.choices:
        print("(no answer: this doesn't look like a question I can answer; try naming a model and a GPU)")
    else:
        print(answer.text)
    return 0


def _advice(args: argparse.Namespace, result: Any) -> int:
    if args.json:
        _print_json({"text": result.text, **result.payload})
    else:
        print(result.text)
    return 0


def cmd_whatcanirun(args: argparse.Namespace) -> int:
    from answers.advisors import what_can_i_run
    from answers.lookup import resolve_hardware
    from answers.setups import setup_from
    from answers.user_errors import InputError

    kb = _kb()
    if args.hardware:
        hardware = resolve_hardware(kb, args.hardware)
        return _advice(args, what_can_i_run(kb, hardware.id, args.context or DEFAULT_CONTEXT, args.use))
    rig = _saved_rig()
    if rig is None:
        raise InputError("Name the hardware (--hardware), or save your machine once: runlocalai rig detect (or rig set).")
    result = what_can_i_run(kb, setup_from(kb, rig.machine()), args.context or DEFAULT_CONTEXT, args.use)
    if args.json:
        _print_json({"text": result.text, "rig": rig.label, **result.payload})
    else:
        print(f"On your rig: {rig.label}.\n{result.text}")
    return 0


def cmd_choosegpu(args: argparse.Namespace) -> int:
    from answers.advisors import choose_gpu
    from answers.lookup import resolve_model

    kb = _kb()
    model_id = resolve_model(kb, args.model).id if args.model else None
    return _advice(args, choose_gpu(kb, model_id, args.context or DEFAULT_CONTEXT, args.budget, args.used))


def cmd_compare(args: argparse.Namespace) -> int:
    from answers.advisors import compare_entries
    from answers.lookup import resolve_either

    kb = _kb()
    return _advice(args, compare_entries(kb, resolve_either(kb, args.a), resolve_either(kb, args.b), args.context))


def cmd_costvscloud(args: argparse.Namespace) -> int:
    from answers.advisors import cost_vs_cloud
    from answers.lookup import resolve_hardware, resolve_model

    kb = _kb()
    hardware, model = resolve_hardware(kb, args.hardware), resolve_model(kb, args.model)
    return _advice(
        args,
        cost_vs_cloud(
            kb, hardware.id, model.id, args.tokens_per_day or 1, args.electricity_price, args.api_price, hours_per_day=args.hours_per_day
        ),
    )


def cmd_catalog_add_model(args: argparse.Namespace) -> int:
    """Draft a catalog entry from a Hugging Face repository (printed, or written with --write for review)."""
    from answers.hub import cli_resolver
    from answers.hub_catalog import draft_catalog_entry, draft_yaml, write_draft
    from answers.user_errors import InputError
    from knowledge.loader import load_catalog

    if not args.repo:
        raise InputError("Name the repository: runlocalai catalog add-model owner/name")
    hub = cli_resolver().resolve_sync(args.repo, quant=args.quant)
    entry = draft_catalog_entry(hub, load_catalog().catalog)
    if args.write:
        path = write_draft(entry, hub.repo_id)
        print(
            json.dumps({"written": str(path), "id": entry["id"]})
            if args.json
            else f"wrote {path}: review it, then `runlocalai catalog validate`"
        )
    elif args.json:
        _print_json(json.loads(json.dumps(entry, default=str)))
    else:
        print(draft_yaml(entry, hub.repo_id), end="")
    return 0


def cmd_catalog_export_community(args: argparse.Namespace) -> int:
    """Approved community benchmarks from the bot's state database, as a catalog file for review."""
    import asyncio

    from answers.community import community_rows, export_rows
    from bot.settings import BotSettings
    from bot.state import make_state

    settings = BotSettings()
    dsn = None if args.state_db else (settings.state_dsn.get_secret_value() if settings.state_dsn else None)
    path = args.state_db or settings.state_db
    if dsn is None and not Path(path).exists():
        return _fail(f"no state database at {path}; give --state-db PATH (or set RUNLOCALAI_STATE_DSN)")

    async def approved() -> list[Any]:
        state = make_state(path, dsn)
        await state.open()
        try:
            return await state.bench_list(("approved", "reproduced"))
        finally:
            await state.close()

    rows = community_rows([vars(r) for r in asyncio.run(approved())])
    out = args.out or Path("community-benchmarks.yaml")
    out.write_text(export_rows(rows), encoding="utf-8")
    print(json.dumps({"written": str(out), "rows": len(rows)}) if args.json else f"wrote {len(rows)} rows to {out}: review them first")
    return 0


def cmd_rig(args: argparse.Namespace) -> int:
    from answers.entities import EntityExtractor
    from answers.rig import RigReader
    from answers.user_errors import InputError

    path = rig_path()
    if args.action == "show":
        rig = _saved_rig()
        if rig is None:
            return _fail(f'no rig saved ({path}); run `runlocalai rig detect` or `runlocalai rig set "2x 3090 + 128gb ddr4"`')
        print(json.dumps(rig.to_json(), indent=2, ensure_ascii=False) if args.json else "\n".join(rig.describe()))
        return 0
    if args.action == "clear":
        existed = path.exists()
        path.unlink(missing_ok=True)
        print("rig deleted" if existed else "no rig was saved")
        return 0
    reader = RigReader(EntityExtractor(_kb().names))
    if args.action == "detect":
        from answers.rig_detect import detect

        rig = detect(reader)
    else:
        text = sys.stdin.read() if args.machine == "-" else args.machine
        if not text:
            raise InputError('Describe the machine: runlocalai rig set "2x 3090 + 128gb ddr4, ubuntu, llama.cpp" (or - to paste).')
        rig = reader.read(text, os_name=args.os, runtime=args.runtime, label=args.label)
    if not getattr(args, "dry_run", False):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rig.dumps(), encoding="utf-8")
    print(json.dumps(rig.to_json(), indent=2, ensure_ascii=False) if args.json else "\n".join(rig.describe()))
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from knowledge.loader import load_catalog
    from knowledge.store import default_db_path, ensure_database

    if args.action == "add-model":
        return cmd_catalog_add_model(args)
    if args.action == "export-community":
        return cmd_catalog_export_community(args)
    if args.repo:
        return _fail(f"catalog {args.action} takes no repository argument")
    report = load_catalog()
    if args.action == "validate":
        if args.json:
            _print_json({"ok": report.ok, "problems": [p.__dict__ for p in report.problems], "counts": report.catalog.counts()})
        else:
            for problem in report.problems:
                print(problem)
            print(f"{len(report.problems)} problem(s); {report.catalog.counts()}")
        return 0 if report.ok else 1
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        return _fail(f"the catalog has {len(report.problems)} problem(s); run `runlocalai catalog validate`")
    if args.action == "build":
        path = ensure_database(args.db or default_db_path())
        print(json.dumps({"database": str(path), **report.catalog.counts()}) if args.json else f"built {path}")
        return 0
    if args.action == "matrix":
        from knowledge.matrix import compatibility_matrix, matrix_text

        rows = compatibility_matrix(report.catalog)
        print(json.dumps(rows, indent=2) if args.json else matrix_text(rows))
        return 0
    counts = report.catalog.counts()
    if args.json:
        _print_json(counts)
    else:
        for kind, count in counts.items():
            print(f"{kind:12s} {count:5d}")
    return 0


def cmd_bot(_: argparse.Namespace) -> int:
    from bot.main import run_bot

    return run_bot()


HANDLERS = {
    "estimate": cmd_estimate,
    "ask": cmd_ask,
    "whatcanirun": cmd_whatcanirun,
    "choosegpu": cmd_choosegpu,
    "compare": cmd_compare,
    "costvscloud": cmd_costvscloud,
    "catalog": cmd_catalog,
    "rig": cmd_rig,
    "bot": cmd_bot,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from answers.user_errors import InputError

    try:
        return HANDLERS[args.command](args)
    except InputError as exc:
        return _fail(exc.message, exc.suggestions)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


# Questions answered from the loaded knowledge: they print and leave (no files written, nothing left running).
ONE_SHOT = frozenset({"estimate", "ask", "whatcanirun", "choosegpu", "compare", "costvscloud"})


def run() -> None:
    """The ``runlocalai`` console script. A question (``ONE_SHOT``) runs without the cycle collector (reference
    counting frees what it drops; the collector would only rescan the ~100k objects of the loaded knowledge) and
    leaves without tearing the interpreter down object by object (~0.1 s); every other command exits normally."""
    one_shot = sys.argv[1:2] != [] and sys.argv[1] in ONE_SHOT
    if one_shot:
        import gc

        gc.disable()
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small vectors only: no BLAS thread pool to start
    code = main()
    if not one_shot:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
