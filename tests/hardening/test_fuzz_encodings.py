"""Fuzzing with what `st.text()` never generates: lone surrogates, control characters, invalid
encodings and byte strings that are not UTF-8, through the Python API and the CLI (issue 22 item 7).

Every input ends in a result or in our own `InputError` (CLI: exit status 2 and one ``ttpmap: error``
line), and whatever is written can be encoded as strict UTF-8. About 10,000 examples in all;
TTPMAP_FUZZ_SCALE multiplies them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttpmap import Analyzer, Article, InputError
from ttpmap.cli import main

_SCALE = max(1, int(os.environ.get("TTPMAP_FUZZ_SCALE", "1")))


def _examples(n: int) -> settings:
    return settings(
        max_examples=n * _SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )


_ODD = st.one_of(
    st.integers(0xD800, 0xDFFF).map(chr),  # lone surrogates
    st.integers(0, 0x1F).map(chr),  # C0 controls, NUL included
    st.integers(0x7F, 0x9F).map(chr),  # DEL and C1 controls
    st.sampled_from(["\u2028", "\u2029", "\ufeff", "\ufffd", "\u200b", "\U0001f600", "\uffff"]),
)
_WORDS = st.sampled_from(
    [
        "The actor ran ",
        "vssadmin delete shadows",
        ". ",
        "T1059.001 ",
        "evil[.]com ",
        "1.2.3[.]4 ",
        "\n",
        "<p>",
    ]
)
TEXT = st.lists(st.one_of(_ODD, _WORDS, st.characters()), max_size=60).map("".join)
ENCODINGS = st.sampled_from(
    [None, "utf-8", "cp1252", "latin-1", "utf-16", "utf-32", "ascii", "punycode", "idna", "utf-7",
     "rot13", "hex", "base64", "zlib", "no-such-codec", "utf-8-sig", "unicode_escape", "raw_unicode_escape"]
)  # fmt: skip
SUFFIXES = st.sampled_from(["", ".txt", ".md", ".html", ".json"])
_BOMS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
DATA = st.one_of(
    st.binary(max_size=200),
    st.tuples(_BOMS, TEXT, st.binary(max_size=8)).map(
        lambda t: t[0] + t[1].encode("utf-8", "surrogatepass") + t[2]
    ),
)


def _json_article(text: str, title: str) -> bytes:
    body = json.dumps({"text": text, "title": title}, ensure_ascii=True)  # "\\ud800" escapes: valid JSON
    return body.encode("ascii")


def _utf8(text: str | None) -> None:
    if text is not None:
        text.encode("utf-8")  # strict: no surrogate reaches an output


def _check_article(article: Article) -> None:
    for value in article.to_dict().values():
        _utf8(value)


@_examples(3000)
@given(DATA, SUFFIXES, ENCODINGS)
def test_fuzz_from_bytes_any_bytes_any_encoding(data: bytes, suffix: str, encoding: str | None) -> None:
    try:
        article = Article.from_bytes(data, suffix=suffix, encoding=encoding)
    except InputError:
        return
    _check_article(article)


@_examples(3000)
@given(TEXT, st.one_of(st.none(), TEXT))
def test_fuzz_article_text_with_surrogates_and_controls(text: str, title: str | None) -> None:
    try:
        article = Article.from_text(text, title=title)
    except InputError:
        return
    _check_article(article)


@_examples(1500)
@given(TEXT, TEXT)
def test_fuzz_json_articles_with_escaped_surrogates(text: str, title: str) -> None:
    try:
        article = Article.from_bytes(_json_article(text, title), suffix=".json")
    except InputError:
        return
    _check_article(article)


@contextlib.contextmanager
def _strict_stdio(data: bytes) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """Standard streams as a strict UTF-8 terminal would have them, with `data` on standard input."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict"),
        io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", errors="strict", write_through=True),
    )
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = streams
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def _run_cli(args: list[str], data: bytes) -> tuple[int, bytes, bytes]:
    with _strict_stdio(data) as (out, err):
        code = main(args)
        return code, out.getvalue(), err.getvalue()


@_examples(2000)
@given(DATA, ENCODINGS)
def test_fuzz_cli_iocs_stdin_strict_stdio(data: bytes, encoding: str | None) -> None:
    args = ["iocs", "-", "--all"] + (["--encoding", encoding] if encoding else [])
    code, out, err = _run_cli(args, data)
    assert code in (0, 2)
    if code == 2:
        assert err.startswith(b"ttpmap: error: ")
    out.decode("utf-8")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@_examples(500)
@given(DATA, SUFFIXES)
def test_fuzz_cli_analyze_stdin_strict_stdio(
    analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch, data: bytes, suffix: str
) -> None:
    monkeypatch.setattr("ttpmap._analyzer.Analyzer", lambda *a, **k: analyzer)  # one model for all
    code, out, err = _run_cli(["analyze", "-", "--format", "json"], data)
    assert code in (0, 2)
    if code == 2:
        assert err.startswith(b"ttpmap: error: ")
    else:
        json.loads(out.decode("utf-8"))
