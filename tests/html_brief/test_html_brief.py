"""`Brief.to_html()`: every evidence passage and IOC marked at its offsets, all article text escaped."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import lxml.html
import pytest

from ttpmap import Article
from ttpmap._brief import Brief
from ttpmap._exceptions import InvalidParameterError
from ttpmap._html import _SCRIPT, _pieces
from ttpmap.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import itertools

import hostile

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "datasets" / "samples").glob("*.md"))


def _marks(root, attr: str) -> dict[int, list[tuple[int, int]]]:
    found: dict[int, list[tuple[int, int]]] = {}
    for el in root.xpath(f".//*[@{attr}]"):
        for i in el.get(attr).split():
            found.setdefault(int(i), []).append((int(el.get("data-start")), int(el.get("data-end"))))
    return found


def _article_text(root, text: str) -> str:
    """The article as the page holds it, with each (defanged) IOC mark put back as written."""

    def walk(el) -> str:
        if el.tag == "mark":
            return text[int(el.get("data-start")) : int(el.get("data-end"))]
        return (el.text or "") + "".join(walk(child) + (child.tail or "") for child in el)

    return walk(root.xpath('.//div[@class="text"]')[0])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_evidence_passage_and_ioc_is_marked_at_its_offsets(path, analyzer):
    article = Article.from_file(path)
    brief = analyzer.analyze(article)
    root = lxml.html.fromstring(brief.to_html()).xpath('//div[@class="ttpmap-brief"]')[0]
    assert _article_text(root, article.text) == article.text
    evidence = [e for t in brief.techniques for e in t.evidence]
    marked = _marks(root, "data-ev")
    assert sorted(marked) == list(range(len(evidence)))
    for i, e in enumerate(evidence):
        pieces = sorted(marked[i])
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces)), "contiguous"
        assert pieces[0][0] <= e.start < e.end <= pieces[-1][1]
    iocs = _marks(root, "data-ioc")
    assert sorted(iocs) == list(range(len(brief.iocs)))
    for k, ioc in enumerate(brief.iocs):
        ((start, end),) = iocs[k]
        assert start <= ioc.start < ioc.end <= end
    copies = [b.get("data-copy") for b in root.xpath('.//div[@class="text"]//button[@class="copy"]')]
    assert copies == [i.value for i in brief.iocs]


def test_iocs_written_live_are_shown_defanged(analyzer):
    text = "The loader called back to 91.215.85.17 and http://update-check.northwind-cdn.net/x over HTTPS."
    brief = analyzer.analyze(Article(text))
    root = lxml.html.fromstring(brief.to_html())
    shown = [m.text_content() for m in root.xpath('//div[@class="text"]//mark')]
    assert shown == ["91[.]215[.]85[.]17", "hxxp://update-check[.]northwind-cdn[.]net/x"]
    assert "91.215.85.17" not in root.xpath('//div[@class="text"]')[0].text_content()


def test_pieces_split_overlaps_and_keep_iocs_whole():
    # evidence 0 covers 0-20 and ends inside the IOC 15-25; evidence 1 covers 10-30; IOCs 15-25 and 22-27 merge
    pieces = _pieces(40, [(0, 20), (10, 30)], [(15, 25), (22, 27)])
    assert [(p.start, p.end, p.evidence, p.iocs) for p in pieces] == [
        (0, 10, (0,), ()),
        (10, 15, (0, 1), ()),
        (15, 27, (0, 1), (0, 1)),
        (27, 30, (1,), ()),
        (30, 40, (), ()),
    ]


def test_hostile_article_is_escaped(analyzer):
    brief = analyzer.analyze(Article(hostile.TEXT, title=hostile.TITLE, url="javascript:alert(1)"))
    assert brief.techniques
    assert brief.iocs
    page = brief.to_html()
    tree = lxml.html.fromstring(page)
    assert [s.text for s in tree.xpath("//script")] == [_SCRIPT]
    assert not tree.xpath("//img | //svg | //iframe | //a[not(starts-with(@href, 'http'))]")
    assert not [a for el in tree.iter() for a in el.attrib if a.lower().startswith("on")]
    assert len(tree.xpath("//style")) == 1
    assert "<script>document.title" in tree.xpath('//div[@class="text"]')[0].text_content()
    assert tree.xpath("//title")[0].text.startswith("[")
    assert "pwned" in tree.xpath("//h1")[0].text


def test_fragment_for_notebooks_scopes_its_css(analyzer):
    brief = analyzer.analyze(Article.from_file(SAMPLES[1]))
    fragment = brief._repr_html_()
    assert not re.search(r"<(html|head|body)\b", fragment)
    css = re.search(r"<style>(.*?)</style>", fragment, re.S).group(1)
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", css) for s in block.split(",")]
    assert selectors
    assert all(s.startswith(".ttpmap-brief") for s in selectors), selectors


def test_a_brief_without_its_text_takes_the_article_text(analyzer):
    article = Article.from_file(SAMPLES[1])
    brief = analyzer.analyze(article)
    bare = Brief(**{**brief.__dict__, "text": ""})
    assert "does not carry the article" in bare.to_html()
    assert bare.to_html(text=article.text) == brief.to_html()
    with pytest.raises(InvalidParameterError, match=r"Article\.text"):
        bare.to_html(text=article.text.upper())


def test_cli_writes_the_html_brief(tmp_path, analyzer):
    out = tmp_path / "brief.html"
    assert main(["analyze", str(SAMPLES[1]), "--format", "html", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == analyzer.analyze(Article.from_file(SAMPLES[1])).to_html()
