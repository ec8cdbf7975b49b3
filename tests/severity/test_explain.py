"""`why_it_matters`, the shipped sample articles, and the docstring examples."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from severity_helpers import make_doc

import ttpmap.severity._explain
import ttpmap.severity._learn
import ttpmap.severity._rules
from ttpmap._article import Article
from ttpmap._document import WorkDoc
from ttpmap._results import Reason, Severity
from ttpmap.severity import why_it_matters

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "samples"


def test_why_it_matters_from_rules(rules):
    doc = make_doc(
        "CVE-2024-9999 (CVSS 8.8) affects the gateway. A proof-of-concept exploit was published on GitHub, "
        "and FIN7 has shown interest in similar bugs."
    )
    severity = rules.assess(doc)
    sentences = why_it_matters(severity)
    assert sentences[0] == "The article names a threat actor, ransomware operation or campaign: FIN7."
    assert "CVE-2024-9999 is rated high (CVSS 8.8)." in sentences
    assert (
        sentences[-1]
        == "The most serious finding sets the level; 3 further findings raised the score to 59/100."
    )
    assert all(s.endswith(".") and s[0].isupper() for s in sentences)


def test_why_it_matters_for_nothing_notable(rules):
    severity = rules.assess(make_doc("Version 3.2 adds a configuration option."))
    assert why_it_matters(severity) == [
        "Nothing reports a threat (exploitation, a malware campaign, an actor, theft or impact); "
        "techniques alone do not raise the level."
    ]


def test_why_it_matters_tidies_sentences():
    severity = Severity(
        "HIGH",
        70,
        40,
        (
            Reason("a", "first  reason", "HIGH", 70),
            Reason("b", "first reason", "LOW", 20),
            Reason("c", "x", "INFO"),
        ),
    )
    assert why_it_matters(severity) == [
        "First reason.",
        "X.",
        "The most serious finding sets the level; 1 further finding raised the score to 70/100.",
    ]
    assert why_it_matters(Severity("INFO", 0, 20)) == []


@pytest.mark.parametrize(
    ("name", "levels", "must_fire"),
    [
        ("howto-container-build.md", {"INFO", "LOW"}, set()),
        ("phishing-to-ransomware.md", {"HIGH"}, {"ransomware-attack"}),
        ("supply-chain-build-dependency.md", {"HIGH"}, {"supply-chain-compromise"}),
        (
            "vulnerability-advisory-exploited.md",
            {"CRITICAL"},
            {"active-exploitation", "exploited-in-the-wild", "zero-day", "cve-critical", "named-actor"},
        ),
    ],
)
def test_sample_articles_text_only(rules, name, levels, must_fire):
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    severity = rules.assess(WorkDoc.from_article(Article.from_file(path)))
    assert severity.level in levels
    assert must_fire <= {r.rule for r in severity.reasons}


@pytest.mark.parametrize("module", [ttpmap.severity._rules, ttpmap.severity._learn, ttpmap.severity._explain])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
