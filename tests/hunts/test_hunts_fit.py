"""Hunts that fit the article (issue 20), on the labelled test set ``datasets/labeled/hunts.jsonl``.

The set was written before the ranking was tuned; a third of it (``split: holdout``) was never looked
at while tuning. Each article lists the platforms it involves, the techniques it states clearly and
the hunts an analyst would run first. Two checks per article:

* the top 3 hunts contain at least one expected hunt. When the technique classifier finds none of
  the techniques the expected hunts are for, no ranking can show them: the case is an expected
  failure naming the techniques the model misses (the classifier is issue 17's work);
* no hunt for a platform the article does not involve is in the top 5.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttpmap.hunts._rank import rule_platform

DATA = Path(__file__).resolve().parents[2] / "datasets" / "labeled" / "hunts.jsonl"
ARTICLES = [json.loads(line) for line in DATA.read_text("utf-8").split("\n") if line.strip()]
IDS = [f"{a['split']}-{a['id'].split(':', 1)[1]}" for a in ARTICLES]

#: Articles whose brief finds a technique of an expected hunt but does not rank that hunt in its top
#: 3: measured failures, kept visible (strict: when one passes, take it out of this list).
MISRANKED: dict[str, str] = {}
MISPLATFORMED: dict[str, str] = {
    "hunts:macos-fake-captcha-terminal-paste-osascript-keychain-launchagent": (
        "held out: its first sentence compares the lure with the Windows one ('lures that spread Windows"
        " stealers through the Run dialog'), so the article involves Windows and UC_CLICKFIX_PASTE ranks"
        " 3rd, UC_CERTUTIL_DOWNLOAD 5th"
    ),
}
PLATFORM_CASES = [
    pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=MISPLATFORMED[a["id"]]))
    if a["id"] in MISPLATFORMED
    else a
    for a in ARTICLES
]
TOP3_CASES = [
    pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=MISRANKED[a["id"]]))
    if a["id"] in MISRANKED
    else a
    for a in ARTICLES
]


@pytest.fixture(scope="module")
def analyzer():
    from ttpmap import Analyzer

    return Analyzer()


@pytest.fixture(scope="module")
def briefs(analyzer):
    return {a["id"]: analyzer.analyze(a["text"]) for a in ARTICLES}


def test_test_set_shape():
    assert len(ARTICLES) >= 15
    holdout = [a for a in ARTICLES if a["split"] == "holdout"]
    assert len(holdout) * 3 >= len(ARTICLES)
    platforms = {"windows", "linux", "macos", "cloud", "network", "saas"}
    for a in ARTICLES:
        assert a["labels"]
        assert a["expected_hunts"]
        assert a["text"]
        assert set(a["platforms"]) <= platforms


def test_expected_hunts_are_in_the_pack(analyzer):
    from ttpmap.hunts._pack import load_pack

    names = {info.name for info, _ in load_pack()}
    for a in ARTICLES:
        assert set(a["expected_hunts"]) <= names, a["id"]


@pytest.mark.parametrize("article", TOP3_CASES, ids=IDS)
def test_top3_has_an_expected_hunt(article, briefs, analyzer):
    brief = briefs[article["id"]]
    top3 = [h.id for h in brief.hunts[:3]]
    if set(top3) & set(article["expected_hunts"]):
        return
    reachable = {h.id for h in analyzer._hunts.hunts_for(list(brief.techniques))}
    if not reachable & set(article["expected_hunts"]):
        found = {t.id for t in brief.techniques}
        missed = [t for t in article["labels"] if t not in found]
        pytest.xfail(f"the classifier finds no technique of the expected hunts; it misses {missed}")
    pytest.fail(f"top 3 {top3} holds none of {article['expected_hunts']}")


@pytest.mark.parametrize("article", PLATFORM_CASES, ids=IDS)
def test_no_other_platform_in_top5(article, briefs, analyzer):
    brief = briefs[article["id"]]
    rules = {info.label: info for info in analyzer._hunts._rules}
    for hunt in brief.hunts[:5]:
        platform = rule_platform(rules[hunt.id].logsource)
        assert platform is None or platform in article["platforms"], (hunt.id, platform)
