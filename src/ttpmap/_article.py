"""`Article`: the text to analyze and where it came from, with checked constructors."""

from __future__ import annotations

import codecs
import datetime as _dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ttpmap._exceptions import InputError
from ttpmap._gc import gc_paused

__all__ = ["DEFAULT_MAX_BYTES", "Article", "check_text", "max_input_bytes"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_MAX_BYTES_ENV = "TTPMAP_MAX_INPUT_BYTES"
_SIZE_HINT = f"split it, or raise the limit with max_bytes= ({_MAX_BYTES_ENV}, CLI: --max-bytes)"
_HTML_START = re.compile(r"\A\s{0,1000}(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_MD_HEADING = re.compile(r"\A\s{0,200}#[ \t]+([^\n]{1,300})")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BREAK = "\ue000"
_TITLE_SUFFIX = re.compile(r"\s(?:[|\u2013\u2014\u00b7\u2022:]|-|::)\s+\S[^|]{0,80}\Z")
_JSON_START = re.compile(r"\A\s{0,1000}\{")
_FORMATS = frozenset({None, "markdown", "html", "text"})
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text", ""})
_DROP_TAGS = frozenset((
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "nav", "header", "footer", "aside", "form", "button", "select", "input", "menu", "dialog",
))  # fmt: skip
_DROP_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_PREFIX = {"li": _BREAK + "- ", "blockquote": _BREAK + _BREAK + "> ", "pre": _BREAK + _BREAK + "```" + _BREAK}
_PREFIX.update(dict.fromkeys(_HEADINGS, ""))
_PARAGRAPH_ENDS = frozenset(("ul", "ol", "blockquote", "table", "h1", "h2", "h3", "h4", "h5", "h6", "p"))
_BLOCK_TAGS = frozenset((
    "p", "div", "br", "li", "ul", "ol", "table", "tr", "td", "th", "pre", "blockquote", "section",
    "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "hr",
))  # fmt: skip


def max_input_bytes() -> int:
    """The input size limit: ``$TTPMAP_MAX_INPUT_BYTES`` if set, else 10 MiB."""
    value = os.environ.get(_MAX_BYTES_ENV)
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        limit = int(value)
    except ValueError:
        raise InputError(
            f"{_MAX_BYTES_ENV}={value!r} is not a whole number of bytes; unset it or fix it"
        ) from None
    if limit <= 0:
        raise InputError(f"{_MAX_BYTES_ENV}={value!r} must be a positive number of bytes; unset it or fix it")
    return limit


def check_text(
    text: object, *, what: str = "article text", max_bytes: int | None = None, check_size: bool = True
) -> str:
    """Return `text` if it is analyzable; raise `InputError` saying what is wrong and what to do.

    The size limit is `max_bytes`, else `max_input_bytes()`; ``check_size=False`` skips it.
    """
    if isinstance(text, bytes | bytearray):
        raise InputError(f"{what} is bytes; decode it first or use Article.from_file(path)")
    if not isinstance(text, str):
        raise InputError(f"{what} must be a str, got {type(text).__name__}")
    if check_size:
        _check_size(len(text.encode("utf-8", "surrogatepass")), what, max_bytes)
    if not text.strip():
        raise InputError(f"{what} is empty; pass the article's text")
    _check_surrogates(text, what)
    sample = text[:65536]
    if "\x00" in text or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise InputError(f"{what} looks like binary data, not text; pass the article as text, HTML or JSON")
    if "\ufffd" in sample and sample.count("\ufffd") > max(8, len(sample) // 100):
        raise InputError(f"{what} is full of undecodable characters; re-read the file with its real encoding")
    return text


def _check_surrogates(text: str, what: str) -> None:
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise InputError(
            f"{what} holds a lone surrogate (U+{ord(bad.group()):04X} at character {bad.start()}), which is "
            "not text and cannot be written as UTF-8; fix the source, or decode it with errors='replace'"
        )


def _check_size(size: int, what: str, max_bytes: int | None) -> None:
    limit = max_input_bytes() if max_bytes is None else max_bytes
    if size > limit:
        raise InputError(f"{what} is {size:,} bytes, over the {limit:,}-byte limit; {_SIZE_HINT}")


@dataclass(frozen=True, slots=True)
class Article:
    """A security article: its text and, when known, title, URL, source and publication date.

    Parameters
    ----------
    text : str
        The article's plain text. Use `Article.from_html` for HTML and `Article.from_file` for files.
    title, url, source : str, optional
    published : str or datetime.date, optional
        Stored as an ISO 8601 string.
    format : {"markdown", "html", "text"}, optional
        How to read `text`'s structure (headings, tables, code, images, links): ``"html"`` is the
        light Markdown that `from_html` writes. Default: sniffed from the text.

    Examples
    --------
    >>> Article("The actor used PowerShell to download a payload.", title="Demo").title
    'Demo'
    """

    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    format: str | None = None

    def __post_init__(self) -> None:
        check_text(self.text, check_size=False)
        if self.format not in _FORMATS:
            raise InputError(
                f"Article.format must be one of markdown, html, text or None, got {self.format!r}"
            )
        if _HTML_START.match(self.text):
            raise InputError(
                "article text looks like an HTML document; use Article.from_html(html) to extract its text"
            )
        for name in ("title", "url", "source"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InputError(f"Article.{name} must be a str or None, got {type(value).__name__}")
            if value is not None:
                _check_surrogates(value, f"Article.{name}")
        published: Any = self.published
        if isinstance(published, _dt.datetime | _dt.date):
            object.__setattr__(self, "published", published.isoformat())
        elif published is not None and not isinstance(published, str):
            raise InputError(
                f"Article.published must be an ISO 8601 str or a date, got {type(published).__name__}"
            )
        elif published is not None:
            _check_surrogates(published, "Article.published")

    @classmethod
    def from_text(cls, text: str, *, max_bytes: int | None = None, **fields: Any) -> Article:
        """An `Article` from a string, which may be an HTML document (then parsed with `from_html`)."""
        check_text(text, max_bytes=max_bytes)
        if _HTML_START.match(text):
            article = cls.from_html(text, url=fields.get("url"), max_bytes=max_bytes)
            keep = {k: v for k, v in fields.items() if v is not None}
            return article if not keep else _replace(article, **keep)
        return cls(text, **fields)

    @classmethod
    def from_html(cls, html: str | bytes, url: str | None = None, *, max_bytes: int | None = None) -> Article:
        """Keep an HTML page's article text (no scripts, styles or navigation), title, date and source.

        Uses BeautifulSoup with lxml. `<article>` or `<main>` is preferred over the whole `<body>`.
        """
        if isinstance(html, str):
            check_text(html, what="HTML", max_bytes=max_bytes)
        elif isinstance(html, bytes | bytearray):
            _check_size(len(html), "HTML", max_bytes)
            if b"\x00" in html[:65536] and not html.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise InputError("HTML looks like binary data; pass the page's HTML")
        else:
            raise InputError(f"HTML must be str or bytes, got {type(html).__name__}")
        text, meta = _html_text(html)
        if not text.strip():
            raise InputError("the HTML has no article text (only markup, scripts or navigation)")
        return cls(
            text,
            title=meta.get("title"),
            url=url or meta.get("url"),
            source=meta.get("source"),
            published=meta.get("published"),
            format="html",
        )

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, encoding: str | None = None, max_bytes: int | None = None
    ) -> Article:
        """Read an article from a `.txt`, `.md`, `.html` or `.json` file (an object with Article's fields)."""
        from ttpmap._reading import read_bounded

        p = Path(path)
        if p.is_dir():
            raise InputError(f"{p} is a directory; pass an article file (.txt, .md, .html or .json)")
        limit = max_input_bytes() if max_bytes is None else max_bytes
        data = read_bounded(p, limit, hint=_SIZE_HINT)
        return cls.from_bytes(
            data, name=str(p), suffix=p.suffix.lower(), encoding=encoding, max_bytes=max_bytes
        )

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        name: str = "input",
        suffix: str = "",
        encoding: str | None = None,
        max_bytes: int | None = None,
    ) -> Article:
        """Decode `data` (UTF-8, UTF-8/16 with BOM, or `encoding`) and parse it by `suffix`."""
        _check_size(len(data), name, max_bytes)
        if not data.strip():
            raise InputError(f"{name} is empty; pass a file with the article's text")
        if suffix in _HTML_SUFFIXES:
            try:
                return cls.from_html(data, max_bytes=max_bytes)
            except InputError as exc:
                raise InputError(f"{name}: {exc}") from None
        text = _decode(data, name, encoding)
        try:
            if suffix == ".json" or (suffix == "" and _JSON_START.match(text) and _is_json_article(text)):
                return cls._from_json(text, max_bytes)
            if suffix in {".md", ".markdown"}:
                heading = _MD_HEADING.search(text)
                title = heading.group(1).strip() if heading else None
                return cls.from_text(text, max_bytes=max_bytes, title=title, format="markdown")
            return cls.from_text(text, max_bytes=max_bytes)
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from None
        raise AssertionError("unreachable")

    @classmethod
    def _from_json(cls, text: str, max_bytes: int | None) -> Article:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON ({exc.msg} at line {exc.lineno}); fix the file") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(
                'JSON must be an object with a "text" string (and optional title, url, source, published)'
            )
        fields = {k: obj.get(k) for k in ("title", "url", "source", "published")}
        return cls.from_text(obj["text"], max_bytes=max_bytes, **fields)

    def to_dict(self) -> dict[str, Any]:
        """The article's fields as a plain dict."""
        return {
            "text": self.text,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published,
            "format": self.format,
        }


def _is_json_article(text: str) -> bool:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("text"), str)


def _as_markup(html: str | bytes) -> str | bytes:
    """`html` with a final newline when short and tagless: bs4 then parses it without guessing that
    it may be a URL or a file name (its MarkupResemblesLocatorWarning); what we parse is markup."""
    if len(html) > 256:
        return html
    if isinstance(html, str):
        return html + "\n" if "<" not in html else html
    utf16 = html.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # one more byte would break it
    return bytes(html) + b"\n" if b"<" not in html and not utf16 else html


def _replace(article: Article, **fields: Any) -> Article:
    values = article.to_dict()
    values.update(fields)
    return Article(**values)


def _decode(data: bytes, name: str, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeError, LookupError, TypeError, ValueError, Warning) as exc:  # Warning: under -W error
            raise InputError(
                f"{name}: cannot decode as {encoding} ({exc}); pass the right encoding"
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: invalid UTF-16 despite its byte-order mark; re-save it as UTF-8"
            ) from None
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks like binary data, not text; pass a .txt, .md, .html or .json article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8 or pass encoding= "
            "(CLI: --encoding, e.g. cp1252)"
        ) from None


def _flowed_text(root: Any) -> str:
    """The text under `root` as light Markdown: a break around each block tag and at each newline in
    `<pre>`; `#` before headings, `- ` before list items, `> ` before quotes, tables as pipe rows,
    `<pre>` fenced, images as ``![alt](src)``, so that `ttpmap._structure` reads the blocks back.

    One iterative walk: inserting strings into the tree instead is quadratic in bs4.
    """
    from bs4 import CData, Tag
    from bs4.element import NavigableString

    out: list[str] = []
    # (node, closing, inside <pre>, inside a cell, id of the nearest <table>): no walks up the tree
    stack: list[tuple[Any, bool, bool, bool, int]] = [(root, False, False, False, 0)]
    tables: set[int] = set()
    while stack:
        node, closing, in_pre, in_cell, table = stack.pop()
        if closing:
            out.append(_close_markup(node, tables, in_cell))
        elif isinstance(node, NavigableString):
            if type(node) is NavigableString or isinstance(node, CData):
                text = str(node)
                out.append(text.replace("\n", _BREAK) if in_pre else text.replace("|", "\\|"))
        elif isinstance(node, Tag):
            name = node.name
            if node is not root and (name in _BLOCK_TAGS or name == "img"):
                out.append(_open_markup(node, in_pre, in_cell, table, tables))
                stack.append((node, True, in_pre, in_cell, table))
            inner = (
                in_pre or name == "pre",
                in_cell or name in ("td", "th"),
                id(node) if name == "table" else table,
            )
            stack.extend((child, False, *inner) for child in reversed(node.contents))
    return "".join(out)


def _open_markup(node: Any, in_pre: bool, in_cell: bool, table: int, tables: set[int]) -> str:
    name = node.name
    if in_pre:
        return ""
    if name == "img":
        alt = " ".join(str(node.get("alt") or "").replace("]", " ").replace("[", " ").split())
        src = str(node.get("src") or "").strip()
        return f" ![{alt}]({src}) " if src and not any(c in src for c in " ()<>\n") else f" {alt} "
    if name in ("td", "th"):
        return " "
    if name == "tr":
        return _BREAK + _table_head(node, table, tables) + "|"
    if in_cell:
        return " "
    prefix = _PREFIX.get(name)
    if prefix is None:
        return _BREAK
    return f"{_BREAK}{_BREAK}{'#' * int(name[1])} " if name in _HEADINGS else prefix


def _table_head(row: Any, table: int, tables: set[int]) -> str:
    """Before a table's first row: a blank line, and an empty header row when it has no ``<th>``."""
    if not table or table in tables:
        return ""
    tables.add(table)
    n = max(1, len(row.find_all(("td", "th"), recursive=False)))
    if row.find("th", recursive=False) is not None:
        tables.add(id(row))
        return _BREAK
    return f"{_BREAK}|{'  |' * n}{_BREAK}|{' --- |' * n}{_BREAK}"


def _close_markup(node: Any, tables: set[int], in_cell: bool) -> str:
    name = node.name
    if name in ("td", "th"):
        return " |"
    if name in ("img", "li"):
        return ""
    if name == "tr" and id(node) in tables:
        n = max(1, len(node.find_all(("td", "th"), recursive=False)))
        return f"{_BREAK}|{' --- |' * n}"
    if name != "tr" and in_cell:
        return " "
    if name == "pre":
        return f"{_BREAK}```{_BREAK}{_BREAK}"
    return _BREAK + _BREAK if name in _PARAGRAPH_ENDS else _BREAK


def _normalise_whitespace(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _html_text(html: str | bytes) -> tuple[str, dict[str, str]]:
    """The article text of a page as light Markdown, and its metadata.

    The cyclic collector is paused while the tree is built and read: a page's tree is one large
    reference cycle that stays alive throughout, and collections triggered meanwhile grow with it.
    """
    from bs4 import BeautifulSoup

    with gc_paused():
        soup = BeautifulSoup(_as_markup(html), "lxml")
        tags = _tags_by_name(soup)
        meta = _html_metadata(tags)
        for name, found in tags.items():
            for tag in found:
                if not _decomposed(tag) and (name in _DROP_TAGS or tag.get("role") in _DROP_ROLES):
                    tag.decompose()
        root = _first_kept(tags, "article") or _first_kept(tags, "main") or soup.body or soup
        flowed = re.sub(r"\s+", " ", _flowed_text(root))
    return _normalise_whitespace(flowed.replace(_BREAK, "\n")), meta


def _tags_by_name(soup: Any) -> dict[str, list[Any]]:
    """Every tag of the page by name, in document order: one walk serves every later lookup."""
    from bs4 import Tag

    tags: dict[str, list[Any]] = {}
    for node in soup.descendants:
        if isinstance(node, Tag):
            tags.setdefault(node.name, []).append(node)
    return tags


def _first_kept(tags: dict[str, list[Any]], name: str) -> Any:
    return next((t for t in tags.get(name, ()) if not _decomposed(t)), None)


def _decomposed(tag: Any) -> bool:
    # not `tag.decomposed`: on a live tag its getattr(self, "_decomposed") reaches Tag.__getattr__,
    # which searches the whole subtree for a <_decomposed> tag (quadratic on nested HTML)
    return bool(vars(tag).get("_decomposed", False))


def _html_metadata(tags: dict[str, list[Any]]) -> dict[str, str]:
    meta: dict[str, str] = {}

    def content(attr: str, value: str) -> str | None:
        tag = next((t for t in tags.get("meta", ()) if t.get(attr) == value), None)
        found = tag.get("content") if tag is not None else None
        return found.strip() if isinstance(found, str) and found.strip() else None

    title = content("property", "og:title")
    page_title = next(iter(tags.get("title", ())), None)
    if title is None and page_title is not None and page_title.string:
        title = page_title.string.strip()
        h1 = next(iter(tags.get("h1", ())), None)
        heading = " ".join(h1.get_text(" ").split()) if h1 is not None else ""
        if heading and _TITLE_SUFFIX.search(title):
            title = heading
    if title:
        meta["title"] = title
    source = content("property", "og:site_name")
    if source:
        meta["source"] = source
    published = content("property", "article:published_time") or content("name", "date")
    if published is None:
        time_tag = next((t for t in tags.get("time", ()) if t.has_attr("datetime")), None)
        if time_tag is not None:
            published = str(time_tag["datetime"]).strip() or None
    if published:
        meta["published"] = published
    canonical = next((t for t in tags.get("link", ()) if "canonical" in (t.get("rel") or ())), None)
    href = canonical.get("href") if canonical is not None else None
    if isinstance(href, str) and href.startswith(("http://", "https://")):
        meta["url"] = href
    return meta
