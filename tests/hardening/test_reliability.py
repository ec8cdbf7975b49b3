"""Regression tests for issue 22, one per item, each named after it."""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path

import pytest

from ttpmap import Article, InputError, _reading
from ttpmap.cli import main

FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def _feed_fifo(path: Path, total: int) -> list[int]:
    """Write up to `total` bytes into the FIFO at `path` from a thread; return [bytes accepted]."""
    written = [0]

    def writer() -> None:
        try:
            with open(path, "wb", buffering=0) as fh:
                block = b"a" * 4096
                while written[0] < total:
                    written[0] += fh.write(block)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    written.append(0)
    return written


# -- item 2: every reader bounded --------------------------------------------------------------


def test_item2_bounded_reads_device_refused_after_limit() -> None:
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        Article.from_file("/dev/zero", max_bytes=1000)


@FIFO
def test_item2_bounded_reads_fifo_reads_at_most_limit_plus_pipe_buffer(tmp_path: Path) -> None:
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    written = _feed_fifo(fifo, 50_000_000)
    with pytest.raises(InputError, match="over the 100,000-byte limit"):
        Article.from_file(fifo, max_bytes=100_000)
    assert written[0] <= 100_001 + 1_100_000  # the limit, one read block and the pipe's buffer


@FIFO
def test_item2_bounded_reads_fifo_without_writer_ends_at_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "waits.txt"
    os.mkfifo(fifo)
    monkeypatch.setattr(_reading, "DEFAULT_READ_TIMEOUT", 0.2)
    with pytest.raises(InputError, match="read deadline"):
        Article.from_file(fifo)


@FIFO
def test_item2_bounded_reads_batch_folder_with_fifo_does_not_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The actor ran vssadmin delete shadows to inhibit recovery.\n")
    os.mkfifo(folder / "b.txt")
    assert main(["batch", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["techniques"]


def test_item2_bounded_reads_iocs_cli_honours_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.txt"
    path.write_text("evil.example.com 1.2.3.4\n" * 100)
    monkeypatch.setenv("TTPMAP_MAX_INPUT_BYTES", "1000")
    assert main(["iocs", str(path)]) == 2
    assert "over the 1,000-byte limit" in capsys.readouterr().err
    assert main(["iocs", "/dev/zero", "--max-bytes", "500"]) == 2
    assert "over the 500-byte limit" in capsys.readouterr().err


# -- item 7: our errors for surrogates, bad encodings, invalid UTF-8 on stdin --------------------


def test_item7_lone_surrogate_in_json_article_is_our_error(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"text": "The actor used PowerShell \\ud800 to run a payload.", "title": "t"}')
    with pytest.raises(InputError, match="lone surrogate"):
        Article.from_file(path)
    with pytest.raises(InputError, match="lone surrogate"):
        Article("ok text for the analyzer", title="bad \udc00 title")


def test_item7_batch_reports_the_bad_article_and_writes_every_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text('{"text": "The actor used PowerShell \\ud800 to run a payload."}')
    (folder / "b.txt").write_text("The actor ran vssadmin delete shadows to inhibit recovery.\n")
    (folder / "c.txt").write_text("The operators used rclone to exfiltrate the data to cloud storage.\n")
    out = tmp_path / "briefs.jsonl"
    assert main(["batch", str(folder), "--jsonl", str(out)]) == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "a.json: InputError" in capsys.readouterr().err


def test_item7_punycode_encoding_is_our_error(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"The actor ran vssadmin\n to delete shadows.")
    with pytest.raises(InputError, match="cannot decode as punycode"):
        Article.from_file(path, encoding="punycode")


def test_item7_invalid_utf8_on_stdin_of_iocs_is_our_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(b"evil.example.com \xff\xfe\xfa 1.2.3.4\n"), errors="strict")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["iocs", "-"]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err


# -- item 10: smaller ---------------------------------------------------------------------------


def test_item10_control_characters_from_feed_titles_stripped(tmp_path: Path) -> None:
    from ttpmap.feeds import read_feed

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>Bad&#x1;title&#x1b;[31m here</title><link>https://example.org/1</link>"
        b"<description>The actor ran vssadmin delete shadows.</description></item></channel></rss>"
    )
    (entry,) = read_feed(feed)
    assert entry.title == "Bad title [31m here"
    assert entry.article is not None
    assert entry.article.title == entry.title


def test_item10_no_markup_resembles_locator_warning() -> None:
    from ttpmap.feeds import read_feed

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>t</title><link>https://example.org/1</link>"
        b"<description>https://example.org/advisory</description></item></channel></rss>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (entry,) = read_feed(feed)
        Article.from_html("https://example.org/page")
    assert entry.article is not None
    assert entry.article.text == "https://example.org/advisory"


def test_item10_feed_from_a_device_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    from ttpmap.feeds import read_feed

    with pytest.raises(InputError) as info:
        read_feed("/dev/zero")
    assert "no such file" not in str(info.value)
    assert "byte limit" in str(info.value)
