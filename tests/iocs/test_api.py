"""The public surface of ttpmap.iocs: parameters, result shape, benign lists as extensible data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import ttpmap.iocs as iocs_pkg
from ttpmap._exceptions import InvalidParameterError, RuleError
from ttpmap._results import Evidence, Ioc
from ttpmap.iocs import IOC_TYPES, BenignLists, find_iocs


def test_public_names() -> None:
    assert set(iocs_pkg.__all__) == {"IOC_TYPES", "BenignLists", "find_iocs", "refang"}
    assert find_iocs.__module__ == "ttpmap.iocs"
    assert len(IOC_TYPES) == 15


def test_result_shape_and_sentence() -> None:
    text = "Intro line.\nThe implant beacons to cdn-sync[.]net every hour. Then it sleeps."
    (ioc,) = find_iocs(text)
    assert isinstance(ioc, Ioc)
    assert (ioc.type, ioc.value, ioc.defanged, ioc.fidelity, ioc.reason) == (
        "domain",
        "cdn-sync.net",
        True,
        "high",
        None,
    )
    assert text[ioc.start : ioc.end] == "cdn-sync[.]net"
    assert ioc.sentence == Evidence("The implant beacons to cdn-sync[.]net every hour.", 12, 61)
    assert ioc.to_dict()["value"] == "cdn-sync.net"


def test_one_ioc_per_type_and_value_preferring_a_high_occurrence() -> None:
    text = "git remote at github.com/acme. Payload: hxxps://evil-cdn[.]org/a. Again https://evil-cdn.org/a"
    found = [(i.type, i.value) for i in find_iocs(text)]
    assert found.count(("url", "https://evil-cdn.org/a")) == 1
    url = next(i for i in find_iocs(text) if i.type == "url" and i.value == "https://evil-cdn.org/a")
    assert url.defanged
    assert url.fidelity == "high"


def test_types_filter() -> None:
    text = "evil[.]com 45.137.22[.]98 CVE-2021-44228"
    assert [i.type for i in find_iocs(text, types=["cve"])] == ["cve"]
    assert {i.type for i in find_iocs(text, types=("domain", "ipv4"))} == {"domain", "ipv4"}
    with pytest.raises(InvalidParameterError, match="unknown IOC type"):
        find_iocs(text, types=["domains"])


@pytest.mark.parametrize("bad", [b"bytes", 3, None])
def test_text_must_be_str(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="text must be a str"):
        find_iocs(bad)  # type: ignore[arg-type]


def test_publisher_from_article_or_url() -> None:
    @dataclass
    class FakeArticle:
        text: str
        url: str
        title: str = ""

    text = "More on https://blog.acme-sec.com/x and C2 upd-check[.]net"
    article = FakeArticle(text, "https://www.acme-sec.com/research/post")
    by_article = {i.value: i.fidelity for i in find_iocs(text, article)}
    by_url = {i.value: i.fidelity for i in find_iocs(text, url="acme-sec.com")}
    assert by_article == by_url == {"https://blog.acme-sec.com/x": "low", "upd-check.net": "high"}
    low = next(i for i in find_iocs(text, article) if i.fidelity == "low")
    assert low.reason
    assert "publisher" in low.reason


def test_low_fidelity_always_has_a_reason() -> None:
    text = "10.0.0.1, readme.md, https://attack.mitre.org/x, commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
    lows = [i for i in find_iocs(text) if i.fidelity == "low"]
    assert len(lows) == 4
    assert all(i.reason for i in lows)


def test_benign_lists_extend_and_files(tmp_path: Path) -> None:
    text = "The agent talks to telemetry.partner-cdn.net and writes agent_cache.dat"
    assert {i.fidelity for i in find_iocs(text)} == {"high"}
    lists = BenignLists.default().extend(
        domains=["partner-cdn.net partner"], filenames=["agent_cache.dat vendor"]
    )
    found = {i.value: (i.fidelity, i.reason) for i in find_iocs(text, benign=lists)}
    assert found["telemetry.partner-cdn.net"] == ("low", "partner site (partner-cdn.net)")
    assert found["agent_cache.dat"] == ("low", "well-known vendor file")
    assert BenignLists.default().match_host("partner-cdn.net") is None  # extend() copied

    path = tmp_path / "ours.txt"
    path.write_text("# our partners\npartner-cdn.net partner\n", encoding="utf-8")
    from_file = BenignLists.from_files(domains=[path])
    assert from_file.match_host("x.partner-cdn.net") is not None
    assert from_file.match_host("attack.mitre.org") is not None  # defaults kept


@pytest.mark.parametrize(
    ("kind", "line", "message"),
    [
        ("domains", "not a domain!", "expected"),
        ("domains", "bad_host$.com", "not a domain"),
        ("shared_services", "paste.example nopath", "expected"),
        ("names", "nodot", "must contain a dot"),
        ("extensions", "e x e", "one extension"),
        ("addresses", "999.1.1.1", "not an IP"),
    ],
)
def test_bad_list_file_raises_rule_error_with_line(
    tmp_path: Path, kind: str, line: str, message: str
) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"# header\n\n{line}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=message) as info:
        BenignLists.from_files(**{kind: [path]})  # type: ignore[arg-type]
    assert info.value.line == 3
    assert info.value.path == path


def test_unreadable_list_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read"):
        BenignLists.from_files(domains=[tmp_path / "missing.txt"])


def test_lists_round_trip(tmp_path: Path) -> None:
    lists = BenignLists.default()
    lists.to_disk(tmp_path)
    again = BenignLists.from_disk(tmp_path)
    assert again.entries == lists.entries
    assert len(again) == len(lists) > 1000


def test_default_lists_load_once() -> None:
    assert BenignLists.default() is BenignLists.default()


def test_a_bare_string_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="wrap it in a list"):
        BenignLists(domains="evil.com")
