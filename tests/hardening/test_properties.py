"""Property-based tests: IOC extraction and refanging, HTML and feed parsing, brief and STIX outputs."""

from __future__ import annotations

import ipaddress
import json
import os
import warnings

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttpmap import Article, InputError
from ttpmap._brief import brief_schema
from ttpmap.export import to_stix_bundle
from ttpmap.feeds import read_feed
from ttpmap.iocs import IOC_TYPES, find_iocs, refang

# TTPMAP_FUZZ_SCALE=20 runs twenty times the examples (a deeper, local fuzzing run).
_SCALE = max(1, int(os.environ.get("TTPMAP_FUZZ_SCALE", "1")))
FAST = settings(max_examples=60 * _SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=8 * _SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what IOC extraction sees: defangs, separators, hex, digits, brackets.
_IOC_ALPHABET = st.sampled_from(
    [
        *"abcdefhtxpsABCDEF0123456789.:/@[](){}<>\\-_ \n%+?=#",
        "[.]",
        "(.)",
        "[dot]",
        "[at]",
        "[@]",
        "[:]",
        "hxxp",
        "hXXps",
        "://",
        ".com",
        ".exe",
        "CVE-",
        "T1059",
        "\uff0e",
        "\u3002",
        "\u200b",
        "\u00e9",
        "\U0001f600",
        "\ud800",
    ]
)
IOC_TEXT = st.one_of(st.text(max_size=300), st.lists(_IOC_ALPHABET, max_size=120).map("".join))


@FAST
@given(IOC_TEXT)
def test_refang_is_idempotent(text: str) -> None:
    once = refang(text)
    assert refang(once) == once


@FAST
@given(IOC_TEXT)
def test_find_iocs_returns_valid_iocs_with_offsets_into_the_text(text: str) -> None:
    iocs = find_iocs(text)
    seen = set()
    for ioc in iocs:
        assert ioc.type in IOC_TYPES
        assert 0 <= ioc.start < ioc.end <= len(text)
        written = text[ioc.start : ioc.end]
        assert written
        assert written.strip() == written
        # the span as written, refanged, is the value up to the documented normalisation
        if ioc.type == "ipv6":
            assert ipaddress.ip_address(refang(written)) == ipaddress.ip_address(ioc.value)
        else:
            assert refang(written).casefold() == ioc.value.casefold(), (written, ioc)
        assert (ioc.type, ioc.value) not in seen
        seen.add((ioc.type, ioc.value))
    assert [i.start for i in iocs] == sorted(i.start for i in iocs)


@FAST
@given(st.text(max_size=400))
def test_find_iocs_accepts_any_unicode(text: str) -> None:
    find_iocs(text)
    refang(text)


_TAGS = st.sampled_from(
    ["p", "div", "article", "main", "script", "style", "pre", "a", "li", "table", "svg", "b"]
)
_ATTR = st.sampled_from(
    ["", ' class="x"', ' role="navigation"', ' href="http://a.b/"', ' datetime="2024-01-02"']
)


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 1))
        if kind == 0:
            parts.append(draw(st.text(max_size=40)))
        elif kind == 1:
            parts.append(
                draw(st.sampled_from(["<", ">", "&amp;", "&#0;", "&#x110000;", "<!--", "]]>", "<![CDATA["]))
            )
        else:
            tag = draw(_TAGS)
            inner = draw(html_fragments(depth + 1))  # type: ignore[call-arg]
            closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
            parts.append(f"<{tag}{draw(_ATTR)}>{inner}{closing}")
    return "".join(parts)


def _only_input_error(fn, *args):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return fn(*args)
        except InputError:
            return None


@FAST
@given(st.one_of(html_fragments(), st.text(max_size=200)))
def test_from_html_raises_only_input_error(fragment: str) -> None:
    for html in (fragment, f"<html><head><title>{fragment}</title></head><body>{fragment}</body></html>"):
        article = _only_input_error(Article.from_html, html)
        if article is not None:
            assert article.text.strip()
        _only_input_error(Article.from_html, html.encode("utf-8", "surrogatepass"))


_XML_TAGS = st.sampled_from(
    ["rss", "channel", "item", "title", "link", "description", "feed", "entry", "content", "summary", "guid"]
)


@st.composite
def xml_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 3 if depth < 5 else 1))
        if kind == 0:
            parts.append(draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)))
        elif kind == 1:
            parts.append(
                draw(st.sampled_from(["&lt;p&gt;", "&amp;", "&foo;", "<![CDATA[<b>x</b>]]>", "<", "&#65;"]))
            )
        else:
            tag = draw(_XML_TAGS)
            parts.append(f"<{tag}>{draw(xml_fragments(depth + 1))}</{tag}>")  # type: ignore[call-arg]
    return "".join(parts)


@FAST
@given(xml_fragments(), st.sampled_from(["", '<?xml version="1.0"?>', '<rss version="2.0"><channel>']))
def test_read_feed_raises_only_input_error(fragment: str, prefix: str) -> None:
    data = (prefix + fragment + ("</channel></rss>" if prefix.startswith("<rss") else "")).encode()
    if not data.strip():
        data = b" x"
    entries = _only_input_error(read_feed, data)
    for entry in entries or []:
        assert (entry.article is None) != (entry.error is None)


_PROSE = st.lists(
    st.sampled_from(
        [
            "The actor ran PowerShell (T1059.001) to fetch a payload.",
            "It dumped LSASS memory with T1003.001 and moved laterally.",
            "C2 traffic went to hxxps://bad-domain[.]xyz/gate.php and 45.133.1.20.",
            "The dropper hash was 44d88612fea8a8f36de82e1278abb02f.",
            "Victims received phishing e-mails from billing@invoice-secure[.]top (T1566.001).",
            "Ransomware encrypted files (T1486) after exploiting CVE-2023-34362.",
            "Nothing else happened.",
        ]
    )
    | st.text(min_size=1, max_size=60),
    min_size=1,
    max_size=8,
).map(" ".join)


@pytest.fixture(scope="module")
def schema() -> dict:  # type: ignore[type-arg]
    return brief_schema()


@SLOW
@given(text=_PROSE)
def test_every_brief_validates_against_the_schema(analyzer, schema, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        brief = analyzer.analyze(text)
    except InputError:
        return
    jsonschema.validate(json.loads(brief.to_json()), schema)
    jsonschema.validate(brief.to_dict(), schema)
    assert brief.to_markdown()


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_PROSE)
def test_stix_bundles_of_generated_briefs_validate(analyzer, text: str) -> None:  # type: ignore[no-untyped-def]
    from stix2validator import validate_string

    try:
        brief = analyzer.analyze(text)
    except InputError:
        return
    result = validate_string(json.dumps(to_stix_bundle([brief])))
    assert result.is_valid, [str(e) for e in result.errors]
