"""Fixture articles in the shapes vendors publish: expected blocks, IOCs, evidence, title and summary.

The articles (tests/structure/articles/) were written for these tests in the shapes of real exports:
Markdown with screenshots, IOC tables and reference lists, HTML pages with navigation and cookie
banners, plain-text advisories, an article's own ATT&CK table, RSS ``content:encoded`` and JSON on stdin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ttpmap import Article, Brief
from ttpmap._structure import PROSE_KINDS, Structure, parse_structure
from ttpmap.feeds import read_feed
from ttpmap.iocs._structured import find_structured_iocs

ARTICLES = Path(__file__).parent / "articles"

EXPECTED: dict[str, dict[str, object]] = {
    "md_export_screenshots.md": {
        "title": "RustyLoader: a new loader delivered through fake Flash updates",
        "blocks": ["heading", "paragraph", "paragraph", "paragraph", "image", "caption", "paragraph", "image",
                   "caption", "paragraph", "heading", "table", "heading", "list_item", "list_item"],
        "high": {"flash-upd.com", "install_flash_player.exe", "http://185.220.101.45/gate.php", "185.220.101.45",
                 "7a1f0e8c5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a",
                 "4a30ef818603b0a0f2b8153d9ba6e9494447373e86599bcc7c461135732e64b2"},
        "low": {"Rusty_1.png": "image", "https://blog.vendor-research.com/wp-content/uploads/2021/05/Rusty_2.png": "image",
                "https://www.softperfect.com/products/networkscanner/": "link",
                "https://blog.vendor-research.com/2020/11/buer-loader/": "own site"},
        "summary_starts": "The actor sends emails that lure victims",
        "byline": "By the Threat Research Team",
        "date": "May 3, 2021",
    },
    "html_page_nav_cookie.html": {
        "title": "Kimsuky spreads AppleSeed through fake job offers",
        "blocks": ["heading", "paragraph", "paragraph", "paragraph", "image", "caption", "paragraph", "heading",
                   "code", "heading", "table"],
        "high": {"update.doc-viewer.net", "3f4b8c2a9d1e7f6b5a4c3d2e1f0a9b8c", "appleseed.dll"},
        "absent": {"10.20.30.40", "93.184.216.34", "site.css", "beacon.js"},
        "low": {"https://research.example-sec.com/images/appleseed-flow.png": ""},
        "summary_starts": "The Kimsuky group sent spear-phishing emails",
        "not_in_text": ["cookies", "Contact us", "Copyright"],
    },
    "advisory_references.txt": {
        "title": "SECURITY ADVISORY: ACTIVE EXPLOITATION OF CVE-2024-3400 IN FIREWALL APPLIANCES",
        "blocks": ["heading", "heading", "heading", "paragraph", "paragraph", "heading", "table", "heading",
                   "paragraph", "heading", "list_item", "list_item"],
        "high": {"CVE-2024-3400", "172.233.228.93",
                 "3de2a4392b8715bad070b2ae12243f166ead37830f7c6d24e778985927f9caac"},
        "low": {"https://security.paloaltonetworks.com/CVE-2024-3400": ""},
        "summary_starts": "Threat actors are exploiting a command injection",
        "date": "Published: 2024-04-15",
    },
    "attack_mapping_table.md": {
        "title": "Operation Cobalt Lantern",
        "blocks": ["heading", "paragraph", "heading", "table"],
        "mapping": {"T1190", "T1003.001", "T1021.001", "T1486"},
        "summary_starts": "The operators gained access",
    },
    "attack_names_table.html": {
        "title": "Scattered campaign abuses remote tools",
        "blocks": ["heading", "paragraph", "heading", "table"],
        "mapping": {"T1566"},
    },
    "rss_content_encoded.xml": {
        "title": "LummaC2 delivered through fake CAPTCHA pages",
        "blocks": ["paragraph", "image", "heading", "table"],
        "high": {"https://captcha-verify.top/c.txt", "captcha-verify.top",
                 "e3b98ad3c6f1d6c0a1f1b44bd0f13c1c6e0a7bba7e1f5e3c1b0a9f8e7d6c5b4a"},
        "low": {"https://threats.vendor-blog.com/wp-content/uploads/2024/09/captcha.png": ""},
        "summary_starts": "Visitors of compromised sites",
    },
    "data_uri_image.md": {
        "title": "Steganography loader hides shellcode in PNG files",
        "blocks": ["heading", "paragraph", "image", "image", "caption", "paragraph"],
        "high": {"pixel-cdn-stats.com"},
        "low": {"https://cdn.vendor-img.net/posts/stego/figure-3.jpg": "image"},
        "not_techniques": {"T1001.002", "T1027.003", "T1027"},
    },
    "code_block_commands.md": {
        "title": "Ransomware operators stage tools with BITS",
        "blocks": ["heading", "paragraph", "code", "paragraph", "paragraph", "code"],
        "high": {"http://45.141.87.11/tools/ad.exe", "http://45.141.87.11/a.ps1", "Restore-My-Files.txt",
                 "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"},
    },
    "byline_navigation.md": {
        "title": "Black Basta affiliates pivot to Microsoft Teams vishing",
        "blocks": ["paragraph", "heading", "paragraph", "paragraph", "paragraph", "paragraph"],
        "high": {"securityadminhelper.onmicrosoft.com"},
        "low": {"https://www.vendorsec.io/blog/threat-intel/": "link"},
        "summary_starts": "Black Basta affiliates flood",
        "byline": "Posted by Alex Researcher",
        "date": "October 2, 2024",
    },
    "html_title_suffix.html": {
        "title": "Akira ransomware targets Cisco VPNs",
        "blocks": ["heading", "paragraph", "paragraph"],
        "summary_starts": "Akira affiliates brute-forced",
    },
    "stdin_article.json": {
        "title": "QakBot returns after takedown",
        "blocks": ["heading", "paragraph", "image", "paragraph"],
        "high": {"81.177.136.179"},
        "low": {"https://intel.example-vendor.com/img/qakbot-chain.png": ""},
        "summary_starts": "The operators sent thread-hijacked emails",
    },
    "annoctr_style_export.md": {
        "title": "Gamaredon deploys a new USB worm",
        "blocks": ["paragraph", "paragraph", "paragraph", "heading", "paragraph", "paragraph", "image", "caption",
                   "paragraph", "table"],
        "high": {"http://nalog-info.ru/dev.php", "nalog-info.ru", "0f6a1c2e9b8d7c6a5f4e3d2c1b0a9f8e7d6c5b4a"},
        "low": {"https://lab.vendor-eu.es/blog/wp-content/uploads/2023/03/gamaredon-usb-1.png": "image",
                "https://cert.gov.ua/article/4492467": ""},
        "summary_starts": "Gamaredon has been observed",
        "date": "March 8, 2023",
    },
    "plain_advisory_title.txt": {
        "title": "Volt Typhoon living off the land in critical infrastructure",
        "blocks": ["paragraph", "paragraph", "paragraph"],
        "summary_starts": "The actors use built-in Windows tools",
    },
}  # fmt: skip

_REASONS = {
    "image": "an image in the article",
    "link": "the target of a link",
    "own site": "publisher's own site",
}


def _article(name: str) -> Article:
    path = ARTICLES / name
    if path.suffix == ".xml":
        entries = read_feed(str(path))
        assert entries[0].article is not None
        return entries[0].article
    if path.suffix == ".json":
        return Article.from_bytes(path.read_bytes(), name="standard input")
    return Article.from_file(path)


@pytest.fixture(scope="module")
def read(analyzer: object) -> dict[str, tuple[Article, Structure, Brief]]:
    out = {}
    for name in EXPECTED:
        article = _article(name)
        out[name] = (article, parse_structure(article.text, article.format), analyzer.analyze(article))  # type: ignore[attr-defined]
    return out


def test_there_are_at_least_twelve_fixture_articles() -> None:
    assert len(EXPECTED) >= 12
    assert sorted(EXPECTED) == sorted(p.name for p in ARTICLES.iterdir())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_blocks_title_and_summary(name: str, read: dict[str, tuple[Article, Structure, Brief]]) -> None:
    article, structure, brief = read[name]
    want = EXPECTED[name]
    kinds = [b.kind for b in structure.blocks]
    assert kinds[: len(want["blocks"])] == want["blocks"]  # type: ignore[arg-type]
    assert brief.title == want["title"]
    if "summary_starts" in want:
        assert brief.summary.startswith(want["summary_starts"])  # type: ignore[arg-type]
    for key in ("byline", "date"):
        if key in want:
            assert getattr(structure, key) == want[key]
    for noise in want.get("not_in_text", []):  # type: ignore[attr-defined]
        assert noise not in article.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_iocs(name: str, read: dict[str, tuple[Article, Structure, Brief]]) -> None:
    article, structure, brief = read[name]
    want = EXPECTED[name]
    high = {i.value for i in brief.iocs}
    assert set(want.get("high", set())) <= high  # type: ignore[arg-type]
    assert not high & set(want.get("absent", set()))  # type: ignore[arg-type]
    every = {i.value: i for i in find_structured_iocs(structure, article)}
    for value, why in want.get("low", {}).items():  # type: ignore[attr-defined]
        assert value not in high
        assert every[value].fidelity == "low"
        assert _REASONS.get(why, "") in (every[value].reason or "")
    for ioc in brief.iocs:
        assert 0 <= ioc.start < ioc.end <= len(article.text)
        if ioc.type in ("md5", "sha1", "sha256", "filename", "ipv4", "domain"):
            written = article.text[ioc.start : ioc.end].replace("\\", "").replace("[.]", ".")
            assert written.lower() == ioc.value.lower()
        assert structure.image_at(ioc.start) is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_technique_evidence_is_prose_or_the_articles_own_table(
    name: str, read: dict[str, tuple[Article, Structure, Brief]]
) -> None:
    article, structure, brief = read[name]
    want = EXPECTED[name]
    for t in brief.techniques:
        for ev in t.evidence:
            assert article.text[ev.start : ev.end] == ev.text
            if ev.block == "table":
                assert t.source == "article-mapping", (t.id, ev)
            else:
                assert ev.block in PROSE_KINDS, (t.id, ev)
                assert structure.block_at(ev.start) is not None
    mapped = {t.id for t in brief.techniques if t.source == "article-mapping"}
    ids = {t.id for t in brief.techniques}
    assert set(want.get("mapping", set())) <= ids  # type: ignore[arg-type]
    assert mapped <= set(want.get("mapping", set()))  # type: ignore[arg-type]
    assert not ids & set(want.get("not_techniques", set()))  # type: ignore[arg-type]


def test_markdown_escapes_are_undone_with_offsets_into_the_users_text(
    read: dict[str, tuple[Article, Structure, Brief]],
) -> None:
    article, _, brief = read["md_export_screenshots.md"]
    ioc = next(i for i in brief.iocs if i.value == "install_flash_player.exe")
    assert article.text[ioc.start : ioc.end] == "install\\_flash\\_player.exe"
    assert "_player.exe" not in {i.value for i in brief.iocs}


def test_ioc_table_is_read_cell_by_cell(read: dict[str, tuple[Article, Structure, Brief]]) -> None:
    article, structure, _ = read["md_export_screenshots.md"]
    table = next(b for b in structure.blocks if b.kind == "table")
    assert [r.header for r in table.rows] == [True, False, False, False]
    cells = [[article.text[s:e] for s, e in r.cells] for r in table.rows]
    assert cells[2] == ["185.220.101[.]45", "IPv4", "C2"]


def test_evidence_block_is_in_json_and_markdown(read: dict[str, tuple[Article, Structure, Brief]]) -> None:
    _, _, brief = read["attack_mapping_table.md"]
    doc = brief.to_dict()
    blocks = {e.get("block") for t in doc["techniques"] for e in t["evidence"]}
    assert "table" in blocks
    assert blocks <= {*PROSE_KINDS, "table"}
    assert "_(table)_" in brief.to_markdown()
    assert "from the article's ATT&CK table" in brief.to_markdown()


def test_txt_and_stdin_markdown_get_a_title(tmp_path: Path, analyzer: object) -> None:
    text = (ARTICLES / "md_export_screenshots.md").read_bytes()
    brief = analyzer.analyze(Article.from_bytes(text, name="standard input"))  # type: ignore[attr-defined]
    assert brief.title == "RustyLoader: a new loader delivered through fake Flash updates"
    brief = analyzer.analyze(Article.from_file(ARTICLES / "plain_advisory_title.txt"))  # type: ignore[attr-defined]
    assert brief.title == "Volt Typhoon living off the land in critical infrastructure"


def test_markdown_saved_as_txt_is_read_as_markdown(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes((ARTICLES / "annoctr_style_export.md").read_bytes())
    article = Article.from_file(path)
    structure = parse_structure(article.text, article.format)
    assert structure.format == "markdown"
    image = "https://lab.vendor-eu.es/blog/wp-content/uploads/2023/03/gamaredon-usb-1.png"
    found = {i.value: i for i in find_structured_iocs(structure, article)}
    assert found[image].fidelity == "low"


def test_plain_text_without_markdown_signs_is_split_by_line_shape() -> None:
    article = Article.from_file(ARTICLES / "advisory_references.txt")
    structure = parse_structure(article.text, article.format)
    assert structure.format == "text"
    table = next(b for b in structure.blocks if b.kind == "table")
    assert [article.text[s:e] for s, e in table.rows[1].cells] == [
        "IPv4",
        "172.233.228[.]93",
        "Payload server",
    ]


def test_a_line_that_only_names_a_tactic_is_a_heading_in_plain_text() -> None:
    """Reports that map their story to ATT&CK set tactic names on lines of their own ("Initial
    Access", "TA0002: Execution"): headings, never evidence, even with no blank line after them."""
    text = (
        "The intrusion lasted nine days.\n"
        "Initial Access\xa0\n"
        "The actor sent spearphishing emails with links.\n"
        "TA0002: Execution\n"
        "Defense Impairment\n"
        "Initial access was gained through a VPN appliance\n"
        "The macro ran PowerShell."
    )
    structure = parse_structure(text, "text")
    kinds = {text[b.start : b.end].strip(): b.kind for b in structure.blocks}
    assert kinds["Initial Access"] == "heading"
    assert kinds["TA0002: Execution"] == "heading"
    assert kinds["Defense Impairment"] == "heading"  # a tactic of ATT&CK v19
    assert kinds["Initial access was gained through a VPN appliance"] == "paragraph"
    assert "Initial Access" not in structure.prose
    assert "spearphishing emails" in structure.prose


def test_an_autolink_blanks_only_itself_in_the_prose_view() -> None:
    """``<https://...>`` has no ``]``: its blanking must not reach back to the start of the article."""
    text = (
        "The actor encrypted the victims' files.\n\n"
        "See the analysis <https://gist.github.com/x/0123abcd> (from a researcher) and "
        "[the report](https://example.com/report).\n"
    )
    prose = parse_structure(text, "markdown").prose
    assert len(prose) == len(text)
    assert prose.startswith("The actor encrypted the victims' files.")
    assert "See the analysis" in prose
    assert "(from a researcher)" in prose
    assert "the report" in prose
    assert "gist.github.com" not in prose
    assert "example.com" not in prose
