"""Adversarial inputs: time linear in the size, memory bounded, a clear error over the size limit.

IOC extraction alone is covered at 1 MB per pattern in ``tests/iocs/test_linear_time.py``; here the
whole `Analyzer.analyze` path, HTML and feeds.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

import pytest

from ttpmap import Analyzer, Article, InputError
from ttpmap._gc import gc_paused
from ttpmap.feeds import read_feed

# Each unit is something that breaks naive regexes or tokenizers; the mix repeats them in runs.
UNITS = [".", "[", "@", "a1b2c3d4e5f6", "1234567890", "[.]", "1.2.", ":", "hxxp[:]//", "\\", "a@b.", "word "]


def adversarial_text(size: int, run: int = 2000) -> str:
    block = "".join((u * (run // len(u) + 1))[:run] for u in UNITS)
    return (block * (size // len(block) + 1))[:size]


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of `fn()`, with the cyclic garbage collector paused: its passes over every
    live object grow with the heap and would blur the growth of the code under test."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        with gc_paused():
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return max(best, 1e-3)


def assert_linear(fn: Callable[[int], object], small: int, factor: int, max_ratio: float) -> None:
    t_small = best_seconds(lambda: fn(small), 2)
    t_large = best_seconds(lambda: fn(small * factor), 1)
    if t_large / t_small >= max_ratio:  # a busy machine: measure once more, keep the best times
        t_small = min(t_small, best_seconds(lambda: fn(small), 2))
        t_large = min(t_large, best_seconds(lambda: fn(small * factor), 1))
    ratio = t_large / t_small
    assert ratio < max_ratio, (
        f"{small:,} -> {small * factor:,} chars: {t_small:.3f}s -> {t_large:.3f}s ({ratio:.1f}x)"
    )


@pytest.fixture(scope="module")
def big_analyzer() -> Analyzer:
    return Analyzer(max_bytes=50_000_000)


def test_analyze_time_is_linear(big_analyzer: Analyzer) -> None:
    texts = {n: adversarial_text(n) for n in (30_000, 120_000)}
    assert_linear(lambda n: big_analyzer.analyze(texts[n]), 30_000, 4, max_ratio=8.0)


def test_analyze_memory_is_bounded(big_analyzer: Analyzer) -> None:
    text = adversarial_text(200_000)
    big_analyzer.analyze(text[:1000])
    tracemalloc.start()
    try:
        big_analyzer.analyze(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 400 * len(text), f"peak {peak / 1e6:.1f} MB for a {len(text) / 1e6:.1f} MB article"


def test_flat_html_is_linear() -> None:
    row = "<p>Beacon to hxxp://evil[.]com/a and <b>1.2.3.4</b> &amp; @@@ [[[ ...</p>\n"

    def parse(n: int) -> object:
        return Article.from_html("<html><body>" + row * (n // len(row)) + "</body></html>")

    assert_linear(parse, 80_000, 4, max_ratio=8.0)


def test_deeply_nested_html_is_linear() -> None:
    def parse(depth: int) -> object:
        return Article.from_html("<div>" * depth + "text inside" + "</div>" * depth)

    assert_linear(parse, 1500, 4, max_ratio=8.0)


def test_unclosed_nested_inline_html_is_fast() -> None:
    start = time.perf_counter()
    Article.from_html("<b><i><span>" * 20_000 + "x")
    assert time.perf_counter() - start < 20


def _billion_laughs(levels: int = 9) -> bytes:
    entities = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">\n' for i in range(1, levels + 1))
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY l0 "lollollollollollollol">\n'
        + entities
        + ']>\n<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://e.org/1</link>'
        f"<description>&l{levels}; The actor ran PowerShell.</description></item></channel></rss>"
    ).encode()


def test_feed_entities_are_not_expanded() -> None:
    read_feed(_billion_laughs(1))  # warm imports
    tracemalloc.start()
    try:
        start = time.perf_counter()
        entries = read_feed(_billion_laughs())
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 10
    assert peak < 50_000_000
    texts = [e.article.text for e in entries if e.article is not None]
    assert all("lollol" not in t for t in texts)  # 10^9 "lol"s were not produced


def test_feed_external_entities_are_not_resolved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CANARY")
    feed = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://e.org/1</link>'
        "<description>leak: &xxe; The actor ran PowerShell.</description></item></channel></rss>"
    ).encode()
    entries = read_feed(feed)
    assert all("TOPSECRET" not in (e.article.text if e.article else "") for e in entries)


def test_feed_with_a_huge_deeply_nested_entry_is_bounded() -> None:
    body = "&lt;div&gt;" * 3000 + "The actor ran PowerShell (T1059.001)." + "&lt;/div&gt;" * 3000
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://e.org/1</link>'
        f"<description>{body}</description></item></channel></rss>"
    ).encode()
    start = time.perf_counter()
    read_feed(feed)
    assert time.perf_counter() - start < 30


def test_feed_bytes_over_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import ttpmap.feeds._reader as reader

    monkeypatch.setattr(reader, "MAX_FEED_BYTES", 1000)
    with pytest.raises(InputError, match="larger than"):
        read_feed(b"<rss>" + b" " * 2000 + b"</rss>")
    with pytest.raises(InputError, match="larger than"):
        read_feed("https://example.org/feed", fetch=lambda url: b"<rss>" + b" " * 2000 + b"</rss>")


def test_feed_entry_over_the_input_limit_is_an_entry_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTPMAP_MAX_INPUT_BYTES", "500")
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://e.org/1</link>'
        f"<description>{'The actor ran PowerShell. ' * 100}</description></item></channel></rss>"
    ).encode()
    [entry] = read_feed(feed)
    assert entry.article is None
    assert "limit" in (entry.error or "")


# --- the size limit -------------------------------------------------------------------------------


def test_max_bytes_gives_a_clear_error() -> None:
    analyzer = Analyzer(max_bytes=1000)
    analyzer.analyze("The actor ran PowerShell. " * 30)
    with pytest.raises(InputError, match=r"1,000-byte limit.*TTPMAP_MAX_INPUT_BYTES"):
        analyzer.analyze("x" * 1001)
    with pytest.raises(InputError, match="limit"):
        analyzer.analyze("é" * 600)  # 1,200 bytes in UTF-8
    with pytest.raises(InputError, match="limit"):
        analyzer.analyze(Article("x" * 1001))


def test_env_limit_applies_to_every_entry_point(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TTPMAP_MAX_INPUT_BYTES", "1000")
    big = "The actor ran PowerShell. " * 50
    analyzer = Analyzer()
    with pytest.raises(InputError, match="limit"):
        analyzer.analyze(big)
    with pytest.raises(InputError, match="limit"):
        Article.from_html(f"<html><body><p>{big}</p></body></html>".encode())
    path = tmp_path / "a.txt"
    path.write_text(big)
    with pytest.raises(InputError, match="limit"):
        Article.from_file(path)


def test_bad_env_limit_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTPMAP_MAX_INPUT_BYTES", "ten")
    with pytest.raises(InputError, match="TTPMAP_MAX_INPUT_BYTES"):
        Analyzer().analyze("The actor ran PowerShell.")


def test_max_bytes_applies_to_bytes_input() -> None:
    with pytest.raises(InputError, match="limit"):
        Analyzer(max_bytes=100).analyze(b"The actor ran PowerShell. " * 30)  # type: ignore[arg-type]


def test_max_bytes_can_raise_the_limit(big_analyzer: Analyzer) -> None:
    big_analyzer._coerce("word " * 2_200_000)  # 11 MB: over the 10 MiB default, under max_bytes


@pytest.mark.parametrize(
    "feed",
    [
        b"<channel><entry><link><entry></entry></link></entry></channel>",  # feedparser KeyError
        b"&lt;p&gt;<channel><entry><link><entry></entry></link></entry></channel>",  # its loose parser
    ],
)
def test_feeds_that_crash_feedparser_give_input_error(feed: bytes) -> None:
    with pytest.raises(InputError, match="malformed"):
        read_feed(feed)
