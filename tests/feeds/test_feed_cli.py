"""`ttpmap feed` and `ttpmap batch` through `ttpmap.cli.main`, with a stand-in analyzer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feed_fakes import RecordingAnalyzer

from ttpmap import cli
from ttpmap.feeds import _cli as feeds_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


@pytest.fixture(autouse=True)
def stand_in_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", ("ttpmap.feeds._cli",))
    monkeypatch.setattr(feeds_cli, "_analyzer", lambda args: RecordingAnalyzer())


def test_feed_writes_briefs_stix_and_a_navigator_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, nav, stix = tmp_path / "briefs", tmp_path / "layer.json", tmp_path / "bundle.json"
    argv = ["feed", str(DATA / "rss2.xml"), str(DATA / "atom.xml"), "--out", str(out),
            "--navigator", str(nav), "--stix", str(stix), "--layer-name", "Feeds today"]  # fmt: skip
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "6 new briefs" in captured.out
    assert "1 entry not analyzed" in captured.out
    assert "Placeholder with no body" in captured.err
    assert len(list(out.glob("*.md"))) == 6
    layer = json.loads(nav.read_text(encoding="utf-8"))
    assert layer["name"] == "Feeds today"
    assert {t["techniqueID"] for t in layer["techniques"]} >= {"T1190", "T1059.001", "T1003.001"}
    bundle = json.loads(stix.read_text(encoding="utf-8"))
    assert sum(o["type"] == "report" for o in bundle["objects"]) == 6

    nav.write_text("kept", encoding="utf-8")
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "0 new briefs" in captured.out
    assert "6 already done" in captured.out
    assert "left as they were" in captured.err
    assert nav.read_text(encoding="utf-8") == "kept"


def test_feed_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    partly = ["feed", str(DATA / "not-a-feed.html"), str(DATA / "atom.xml"), "--out", str(tmp_path / "a"),
              "--format", "jsonl"]  # fmt: skip
    assert cli.main(partly) == 1
    assert "not an RSS or Atom feed" in capsys.readouterr().err
    assert len((tmp_path / "a" / "briefs.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert cli.main(["feed", str(DATA / "not-a-feed.html"), "--out", str(tmp_path / "b")]) == 2
    assert "no feed could be read" in capsys.readouterr().err
    assert cli.main(["feed", str(DATA / "atom.xml"), "--out", str(tmp_path / "c"), "--jobs", "0"]) == 2


def write_articles(folder: Path) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("The actor used PowerShell (T1059.001) to run a loader.", encoding="utf-8")
    (folder / "b.html").write_text(
        "<html><head><title>HTML report</title></head><body><article><p>Persistence came from a Run key "
        "(T1547.001).</p></article></body></html>",
        encoding="utf-8",
    )
    (folder / "sub" / "c.json").write_text(
        json.dumps({"text": "Data was exfiltrated over C2 (T1041).", "title": "JSON report"}),
        encoding="utf-8",
    )
    (folder / "sub" / "empty.md").write_text("   \n", encoding="utf-8")
    (folder / "notes.csv").write_text("not,an,article\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("T1000", encoding="utf-8")


def test_batch_of_a_folder_on_two_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_articles(tmp_path / "in")
    jsonl, nav = tmp_path / "out" / "briefs.jsonl", tmp_path / "out" / "layer.json"
    argv = ["batch", str(tmp_path / "in"), "--jsonl", str(jsonl), "--navigator", str(nav), "--jobs", "2",
            "--batch-size", "1"]  # fmt: skip
    assert cli.main(argv) == 1  # one file could not be analyzed
    err = capsys.readouterr().err
    assert "empty.md: InputError" in err
    assert "3 briefs, 1 failed" in err
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [line["title"] for line in lines] == [None, "HTML report", "JSON report"]  # path order
    assert [t["id"] for line in lines for t in line["techniques"]] == ["T1059.001", "T1547.001", "T1041"]
    layer = json.loads(nav.read_text(encoding="utf-8"))
    assert layer["name"] == "ttpmap: 3 articles"


def test_batch_writes_jsonl_to_stdout_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_articles(tmp_path)
    assert cli.main(["batch", str(tmp_path / "a.txt"), str(tmp_path / "b.html")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["techniques"][0]["id"] for line in out] == ["T1059.001", "T1547.001"]
    assert cli.main(["batch", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_batch_of_the_shipped_samples_finds_only_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = Path(__file__).resolve().parents[2] / "datasets" / "samples"
    out = tmp_path / "briefs.jsonl"
    assert cli.main(["batch", str(samples), "--jsonl", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(list(samples.glob("*.md")))
    assert "0 failed" in capsys.readouterr().err
