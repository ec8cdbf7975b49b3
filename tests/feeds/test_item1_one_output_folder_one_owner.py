"""Issue 22 item 1: one output folder has one owner; no run truncates data it did not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feed_fakes import RecordingAnalyzer, make_feed

from ttpmap._exceptions import InputError
from ttpmap.feeds import run_feeds
from ttpmap.feeds._runner import JSONL_NAME, OUT_LOCK_NAME
from ttpmap.feeds._state import locked


def _urls(out: Path) -> list[str]:
    lines = (out / JSONL_NAME).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["url"] for line in lines]


def test_item1_two_state_files_into_one_out_lose_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    a = tmp_path / "feed-a.xml"
    b = tmp_path / "feed-b.xml"
    a.write_bytes(make_feed(20, title="A"))
    b.write_bytes(make_feed(20, title="B").replace(b"gen.example.org", b"other.example.org"))
    run_feeds([a], RecordingAnalyzer(), out, fmt="jsonl", state_file=tmp_path / "a.state")
    run_feeds([b], RecordingAnalyzer(), out, fmt="jsonl", state_file=tmp_path / "b.state")
    again = RecordingAnalyzer()
    report = run_feeds([a], again, out, fmt="jsonl", state_file=tmp_path / "a.state")
    assert (report.written, report.skipped, again.seen) == (0, 20, [])
    urls = _urls(out)
    assert len(urls) == 40
    assert len(set(urls)) == 40


def test_item1_the_lock_is_taken_on_out_whatever_the_state(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(3))
    with (
        locked(out / OUT_LOCK_NAME),
        pytest.raises(InputError, match=r"writing into .*pass another --out"),
    ):
        run_feeds([feed], RecordingAnalyzer(), out, fmt="jsonl", state_file=tmp_path / "other.state")


def test_item1_an_own_interrupted_line_is_still_cut_off(tmp_path: Path) -> None:
    out = tmp_path / "out"
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(3))
    run_feeds([feed], RecordingAnalyzer(), out, fmt="jsonl")
    with open(out / JSONL_NAME, "ab") as fh:
        fh.write(b'{"torn": ')  # this state's own run died mid-line
    run_feeds([feed], RecordingAnalyzer(), out, fmt="jsonl")
    assert len(_urls(out)) == 3


def test_a_finished_run_leaves_no_lock_file_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    feed = tmp_path / "feed.xml"
    feed.write_bytes(make_feed(3))
    run_feeds([feed], RecordingAnalyzer(), out, fmt="jsonl", state_file=tmp_path / "feed.state")
    assert not list(out.glob("*.lock"))
    assert not list(tmp_path.glob("*.lock"))


def test_a_lock_file_removed_by_the_run_before_is_not_shared(tmp_path: Path) -> None:
    target = tmp_path / "state"
    with locked(target):
        held = (tmp_path / "state.lock").stat().st_ino
        with pytest.raises(InputError, match="another ttpmap feed run"), locked(target):
            pass
        assert (tmp_path / "state.lock").stat().st_ino == held
    assert not (tmp_path / "state.lock").exists()
    with locked(target):  # the next run locks a new file
        assert (tmp_path / "state.lock").exists()
