"""``ttpmap attack``: build, inspect and download ATT&CK catalogs and bundles."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["default_catalog_path", "register"]

_DEFAULT_OUT = "attack-catalog.json.gz"


def default_catalog_path() -> Path:
    """The catalog beside the default model (``default_model_dir() / 'attack-catalog.json.gz'``)."""
    from ttpmap._model import CATALOG_FILE, default_model_dir

    return default_model_dir() / CATALOG_FILE


def register(subparsers: Any) -> None:
    """Add the ``attack`` command and its ``build``, ``info`` and ``download`` subcommands."""
    attack = subparsers.add_parser(
        "attack",
        help="ATT&CK catalog: build from a STIX bundle, show the one in use, download a bundle",
        description="Build, inspect and download the ATT&CK Enterprise catalog ttpmap maps techniques with.",
    )
    sub = attack.add_subparsers(dest="attack_command", metavar="{build,info,download}", required=True)

    build = sub.add_parser(
        "build",
        help="build a compact catalog from an ATT&CK Enterprise STIX bundle (needs ttpmap[train])",
        description="Read an ATT&CK Enterprise STIX 2.0/2.1 bundle (.json or .json.gz) and write a catalog.",
    )
    build.add_argument(
        "--bundle", required=True, type=Path, help="STIX bundle, e.g. enterprise-attack-18.1.json"
    )
    build.add_argument(
        "--out", type=Path, default=Path(_DEFAULT_OUT), help=f"catalog to write (default: ./{_DEFAULT_OUT})"
    )
    build.add_argument("--version", dest="attack_version", help="ATT&CK version when the bundle does not say")
    build.set_defaults(func=_build)

    info = sub.add_parser(
        "info",
        help="print the version, counts and SHA-256s of a catalog",
        description="Describe a catalog (default: the one beside the default model).",
    )
    info.add_argument("--catalog", type=Path, help="catalog file (default: the default model's)")
    info.set_defaults(func=_info)

    download = sub.add_parser(
        "download",
        help="download an ATT&CK Enterprise bundle from MITRE and verify its SHA-256",
        description="Fetch enterprise-attack-VERSION.json from MITRE's attack-stix-data releases. Only 18.1 "
        "has a pinned SHA-256; other versions need --sha256.",
    )
    download.add_argument("--version", dest="attack_version", required=True, help="ATT&CK version, e.g. 18.1")
    download.add_argument(
        "--out", type=Path, help="where to write (default: ./enterprise-attack-VERSION.json)"
    )
    download.add_argument("--source", help="URL template with {version} (https:// or file://)")
    download.add_argument("--sha256", help="expected SHA-256 of the uncompressed bundle")
    download.set_defaults(func=_download)


def _build(args: argparse.Namespace) -> int:
    from ttpmap._model import sha256_file
    from ttpmap.attack._build import build_catalog

    start = time.perf_counter()
    catalog = build_catalog(args.bundle, version=args.attack_version)
    catalog.save(args.out)
    seconds = time.perf_counter() - start
    print(
        f"wrote {args.out} (ATT&CK {catalog.domain} v{catalog.version}: {len(catalog.active_techniques())} "
        f"active techniques, {len(catalog.procedures)} procedures; {args.out.stat().st_size:,} bytes, "
        f"sha256 {sha256_file(args.out)}) in {seconds:.1f} s"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from ttpmap._model import sha256_file
    from ttpmap.attack._catalog import Catalog

    path: Path = args.catalog if args.catalog is not None else default_catalog_path()
    catalog = Catalog.load(path)
    active = catalog.active_techniques()
    subs = sum(1 for t in active if t.is_subtechnique)
    rows = [
        ("catalog", str(path)),
        ("catalog sha256", sha256_file(path)),
        ("size", f"{path.stat().st_size:,} bytes"),
        ("domain", catalog.domain),
        ("attack version", catalog.version),
        ("stix version", catalog.spec_version),
        ("bundle sha256", catalog.bundle_sha256),
        (
            "techniques",
            f"{len(active) - subs} active + {subs} sub-techniques ({len(catalog.techniques)} with "
            "deprecated/revoked)",
        ),
        ("tactics", str(len(catalog.tactics))),
        ("procedures", str(len(catalog.procedures))),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    notice = catalog.copyright.strip().splitlines()
    if notice:
        print(f"{'notice':<{width}}  {notice[0]}")
    return 0


def _download(args: argparse.Namespace) -> int:
    from ttpmap.attack._download import DEFAULT_SOURCE, download_bundle

    path = download_bundle(
        args.attack_version, args.out, source=args.source or DEFAULT_SOURCE, sha256=args.sha256
    )
    print(
        f"wrote {path} (SHA-256 verified); build a catalog with: ttpmap attack build --bundle {path}",
        file=sys.stdout,
    )
    return 0
