"""The `ttpmap` command: argument parsing only; the work is done by the public API."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ttpmap._atomic import atomic_write
from ttpmap._exceptions import TtpmapError

__all__ = ["add_model_pin", "main"]

_SUBCOMMAND_MODULES = (
    "ttpmap.attack._cli",
    "ttpmap.iocs._cli",
    "ttpmap.classify._cli",
    "ttpmap.hunts._cli",
    "ttpmap.feeds._cli",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 2 bad input or usage, 1 unexpected failure)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except TtpmapError as exc:
        print(f"ttpmap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ttpmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


def add_model_pin(p: argparse.ArgumentParser) -> None:
    """Add ``--model-sha256`` (default ``$TTPMAP_MODEL_SHA256``) to a command that loads a model."""
    from ttpmap._model import MODEL_SHA256_ENV

    p.add_argument(
        "--model-sha256",
        metavar="HEX",
        default=os.environ.get(MODEL_SHA256_ENV) or None,
        help=f"refuse the model unless its manifest.json has this SHA-256 (default: ${MODEL_SHA256_ENV}); "
        "checked in every worker process too",
    )


def _build_parser() -> argparse.ArgumentParser:
    from ttpmap import __version__

    parser = argparse.ArgumentParser(
        prog="ttpmap",
        description="Turn security articles into briefs: ATT&CK techniques, IOCs, hunts, severity.",
    )
    parser.add_argument("--version", action="version", version=f"ttpmap {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_analyze(sub)
    for name in _SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _add_analyze(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analyze", help="analyze one article (a .txt, .md, .html or .json file, or - for stdin)"
    )
    p.add_argument("path", help="article file, or - to read standard input")
    p.add_argument(
        "--format",
        choices=("markdown", "json", "html", "label"),
        default="markdown",
        help="markdown (default), json (the brief), html (one self-contained page with the article, its "
        "evidence and IOCs highlighted), or label: one JSON Lines labeled-article record with the techniques "
        "found marked 'predicted', to confirm, reject or add to, then 'ttpmap train --data'",
    )
    p.add_argument("--out", type=Path, help="write the brief here instead of standard output")
    p.add_argument("--model", help="model directory (default: the shipped model, or $TTPMAP_MODEL)")
    add_model_pin(p)
    p.add_argument("--hunt-rules", help="a Sigma rule directory to recommend hunts from")
    p.add_argument("--severity-rules", help="a severity rules YAML file")
    p.add_argument("--encoding", help="the input's text encoding when it is not UTF-8 (e.g. cp1252)")
    p.add_argument("--max-bytes", type=int, help="the largest input accepted (default 10 MiB)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "--max-hunts",
        type=int,
        help="keep at most N hunts, best fit first (Markdown shows 5 unless this is given; JSON all kept)",
    )
    p.set_defaults(func=_run_analyze)


def _run_analyze(args: argparse.Namespace) -> int:
    from ttpmap._analyzer import Analyzer
    from ttpmap._article import Article
    from ttpmap._exceptions import InputError
    from ttpmap._reading import read_input

    if args.max_bytes is not None and args.max_bytes <= 0:
        raise InputError("--max-bytes must be a positive number of bytes")
    if args.max_hunts is not None and args.max_hunts <= 0:
        raise InputError("--max-hunts must be a positive number")
    if args.out is not None and args.out.exists() and not args.force:
        raise InputError(f"{args.out} exists; choose another --out or pass --force to overwrite it")
    if args.path == "-":
        data = read_input("-", args.max_bytes)
        article = Article.from_bytes(
            data, name="standard input", encoding=args.encoding, max_bytes=args.max_bytes
        )
    else:
        article = Article.from_file(args.path, encoding=args.encoding, max_bytes=args.max_bytes)
    analyzer = Analyzer(
        args.model,
        hunt_rules=args.hunt_rules,
        severity_rules=args.severity_rules,
        max_bytes=args.max_bytes,
        max_hunts=args.max_hunts,
        model_sha256=args.model_sha256,
    )
    brief = analyzer.analyze(article)
    if args.format == "label":
        record_id = None if args.path == "-" else args.path
        text = json.dumps(brief.to_label(article, record_id), ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = brief.to_html()
    elif args.format == "json":
        text = brief.to_json() + "\n"
    else:
        text = brief.to_markdown(max_hunts=args.max_hunts)
    if args.out is None:
        sys.stdout.write(text)
    else:
        atomic_write(args.out, text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
