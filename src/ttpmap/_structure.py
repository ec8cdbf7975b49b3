"""The document model: an article's text with its blocks and inline images and links, by offset.

Every offset indexes `Structure.text`, the text the user gave (for HTML, the text `Article.from_html`
made of the page). Markdown is parsed with markdown-it-py (CommonMark, with GFM tables); plain text by
line shape. Blocks are leaves and never overlap: a list item's or quote's paragraphs are that kind.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

__all__ = [
    "PROSE_KINDS",
    "REFERENCE_HEADING",
    "Block",
    "Inline",
    "Row",
    "Structure",
    "parse_structure",
    "plain",
    "sniff_format",
]

BlockKind = Literal["heading", "paragraph", "list_item", "table", "code", "quote", "caption", "image", "html"]
Format = Literal["markdown", "text"]
PROSE_KINDS = frozenset({"paragraph", "list_item", "quote", "caption"})

_MD_SIGNS = re.compile(
    r"^(?:#{1,6}[ \t]\S|\|[^\n]*\|[ \t]*$|```|~~~)|!\[[^\]\n]{0,500}\]\(|\]\((?:https?:)?/",
    re.MULTILINE,
)
_IMAGE = re.compile(
    r"!\[(?P<alt>(?:[^\]\n]|\n(?![ \t]*\n)){0,1000})\]\n?\(\s{0,20}<?"
    r"(?P<src>data:[^\s()\[\]!<>]*|(?:[^\s()<>]|\([^\s()<>]{0,200}\)){0,2048})>?"
    r"(?:\s{1,20}\"[^\"\n]{0,300}\")?\s{0,20}\)"
)
_LINK = re.compile(
    r"(?<!!)\[(?P<text>(?:[^\[\]\n]|!\[[^\]\n]{0,1000}\]\([^()\s]{0,2048}\)){0,1000})\]"
    r"\(\s{0,20}<?(?P<href>[^\s()<>]{1,2048})>?(?:\s{1,20}\"[^\"\n]{0,300}\")?\s{0,20}\)"
    r"|<(?P<auto>https?://[^\s<>]{1,2048})>"
)
_DATA_URI = re.compile(r"data:[a-z]{1,20}/?[\w.+-]{0,40};base64,[A-Za-z0-9+/=]*", re.IGNORECASE)
_CAPTION = re.compile(
    r"\A[*_ ]{0,3}(?:figure|fig\.|image|screenshot|table)\s{0,3}\d{0,3}\s{0,3}[:.\-–—]", re.I
)
_PIPE_ROW = re.compile(r"(?:[-*+>][ \t]{1,4})?\|[^\n]*\|")
_NOT_NEWLINE = re.compile(r"[^\n]")
#: The words of a heading over a reference section: its entries are other articles, not this one's
#: claims or indicators (severity rules skip such a section; a URL in it is a cited reference).
REFERENCE_HEADING = re.compile(
    r"\b(?:references?|sources?|further reading|see also|read more|learn more|resources|bibliography"
    r"|citations?|related (?:reading|posts?|articles?)|acknowledge?ments?|about the authors?)\b",
    re.IGNORECASE,
)
#: The words of a heading over advice to defenders: its sentences name techniques to defend against,
#: not what happened (a technique's evidence comes from elsewhere when the article tells it).
ADVICE_HEADING = re.compile(
    r"\b(?:recommendations?|recommended actions?|mitigations?|remediation|prevention|best practices"
    r"|guidance|defensive measures|what (?:to|you can) do|how to (?:protect|defend|stay safe)"
    r"|protect(?:ing)? (?:yourself|your (?:organi[sz]ation|business|network)))\b",
    re.IGNORECASE,
)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LIST_LINE = re.compile(r"[ \t]{0,8}(?:[-*+\u2022\u25aa\u25cf]|\d{1,3}[.)]|[a-z][.)])[ \t]+\S")
_GAP = re.compile(r"\S(?: {3,}|[ ]*\t[ \t]*)(?=\S)")
_NARROW_GAP = re.compile(r"\S(?: {2,}|[ ]*\t[ \t]*)(?=\S)")
_PIPE_LINE = re.compile(r"[ \t]*\|[^\n]*\|[ \t]*")
_RULE_LINE = re.compile(r"[ \t]*(?:[-=_*|+:][ \t]*){3,}")
_BYLINE = re.compile(r"[*_ ]{0,3}(?:by|author|authors|written by|posted by)\b[: ]", re.IGNORECASE)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
_DATE_LINE = re.compile(
    rf"[*_ ]{{0,3}}(?:(?:published|posted|updated|date)[: ]{{1,3}})?(?:{_MONTHS}\s{{1,3}}\d{{1,2}},?\s{{1,3}}\d{{4}}"
    rf"|\d{{1,2}}\s{{1,3}}{_MONTHS},?\s{{1,3}}\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ][\d:.+Z-]{{0,20}})?)[*_ ]{{0,3}}",
    re.IGNORECASE,
)
_HEAD_LINES = 12


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its span, its cells' spans, and whether it is the header row."""

    start: int
    end: int
    cells: tuple[tuple[int, int], ...]
    header: bool = False


@dataclass(frozen=True, slots=True)
class Block:
    """A leaf block of the article: its kind, its span, a heading's level and a table's rows."""

    kind: BlockKind
    start: int
    end: int
    level: int = 0
    rows: tuple[Row, ...] = ()


@dataclass(frozen=True, slots=True)
class Inline:
    """An image (text = alt) or a link (text = link text), with its target's span."""

    kind: Literal["image", "link"]
    start: int
    end: int
    text: str
    target: str
    target_start: int
    target_end: int


@dataclass(frozen=True)
class Structure:
    """The blocks, inlines and metadata of one article text."""

    text: str
    format: Format
    blocks: tuple[Block, ...]
    inlines: tuple[Inline, ...]
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    language: str | None = None
    _starts: list[int] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._starts.extend(b.start for b in self.blocks)

    def block_at(self, offset: int) -> Block | None:
        """The block that contains character `offset`, or None (blank lines, rules)."""
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self.blocks[i].end:
            return self.blocks[i]
        return None

    def heading_before(self, offset: int) -> Block | None:
        """The last heading that starts before `offset`: the section `offset` is in."""
        return _last_before(self._headings, offset)

    def kind_at(self, offset: int) -> str | None:
        """The block kind at `offset`: ``"image"`` inside an image, else the block's kind."""
        if self.image_at(offset) is not None:
            return "image"
        block = self.block_at(offset)
        return block.kind if block is not None else None

    def image_at(self, offset: int) -> Inline | None:
        return _inline_at(self._images, offset)

    def link_at(self, offset: int) -> Inline | None:
        return _inline_at(self._links, offset)

    @cached_property
    def _headings(self) -> tuple[list[int], list[Block]]:
        items = [b for b in self.blocks if b.kind == "heading"]
        return [b.start for b in items], items

    @cached_property
    def _images(self) -> tuple[list[int], list[Inline]]:
        items = [i for i in self.inlines if i.kind == "image"]
        return [i.start for i in items], items

    @cached_property
    def _links(self) -> tuple[list[int], list[Inline]]:
        items = [i for i in self.inlines if i.kind == "link"]
        return [i.start for i in items], items

    @cached_property
    def prose(self) -> str:
        """The text with every non-prose character blanked: same length, so offsets still hold.

        Kept: paragraphs, list items, quotes, captions (the author's words on what a figure shows)
        and link texts. Blanked (newlines stay): headings, tables, code, HTML, images, link targets
        and markup, data URIs.
        """
        ranges = [(b.start, b.end) for b in self.blocks if b.kind not in PROSE_KINDS]
        for i in self.inlines:
            if i.kind == "image":
                ranges.append((i.start, i.end))
            elif i.target_start > i.start:
                close = self.text.rfind("]", i.start, i.target_start)
                if close < 0:  # an autolink, <https://...>: all target
                    ranges.append((i.start, i.end))
                    continue
                ranges.append((i.start, i.start + 1))
                ranges.append((close, i.end))
        ranges.extend((m.start(), m.end()) for m in _DATA_URI.finditer(self.text))
        return _blanked(self.text, ranges)

    def summary_paragraphs(self) -> list[tuple[int, int]]:
        """Spans of prose paragraphs, skipping bylines, dates, captions and image-only lines."""
        spans = []
        for b in self.blocks:
            if b.kind != "paragraph":
                continue
            line = self.text[b.start : b.end]
            if _BYLINE.match(line) or _DATE_LINE.fullmatch(line.strip()):
                continue
            spans.append((b.start, b.end))
        return spans


def _last_before(index: tuple[list[int], list[Block]], offset: int) -> Block | None:
    starts, items = index
    i = bisect_right(starts, offset) - 1
    return items[i] if i >= 0 and items[i].end <= offset else None


def _inline_at(index: tuple[list[int], list[Inline]], offset: int) -> Inline | None:
    starts, items = index
    i = bisect_right(starts, offset) - 1
    if i >= 0 and offset < items[i].end:
        return items[i]
    return None


def _blanked(text: str, ranges: list[tuple[int, int]]) -> str:
    """`text` with every character but newlines in `ranges` replaced by a space."""
    out = []
    at = 0
    for start, end in sorted(ranges):
        start = max(start, at)
        if end <= start:
            continue
        out.append(text[at:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        at = end
    out.append(text[at:])
    return "".join(out)


def sniff_format(text: str) -> Format:
    """``"markdown"`` when the text shows Markdown syntax (headings, tables, fences, images, links), else ``"text"``."""
    return "markdown" if _MD_SIGNS.search(text[:200_000]) else "text"


def parse_structure(text: str, fmt: str | None = None, *, language: str | None = None) -> Structure:
    """Parse `text` as Markdown or plain text (`fmt`, else sniffed) into a `Structure`."""
    kind: Format = (
        "markdown" if fmt in ("markdown", "html") else "text" if fmt == "text" else sniff_format(text)
    )
    blocks = _markdown_blocks(text) if kind == "markdown" else _text_blocks(text)
    code = [(b.start, b.end) for b in blocks if b.kind in ("code", "html")]
    inlines = _inlines(text, code) if kind == "markdown" else []
    if kind == "markdown":
        blocks = [_image_only(b, text, inlines) for b in blocks]
    blocks = _captions(blocks, text)
    title, byline, date = _metadata(text, blocks)
    return Structure(text, kind, tuple(blocks), tuple(inlines), title, byline, date, language)


# -- Markdown ------------------------------------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


@lru_cache(maxsize=1)
def _block_parser() -> Any:
    """markdown-it-py, CommonMark with GFM tables, block level only: inlines are found by `_inlines`."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
    parser.disable(["inline", "text_join"], ignoreInvalid=True)
    return parser


def _markdown_blocks(text: str) -> list[Block]:
    tokens = _block_parser().parse(text)
    lines = _line_starts(text)
    n = len(lines)

    def span(m: list[int]) -> tuple[int, int]:
        start = lines[min(m[0], n - 1)]
        end = lines[m[1]] if m[1] < n else len(text)
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
        while start < end and text[start] in " \t\r\n":
            start += 1
        return start, end

    blocks: list[Block] = []
    context: list[str] = []
    i = 0
    m: Any
    while i < len(tokens):
        t = tokens[i]
        if t.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            context.append("list_item" if t.type != "blockquote_open" else "quote")
        elif t.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            context.pop()
        elif t.type == "heading_open" and t.markup in ("-", "=") and (m := t.map) and m[1] - m[0] > 2:
            head = span([m[1] - 2, m[1]])
            blocks.extend(_lines(Block("paragraph", *span([m[0], m[1] - 2])), text))
            blocks.append(Block("heading", *head, level=int(t.tag[1:])))
        elif t.map is not None and t.type in (
            "heading_open",
            "paragraph_open",
            "fence",
            "code_block",
            "html_block",
        ):
            start, end = span(t.map)
            if end > start:
                blocks.extend(_lines(_leaf(t, context, start, end), text))
        elif t.type == "table_open" and t.map is not None:
            i = _table(tokens, i, text, span, blocks)
            continue
        i += 1
    return _pipe_tables(_no_overlap(blocks), text)


def _pipe_tables(blocks: list[Block], text: str) -> list[Block]:
    """Runs of two or more ``| a | b |`` lines that CommonMark leaves as text (no delimiter row): tables."""
    out: list[Block] = []
    run: list[Block] = []

    def flush() -> None:
        if len(run) >= 2:
            rows = tuple(
                Row(r.start, r.end, _cells(text, r.start, r.end), header=k == 0) for k, r in enumerate(run)
            )
            out.append(Block("table", run[0].start, run[-1].end, rows=rows))
        else:
            out.extend(run)
        run.clear()

    for b in blocks:
        if b.kind in PROSE_KINDS and _PIPE_ROW.fullmatch(text, b.start, b.end):
            if run and "\n\n" in text[run[-1].end : b.start]:
                flush()
            run.append(b)
        else:
            flush()
            out.append(b)
    flush()
    return out


def _leaf(t: Any, context: list[str], start: int, end: int) -> Block:
    if t.type == "heading_open":
        return Block("heading", start, end, level=int(t.tag[1:]))
    if t.type in ("fence", "code_block"):
        return Block("code", start, end)
    if t.type == "html_block":
        return Block("html", start, end)
    kind: BlockKind = "list_item" if "list_item" in context else "quote" if context else "paragraph"
    return Block(kind, start, end)


def _lines(block: Block, text: str) -> list[Block]:
    """A paragraph, quote or list item line by line: exports often put each sentence, date, byline or
    (when they drop a table's delimiter row) table row on its own line."""
    if block.kind not in ("paragraph", "quote", "list_item") or "\n" not in text[block.start : block.end]:
        return [block]
    out = []
    for m in re.finditer(r"[^\n]+", text[block.start : block.end]):
        s, e = _strip(text, block.start + m.start(), block.start + m.end())
        if e > s and text[s:e].strip("> \t"):
            out.append(Block(block.kind, s, e))
    return out


def _table(tokens: list[Any], i: int, text: str, span: Any, blocks: list[Block]) -> int:
    start, end = span(tokens[i].map)
    rows: list[Row] = []
    header = False
    i += 1
    while i < len(tokens) and tokens[i].type != "table_close":
        t = tokens[i]
        if t.type == "thead_open":
            header = True
        elif t.type == "thead_close":
            header = False
        elif t.type == "tr_open" and t.map is not None:
            rs, re_ = span(t.map)
            if "|" not in text[rs:re_] and rows:
                # GFM continues a table until a blank line; exports with a sentence a line run prose
                # on right after one: the first row without a pipe ends it
                blocks.extend(_lines(Block("paragraph", rs, end), text))
                end = rows[-1].end
                break
            rows.append(Row(rs, re_, _cells(text, rs, re_), header))
        i += 1
    while i < len(tokens) and tokens[i].type != "table_close":
        i += 1
    blocks.append(Block("table", start, end, rows=tuple(rows)))
    return i + 1


def _cells(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    bounds = [start - 1, *(m.start() for m in _CELL_SPLIT.finditer(text, start, end)), end]
    cells = []
    for a, b in itertools.pairwise(bounds):
        a += 1
        while a < b and text[a] in " \t":
            a += 1
        while b > a and text[b - 1] in " \t":
            b -= 1
        cells.append((a, b))
    if cells and cells[0][0] == cells[0][1] and text[start:end].lstrip().startswith("|"):
        cells = cells[1:]
    if cells and cells[-1][0] == cells[-1][1] and text[start:end].rstrip().endswith("|"):
        cells = cells[:-1]
    return tuple(cells)


def _no_overlap(blocks: list[Block]) -> list[Block]:
    blocks.sort(key=lambda b: (b.start, -b.end))
    out: list[Block] = []
    for b in blocks:
        if out and b.start < out[-1].end:
            continue
        out.append(b)
    return out


def _inlines(text: str, code: list[tuple[int, int]]) -> list[Inline]:
    """Images and links outside code, found by their CommonMark shapes within each line."""
    starts = [s for s, _ in code]

    def in_code(pos: int) -> bool:
        k = bisect_right(starts, pos) - 1
        return k >= 0 and pos < code[k][1]

    found: list[Inline] = []
    for m in _IMAGE.finditer(text):
        if m["src"]:
            found.append(
                Inline("image", m.start(), m.end(), m["alt"], m["src"], m.start("src"), m.end("src"))
            )
    for m in _LINK.finditer(text):
        if in_code(m.start()):
            continue
        if m["auto"] is not None:
            found.append(
                Inline("link", m.start(), m.end(), m["auto"], m["auto"], m.start("auto"), m.end("auto"))
            )
        else:
            found.append(
                Inline("link", m.start(), m.end(), m["text"], m["href"], m.start("href"), m.end("href"))
            )
    found.sort(key=lambda x: (x.start, x.kind))
    return found


def _image_only(block: Block, text: str, inlines: list[Inline]) -> Block:
    if block.kind != "paragraph" or "![" not in text[block.start : block.end]:
        return block
    rest = _IMAGE.sub("", text[block.start : block.end])
    rest = _LINK.sub("", rest)
    return Block("image", block.start, block.end) if not rest.strip(" \t\n*_[]()") else block


def _captions(blocks: list[Block], text: str) -> list[Block]:
    out = []
    for k, b in enumerate(blocks):
        after_image = (
            k > 0 and blocks[k - 1].kind == "image" and "\n\n" not in text[blocks[k - 1].end : b.start]
        )
        if b.kind == "paragraph" and (
            _CAPTION.match(text, b.start, b.end) or (after_image and _caption_shaped(text[b.start : b.end]))
        ):
            b = Block("caption", b.start, b.end)
        out.append(b)
    return out


def _caption_shaped(line: str) -> bool:
    """A line under an image that reads as its caption: set in emphasis, or a short label rather than
    a sentence (exports put the article's next sentence right under an image, too)."""
    line = line.strip()
    emphasized = len(line) > 2 and line[0] in "*_" and line[-1] in "*_"
    return emphasized or (len(line) < 120 and line[-1] not in ".:;!?")


# -- plain text ----------------------------------------------------------------------------------------


def _text_blocks(text: str) -> list[Block]:
    """Blocks by line shape: tables (tabs, aligned columns, pipes), list items, headings, paragraphs."""
    blocks: list[Block] = []
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    k = 0
    while k < len(lines):
        s, e = _strip(text, *lines[k])
        if s == e or _RULE_LINE.fullmatch(text, s, e):
            k += 1
            continue
        if _table_line(text, *lines[k], first=True):
            k = _text_table(text, lines, k, blocks)
            continue
        if _LIST_LINE.match(text, *lines[k]):
            blocks.append(Block("list_item", s, e))
        elif _is_heading(text, lines, k, s, e):
            blocks.append(Block("heading", s, e, level=2))
        else:
            blocks.append(Block("paragraph", s, e))
        k += 1
    return blocks


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\r\n":
        s += 1
    while e > s and text[e - 1] in " \t\r\n":
        e -= 1
    return s, e


@lru_cache(maxsize=1)
def _tactic_line() -> re.Pattern[str]:
    """A line that only names an ATT&CK tactic ("Initial Access", "TA0001: Initial Access", "Tactic:
    Execution [TA0002]"): a section heading in reports that map their story to ATT&CK, whatever its
    spacing. The names are those of ``attack/data/kill-chain.tsv``."""
    from ttpmap.attack._killchain import tactic_names

    names = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in tactic_names())
    return re.compile(
        r"\s*(?:tactics?\s*:\s*)?(?:\d{1,2}[.)]\s*)?(?:TA\d{4}\s*[:\-–]?\s*)?"
        rf"(?:{names})(?:\s*[\[(]TA\d{{4}}[\])])?\s*:?",
        re.IGNORECASE,
    )


def _is_heading(text: str, lines: list[tuple[int, int]], k: int, s: int, e: int) -> bool:
    line = text[s:e]
    if len(line) > 80 or line[-1] in ".,;?!\"'”)" or len(line.split()) > 10:
        return False
    if _tactic_line().fullmatch(line):
        return True
    nxt = lines[k + 1] if k + 1 < len(lines) else None
    blank_after = nxt is None or "\n\n" in text[e : nxt[0] + 1] or bool(_RULE_LINE.fullmatch(text, *nxt))
    shouty = line.isupper() and any(c.isalpha() for c in line)
    return (line.endswith(":") and blank_after) or shouty or (blank_after and k > 0 and line[0].isupper())


def _table_line(text: str, s: int, e: int, *, first: bool) -> bool:
    """A table row by shape: pipes at both ends, a tab, or columns set apart by runs of spaces."""
    if _PIPE_LINE.fullmatch(text, s, e):
        return True
    gaps = len((_GAP if first else _NARROW_GAP).findall(text, s, e))
    return gaps >= 2 or (gaps >= 1 and ("\t" in text[s:e] or not first))


def _text_table(text: str, lines: list[tuple[int, int]], k: int, blocks: list[Block]) -> int:
    rows: list[Row] = []
    first = k
    while (
        k < len(lines)
        and (k == first or "\n\n" not in text[lines[k - 1][1] : lines[k][0] + 1])
        and (_table_line(text, *lines[k], first=k == first) or _RULE_LINE.fullmatch(text, *lines[k]))
    ):
        s, e = _strip(text, *lines[k])
        if s == e:
            break
        if not _RULE_LINE.fullmatch(text, s, e):
            sep = "|" if text[s] == "|" else "\t" if "\t" in text[s:e] else "  "
            rows.append(Row(s, e, _split_cells(text, s, e, sep), header=k == first))
        k += 1
    if len(rows) < 2:
        s, e = _strip(text, *lines[first])
        blocks.append(Block("paragraph", s, e))
        return first + 1
    blocks.append(Block("table", rows[0].start, rows[-1].end, rows=tuple(rows)))
    return k


def _split_cells(text: str, s: int, e: int, sep: str) -> tuple[tuple[int, int], ...]:
    if sep == "|":
        return _cells(text, s, e)
    pattern = "\t+" if sep == "\t" else " {2,}"
    bounds = [s, *(x for m in re.finditer(pattern, text[s:e]) for x in (s + m.start(), s + m.end())), e]
    return tuple(_strip(text, bounds[j], bounds[j + 1]) for j in range(0, len(bounds) - 1, 2))


# -- metadata ------------------------------------------------------------------------------------------


def _metadata(text: str, blocks: list[Block]) -> tuple[str | None, str | None, str | None]:
    title = byline = date = None
    heading = next((b for b in blocks[:_HEAD_LINES] if b.kind == "heading"), None)
    first = next((b for b in blocks if b.kind != "html"), None)
    if heading is not None and (first is heading or first is None or heading.level == 1):
        title = _plain(text[heading.start : heading.end])
    elif first is not None and first.kind in ("paragraph", "heading") and first.end - first.start <= 200:
        title = _plain(text[first.start : first.end])
    for b in blocks[:_HEAD_LINES]:
        line = text[b.start : b.end].strip()
        if byline is None and len(line) < 120 and _BYLINE.match(line):
            byline = _plain(line)
        elif date is None and _DATE_LINE.fullmatch(line):
            date = _plain(line)
    return title or None, byline, date


def plain(line: str) -> str:
    """A line of Markdown as plain words: no heading marks, emphasis, escapes or link targets."""
    return _plain(line)


def _plain(line: str) -> str:
    line = re.sub(r"\A#{1,6}[ \t]+|[ \t]+#+[ \t]*\Z", "", line.strip())
    line = _IMAGE.sub(lambda m: m["alt"], line)
    line = _LINK.sub(lambda m: m["text"] if m["auto"] is None else m["auto"], line)
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>])", r"\1", line)
    return " ".join(line.strip("*_ ").split())
