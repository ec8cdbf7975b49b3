"""``ttpmap iocs``: print the IOCs of a text file (or stdin) as JSON lines or a table."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ttpmap.iocs._benign import BenignLists
from ttpmap.iocs._extract import IOC_TYPES, find_iocs

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``iocs`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "iocs",
        help="extract indicators of compromise from a text file",
        description="Print the IOCs in FILE (or stdin with '-'): high fidelity only unless --all.",
    )
    p.add_argument("file", help="a UTF-8 text file, or '-' for stdin")
    p.add_argument("--url", help="the article's URL: its own domain is then low fidelity")
    p.add_argument("--all", action="store_true", help="also print low-fidelity IOCs, with their reason")
    p.add_argument(
        "--type", action="append", choices=IOC_TYPES, dest="types", help="only this type (repeatable)"
    )
    p.add_argument(
        "--benign", action="append", default=[], metavar="FILE", help="an extra benign-domains file"
    )
    p.add_argument("--format", choices=("jsonl", "table"), default="table")
    p.add_argument("--encoding", help="the input's text encoding when it is not UTF-8 (e.g. cp1252)")
    p.add_argument("--max-bytes", type=int, help="the largest input accepted (default 10 MiB)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ttpmap._article import _decode, check_text
    from ttpmap._reading import read_input

    data = read_input(args.file, args.max_bytes)
    name = "standard input" if args.file == "-" else args.file
    text = check_text(_decode(data, name, args.encoding), what=name, check_size=False)
    benign = BenignLists.from_files(domains=args.benign) if args.benign else None
    for ioc in find_iocs(text, url=args.url, benign=benign, types=args.types):
        if ioc.fidelity == "low" and not args.all:
            continue
        if args.format == "jsonl":
            print(json.dumps(ioc.to_dict(), ensure_ascii=False))
        else:
            extra = f"  ({ioc.reason})" if ioc.reason else ""
            print(f"{ioc.fidelity:4}  {ioc.type:12}  {ioc.value}{extra}")
    return 0
