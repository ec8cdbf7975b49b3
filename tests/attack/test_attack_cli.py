from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pytest

from ttpmap._exceptions import CatalogError, InvalidParameterError
from ttpmap.attack import load_catalog
from ttpmap.attack._cli import default_catalog_path, register

FIXTURE = Path(__file__).parent / "data" / "mini-enterprise-2.0.json"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ttpmap")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_build_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cat.json.gz"
    assert run("attack", "build", "--bundle", str(FIXTURE), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "4 active techniques, 3 procedures" in printed
    assert load_catalog(out).version == "18.1"

    assert run("attack", "info", "--catalog", str(out)) == 0
    info = capsys.readouterr().out
    assert hashlib.sha256(out.read_bytes()).hexdigest() in info
    assert hashlib.sha256(FIXTURE.read_bytes()).hexdigest() in info
    assert "attack version  18.1" in info
    assert "2 active + 2 sub-techniques (6 with deprecated/revoked)" in info
    assert "procedures" in info
    assert "The MITRE Corporation" in info


def test_build_default_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("attack", "build", "--bundle", str(FIXTURE), "--version", "18.0") == 0
    assert load_catalog(tmp_path / "attack-catalog.json.gz").version == "18.0"


def test_build_bad_bundle_raises_catalog_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("nope", "utf-8")
    with pytest.raises(CatalogError, match=r"bad\.json"):
        run("attack", "build", "--bundle", str(bad), "--out", str(tmp_path / "c.json.gz"))


def test_info_missing_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"absent\.json\.gz"):
        run("attack", "info", "--catalog", str(tmp_path / "absent.json.gz"))


def test_default_catalog_is_beside_the_default_model() -> None:
    from ttpmap._model import default_model_dir

    assert default_catalog_path() == default_model_dir() / "attack-catalog.json.gz"


def test_download(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURE.parent.as_uri() + "/mini-enterprise-{version}.json"
    sha = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    out = tmp_path / "b.json"
    assert (
        run("attack", "download", "--version", "2.0", "--out", str(out), "--source", source, "--sha256", sha)
        == 0
    )
    assert out.read_bytes() == FIXTURE.read_bytes()
    assert "SHA-256 verified" in capsys.readouterr().out
    with pytest.raises(InvalidParameterError, match="no pinned SHA-256"):
        run("attack", "download", "--version", "2.0", "--out", str(out), "--source", source)


def test_subcommand_required() -> None:
    with pytest.raises(SystemExit):
        run("attack")
