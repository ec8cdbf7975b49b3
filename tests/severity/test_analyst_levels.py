"""The levels analysts give: the sample articles and the short texts of issue 21, through the whole pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ttpmap
from ttpmap._results import SEVERITY_LEVELS
from ttpmap._sentences import split_sentences
from ttpmap.severity._agreement import agreement, split_records

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "datasets" / "samples"

SAMPLE_LEVELS = {
    "howto-container-build.md": "INFO",
    "phishing-to-ransomware.md": "HIGH",
    "supply-chain-build-dependency.md": "HIGH",
    "vulnerability-advisory-exploited.md": "CRITICAL",
}

SHORT_TEXTS = [
    (
        "MEDIUM",
        "A new infostealer steals browser cookies and crypto wallets and sends them to a Telegram bot.",
    ),
    ("HIGH", "LockBit affiliates encrypted VMware ESXi hosts at a regional hospital group."),
    (
        "HIGH",
        "The intruder used a PowerShell download cradle to fetch Cobalt Strike, then dumped LSASS memory "
        "with Mimikatz to harvest domain credentials.",
    ),
    (
        "HIGH",
        "Attackers compromised the vendor's build server and shipped a trojanized update that thousands of "
        "customers installed.",
    ),
    (
        "CRITICAL",
        "Threat actors exploited a VPN appliance flaw in the wild and then deployed a wiper that destroyed "
        "data on the victims' domain controllers.",
    ),
    (
        "INFO",
        "How to build multi-architecture container images with ko: set KO_DOCKER_REPO, sign the images "
        "with cosign and keep your software supply chain verifiable.",
    ),
]


@pytest.fixture(scope="module")
def analyzer() -> ttpmap.Analyzer:
    return ttpmap.Analyzer()


def test_samples_cover_every_sample_article():
    assert set(SAMPLE_LEVELS) == {p.name for p in SAMPLES.glob("*.md")}


@pytest.mark.parametrize(("name", "level"), sorted(SAMPLE_LEVELS.items()))
def test_sample_article_level(analyzer, name, level):
    severity = analyzer.analyze((SAMPLES / name).read_text(encoding="utf-8")).severity
    assert severity.level == level, [r.rule for r in severity.reasons]


@pytest.mark.parametrize(("level", "text"), SHORT_TEXTS, ids=[t[:40] for _, t in SHORT_TEXTS])
def test_short_text_level(analyzer, level, text):
    severity = analyzer.analyze(text).severity
    assert severity.level == level, [r.rule for r in severity.reasons]
    assert severity.decided_by == "rules"
    if level != "INFO":
        assert all(r.evidence or r.refs for r in severity.reasons if r.level == level)


# What analysts weigh, told in words the rules must generalise to (written for these tests, not
# taken from the labeled set): a weakness or nuisance with no attack is LOW, not INFO; exploitation
# followed by impact is CRITICAL however it is told; exposure at scale is MEDIUM; stolen credentials
# used to break in are HIGH; ransomware as a topic is no ransomware.
OTHER_WORDS = [
    (
        "LOW",
        "A researcher found that a smart plug's setup page could let someone on the same Wi-Fi read the "
        "owner's cloud password; the vendor fixed it in firmware 2.3.",
    ),
    (
        "LOW",
        "An email provider said spam volume rose 4 percent in the quarter, most of it advertising supplements.",
    ),
    (
        "CRITICAL",
        "The intrusion began with exploitation of an unpatched Confluence server; a week later the attackers "
        "encrypted the hospital's file servers and demanded a ransom.",
    ),
    (
        "CRITICAL",
        "Hackers used a flaw in the firewall before a patch was available and wiped the configuration of "
        "hundreds of devices.",
    ),
    (
        "MEDIUM",
        "Internet scans found 5,000 Exchange servers still exposed to the ProxyShell flaws months after the "
        "patches.",
    ),
    (
        "HIGH",
        "The intruders signed in with stolen VPN credentials and copied 80 GB of engineering drawings to a "
        "cloud drive.",
    ),
    ("INFO", "Webinar: how to write a ransomware response plan that your executives will follow."),
]


@pytest.mark.parametrize(("level", "text"), OTHER_WORDS, ids=[t[:40] for _, t in OTHER_WORDS])
def test_claims_told_in_other_words(analyzer, level, text):
    severity = analyzer.analyze(text).severity
    assert severity.level == level, [r.rule for r in severity.reasons]
    assert severity.confidence <= 45
    if level != "INFO":
        assert all(r.evidence for r in severity.reasons if r.level == level)


def test_negation_scopes_over_its_own_phrase_only(analyzer):
    text = (
        "The DarkSide ransomware operation encrypted the billing systems of a fuel pipeline company. "
        "DarkSide operators did not take responsibility for the attack and called themselves apolitical."
    )
    severity = analyzer.analyze(text).severity
    fired = {r.rule for r in severity.reasons}
    assert "exploitation-denied" not in fired
    assert severity.level == "HIGH"
    denied = analyzer.analyze("The vendor has seen no attacks exploiting the flaw.").severity
    assert "exploitation-denied" in {r.rule for r in denied.reasons}


def test_short_texts_get_a_level_with_low_confidence(analyzer):
    short = analyzer.analyze(SHORT_TEXTS[1][1]).severity
    long = analyzer.analyze((SAMPLES / "phishing-to-ransomware.md").read_text(encoding="utf-8")).severity
    assert short.level == long.level == "HIGH"
    assert short.confidence <= 45 < long.confidence


def test_labeled_set_is_split_by_position():
    lines = (ROOT / "datasets" / "labeled" / "severity.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    tune, holdout = split_records(records)
    assert len(records) >= 100
    assert len(holdout) == len(records) // 3
    assert [r["split"] for r in records] == ["holdout" if i % 3 == 2 else "tune" for i in range(len(records))]
    assert all(r["severity"] in SEVERITY_LEVELS and r["why"].strip() for r in records)
    assert len(tune) + len(holdout) == len(records)
    assert sum(len(split_sentences(r["text"])) <= 3 for r in records) >= 40


def test_agreement_counts():
    result = agreement(["INFO", "HIGH", "CRITICAL", "LOW"], ["INFO", "MEDIUM", "LOW", "LOW"])
    assert (result.n, result.exact, result.within_one) == (4, 0.5, 0.75)
    assert result.confusion[3][2] == 1
    assert result.confusion[4][1] == 1
    assert result.beats(agreement(["INFO"] * 4, ["LOW", "LOW", "INFO", "HIGH"]))
