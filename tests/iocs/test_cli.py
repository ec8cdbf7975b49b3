"""The ``iocs`` subcommand, through its own argparse parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ttpmap._exceptions import InputError
from ttpmap.iocs._cli import register


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ttpmap")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_iocs_subcommand_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.txt"
    path.write_text("C2 at evil[.]com; see readme.md and 10.0.0.1", encoding="utf-8")
    args = _parse(["iocs", str(path), "--format", "jsonl"])
    assert args.func(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {"type": "domain", "value": "evil.com", "defanged": True, "fidelity": "high", "start": 6, "end": 16}
    ]
    args = _parse(["iocs", str(path), "--all"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "readme.md" in out
    assert "private" in out


def test_iocs_subcommand_bad_file(tmp_path: Path) -> None:
    args = _parse(["iocs", str(tmp_path / "missing.txt")])
    with pytest.raises(InputError, match="no such file"):
        args.func(args)
