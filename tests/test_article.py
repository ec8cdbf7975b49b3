from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from ttpmap import Article, InputError


def test_article_is_frozen_and_keeps_fields():
    a = Article(
        "Text of the article.",
        title="T",
        url="https://x.example/a",
        source="X",
        published=dt.date(2026, 1, 2),
    )
    assert a.published == "2026-01-02"
    with pytest.raises(AttributeError):
        a.title = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("abc\x00def" * 10, "binary"),
        (b"bytes", "bytes"),
        ("<!DOCTYPE html><html><body>x</body></html>", "from_html"),
    ],
)
def test_bad_text_is_a_clear_input_error(text, message):
    with pytest.raises(InputError, match=message):
        Article(text)


def test_oversized_text_names_the_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("TTPMAP_MAX_INPUT_BYTES", "100")
    with pytest.raises(InputError, match="100-byte limit"):
        Article.from_text("x" * 101)
    (tmp_path / "a.txt").write_text("x" * 101)
    with pytest.raises(InputError, match="100-byte limit"):
        Article.from_file(tmp_path / "a.txt")
    assert Article.from_file(tmp_path / "a.txt", max_bytes=1000).text == "x" * 101


def test_from_html_keeps_article_text_only():
    html = """<html><head><title>Page title</title><meta property="og:site_name" content="Vendor Blog">
    <meta property="article:published_time" content="2026-03-04T05:06:07Z"><style>p{color:red}</style>
    <script>var tracker = 'evil.example';</script></head><body><nav>Home | Blog | Contact</nav>
    <article><h1>Heading</h1><p>The actor used <b>PowerShell</b> to reach evil[.]example.</p>
    <ul><li>first item</li><li>second item</li></ul></article><footer>Copyright</footer></body></html>"""
    a = Article.from_html(html, url="https://vendor.example/post")
    assert "PowerShell to reach evil[.]example." in a.text
    assert re.search(r"- first item\n- second item", a.text)
    for noise in ("tracker", "color:red", "Home | Blog", "Copyright"):
        assert noise not in a.text
    assert (a.title, a.source, a.published, a.url) == (
        "Page title",
        "Vendor Blog",
        "2026-03-04T05:06:07Z",
        "https://vendor.example/post",
    )


def test_from_html_without_text_is_an_error():
    with pytest.raises(InputError, match="no article text"):
        Article.from_html("<html><body><script>x()</script><nav>menu</nav></body></html>")


def test_from_file_reads_each_format(tmp_path):
    (tmp_path / "a.txt").write_text("Plain text article.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# The heading\n\nBody text here.", encoding="utf-8")
    (tmp_path / "c.html").write_text("<html><body><p>HTML body text.</p></body></html>", encoding="utf-8")
    (tmp_path / "d.json").write_text(
        json.dumps(
            {"text": "JSON body.", "title": "J", "url": "https://j.example", "published": "2026-01-01"}
        ),
        encoding="utf-8",
    )
    assert Article.from_file(tmp_path / "a.txt").text == "Plain text article."
    assert Article.from_file(tmp_path / "b.md").title == "The heading"
    assert Article.from_file(tmp_path / "c.html").text == "HTML body text."
    d = Article.from_file(tmp_path / "d.json")
    assert (d.text, d.title, d.url, d.published) == ("JSON body.", "J", "https://j.example", "2026-01-01")


def test_from_file_decodes_boms_and_explicit_encodings(tmp_path):
    (tmp_path / "u16.txt").write_bytes("Texte déjà vu.".encode("utf-16"))
    (tmp_path / "latin.txt").write_bytes("Texte déjà vu.".encode("cp1252"))
    assert Article.from_file(tmp_path / "u16.txt").text == "Texte déjà vu."
    with pytest.raises(InputError, match=r"not valid UTF-8.*encoding"):
        Article.from_file(tmp_path / "latin.txt")
    assert Article.from_file(tmp_path / "latin.txt", encoding="cp1252").text == "Texte déjà vu."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("bin.txt", bytes(range(256)) * 4, "binary"),
        ("bad.json", b"{not json", "not valid JSON"),
        ("list.json", b"[1, 2]", '"text" string'),
    ],
)
def test_from_file_bad_inputs(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        Article.from_file(path)


def test_from_file_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Article.from_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        Article.from_file(tmp_path)
