"""``ttpmap hunts``: hunts for ATT&CK techniques without an article, and hunt coverage."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttpmap._results import Hunt
    from ttpmap.attack import Catalog
    from ttpmap.hunts import HuntLibrary

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``ttpmap hunts T... [--rules DIR]`` and ``ttpmap hunts coverage [--rules DIR]``."""
    p = subparsers.add_parser(
        "hunts",
        help="recommended hunts (Splunk SPL, Defender and Sentinel KQL) for ATT&CK techniques, or coverage",
        description="Print the hunts ttpmap recommends for the given ATT&CK techniques, or with "
        "'coverage' how many techniques have a hunt per query language, for the built-in pack and --rules.",
    )
    p.add_argument(
        "items",
        nargs="+",
        metavar="TECHNIQUE",
        help="ATT&CK technique IDs (T1195.002 T1059.001 ...), or the word 'coverage'",
    )
    p.add_argument("--rules", type=Path, help="a Sigma rule folder or .tar.gz instead of the built-in pack")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output format")
    p.add_argument("--max-per-technique", type=int, default=2, help="hunts per technique (default 2)")
    p.add_argument("--catalog", type=Path, help="ATT&CK catalog file (default: the default model's)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ttpmap._exceptions import InvalidParameterError

    if args.items[0] == "coverage":
        if len(args.items) > 1:
            raise InvalidParameterError(
                "'ttpmap hunts coverage' takes no technique IDs; use --rules DIR for a corpus"
            )
        return _coverage(args)
    return _hunts(args)


def _hunts(args: argparse.Namespace) -> int:
    from ttpmap._results import Technique
    from ttpmap.attack import normalize_id

    catalog = _catalog(args.catalog)
    techniques = []
    for item in dict.fromkeys(args.items):
        if catalog is not None:
            info = catalog.resolve(item)
            techniques.append(Technique(info.id, info.name, info.tactics, 1.0, url=info.url, source="cli"))
        else:
            techniques.append(Technique(normalize_id(item), "", (), 1.0, source="cli"))
    library = _library(args.rules, catalog)
    hunts = library.hunts_for(techniques, max_per_technique=args.max_per_technique)
    if args.format == "json":
        doc = {"techniques": [t.id for t in techniques], "hunts": [h.to_dict() for h in hunts]}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_markdown(hunts, [t.id for t in techniques], library.name))
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from ttpmap.hunts import HuntLibrary

    catalog = _catalog(args.catalog)
    reports = [HuntLibrary.default(catalog).coverage()]
    if args.rules is not None:
        reports.append(_library(args.rules, catalog).coverage())
    if args.format == "json":
        sys.stdout.write(json.dumps(reports, indent=2) + "\n")
        return 0
    total = reports[0]["techniques_total"]
    version = reports[0]["attack_version"]
    head = f"ATT&CK v{version}, {total} active techniques" if total else "no ATT&CK catalog: IDs as tagged"
    lines = [
        f"# Hunt coverage ({head})",
        "",
        "| pack | rules | techniques with a rule | SPL | Defender KQL | Sentinel KQL | conversion failures "
        "(SPL/KQL/Sentinel) | seconds |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in reports:
        t, f = r["techniques"], r["failures"]
        lines.append(
            f"| {r['pack']} | {r['rules']} | {t['any']} | {t['spl']} | {t['kql']} | {t['kql_sentinel']} | "
            f"{f['spl']}/{f['kql']}/{f['kql_sentinel']} | {r['seconds']:.1f} |"
        )
    unknown = {k: v for r in reports for k, v in r["unknown_tags"].items()}
    if unknown:
        lines += [
            "",
            "Tags the catalog does not know: " + ", ".join(f"{k} ({v})" for k, v in unknown.items()),
        ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _catalog(path: Path | None) -> Catalog | None:
    from ttpmap.attack import load_catalog
    from ttpmap.attack._cli import default_catalog_path

    if path is not None:
        return load_catalog(path)
    default = default_catalog_path()
    return load_catalog(default) if default.is_file() else None


def _library(rules: Path | None, catalog: Catalog | None) -> HuntLibrary:
    from ttpmap.hunts import HuntLibrary

    return HuntLibrary.default(catalog) if rules is None else HuntLibrary.from_directory(rules, catalog)


def _markdown(hunts: list[Hunt], requested: list[str], pack: str) -> str:
    from ttpmap._markdown import render_hunt

    out = [f"# Recommended hunts for {', '.join(requested)}", ""]
    if not hunts:
        out += [f"_No rule in {pack} covers these techniques, their parents or sub-techniques._", ""]
    for h in hunts:
        out += render_hunt(h, heading="##")
    return "\n".join(out)
