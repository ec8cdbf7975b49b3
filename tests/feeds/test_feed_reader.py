"""`read_feed`: RSS 2.0 and Atom files written for these tests, never the network."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ttpmap._exceptions import InputError, InvalidParameterError
from ttpmap.feeds import FeedEntry, read_feed, urllib_fetch

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
RSS = DATA / "rss2.xml"
ATOM = DATA / "atom.xml"


def by_title(entries: list[FeedEntry]) -> dict[str | None, FeedEntry]:
    return {e.title: e for e in entries}


def test_rss2_entries_become_articles() -> None:
    entries = read_feed(RSS)
    assert len(entries) == 4  # five items, one a duplicate of the first
    first = entries[0]
    assert first.ok
    assert first.article is not None
    assert first.key == "https://research.example.org/#etr-2024-0517"  # a bare guid, namespaced by the feed
    assert first.title == "Edge VPN exploitation leads to PowerShell loader"
    assert first.link == "https://research.example.org/2024/05/edge-vpn-powershell-loader"
    article = first.article
    assert article.published == "2024-05-17T09:30:00Z"
    assert article.source == "Example Threat Research" == first.feed
    assert article.url == first.link
    assert article.title == first.title
    # the full content:encoded is preferred over the short description, as text
    assert "scheduled task" in article.text
    assert "T1053.005" in article.text
    assert "<p>" not in article.text
    assert "trackVisit" not in article.text
    assert "hxxp://update-check[.]example[.]net/a.ps1" in article.text
    # the feed's HTML is hard-wrapped: its line breaks are spaces, not sentence ends
    assert "exploitation of CVE-2024-3400 on an internet-facing VPN gateway (T1190)." in article.text


def test_preformatted_text_keeps_its_lines() -> None:
    feed = (
        b'<rss version="2.0"><channel><title>P</title><item><link>https://p.example/1</link><description>'
        b"&lt;p&gt;The script\n ran:&lt;/p&gt;&lt;pre&gt;net user\n  whoami /all&lt;/pre&gt;</description>"
        b"</item></channel></rss>"
    )
    [entry] = read_feed(feed)
    assert entry.article is not None
    assert "The script ran:" in entry.article.text
    assert "net user\nwhoami /all" in entry.article.text  # the line break survives


def test_rss2_missing_dates_titles_and_links() -> None:
    entries = read_feed(RSS)
    phishing = by_title(entries)["Phishing wave drops info-stealer through ISO attachments"]
    assert phishing.key == phishing.link == "https://research.example.org/2024/05/iso-infostealer"
    assert phishing.article is not None
    assert phishing.article.published is None
    assert "files.example[.]com" in phishing.article.text
    anonymous = by_title(entries)[None]
    assert anonymous.link is None
    assert anonymous.key.startswith("sha256:")
    assert len(anonymous.key) == 7 + 64
    assert anonymous.key == by_title(read_feed(RSS.read_bytes()))[None].key  # stable across reads
    assert anonymous.article is not None
    assert "vssadmin" in anonymous.article.text


def test_a_broken_entry_is_kept_with_its_error() -> None:
    broken = by_title(read_feed(RSS))["Placeholder with no body"]
    assert broken.article is None
    assert not broken.ok
    assert broken.error is not None
    assert "no summary or content" in broken.error
    assert broken.key == "https://research.example.org/#etr-2024-0520"


def test_atom_entries() -> None:
    entries = read_feed(ATOM)
    assert [e.key for e in entries] == [
        "tag:cert.example.net,2024:advisory-0601",
        "tag:cert.example.net,2024:advisory-0602",
        "tag:cert.example.net,2024:advisory-0603",
    ]
    dumping, undated, xhtml = entries
    assert dumping.title == "Credential dumping with comsvcs.dll"  # HTML title as plain text
    assert dumping.article is not None
    assert dumping.article.published == "2024-06-01T06:15:00Z"  # +02:00 in the feed, UTC here
    assert "LSASS memory (T1003.001)" in dumping.article.text  # content, not the one-line summary
    assert undated.article is not None
    assert undated.article.published is None
    assert "login-portal.example.com" in undated.article.text
    assert xhtml.link is None  # its tag: ID is not a link
    assert xhtml.article is not None
    assert xhtml.article.published == "2024-06-03T12:00:00Z"
    assert "Run registry key (T1547.001)" in xhtml.article.text


def test_a_malformed_feed_is_read_as_far_as_possible(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ttpmap.feeds"):
        entries = read_feed(DATA / "malformed-entry.xml")
    assert [e.title for e in entries] == [
        "Valid first item",
        "Broken item & unescaped ampersand",
        "Valid third item",
    ]
    assert all(e.ok for e in entries)
    assert "not well-formed" in caplog.text
    truncated = RSS.read_bytes()[:2400]
    assert [e.title for e in read_feed(truncated)][:1] == ["Edge VPN exploitation leads to PowerShell loader"]


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (DATA / "not-a-feed.html", "not an RSS or Atom feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not an RSS or Atom feed"),
        (b"   \n", "is empty"),
        (DATA / "no-such-feed.xml", "no such file"),
        (DATA, "a directory"),
    ],
)
def test_what_is_not_a_feed_is_refused_clearly(source: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_feed(source)  # type: ignore[arg-type]


def test_an_empty_feed_has_no_entries() -> None:
    assert (
        read_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>') == []
    )


def test_urls_go_through_the_fetch_function() -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return ATOM.read_bytes()

    entries = read_feed("https://cert.example.net/feed.atom", fetch=fetch)
    assert asked == ["https://cert.example.net/feed.atom"]
    assert len(entries) == 3

    def offline(url: str) -> bytes:
        raise InputError(f"cannot fetch {url}: offline")

    with pytest.raises(InputError, match="offline"):
        read_feed("https://cert.example.net/feed.atom", fetch=offline)
    with pytest.raises(InvalidParameterError, match="must return bytes"):
        read_feed("https://x.example/feed", fetch=lambda url: "text")  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidParameterError, match="URL, a path or bytes"):
        read_feed(42)  # type: ignore[arg-type]


def test_fetch_full_reads_the_page_behind_each_link(caplog: pytest.LogCaptureFixture) -> None:
    page = (
        "<html><head><title>Page title</title></head><body><nav>Home | Blog</nav><article>"
        "<p>The full report: the actor used DLL side-loading (T1574.002) against a signed binary.</p>"
        "</article></body></html>"
    )

    def fetch(url: str) -> bytes:
        if url.endswith("iso-infostealer"):
            raise InputError(f"cannot fetch {url}: HTTP 404 Not Found")
        return page.encode()

    with caplog.at_level(logging.WARNING, logger="ttpmap.feeds"):
        entries = by_title(read_feed(RSS, fetch=fetch, fetch_full=True))
    full = entries["Edge VPN exploitation leads to PowerShell loader"].article
    assert full is not None
    assert "DLL side-loading (T1574.002)" in full.text
    assert "Home | Blog" not in full.text
    assert full.title == "Edge VPN exploitation leads to PowerShell loader"  # the feed's title wins
    assert full.published == "2024-05-17T09:30:00Z"
    fallback = entries["Phishing wave drops info-stealer through ISO attachments"].article
    assert fallback is not None
    assert "ISO attachments (T1566.001)" in fallback.text
    assert "HTTP 404" in caplog.text


def test_the_default_fetch_only_speaks_http() -> None:
    with pytest.raises(InputError, match="not an http"):
        urllib_fetch("file:///etc/passwd")
