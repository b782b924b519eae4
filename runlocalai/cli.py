"""`runlocalai`: the bot's brain in a terminal.

    runlocalai estimate --model llama-3.1-8b --hardware rtx-4090 [--json]
    runlocalai ask "Will Llama 3.1 8B run on an RTX 3060 12GB?" [--json]
    runlocalai catalog validate|build|stats [--json]
    runlocalai bot

User errors print one clear line (with "did you mean" choices) and exit 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_USER_ERROR = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _context(text: str) -> int:
    lowered = text.strip().lower()
    scale = 1
    if lowered.endswith("k"):
        scale, lowered = 1024, lowered[:-1]
    elif lowered.endswith("m"):
        scale, lowered = 1024 * 1024, lowered[:-1]
    try:
        return int(float(lowered) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a token count such as 8192 or 32k, got {text!r}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
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
    est.add_argument("--gpus", type=_positive_int, help="N identical GPUs of the one --hardware")
    est.add_argument("--vram-gb", type=_number, help="custom GPU memory as marketed (24 = a 24 GiB card)")
    est.add_argument("--bandwidth-gbs", type=_number, help="custom memory bandwidth, GB/s")
    est.add_argument("--fp16-tflops", type=_number, help="custom FP16 matrix TFLOPS")
    est.add_argument("--unified-memory", action="store_true", help="custom hardware shares memory with the CPU")
    est.add_argument("--ram-gb", type=_number, help="system RAM (GiB as marketed)")
    est.add_argument("--ram-bandwidth-gbs", type=_number, help="system RAM bandwidth, GB/s")
    est.add_argument("--wired-limit-gb", type=_number, help="Apple: raised iogpu.wired_limit_mb, in GB")
    est.add_argument("--quant", help="Q4_K_M, Q8_0, F16, IQ4_XS, AWQ, GPTQ, EXL2 4.65bpw, MLX 4bit, FP8, NF4 ...")
    est.add_argument("--context", type=_context, help="allocated context (default: prompt + gen)")
    est.add_argument("--prompt-tokens", type=_positive_int, default=512)
    est.add_argument("--gen-tokens", type=_positive_int, default=128)
    est.add_argument("--runtime", default="llama.cpp", help="llama.cpp, ollama, lm-studio, vllm, exllamav2, mlx-lm, ...")
    est.add_argument("--kv-cache", default="f16", choices=["f16", "q8_0", "q4_0"])
    est.add_argument("--flash-attention", action=argparse.BooleanOptionalAction, default=None)
    est.add_argument("--gpu-layers", type=_positive_int, help="llama.cpp -ngl (default: as many as fit)")
    est.add_argument("--cpu-moe", action="store_true", help="keep MoE experts in RAM (llama.cpp --cpu-moe)")
    est.add_argument("--vision", action="store_true", help="also load the vision projector (images)")
    est.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="answer a free-text question as the bot would")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true")

    cat = sub.add_parser("catalog", help="validate, build or count the catalog")
    cat.add_argument("action", choices=["validate", "build", "stats", "matrix"])
    cat.add_argument("--json", action="store_true")
    cat.add_argument("--db", type=Path, help="database path (default: user cache)")

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


def cmd_estimate(args: argparse.Namespace) -> int:
    from answers.estimates import EstimateQuery, InputError, run_estimate
    from answers.knowledge_base import KnowledgeBase
    from answers.render import estimate_text

    kb = KnowledgeBase.load()
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
    )
    try:
        result = run_estimate(kb, query)
    except InputError as exc:
        return _fail(exc.message, exc.suggestions)
    if args.json:
        _print_json(result.to_json())
    else:
        print(estimate_text(result))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from answers.engine import AnswerEngine
    from answers.knowledge_base import KnowledgeBase

    answer = AnswerEngine(KnowledgeBase.load()).answer(args.text)
    if args.json:
        _print_json(answer.to_json())
    elif answer.abstained and not answer.choices:
        print("(no answer: this doesn't look like a question I can answer; try naming a model and a GPU)")
    else:
        print(answer.text)
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from knowledge.loader import load_catalog
    from knowledge.store import default_db_path, ensure_database

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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"estimate": cmd_estimate, "ask": cmd_ask, "catalog": cmd_catalog, "bot": cmd_bot}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
