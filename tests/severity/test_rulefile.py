"""Rules as data: loading, validation errors with file and line, round trips, the public surface."""

from __future__ import annotations

import copy
import pickle
import textwrap
import threading

import pytest
from severity_helpers import make_doc

from ttpmap._exceptions import RuleError
from ttpmap.severity import SeverityRules

GOOD_RULE = """\
rules:
  - id: exploited
    level: CRITICAL
    score: 90
    description: Exploitation is reported ("{phrase}").
    when:
      phrases: [actively exploited]
"""


def write(tmp_path, text, name="rules.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD_RULE.replace("level: CRITICAL", "level: SEVERE"), 3, "'level' must be one of INFO"),
        (GOOD_RULE.replace("score: 90", "score: 50"), 4, "outside the CRITICAL band 80-100"),
        (GOOD_RULE.replace("score: 90", "score: high"), 4, "'score' must be an integer"),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "keywords: [x]"),
            7,
            "unknown condition 'keywords'",
        ),
        (GOOD_RULE.replace('("{phrase}")', "{cvss}"), 5, "uses {cvss}, which its conditions do not provide"),
        (GOOD_RULE.replace("id: exploited", "id: Exploited Rule"), 2, "'id' must be lowercase"),
        (GOOD_RULE.replace("    when:\n      phrases: [actively exploited]\n", ""), 2, "missing 'when'"),
        (GOOD_RULE.replace("    level:", "    lvl: HIGH\n    level:"), 3, "unknown key 'lvl'"),
        (
            GOOD_RULE.replace(
                "phrases: [actively exploited]", "phrases:\n        patterns: [[{LOWR: zero}]]"
            ),
            8,
            "unknown attribute 'LOWR'",
        ),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "actor:\n        patterns: ['APT(']"),
            8,
            "not a valid regular expression",
        ),
        (GOOD_RULE.replace("phrases: [actively exploited]", "cve: {min_cvss: 12}"), 7, "CVSS bound"),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "cve: {min_cvss: 9, max_cvss: 7}"),
            7,
            "must be above",
        ),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "count: {of: widgets}"),
            7,
            "'count.of' must be one",
        ),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "technique_ids: [T14860]"),
            7,
            "not an ATT&CK technique ID",
        ),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "phrases: {match: [x], polarity: maybe}"),
            7,
            "'polarity' must be",
        ),
        (GOOD_RULE.replace("phrases: [actively exploited]", "fallback: yes please"), 7, "'fallback' takes"),
        (
            GOOD_RULE.replace(
                "phrases: [actively exploited]", "fired: {all: [[other]], within_sentences: near}"
            ),
            7,
            "'fired.within_sentences' must be an integer from 0 to 20",
        ),
        (GOOD_RULE + GOOD_RULE.replace("rules:\n", ""), 8, "duplicate rule id 'exploited'"),
        (GOOD_RULE.replace("    score: 90\n", "    score: 90\n    score: 91\n"), 5, "duplicate key 'score'"),
        (
            GOOD_RULE.replace("phrases: [actively exploited]", "phrases: [actively exploited"),
            8,
            "not valid YAML",
        ),
        ("format: ttpmap-severity-rules/1\nrulez: []\n", 2, "unknown top-level key 'rulez'"),
        ("format: other/2\nrules: []\n", 1, "'format' must be"),
        ("cues:\n  negation_before: [no, not]\nrules: []\n", 2, "item 0 must be a non-empty string"),
        ("rules: {}\n", 1, "'rules' must be a list"),
    ],
)
def test_bad_rule_files_name_file_line_and_problem(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        SeverityRules.from_file(path)
    err = info.value
    assert message in str(err)
    assert (err.path, err.line) == (path, line)
    assert str(err).startswith(f"{path}:{line}: ")


def test_missing_file(tmp_path):
    with pytest.raises(RuleError, match="file not found"):
        SeverityRules.from_file(tmp_path / "nope.yaml")


def test_add_validates_code_rules_the_same_way():
    rules = SeverityRules()
    with pytest.raises(RuleError, match=r"rule 0: rule 'x': 'level' must be one of") as info:
        rules.add([{"id": "x", "level": "BAD", "score": 1, "description": "d", "when": {"fallback": True}}])
    assert info.value.path is None
    with pytest.raises(RuleError, match="got one mapping"):
        rules.add({"id": "x"})  # type: ignore[arg-type]
    assert len(rules) == 0


def test_user_file_with_only_rules_uses_default_cues(tmp_path):
    rules = SeverityRules.from_file(write(tmp_path, GOOD_RULE))
    assert len(rules) == 1
    assert "exploited" in rules
    assert rules.ids == ["exploited"]
    hit = rules.assess(make_doc("The bug is actively exploited by several groups."))
    assert (hit.level, hit.score, [r.rule for r in hit.reasons]) == ("CRITICAL", 90, ["exploited"])
    miss = rules.assess(make_doc("The bug is not actively exploited."))
    assert (miss.level, miss.score, miss.reasons) == ("INFO", 0, ())


def test_rules_property_returns_the_plain_mappings(tmp_path):
    rules = SeverityRules.from_file(write(tmp_path, GOOD_RULE))
    spec = rules.rules[0]
    assert spec["when"] == {"phrases": ["actively exploited"]}
    spec["level"] = "INFO"
    assert rules.rules[0]["level"] == "CRITICAL"
    assert [r["id"] for r in rules] == ["exploited"]


def test_round_trip_through_a_file(tmp_path, rules):
    path = tmp_path / "copy.yaml"
    rules.to_file(path)
    again = SeverityRules.from_file(path)
    assert again.rules == rules.rules
    doc = make_doc("Attackers are actively exploiting CVE-2024-3400 (CVSS 10.0). Lazarus is suspected.")
    assert again.assess(doc) == rules.assess(doc)


def test_remove_clear_and_add():
    rules = SeverityRules.default()
    n = len(rules)
    rules.remove("named-actor")
    assert "named-actor" not in rules
    assert len(rules) == n - 1
    doc = make_doc("The campaign was attributed to APT29.")
    assert [r.rule for r in rules.evaluate(doc)] == ["no-threat-evidence"]
    with pytest.raises(KeyError):
        rules.remove("named-actor")
    rules.add(
        [
            {
                "id": "apt29",
                "level": "HIGH",
                "score": 65,
                "description": "APT29 named: {names}.",
                "when": {"actor": {"names": ["APT29"], "default_list": False}},
            }
        ]
    )
    assert [r.rule for r in rules.evaluate(doc)] == ["apt29"]
    rules.clear()
    assert len(rules) == 0
    assert rules.assess(doc).level == "INFO"


def test_escalation_is_bounded_and_configurable():
    def low(i):
        return {
            "id": f"low-{i}",
            "level": "LOW",
            "score": 30,
            "boost": 10,
            "description": "low",
            "when": {"phrases": [f"word{i}"]},
        }

    text = " ".join(f"word{i}." for i in range(8))
    doc = make_doc(text)
    one = SeverityRules([low(i) for i in range(8)])
    assert one.assess(doc).level == "MEDIUM"
    assert one.assess(doc).score == 59
    none = SeverityRules([low(i) for i in range(8)], scoring={"escalation": 0})
    assert none.assess(doc).level == "LOW"
    assert none.assess(doc).score == 39
    shipped_cap = SeverityRules([low(i) for i in range(8)], scoring={"escalation": 3})
    assert shipped_cap.assess(doc).level == "MEDIUM"
    assert shipped_cap.assess(doc).score == 59
    capped = SeverityRules(
        [low(i) for i in range(8)], scoring={"escalation": 3, "max_escalated_level": "HIGH"}
    )
    assert capped.assess(doc).level == "HIGH"
    assert capped.assess(doc).score == 79
    two = SeverityRules(
        [low(i) for i in range(8)], scoring={"escalation": 3, "max_escalated_level": "CRITICAL"}
    )
    assert two.assess(doc).level == "CRITICAL"
    assert two.assess(doc).score == 100


def test_within_sentences_asks_the_parts_to_lie_close_together():
    def rule(rule_id, level, score, when):
        return {"id": rule_id, "level": level, "score": score, "description": "{count}", "when": when}

    def combined(within):
        fired = {"all": [["breach"]]} if within is None else {"all": [["breach"]], "within_sentences": within}
        return rule("breach-reached-users", "HIGH", 70, {"fired": fired, "phrases": ["reached users"]})

    parts = [rule("breach", "MEDIUM", 50, {"phrases": ["breached the vendor"]})]
    same = make_doc("They breached the vendor and the update reached users.")
    next_one = make_doc("They breached the vendor. The update reached users.")
    far = make_doc("They breached the vendor. Unrelated. Still unrelated. A blog reached users.")
    levels = {
        within: [SeverityRules([*parts, combined(within)]).assess(d).level for d in (same, next_one, far)]
        for within in (None, 0, 1)
    }
    assert levels == {
        None: ["HIGH", "HIGH", "HIGH"],
        0: ["HIGH", "MEDIUM", "MEDIUM"],
        1: ["HIGH", "HIGH", "MEDIUM"],
    }
    reason = next(r for r in SeverityRules([*parts, combined(1)]).evaluate(next_one) if r.level == "HIGH")
    assert [e.text for e in reason.evidence] == ["They breached the vendor.", "The update reached users."]


def test_iocs_raise_confidence_not_severity(rules):
    text = "Attackers are actively exploiting the flaw."
    iocs = [{"type": "sha256", "value": f"{i:064x}", "fidelity": "high"} for i in range(4)]
    plain = rules.assess(make_doc(text))
    with_iocs = rules.assess(make_doc(text, iocs=iocs))
    low_only = rules.assess(make_doc(text, iocs=[{**i, "fidelity": "low"} for i in iocs]))
    assert (with_iocs.level, with_iocs.score) == (plain.level, plain.score)
    assert with_iocs.confidence > plain.confidence == low_only.confidence
    reason = next(r for r in with_iocs.reasons if r.rule == "high-fidelity-iocs")
    assert reason.refs == tuple(f"ioc:sha256:{i:064x}" for i in range(4))
    assert 0 <= plain.confidence <= 100


def test_reason_refs_name_techniques_cves_hunts_and_actors(rules):
    doc = make_doc(
        "Volt Typhoon exploited CVE-2024-1234 (CVSS 9.8) and encrypted the servers.",
        techniques=[{"id": "T1486", "name": "Data Encrypted for Impact", "tactics": ["impact"]}],
        hunts=["UC_RANSOMWARE"],
    )
    refs = {r.rule: r.refs for r in rules.evaluate(doc)}
    assert refs["ransomware-technique"] == ("technique:T1486",)
    assert refs["cve-critical"] == ("cve:CVE-2024-1234",)
    assert refs["hunts-fired"] == ("hunt:UC_RANSOMWARE",)
    assert refs["named-actor"] == ("actor:Volt Typhoon",)


def test_pickle_and_deepcopy_keep_behaviour(rules):
    doc = make_doc("The zero-day in the VPN was exploited in the wild by FIN7.")
    expected = rules.assess(doc)
    for other in (pickle.loads(pickle.dumps(rules)), copy.deepcopy(rules)):
        assert other.assess(doc) == expected


def test_shared_between_threads(rules):
    texts = [
        "Attackers are actively exploiting CVE-2024-3400 (CVSS 10.0).",
        "How to build container images with ko.",
        "APT28 sent phishing emails with a malware attachment; the malware installed a backdoor.",
        "The bug has not been exploited.",
    ] * 5
    fresh = SeverityRules.default()
    expected = [rules.assess(make_doc(t)) for t in texts]
    results: list = [None] * len(texts)

    def work(i):
        results[i] = fresh.assess(make_doc(texts[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == expected


def test_repr_and_default_rules_file(rules):
    assert repr(rules).startswith(f"SeverityRules(<{len(rules)} rules>")
    assert len(rules) >= 20
    assert rules.ids[-1] == "no-threat-evidence"


@pytest.mark.parametrize(
    "pathological",
    [
        "." * 60_000,
        "a" * 60_000,
        "!?" * 30_000,
        "https://x.example/a-b-c " * 2_500,
        "not exploited, " * 4_000,
    ],
    ids=["dots", "one-long-word", "punctuation", "urls", "negations"],
)
def test_pathological_text_costs_about_as_much_as_prose(rules, pathological):
    import time

    prose = ("The attackers sent a phishing e-mail with a macro that ran PowerShell. " * 900)[
        : len(pathological)
    ]

    def cost(text):
        doc = make_doc(text)
        start = time.perf_counter()
        rules.assess(doc)
        return time.perf_counter() - start

    cost(prose)
    assert cost(pathological) < 10 * cost(prose) + 0.5
