"""Read an RSS or Atom feed into `Article` objects, one `FeedEntry` per entry."""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import http.client
import logging
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ttpmap import __version__
from ttpmap._article import Article, check_text
from ttpmap._deps import require
from ttpmap._exceptions import InputError, InvalidParameterError
from ttpmap._reading import read_bounded

__all__ = ["DEFAULT_TIMEOUT", "MAX_FEED_BYTES", "FeedEntry", "Fetch", "read_feed", "urllib_fetch"]

Fetch = Callable[[str], bytes]
"""A function that returns the body of an http(s) URL, or raises `InputError`."""

DEFAULT_TIMEOUT = 30.0
MAX_FEED_BYTES = 50 * 1024 * 1024
_URL = re.compile(r"^https?://", re.IGNORECASE)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_TAG = re.compile(r"<[^<>]{0,2000}>")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")

logger = logging.getLogger("ttpmap.feeds")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed entry: the `Article` made from it, or why none could be made.

    Attributes
    ----------
    key : str
        What identifies the entry across runs: its ID (prefixed with the feed's link when the ID
        is not a URI), else its link, else ``sha256:`` and the hash of its title and content.
    title, link : str or None
        From the feed, also kept when the entry is broken.
    article : Article or None
        None when the entry could not be read; `error` then says why.
    error : str or None
    feed : str
        The feed's title, or where it was read from.
    """

    key: str
    title: str | None
    link: str | None
    article: Article | None
    error: str | None = None
    feed: str = ""

    @property
    def ok(self) -> bool:
        """True when the entry gave an article."""
        return self.article is not None


def urllib_fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """GET an http(s) URL with the standard library; raise `InputError` when that fails.

    `timeout` is the deadline for the whole fetch (connecting, redirects, headers and body), not
    for each read; every redirect must lead to an http(s) URL too.
    """
    if not _URL.match(url):
        raise InputError(f"{url!r} is not an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": f"ttpmap/{__version__} (+feed reader)"})
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(
        _HttpOnlyRedirects(), _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline)
    )
    try:
        with deadline, opener.open(request, timeout=timeout) as response:
            data = _read_within(response, max_bytes, deadline)
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        if deadline.expired:
            raise InputError(f"cannot fetch {url}: no answer within {timeout:g} s; try again later") from None
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot fetch {url}: {reason}; check the URL and your network") from None
    if len(data) > max_bytes:
        raise InputError(f"{url} is larger than {max_bytes:,} bytes; refusing to read it")
    return data


class _Deadline:
    """Shuts down the fetch's sockets when `seconds` have passed: a server that sends a byte now and
    then cannot keep a fetch going past its deadline."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Deadline:
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _DeadlineHTTPConnection(http.client.HTTPConnection):
    deadline: _Deadline

    def connect(self) -> None:
        super().connect()
        self.deadline.watch(self.sock)


class _DeadlineHTTPSConnection(http.client.HTTPSConnection):
    deadline: _Deadline

    def connect(self) -> None:
        super().connect()
        self.deadline.watch(self.sock)


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        deadline = self.deadline

        class Connection(_DeadlineHTTPConnection):
            pass

        Connection.deadline = deadline
        return self.do_open(Connection, req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        deadline = self.deadline

        class Connection(_DeadlineHTTPSConnection):
            pass

        Connection.deadline = deadline
        return self.do_open(Connection, req, context=ssl.create_default_context())


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another http(s) URL (urllib alone would also follow one to ftp)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not _URL.match(newurl):
            raise InputError(
                f"cannot fetch {req.full_url}: it redirects to {newurl!r}, which is not an http(s) URL"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_within(response: Any, max_bytes: int, deadline: _Deadline) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes and not deadline.expired:
        block = response.read1(min(1 << 20, max_bytes + 1 - size))
        if not block:
            break
        chunks.append(block)
        size += len(block)
    if deadline.expired:
        raise TimeoutError("deadline")
    return b"".join(chunks)


def read_feed(
    source: str | os.PathLike[str] | bytes,
    *,
    fetch: Fetch | None = None,
    fetch_full: bool = False,
) -> list[FeedEntry]:
    """Read an RSS or Atom feed: one `FeedEntry` per distinct entry, in feed order.

    Each entry's content (or, without content, its summary) is turned from HTML into text with
    `Article.from_html`; the article keeps the entry's title and link, its published (else
    updated) date as ISO 8601 UTC, and the feed's title as its source. An entry with no text
    comes back with ``article=None`` and an `error`; an entry whose key was already seen in the
    feed is dropped.

    Parameters
    ----------
    source : str, path or bytes
        An http(s) URL, a feed file, or the feed's bytes.
    fetch : callable, optional
        ``fetch(url) -> bytes``, used for a URL `source` and for `fetch_full`
        (default: `urllib_fetch`, with a 30 s timeout). Tests pass their own.
    fetch_full : bool, default=False
        Fetch the page behind each entry's link and analyze its text instead of the feed's
        summary (falls back to the summary when the page cannot be fetched or read).

    Raises
    ------
    InputError
        The source cannot be read, or it is not an RSS or Atom feed.
    """
    feedparser = require("feedparser", extra="feeds", feature="Reading RSS and Atom feeds")
    fetch = urllib_fetch if fetch is None else fetch
    data, where = _load(source, fetch)
    try:
        parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True)
    except (KeyError, AttributeError, IndexError, TypeError, ValueError) as exc:
        # feedparser's own bugs on malformed nesting (an entry inside a link, ...)
        raise InputError(
            f"{where} is a feed too malformed to read ({type(exc).__name__}: {exc}); fix or replace the feed"
        ) from None
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise InputError(f"{where} is not an RSS or Atom feed{detail}; pass a feed file or the feed's URL")
    if parsed.get("bozo"):
        logger.warning(
            "%s is not well-formed (%s); read what could be recovered", where, parsed.get("bozo_exception")
        )
    feed_meta: Mapping[str, Any] = parsed.feed
    feed_title = _plain(feed_meta.get("title")) or where
    feed_base = feed_meta.get("link") if _URL.match(str(feed_meta.get("link") or "")) else feed_title
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        entry = _entry(raw, feed_title, str(feed_base), fetch if fetch_full else None)
        if entry.key in seen:
            logger.info("%s: skipped a duplicate of entry %s", where, entry.key)
            continue
        seen.add(entry.key)
        entries.append(entry)
    return entries


def _load(source: str | os.PathLike[str] | bytes, fetch: Fetch) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        data, where = bytes(source), "the feed"
    elif isinstance(source, str) and _URL.match(source):
        data, where = fetch(source), source
        if not isinstance(data, bytes | bytearray):
            raise InvalidParameterError(f"fetch({source!r}) must return bytes, got {type(data).__name__}")
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        where = str(path)
        if path.is_dir() or not path.exists():
            what = "a directory" if path.is_dir() else "no such file"
            raise InputError(f"{path}: {what}; pass an RSS/Atom feed file or an http(s) URL")
        data = read_bounded(path, MAX_FEED_BYTES, hint="is it really a feed?")
    else:
        raise InvalidParameterError(f"read_feed() takes a URL, a path or bytes, got {type(source).__name__}")
    if len(data) > MAX_FEED_BYTES:
        raise InputError(f"{where} is larger than {MAX_FEED_BYTES:,} bytes; is it really a feed?")
    if not data.strip():
        raise InputError(f"{where} is empty; pass an RSS or Atom feed")
    return bytes(data), where


def _entry(raw: Mapping[str, Any], feed_title: str, feed_base: str, fetch: Fetch | None) -> FeedEntry:
    title = _plain(raw.get("title")) or None
    link = raw.get("link") if _URL.match(str(raw.get("link") or "")) else None
    html, is_html = _body(raw)
    key = _key(raw, link, feed_base, title, html)
    published = _iso(raw.get("published_parsed") or raw.get("updated_parsed"))
    fields = {"title": title, "url": link, "source": feed_title, "published": published}
    if not html.strip():
        return FeedEntry(key, title, link, None, "the entry has no summary or content to analyze", feed_title)
    article: Article | None = None
    if fetch is not None and link is not None:
        article = _full_page(link, fetch, fields)
    if article is None:
        try:
            text = _html_text(html) if is_html else _CONTROL.sub(" ", html)
            article = Article(text, **fields)
        except InputError as exc:
            return FeedEntry(
                key, title, link, None, f"the entry's text cannot be analyzed: {exc}", feed_title
            )
    return FeedEntry(key, title, link, article, None, feed_title)


def _html_text(html: str) -> str:
    """An entry's HTML as text; a summary without tags is plain text, not markup for bs4 to guess at."""
    if "<" not in html:
        import html as _html

        check_text(html, what="HTML")  # the size limit, as from_html checks it
        return _SPACES.sub(" ", _CONTROL.sub(" ", _html.unescape(html))).strip()
    return Article.from_html(_collapse_whitespace(html)).text


def _body(raw: Mapping[str, Any]) -> tuple[str, bool]:
    """The entry's longest content (else its summary), and whether it is HTML."""
    best, best_html = "", True
    for content in raw.get("content") or []:
        value = str(content.get("value") or "")
        if len(value) > len(best):
            best, best_html = value, str(content.get("type") or "text/html") in _HTML_TYPES
    if not best.strip():
        best = str(raw.get("summary") or "")
        detail = raw.get("summary_detail") or {}
        best_html = str(detail.get("type") or "text/html") in _HTML_TYPES
    return best, best_html


def _collapse_whitespace(html: str) -> str:
    """Feed HTML is often hard-wrapped: its line breaks are spaces, not sentence ends (except in <pre>)."""
    lower = html.lower()
    parts: list[str] = []
    pos = 0
    while (start := lower.find("<pre", pos)) >= 0 and (close := lower.find("</pre", start)) >= 0:
        end = lower.find(">", close)
        end = len(html) if end < 0 else end + 1
        parts += [_SPACES.sub(" ", html[pos:start]), html[start:end]]
        pos = end
    parts.append(_SPACES.sub(" ", html[pos:]))
    return "".join(parts)


def _key(raw: Mapping[str, Any], link: str | None, feed_base: str, title: str | None, html: str) -> str:
    entry_id = str(raw.get("id") or "").strip()
    if entry_id and entry_id != raw.get("link"):
        return entry_id if ":" in entry_id else f"{feed_base}#{entry_id}"
    if link:
        return link
    if entry_id:
        return entry_id
    digest = hashlib.sha256(f"{title or ''}\n{html}".encode()).hexdigest()
    return f"sha256:{digest}"


def _iso(parsed: time.struct_time | None) -> str | None:
    if parsed is None:
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))
    except (OverflowError, ValueError, TypeError):
        return None


def _plain(value: object) -> str:
    """Text with tags and entities removed (feed titles may carry HTML)."""
    if not isinstance(value, str):
        return ""
    if "<" in value or "&" in value:
        import html

        value = html.unescape(_TAG.sub("", value))
    return " ".join(_CONTROL.sub(" ", value).split())


def _full_page(link: str, fetch: Fetch, fields: dict[str, Any]) -> Article | None:
    try:
        page = Article.from_html(fetch(link), url=link)
    except InputError as exc:
        logger.warning("cannot use the page behind %s (%s); analyzing the feed's summary", link, exc)
        return None
    values = page.to_dict()
    values.update({k: v for k, v in fields.items() if v is not None})
    return Article(**values)
