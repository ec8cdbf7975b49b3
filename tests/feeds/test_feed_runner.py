"""`run_feeds`: one brief per entry, reruns skip, interruptions lose nothing and duplicate nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from feed_fakes import RecordingAnalyzer, make_feed

from ttpmap._brief import brief_schema
from ttpmap._exceptions import InputError, InvalidParameterError
from ttpmap.feeds import output_name, run_feeds
from ttpmap.feeds._runner import JSONL_NAME, STATE_NAME, _JsonlSink
from ttpmap.feeds._state import FeedState, locked

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
FEEDS = [DATA / "rss2.xml", DATA / "atom.xml"]
GOOD_ENTRIES = 6  # rss2: 3 readable of 4 distinct (one duplicate, one empty); atom: 3


def jsonl_lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / JSONL_NAME).read_text(encoding="utf-8").splitlines()]


def state_of(out: Path, name: str = STATE_NAME) -> dict[str, Any]:
    state = FeedState.load(out / name)
    return {"entries": state.entries, "jsonl": state.jsonl}


def test_markdown_run_then_rerun_skips_everything(tmp_path: Path) -> None:
    analyzer = RecordingAnalyzer()
    report = run_feeds(FEEDS, analyzer, tmp_path)
    assert (report.written, report.skipped, report.feeds) == (GOOD_ENTRIES, 0, 2)
    [error] = report.errors  # the empty RSS item
    assert error.title == "Placeholder with no body"
    assert "no summary or content" in error.message
    files = sorted(p.name for p in tmp_path.glob("*.md"))
    assert len(files) == GOOD_ENTRIES
    assert (
        output_name("Credential dumping with comsvcs.dll", "tag:cert.example.net,2024:advisory-0601", "md")
        in files
    )
    assert all(name == os.path.basename(name) and " " not in name for name in files)
    text = (tmp_path / files[0]).read_text(encoding="utf-8")
    assert text.startswith("#")
    assert len(state_of(tmp_path)["entries"]) == GOOD_ENTRIES
    assert len(analyzer.seen) == GOOD_ENTRIES

    again = RecordingAnalyzer()
    rerun = run_feeds(FEEDS, again, tmp_path)
    assert (rerun.written, rerun.skipped) == (0, GOOD_ENTRIES)
    assert again.seen == []
    assert len(rerun.errors) == 1  # a broken entry is tried again, and fails again
    assert sorted(p.name for p in tmp_path.glob("*.md")) == files


def test_json_briefs_validate_and_file_names_are_stable(tmp_path: Path) -> None:
    run_feeds(FEEDS, RecordingAnalyzer(), tmp_path / "a", fmt="json")
    run_feeds(FEEDS, RecordingAnalyzer(), tmp_path / "b", fmt="json")
    names = sorted(p.name for p in (tmp_path / "a").glob("*.json") if not p.name.startswith("."))
    assert names == sorted(p.name for p in (tmp_path / "b").glob("*.json") if not p.name.startswith("."))
    assert len(names) == GOOD_ENTRIES
    for name in names:
        jsonschema.validate(json.loads((tmp_path / "a" / name).read_text(encoding="utf-8")), brief_schema())


def test_jsonl_has_one_line_per_entry_and_duplicates_across_feeds_count_once(tmp_path: Path) -> None:
    seen: list[str] = []
    report = run_feeds(
        [*FEEDS, DATA / "rss2.xml"],
        RecordingAnalyzer(),
        tmp_path,
        fmt="jsonl",
        on_brief=lambda brief, entry: seen.append(entry.key),
    )
    assert report.written == GOOD_ENTRIES
    assert report.duplicates == 4  # the second copy of rss2.xml: 3 readable + 1 broken entry
    assert len(report.errors) == 1
    assert report.outputs == (tmp_path / JSONL_NAME,)
    lines = jsonl_lines(tmp_path)
    assert len(lines) == GOOD_ENTRIES
    assert seen == list(report.keys)
    assert state_of(tmp_path)["jsonl"] == {JSONL_NAME: (tmp_path / JSONL_NAME).stat().st_size}


def test_new_entries_are_appended_on_the_next_run(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(5))
    run_feeds(feed, RecordingAnalyzer(), tmp_path / "out", fmt="jsonl")
    feed.write_bytes(make_feed(8))
    analyzer = RecordingAnalyzer()
    report = run_feeds(feed, analyzer, tmp_path / "out", fmt="jsonl")
    assert (report.written, report.skipped) == (3, 5)
    assert analyzer.seen == [f"https://gen.example.org/{i}" for i in (5, 6, 7)]
    assert [line["url"] for line in jsonl_lines(tmp_path / "out")] == [
        f"https://gen.example.org/{i}" for i in range(8)
    ]


def test_two_worker_processes_keep_the_feed_order(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(12, fail_at=(5,)))
    report = run_feeds(feed, RecordingAnalyzer(), tmp_path / "out", fmt="jsonl", n_jobs=2, batch_size=2)
    assert report.written == 11
    assert [e.key for e in report.errors] == ["https://gen.example.org/5"]
    urls = [line["url"] for line in jsonl_lines(tmp_path / "out")]
    assert urls == [f"https://gen.example.org/{i}" for i in range(12) if i != 5]


def test_an_analysis_failure_is_reported_and_retried_next_time(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(4, fail_at=(2,)))
    report = run_feeds(feed, RecordingAnalyzer(), tmp_path / "out", fmt="jsonl")
    assert report.written == 3
    [error] = report.errors
    assert error.key == "https://gen.example.org/2"
    assert "InputError: the analyzer was asked to fail" in error.message
    assert "https://gen.example.org/2" not in state_of(tmp_path / "out")["entries"]
    feed.write_bytes(make_feed(4))
    assert run_feeds(feed, RecordingAnalyzer(), tmp_path / "out", fmt="jsonl").written == 1


def test_an_unreadable_feed_does_not_stop_the_others(tmp_path: Path) -> None:
    report = run_feeds([DATA / "not-a-feed.html", DATA / "atom.xml"], RecordingAnalyzer(), tmp_path)
    assert report.written == 3
    [error] = report.errors
    assert error.source.endswith("not-a-feed.html")
    assert "not an RSS or Atom feed" in error.message
    assert not report.ok


# --- interruptions -----------------------------------------------------------------------------


class Crash(BaseException):
    """Stands for the process dying (KeyboardInterrupt, SIGKILL) at a chosen point."""


def crash_on_call(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, n: int, before: bool = True
) -> None:
    original = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            if not before:
                original(*args, **kwargs)
            raise Crash(f"{name} call {n}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def check_exactly_once(out: Path, n: int) -> None:
    urls = [line["url"] for line in jsonl_lines(out)]
    assert sorted(urls) == sorted(f"https://gen.example.org/{i}" for i in range(n))
    assert len(state_of(out)["entries"]) == n
    assert not list(out.glob(".ttpmap-*.tmp"))


@pytest.mark.parametrize("crash_at", [1, 3, 7])
def test_jsonl_crash_between_the_line_and_the_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    crash_at: int) -> None:  # fmt: skip
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(10))
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        crash_on_call(m, FeedState, "commit", crash_at)
        with pytest.raises(Crash):
            run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    assert len(jsonl_lines(out)) == crash_at  # the last line is on disk but not committed
    report = run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    assert (report.written, report.skipped) == (10 - crash_at + 1, crash_at - 1)
    check_exactly_once(out, 10)


def test_jsonl_crash_in_the_middle_of_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(6))
    out = tmp_path / "out"
    original = _JsonlSink._write

    def half_then_die(self: _JsonlSink, data: bytes) -> None:
        if self.size > 0 and len(data) > 10:
            original(self, data[: len(data) // 2])
            raise Crash("died mid-line")
        original(self, data)

    with monkeypatch.context() as m:
        m.setattr(_JsonlSink, "_write", half_then_die)
        with pytest.raises(Crash):
            run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    with pytest.raises(json.JSONDecodeError):
        jsonl_lines(out)  # a torn last line
    run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    check_exactly_once(out, 6)


@pytest.mark.parametrize("before", [True, False])
def test_markdown_crash_around_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: bool
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(5))
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        crash_on_call(m, os, "replace", 3, before=before)  # 1: the journal's header, 2 and 3: briefs
        with pytest.raises(Crash):
            run_feeds(feed, RecordingAnalyzer(), out)
    assert len(list(out.glob("*.md"))) == (1 if before else 2)
    assert len(state_of(out)["entries"]) == 1  # the second brief was never committed
    (out / ".ttpmap-left-by-a-killed-run.tmp").write_bytes(b"partial")
    report = run_feeds(feed, RecordingAnalyzer(), out)
    assert report.written == 4
    assert len(list(out.glob("*.md"))) == 5  # a brief on disk but not committed is rewritten in place
    assert len(state_of(out)["entries"]) == 5
    assert not list(out.glob(".ttpmap-*.tmp"))


def test_a_torn_journal_line_is_not_a_commit(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(4))
    out = tmp_path / "out"
    run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    journal = out / STATE_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1 + 1 + 4  # header, the JSONL baseline, one commit per entry
    journal.write_bytes(b"".join(lines[:-1]) + lines[-1][:25])  # died while appending the last commit
    report = run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")
    assert (report.written, report.skipped) == (1, 3)
    check_exactly_once(out, 4)
    assert all(line.endswith(b"\n") for line in journal.read_bytes().splitlines(keepends=True))
    journal.write_bytes(journal.read_bytes() + b"garbage\n")
    with pytest.raises(InputError, match=r"feed-state.json:7: not a state record"):
        run_feeds(feed, RecordingAnalyzer(), out, fmt="jsonl")


def test_killed_processes_lose_nothing_and_write_nothing_twice(tmp_path: Path) -> None:
    """SIGKILL a real run at three moments, then finish it: every entry is in the JSONL exactly once."""
    n = 40
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(n))
    out = tmp_path / "out"
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from feed_fakes import RecordingAnalyzer
            from ttpmap.feeds import run_feeds
            report = run_feeds([{str(feed)!r}], RecordingAnalyzer(delay=0.01), {str(out)!r}, fmt="jsonl")
            print(report.written)
        """),
        encoding="utf-8",
    )
    jsonl = out / JSONL_NAME
    for target in (3, 12, 25):
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= target:
                break
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert int(done.stdout.strip()) < n
    check_exactly_once(out, n)


# --- guard rails -------------------------------------------------------------------------------


def test_a_second_run_on_the_same_state_is_refused(tmp_path: Path) -> None:
    with locked(tmp_path / STATE_NAME), pytest.raises(InputError, match="another ttpmap feed run"):
        run_feeds(FEEDS, RecordingAnalyzer(), tmp_path)


def test_a_corrupt_state_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / STATE_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="delete it to analyze every entry again"):
        run_feeds(FEEDS, RecordingAnalyzer(), tmp_path)
    (tmp_path / STATE_NAME).write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a ttpmap feed state file"):
        run_feeds(FEEDS, RecordingAnalyzer(), tmp_path)


def test_a_jsonl_file_the_state_does_not_know_is_kept(tmp_path: Path) -> None:
    (tmp_path / JSONL_NAME).write_text('{"earlier": true}', encoding="utf-8")  # no final newline
    run_feeds(DATA / "atom.xml", RecordingAnalyzer(), tmp_path, fmt="jsonl")
    lines = jsonl_lines(tmp_path)
    assert lines[0] == {"earlier": True}
    assert len(lines) == 4


def test_a_custom_state_file_and_bad_arguments(tmp_path: Path) -> None:
    state = tmp_path / "state" / "feeds.json"
    run_feeds(DATA / "atom.xml", RecordingAnalyzer(), tmp_path / "out", state_file=state)
    assert len(state_of(state.parent, state.name)["entries"]) == 3
    assert not (tmp_path / "out" / STATE_NAME).exists()
    with pytest.raises(InvalidParameterError, match="fmt"):
        run_feeds(FEEDS, RecordingAnalyzer(), tmp_path, fmt="html")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="at least one"):
        run_feeds([], RecordingAnalyzer(), tmp_path)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        run_feeds(FEEDS, RecordingAnalyzer(), tmp_path / "file")


@pytest.mark.slow
def test_feeds_through_the_real_analyzer_to_a_navigator_layer(tmp_path: Path, analyzer: Any) -> None:
    from ttpmap.export import to_navigator_layer, to_stix_bundle

    briefs: list[Any] = []
    report = run_feeds(FEEDS, analyzer, tmp_path, fmt="json", on_brief=lambda b, e: briefs.append(b))
    assert report.written == GOOD_ENTRIES
    for path in report.outputs:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), brief_schema())
    found = {t.id for b in briefs for t in b.techniques}
    assert {"T1190", "T1003.001", "T1566.002"} <= found
    layer = to_navigator_layer(briefs, name="Feeds")
    assert {t["techniqueID"] for t in layer["techniques"]} == found
    from stix2validator import validate_string

    assert validate_string(json.dumps(to_stix_bundle(briefs))).is_valid
