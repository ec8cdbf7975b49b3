"""Issue 19: every class of wrong or missed IOC value, one table per class.

Each row is ``(text, expected)``: ``expected`` lists ``"type value"`` strings that must be reported at
high fidelity (exactly these, unless the table says otherwise), so a value that differs from the text
beyond refanging fails here. Hosts are made-up names on real TLDs.
"""

from __future__ import annotations

import pytest

from ttpmap.iocs import find_iocs, refang

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
MD5 = "7b5a7c3f0e2a4d1c9b8e6f5a4d3c2b1a"


def _high(text: str) -> list[str]:
    return sorted(f"{i.type} {i.value}" for i in find_iocs(text) if i.fidelity == "high")


def _by_value(text: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(i.type, i.value): (i.fidelity, i.reason) for i in find_iocs(text)}


# -- invented domains: never output a host the text does not name; unknown TLD -> low with a reason --
INVENTED = [
    ("C2: update-svc[.]comm", "domain update-svc.comm", ".comm"),
    ("C2: payload[.]evil[.]corp", "domain payload.evil.corp", ".corp"),
    ("C2: k6239847[.]lib", "domain k6239847.lib", ".lib"),
    ("C2: c2.badguy[.]internal", "domain c2.badguy.internal", ".internal"),
    ("user @example[.]com[.]tld", "domain example.com.tld", ".tld"),
    ("mail bob@evil-mail[.]corp", "email bob@evil-mail.corp", ".corp"),
    ("hxxp://c2.badguy[.]internal/gate", "url http://c2.badguy.internal/gate", ".internal"),
]


@pytest.mark.parametrize(("text", "value", "tld"), INVENTED, ids=[r[0] for r in INVENTED])
def test_invented_domains_unknown_tld_is_low_with_a_reason(text: str, value: str, tld: str) -> None:
    iocs = find_iocs(text)
    assert [f"{i.type} {i.value}" for i in iocs] == [value]
    assert iocs[0].fidelity == "low"
    assert tld in (iocs[0].reason or "")


def test_invented_domains_a_table_cell_boundary_is_still_cut() -> None:
    assert _high("C2 evil-host[.]comQuasarRAT") == ["domain evil-host.com"]


# -- defang styles that vendors use (peer suites' refang tests and our reports) ----------------------
DEFANG_STYLES = [
    ("evil-host[.]com", "domain evil-host.com"),
    ("evil-host(.)com", "domain evil-host.com"),
    ("evil-host{.}com", "domain evil-host.com"),
    ("evil-host[dot]com", "domain evil-host.com"),
    ("evil-host(dot)com", "domain evil-host.com"),
    ("evil-host [.] com", "domain evil-host.com"),
    ("evil-host[.com]", "domain evil-host.com"),
    ("evil-host[.com", "domain evil-host.com"),
    ("evil-host.]com", "domain evil-host.com"),
    ("www.fitehook.]com", "domain www.fitehook.com"),
    ("evil-host\uff0ecom", "domain evil-host.com"),
    ("107.150.112.]250", "ipv4 107.150.112.250"),
    ("111[.]111[.]111[.]111", "ipv4 111.111.111.111"),
    ("111(.)111(.)111(.)111", "ipv4 111.111.111.111"),
    ("111[.111.]111[.111", "ipv4 111.111.111.111"),
    ("hxxp://evil-host.com/test", "url http://evil-host.com/test"),
    ("hXXps://evil-host.com/test", "url https://evil-host.com/test"),
    ("h**p://evil-host.com/test", "url http://evil-host.com/test"),
    ("hxxp[:]//evil-host.com/test", "url http://evil-host.com/test"),
    ("hxxp[://]evil-host.com/test", "url http://evil-host.com/test"),
    ("http[:]//evil-host[.]com[/]test", "url http://evil-host.com/test"),
    ("hxxp://evil-host[.com/test", "url http://evil-host.com/test"),
    ("hxxp://evil-host.]com/test", "url http://evil-host.com/test"),
    ("hxxps://107.150.112.]250/a.php", "url https://107.150.112.250/a.php"),
    ("fxp://evil-host.com/test", "url ftp://evil-host.com/test"),
    ("bad[at]evil-host.com", "email bad@evil-host.com"),
    ("bad(at)evil-host.com", "email bad@evil-host.com"),
    ("bad[@]evil-host[.]com", "email bad@evil-host.com"),
    ("bad [at] evil-host [dot] com", "email bad@evil-host.com"),
    ("E-mail: bad at evil-host dot com", "email bad@evil-host.com"),
]


@pytest.mark.parametrize(("text", "value"), DEFANG_STYLES, ids=[r[0] for r in DEFANG_STYLES])
def test_defang_styles(text: str, value: str) -> None:
    assert _high("C2: " + text) == [value]


def test_defang_styles_half_brackets_leave_code_alone() -> None:
    assert refang("values[.5] and arr[.x]") == "values[.5] and arr[.x]"


def test_defang_styles_prose_at_is_not_an_email() -> None:
    assert _high("Contact us at evil-host dot com") == []


# -- registry keys ------------------------------------------------------------------------------------
REGISTRY = [
    (
        r"Sets HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options",
        [r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options"],
    ),
    (
        r"Reads HKCU\Software\Microsoft\Windows\CurrentVersion\Explorer\Shell Folders.",
        [r"HKCU\Software\Microsoft\Windows\CurrentVersion\Explorer\Shell Folders"],
    ),
    (r"Keys HKCU\Software\Evil HKLM\Software\Evil2", [r"HKCU\Software\Evil", r"HKLM\Software\Evil2"]),
    (
        r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Console\ConsoleIME HKLM\SOFTWARE\RUN",
        [r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Console\ConsoleIME", r"HKLM\SOFTWARE\RUN"],
    ),
    (
        r"<HKCU>\SOFTWARE\MICROSOFT\WINDOWS\CURRENTVERSION\EXPLORER\ADVANCED",
        [r"HKCU\SOFTWARE\MICROSOFT\WINDOWS\CURRENTVERSION\EXPLORER\ADVANCED"],
    ),
    (
        "added to the \u201cHKEY_USERS\\<USER SID>\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\u201d key",
        [r"HKEY_USERS\<USER SID>\Software\Microsoft\Windows\CurrentVersion\Run"],
    ),
    (r"HKEY_USERS\<USER SID\Software\Evil", []),
    (
        r"It adds HKCU\Software\Microsoft\Windows\CurrentVersion\Run The value starts it",
        [r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"],
    ),
    (
        r"the HKCU\Software\Microsoft\Windows\CurrentVersion\Run key",
        [r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"],
    ),
    (r"HKCU\Control Panel\Desktop", [r"HKCU\Control Panel\Desktop"]),
]


@pytest.mark.parametrize(("text", "keys"), REGISTRY, ids=[r[0][:60] for r in REGISTRY])
def test_registry_keys(text: str, keys: list[str]) -> None:
    assert _high(text) == sorted(f"registry_key {k}" for k in keys)


# -- hosts with underscores ---------------------------------------------------------------------------
UNDERSCORES = [
    ("C2 o_o.example-cdn.nl", ["domain o_o.example-cdn.nl"]),
    ("C2 https://api_upd.example-cdn.xyz/gate.php", ["url https://api_upd.example-cdn.xyz/gate.php"]),
    ("C2 a_b.c_d.evil-host.com", ["domain a_b.c_d.evil-host.com"]),
    ("config my_var.com and http://a_b.com/x", []),  # never in the registered name itself
]


@pytest.mark.parametrize(("text", "expected"), UNDERSCORES, ids=[r[0] for r in UNDERSCORES])
def test_hosts_with_underscores(text: str, expected: list[str]) -> None:
    assert _high(text) == expected


# -- hash labels ---------------------------------------------------------------------------------------
HASH_LABELS = [
    (f"authentihash: {SHA}", "sha256", "low"),
    (f"Authentihash {SHA}", "sha256", "low"),
    (f"imphash\n{MD5}", "md5", "low"),
    (f"Imphash:\n{MD5}", "md5", "low"),
    (f"| File | imphash |\n|---|---|\n| a.exe | {MD5} |", "md5", "low"),
    (f"| File | MD5 |\n|---|---|\n| a.exe | {MD5} |", "md5", "high"),
    (f"SHA256\n{SHA}", "sha256", "high"),
    (f"{MD5}\n{SHA}", "sha256", "high"),
    ("MD5 d41d8cd98f00b204e9800998ecf8427e", "md5", "low"),
    ("SHA-1 da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1", "low"),
    ("SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256", "low"),
]


@pytest.mark.parametrize(("text", "type_", "fidelity"), HASH_LABELS, ids=[r[0][:40] for r in HASH_LABELS])
def test_hash_labels(text: str, type_: str, fidelity: str) -> None:
    hashes = [i for i in find_iocs(text) if i.type == type_]
    assert len(hashes) == 1
    assert hashes[0].fidelity == fidelity
    assert (hashes[0].reason is None) == (fidelity == "high")


# -- lookup URLs: the subject is the indicator ----------------------------------------------------------
LOOKUPS = [
    ("https://www.virustotal.com/gui/ip-address/185.220.101.47/detection", "ipv4 185.220.101.47"),
    ("https://www.virustotal.com/gui/domain/evil-host.com", "domain evil-host.com"),
    (f"https://www.virustotal.com/gui/file/{SHA}", f"sha256 {SHA}"),
    ("https://urlscan.io/domain/evil-host.com", "domain evil-host.com"),
    ("https://urlscan.io/ip/185.220.101.47", "ipv4 185.220.101.47"),
    ("https://www.abuseipdb.com/check/185.220.101.47", "ipv4 185.220.101.47"),
    ("https://www.shodan.io/host/185.220.101.47", "ipv4 185.220.101.47"),
    (f"https://www.hybrid-analysis.com/sample/{SHA}", f"sha256 {SHA}"),
    (f"https://bazaar.abuse.ch/sample/{SHA}/", f"sha256 {SHA}"),
    ("https://threatfox.abuse.ch/browse.php?search=ioc%3A185.220.101.47", "ipv4 185.220.101.47"),
]


@pytest.mark.parametrize(("url", "subject"), LOOKUPS, ids=[r[0][8:50] for r in LOOKUPS])
def test_lookup_urls(url: str, subject: str) -> None:
    found = _by_value(url)
    assert _high(url) == [subject]
    assert found[("url", url)][0] == "low"


def test_lookup_urls_a_benign_subject_stays_low() -> None:
    assert _high("https://www.virustotal.com/gui/domain/google.com") == []


# -- other values ------------------------------------------------------------------------------------------
def test_upper_case_host_after_a_c2_cue() -> None:
    assert _high("C2: MAIL.EVIL-UPDATES.NET") == ["domain mail.evil-updates.net"]
    assert _high("Visit MAIL.EVIL-UPDATES.NET today") == []


def test_email_after_a_rule_of_dashes() -> None:
    iocs = find_iocs("-----foo@evil-mail.com")
    assert [(i.value, i.start) for i in iocs] == [("foo@evil-mail.com", 5)]


QUOTED_NAMES = [
    ('dropped "FILES ENCRYPTED.txt" in each folder', "FILES ENCRYPTED.txt"),
    ("| FILES ENCRYPTED.txt | ransom note |", "FILES ENCRYPTED.txt"),
    ("the note \u201cHOW TO DECRYPT.hta\u201d", "HOW TO DECRYPT.hta"),
    ('he wrote "the sample drops evil.exe"', "evil.exe"),
]


@pytest.mark.parametrize(("text", "name"), QUOTED_NAMES, ids=[r[0] for r in QUOTED_NAMES])
def test_quoted_or_table_cell_file_names_with_spaces(text: str, name: str) -> None:
    names = [i for i in find_iocs(text) if i.type == "filename"]
    assert [i.value for i in names] == [name]
    assert text[names[0].start : names[0].end] == name


def test_zero_padded_octets_are_low_not_lost() -> None:
    iocs = find_iocs("C2 018.12.15.14")
    assert [(i.type, i.value, i.fidelity) for i in iocs] == [("ipv4", "18.12.15.14", "low")]
    assert "018.12.15.14" in (iocs[0].reason or "")
