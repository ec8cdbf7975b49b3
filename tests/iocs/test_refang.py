"""Refanging: the documented defangs, idempotence, and offsets that point back at what was written."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ttpmap.iocs import find_iocs, refang
from ttpmap.iocs._refang import fang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil(dot)com", "evil.com"),
        ("evil [dot] com", "evil.com"),
        ("evil\\.com", "evil.com"),
        ("hxxp://a.b", "http://a.b"),
        ("hXXps://a.b", "https://a.b"),
        ("h**ps://a.b", "https://a.b"),
        ("hxxps[:]//a.b", "https://a.b"),
        ("hxxp[://]a.b", "http://a.b"),
        ("http:\\/\\/a.b\\/c", "http://a.b/c"),
        ("a[:]443", "a:443"),
        ("me[at]evil.com", "me@evil.com"),
        ("me(at)evil.com", "me@evil.com"),
        ("me[@]evil.com", "me@evil.com"),
        ("me [at] evil [dot] com", "me@evil.com"),
        ("evil.com[/]x", "evil.com/x"),
        ("evil\uff0ecom", "evil.com"),
        ("example[.com]", "example.com"),
        ("[[.]]", "."),
    ],
)
def test_refang_known_defangs(text: str, expected: str) -> None:
    assert refang(text) == expected


@pytest.mark.parametrize("text", ["[[[[.]]]]", "a\\\\[.]b", "[ [.] ]", "look (at) this", "plain text. Next."])
def test_refang_leaves_what_is_not_a_defang(text: str) -> None:
    assert refang(refang(text)) == refang(text)
    assert "[.]" not in text or refang(text) == text


@pytest.mark.parametrize("text", ["0.FXP:", "0\uff0eFXP:", "a[.]fxp: b", "x-hxxp: y"])
def test_a_scheme_lookalike_inside_a_host_name_stays(text: str) -> None:
    # found by Hypothesis: the label "FXP" before a colon is no defanged "ftp" scheme
    assert refang(text).replace("[.]", ".").replace("\uff0e", ".") == text.replace("[.]", ".").replace(
        "\uff0e", "."
    )


TRICKY = st.text(alphabet=list("[](){}<>.:/\\@ atdoATDhxpsHXPS*_-1e\uff0e\u3002"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TRICKY, st.text(max_size=80)))
# found by Hypothesis: an escaped slash between brackets became a bracketed slash for the next pass
@example("[\\/>")
@example("x\\/]y")
@example("[ \\/ ]")
# and a scheme before a two-bracket colon was left for the next pass to refang
@example("H00P[[:]")
@example("HTXP[[:]")
def test_refang_is_idempotent(text: str) -> None:
    once = refang(text)
    assert refang(once) == once


FRAGMENTS = [
    "evil[.]com",
    "hxxps[:]//cdn-update[.]net/a[.]php",
    "45.137.22[.]98",
    "admin[at]mail-x[.]org",
    "user [at] corp-mail [dot] com",
    "http://files.example-cdn.org/a/b.exe",
    "10.0.0.1",
    "readme.md",
    "C:\\Users\\Public\\x.dll",
    "HKCU\\Software\\Run\\Key",
    "CVE-2021-44228",
    "2a01:4f8:c17:3e8f::1",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "https://pastebin.com/raw/Ab12Cd34",
    "(see http://bad-site.net/x).",
    "Socket.IO",
    "\u00e9t\u00e9 caf\u00e9",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from([" ", ", ", "\n", ". ", " (", ") "])),
        max_size=12,
    )
)
def test_offsets_point_at_the_written_indicator(parts: list[str]) -> None:
    text = "".join(parts)
    for ioc in find_iocs(text):
        written = refang(text[ioc.start : ioc.end])
        if ioc.type == "ipv6":
            assert ipaddress.ip_address(written) == ipaddress.ip_address(ioc.value)
        elif ioc.type in ("cve", "md5", "sha1", "sha256", "sha512", "url", "domain", "email"):
            assert written.lower() == ioc.value.lower()
        elif ioc.type == "ipv4":
            assert written == ioc.value.split("/")[0] or written == ioc.value
        else:
            assert written == ioc.value
        assert ioc.sentence is None or ioc.sentence.start <= ioc.start < ioc.sentence.end


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_unicode_returns(text: str) -> None:
    iocs = find_iocs(text)
    assert all(0 <= i.start < i.end <= len(text) for i in iocs)
    assert [i.start for i in iocs] == sorted(i.start for i in iocs)


def test_fang_maps_offsets_and_marks_defangs() -> None:
    text = "see hxxp://evil[.]com/x and 1.2.3[.]4 ok"
    f = fang(text)
    assert f.text == "see http://evil.com/x and 1.2.3.4 ok"
    i = f.text.index("evil.com")
    assert f.to_original(i, i + 8) == (text.index("evil"), text.index("com/") + 3)
    assert f.defanged(i, i + 8)
    j = f.text.index("/x")
    assert not f.defanged(j, j + 2)
    k = f.text.index("1.2.3.4")
    assert text[slice(*f.to_original(k, k + 7))] == "1.2.3[.]4"


def test_escapes_are_refanged_but_not_defangs() -> None:
    f = fang('{"u": "https:\\/\\/a-cdn.xyz\\/p"}')
    assert "https://a-cdn.xyz/p" in f.text
    assert not f.defanged(0, len(f.text))


def test_a_spaced_dot_before_a_defanged_scheme_does_not_glue_the_next_url():
    text = "evil[.]com (. ) hxxps[:]//cdn-update[.]net/a[.]php"
    assert [(i.type, i.value) for i in find_iocs(text)] == [
        ("domain", "evil.com"),
        ("url", "https://cdn-update.net/a.php"),
    ]
