"""The built-in use-case pack: Sigma rules in ``rules/`` and their conversions cached in ``pack.json``.

``pack.json`` is built ahead of time with ``python -m ttpmap.hunts._pack``, so loading the pack
needs neither pySigma nor YAML parsing. Each entry records the SHA-256 of its rule file; a rule
whose file changed since the cache was built is parsed and converted again at load time (with a
warning that the cache is stale), so the cache can never silently serve an old query.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from ttpmap._exceptions import RuleError
from ttpmap.hunts._convert import BACKENDS, Conversion, backend_versions, convert_rule
from ttpmap.hunts._rules import LEVELS, STATUSES, RuleInfo, load_yaml, rule_info

__all__ = [
    "PACK_FORMAT",
    "PACK_LICENSE",
    "PACK_NAME",
    "build_pack",
    "cache_path",
    "load_pack",
    "read_pack_rule",
    "rules_dir",
]

PACK_FORMAT: Final = "ttpmap-hunt-pack/1"
PACK_NAME: Final = "ttpmap"
PACK_LICENSE: Final = "Apache-2.0"
_UC_ID: Final = re.compile(r"UC_[A-Z0-9]{2,24}(?:_[A-Z0-9]{1,24}){0,8}")


def rules_dir() -> Path:
    """The folder of the pack's Sigma rules (package data)."""
    return Path(__file__).resolve().parent / "rules"


def cache_path() -> Path:
    """The pack's conversion cache (package data)."""
    return Path(__file__).resolve().parent / "pack.json"


def read_pack_rule(path: Path) -> tuple[RuleInfo, dict[str, Any]]:
    """Parse one pack rule and check the fields every pack rule must have.

    Raises
    ------
    RuleError
        With the file (and line, for YAML errors) when the rule is malformed.
    """
    text = path.read_text("utf-8")
    try:
        docs = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(f"invalid YAML: {exc}", path, mark.line + 1 if mark else None) from exc
    if len(docs) != 1:
        raise RuleError(f"a pack rule file holds exactly one Sigma rule, found {len(docs)}", path)
    doc = docs[0]
    info = rule_info(doc, path.name, license=PACK_LICENSE)
    if info is None:
        raise RuleError("not a Sigma detection rule: 'logsource' and 'detection' are required", path)
    problems = []
    if not _UC_ID.fullmatch(info.name):
        problems.append(f"'name' must be a use-case ID like UC_SUPPLY_CHAIN, got {info.name!r}")
    elif path.name != info.name.lower() + ".yml":
        problems.append(f"the file must be named {info.name.lower()}.yml after its use-case ID")
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", info.uid):
        problems.append("'id' must be a lower-case UUID")
    for attr in ("title", "description", "author"):
        if not getattr(info, attr):
            problems.append(f"'{attr}' is required")
    if info.level not in LEVELS:
        problems.append(f"'level' must be one of {', '.join(LEVELS)}")
    if info.status not in STATUSES:
        problems.append(f"'status' must be one of {', '.join(STATUSES)}")
    if not info.techniques:
        problems.append("at least one ATT&CK technique tag (attack.tNNNN) is required")
    if not info.false_positives:
        problems.append("'falsepositives' must list the false positives to expect")
    if not info.phase:
        problems.append("'kill_chain_phase' is required")
    if problems:
        raise RuleError("; ".join(problems), path)
    return info, doc


def build_pack(directory: Path | None = None) -> dict[str, Any]:
    """Parse and convert every pack rule; return the cache document that `load_pack` reads."""
    folder = directory or rules_dir()
    entries = []
    for path in sorted(folder.glob("*.yml")):
        info, doc = read_pack_rule(path)
        conversion = convert_rule(doc)
        entries.append(
            {
                "file": path.name,
                "sha256": _sha256(path),
                "rule": info.to_dict(),
                "queries": conversion.queries,
                "failures": conversion.failures,
            }
        )
    return {
        "format": PACK_FORMAT,
        "backends": dict(BACKENDS),
        "generator": backend_versions(),
        "rules": entries,
    }


@cache
def load_pack() -> tuple[tuple[RuleInfo, Conversion], ...]:
    """The pack's rules with their conversions, from the cache; stale or missing entries are rebuilt."""
    folder = rules_dir()
    cached: dict[str, dict[str, Any]] = {}
    path = cache_path()
    if path.is_file():
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("format") == PACK_FORMAT and doc.get("backends") == BACKENDS:
            cached = {e["file"]: e for e in doc["rules"]}
    out = []
    stale = []
    for rule_path in sorted(folder.glob("*.yml")):
        entry = cached.get(rule_path.name)
        if entry is not None and entry["sha256"] == _sha256(rule_path):
            info = RuleInfo.from_dict(entry["rule"])
            out.append((info, Conversion(dict(entry["queries"]), dict(entry["failures"]))))
            continue
        stale.append(rule_path.name)
        info, rule_doc = read_pack_rule(rule_path)
        out.append((info, convert_rule(rule_doc)))
    if stale:
        warnings.warn(
            f"the hunt pack cache {path} is stale for {len(stale)} rule(s) ({', '.join(stale[:5])}); they "
            "were converted at load time. Rebuild it with `python -m ttpmap.hunts._pack`.",
            RuntimeWarning,
            stacklevel=3,
        )
    return tuple(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild ``pack.json`` (or, with ``--check``, exit 1 when it is out of date)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ttpmap.hunts._pack", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; do not write")
    args = parser.parse_args(argv)
    fresh = build_pack()
    text = json.dumps(fresh, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path = cache_path()
    current = path.read_text("utf-8") if path.is_file() else ""
    if args.check:
        same = current == text
        print(f"{path}: {'up to date' if same else 'OUT OF DATE: run python -m ttpmap.hunts._pack'}")
        return 0 if same else 1
    path.write_text(text, "utf-8")
    counts = {f: sum(1 for e in fresh["rules"] if f in e["queries"]) for f in BACKENDS}
    print(f"wrote {path}: {len(fresh['rules'])} rules; converted {counts}")
    return 0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    sys.exit(main())
