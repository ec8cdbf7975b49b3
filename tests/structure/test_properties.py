"""Property tests: for random Markdown, plain text and HTML, every block and offset maps back into the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttpmap import Article, InputError
from ttpmap._structure import PROSE_KINDS, Structure, parse_structure

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_WORDS = st.sampled_from(
    ["the", "actor", "ran", "PowerShell", "evil[.]com", "a.png", "T1059", "|", "*", "_", "\\_", "`", "#",
     "-", ">", "!", "[", "]", "(", ")", "<", "1.", "http://x.example/a", "é", "\t", "  "]
)  # fmt: skip
_LINE = st.lists(_WORDS, min_size=0, max_size=8).map(" ".join)
_CELL = st.lists(st.sampled_from(["a", "b c", "1.2.3.4", "x\\|y", "**h**", "![i](j.png)"]), max_size=2).map(
    " ".join
)


@st.composite
def markdown_blocks(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(["p", "h", "table", "fence", "img", "link", "list", "quote", "setext", "raw"])
    )
    line = draw(_LINE)
    if kind == "h":
        return "#" * draw(st.integers(1, 7)) + " " + line
    if kind == "table":
        n = draw(st.integers(1, 4))
        rows = draw(st.lists(st.lists(_CELL, min_size=n, max_size=n), min_size=1, max_size=4))
        head = "| " + " | ".join(rows[0]) + " |"
        body = ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join([head, "|" + " --- |" * n, *body])
    if kind == "fence":
        return f"```\n{line}\n{draw(_LINE)}\n```"
    if kind == "img":
        return (
            f"![{line.replace(']', '')}](https://v.example/{draw(st.sampled_from(['a.png', 'b c', 'x)y']))})"
        )
    if kind == "link":
        return f"{line} [{draw(_LINE).replace(']', '')}](http://r.example/p) {draw(_LINE)}"
    if kind == "list":
        return "\n".join(f"{draw(st.sampled_from(['-', '*', '1.']))} {draw(_LINE)}" for _ in range(2))
    if kind == "quote":
        return f"> {line}\n> {draw(_LINE)}"
    if kind == "setext":
        return f"{line}\n{draw(_LINE)}\n{draw(st.sampled_from(['---', '===']))}"
    if kind == "raw":
        return draw(st.text(max_size=40))
    return line


@st.composite
def markdown_documents(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(markdown_blocks(), min_size=1, max_size=8))
    seps = draw(
        st.lists(
            st.sampled_from(["\n", "\n\n", "\r\n", "\n   \n"]), min_size=len(blocks), max_size=len(blocks)
        )
    )
    return "".join(b + s for b, s in zip(blocks, seps, strict=True))


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    tags = st.sampled_from(["p", "h1", "h3", "li", "pre", "blockquote", "td", "th", "div", "span", "b"])
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["tag", "table", "img", "list"]))
        text = draw(_LINE).replace("<", "&lt;")
        if kind == "table":
            rows = draw(st.lists(st.lists(_CELL, min_size=1, max_size=3), min_size=1, max_size=3))
            cell = draw(st.sampled_from(["td", "th"]))
            body = "".join("<tr>" + "".join(f"<{cell}>{c}</{cell}>" for c in r) + "</tr>" for r in rows)
            parts.append(f"<table>{body}</table>")
        elif kind == "img":
            parts.append(
                f'<img src="https://v.example/{draw(st.sampled_from(["a.png", "b c.png", "q)"]))}" alt="{text}">'
            )
        elif kind == "list":
            parts.append(f"<ul><li>{text}</li><li><p>{draw(_LINE)}</p></li></ul>")
        else:
            tag = draw(tags)
            parts.append(f"<{tag}>{text}</{tag}>")
    return "<html><body><article>" + "".join(parts) + "</article></body></html>"


def _check(s: Structure) -> None:
    text = s.text
    previous_end = 0
    for b in s.blocks:
        assert previous_end <= b.start < b.end <= len(text), b
        piece = text[b.start : b.end]
        assert piece == piece.strip(" \t\r\n"), b
        previous_end = b.end
        for row in b.rows:
            assert b.start <= row.start <= row.end <= b.end
            for start, end in row.cells:
                assert row.start <= start <= end <= row.end
                assert text[start:end] == text[start:end].strip()
        if b.kind == "heading":
            assert 1 <= b.level <= 6
    for i in s.inlines:
        assert 0 <= i.start <= i.target_start <= i.target_end <= i.end <= len(text)
        assert text[i.target_start : i.target_end] == i.target
        assert i.text in text[i.start : i.end]
    prose = s.prose
    assert len(prose) == len(text)
    assert all(p == c or p == " " for p, c in zip(prose, text, strict=True))
    assert all(
        prose[k] == " " or s.kind_at(k) in (*PROSE_KINDS, None) for k in range(len(text)) if text[k] != "\n"
    )
    for start, _end in s.summary_paragraphs():
        assert s.block_at(start) is not None


@SETTINGS
@given(markdown_documents())
def test_markdown_blocks_map_back_into_the_text(doc: str) -> None:
    _check(parse_structure(doc, "markdown"))


@SETTINGS
@given(st.one_of(markdown_documents(), st.text(max_size=300)))
def test_plain_text_blocks_map_back_into_the_text(doc: str) -> None:
    _check(parse_structure(doc, "text"))


@SETTINGS
@given(html_documents())
def test_html_blocks_map_back_into_the_article_text(html: str) -> None:
    try:
        article = Article.from_html(html)
    except InputError:
        return
    _check(parse_structure(article.text, article.format))


@SETTINGS
@given(markdown_documents())
def test_structured_iocs_point_into_the_users_text(doc: str) -> None:
    from ttpmap.iocs._structured import find_structured_iocs

    structure = parse_structure(doc, "markdown")
    for ioc in find_structured_iocs(structure):
        assert 0 <= ioc.start < ioc.end <= len(doc)
        written = doc[ioc.start : ioc.end].replace("\\", "")
        assert (
            written[:1].lower() == ioc.value.replace("\\", "")[:1].lower()
            or ioc.defanged
            or ioc.type == "url"
        )
        if ioc.sentence is not None:
            assert doc[ioc.sentence.start : ioc.sentence.end] == ioc.sentence.text
