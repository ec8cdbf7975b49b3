from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from ttpmap._brief import brief_schema
from ttpmap.cli import main


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "ttpmap.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_analyze_json_validates(samples):
    proc = run_cli("analyze", str(samples[0]), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    jsonschema.validate(json.loads(proc.stdout), brief_schema())


def test_analyze_markdown_to_file(samples, tmp_path, capsys):
    out = tmp_path / "brief.md"
    assert main(["analyze", str(samples[0]), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# [")
    assert main(["analyze", str(samples[0]), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_analyze_reads_stdin():
    proc = run_cli("analyze", "-", "--format", "json", stdin=b"The actor used T1059.001 to run scripts.")
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["techniques"][0]["id"] == "T1059.001"


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    [
        (None, (), "no such file"),
        (b"", (), "empty"),
        (b"\x00\x01\x02\x03" * 100, (), "binary"),
        ("Texte d\u00e9j\u00e0 vu.".encode("cp1252"), (), "not valid UTF-8"),
        (b"x" * 2000, ("--max-bytes", "1000"), "limit"),
    ],
    ids=["missing", "empty", "binary", "undecodable", "oversized"],
)
def test_bad_input_exits_2_with_one_line(tmp_path, setup, extra, message):
    path = tmp_path / "article.txt"
    if setup is not None:
        path.write_bytes(setup)
    proc = run_cli("analyze", str(path), *extra)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err


def test_empty_stdin_exits_2():
    proc = run_cli("analyze", "-", stdin=b"   ")
    assert proc.returncode == 2
    assert "empty" in proc.stderr.decode()


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "analyze" in capsys.readouterr().err


def test_analyze_max_hunts_caps_json_and_markdown(samples):
    sample = next(p for p in samples if "phishing" in p.name)
    proc = run_cli("analyze", str(sample), "--format", "json", "--max-hunts", "3")
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, brief_schema())
    assert [h["rank"] for h in doc["hunts"]] == [1, 2, 3]
    assert doc["hunts_left_out"] > 0
    md = run_cli("analyze", str(sample), "--max-hunts", "2").stdout.decode()
    section = md.split("## Recommended hunts", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("### ") for line in section.splitlines()) == 2
    assert run_cli("analyze", str(sample), "--max-hunts", "0").returncode == 2


@pytest.mark.parametrize(
    "command", [("train", "--out", "{tmp}/model", "--name", "acme"), ("evaluate", "--only", "tram2")]
)
def test_a_missing_data_home_tells_a_cli_user_how_to_point_at_it(tmp_path, command):
    empty = tmp_path / "no-data"
    empty.mkdir()
    args = [a.format(tmp=tmp_path) for a in command]
    proc = run_cli(*args, "--data-home", str(empty))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1, err
    assert "TTPMAP_DATA_HOME" in err
    assert "--data-home DIR" in err
    assert "datasets/README.md" in err
    assert not (tmp_path / "model").exists()
