"""The phrase lexicon: pattern syntax, the shipped file, and precision measured on labeled texts."""

from __future__ import annotations

import numpy as np
import pytest

from ttpmap.classify._phrases import MIN_PRECISION, PhraseTable, compile_pattern, load_phrases


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (
            "encrypt* ~ files|servers",
            "The attackers encrypted the victims' files.",
            "encrypted the victims' files",
        ),
        ("encrypt* ~ files|servers", "LockBit encrypts servers", "encrypts servers"),
        ("supply-chain attack*", "a supply chain attack and", "supply chain attack"),
        ("supply-chain attack*", "Supply-chain attacks rise", "Supply-chain attacks"),
        ("wiper|wipers", "Two WIPERS were found", "WIPERS"),
        # a word that opens with a separator character: the separator before it gives it back
        ("upload* ~ $web", "files uploaded to $web containers", "uploaded to $web"),
        ("the 'quoted word", "see the 'quoted word here", "the 'quoted word"),
        (
            "outsourc* ~~ clients",
            "They pivoted from an IT outsourcing firm's network into the systems of three of its clients.",
            "outsourcing firm's network into the systems of three of its clients",
        ),
        # a "." inside a token (an address, a file name) is no sentence end: a gap passes over it
        (
            "set-mailbox ~~ -forwardingsmtpaddress",
            "Set-Mailbox -Identity cfo@fabrikam.com -ForwardingSmtpAddress x@proton.me",
            "Set-Mailbox -Identity cfo@fabrikam.com -ForwardingSmtpAddress",
        ),
        ("copied ~ to ~ mega", "copied sa.tmp to MEGA", "copied sa.tmp to MEGA"),
    ],
)
def test_patterns_match_plain_words(pattern, text, found):
    regex, *_ = compile_pattern(pattern)
    m = regex.search(text)
    assert m is not None
    assert m.group() == found


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("encrypt* ~ files", "They encrypted traffic. The files were left alone."),  # across a sentence end
        ("encrypt* ~ files", "encrypted one two three four files"),  # more than three words between
        ("wiper", "wipers"),  # whole words only
        ("ddos", "antiddos"),
        ("outsourc* ~~ clients", "outsourcing a b c d e f g h i j k clients"),  # more than ten words between
        ("outsourc* ~~ clients", "An outsourcing firm was hit. Its clients were not."),
        ("encrypt* ~ files", "They encrypted it.\nFiles were safe."),  # a "." before a line break
        ("encrypt* ~~ files", "They encrypted v2. Files were safe."),
    ],
)
def test_patterns_do_not_overreach(pattern, text):
    regex, *_ = compile_pattern(pattern)
    assert regex.search(text) is None


def test_bad_patterns_are_refused():
    with pytest.raises(ValueError, match="bad word"):
        compile_pattern("encrypt(files")
    with pytest.raises(ValueError, match="expected 'pattern<TAB>technique ID'"):
        load_phrases("ransomware attack T1486\n")


def test_shipped_lexicon_names_active_techniques(catalog_path):
    from ttpmap.datasets._loaders import catalog_at

    catalog = catalog_at(catalog_path)
    phrases = load_phrases()
    assert len(phrases) >= 100
    for pattern, tid in phrases:
        compile_pattern(pattern)
        info = catalog.resolve(tid)
        assert info.id == tid
        assert not info.deprecated


def test_precision_is_measured_on_labeled_texts():
    table = PhraseTable.build([("ransomware attack*", "T1486"), ("wiper", "T1485")], ["T1485", "T1486"])
    texts = [
        "A ransomware attack hit the city.",
        "The ransomware attacks continued; files were encrypted.",
        "Officials discussed ransomware attacks in general.",
        "A wiper destroyed data.",
    ]
    labels = [["T1486"], ["T1486"], [], ["T1561.001"]]
    measured = table.measured(texts, labels, ["T1485", "T1486"])
    assert measured.matches.tolist() == [3, 1]
    assert measured.hits.tolist() == [2, 0]
    np.testing.assert_allclose(measured.precision, [3 / 5, 1 / 3])
    assert measured.active.tolist() == [MIN_PRECISION <= 3 / 5, False]
    assert table.find("no match here") == []


def test_short_annotated_mentions_become_candidate_phrases():
    from ttpmap.classify._estimator import _mention_phrases

    text = "The ransomware spread. Later the RANSOMWARE encrypted the disks of the victims."
    spans = [[(4, 14, "T1486"), (33, 43, "T1486"), (44, 80, "T1486")]]
    assert _mention_phrases([text], spans, [None]) == [("ransomware", "T1486")]
    assert _mention_phrases([text], spans, [{"T1486"}]) == []  # not annotated for every technique


def test_a_sub_technique_that_a_restricted_source_never_labels_counts_by_family():
    from ttpmap.classify._estimator import _measure_phrases

    classes = ["T1003", "T1003.001", "T1003.003"]
    texts = ["They ran zzqx dumper on the DC.", "They ran zzqx dumper again.", "LSASS was dumped."]
    learned = [("zzqx dumper", "T1003.003")]

    def measured(spaces):
        table, _ = _measure_phrases(classes, texts, [["T1003.001"], ["T1003.001"], []], spaces, learned)
        k = table.patterns.index("zzqx dumper")
        return int(table.matches[k]), int(table.hits[k])

    # TRAM2-like texts (annotated for some parents) label T1003.001 but never T1003.003: the family confirms
    assert measured([{"T1003"}, {"T1003"}, {"T1003"}]) == (2, 2)
    # texts annotated for every technique (None) say what they are: T1003.001 is not T1003.003
    assert measured([None, None, None]) == (2, 0)


def test_a_curated_pattern_reports_until_the_data_shows_it_imprecise():
    table = PhraseTable.build(
        [("managed service provider*", "T1199"), ("msp|msps", "T1199")], ["T1199"], vouched=[True, False]
    )
    assert table.active.tolist() == [True, False]  # unmeasured: only the vouched one
    np.testing.assert_allclose(table.precision, [2 / 3, 1 / 2])
    texts = ["Their managed service providers were breached.", "Managed service providers sell support."]
    once = table.measured(texts[1:], [[]], ["T1199"])
    assert once.active.tolist() == [False, False]  # (0 + 2) / (1 + 3): one miss switches it off
    hit_then_miss = table.measured(texts, [["T1199"], []], ["T1199"])
    np.testing.assert_allclose(hit_then_miss.precision[0], 3 / 5)
    assert hit_then_miss.active.tolist() == [True, False]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The attackers did not encrypt any systems.", False),
        ("No files were encrypted, the company said.", False),
        ("The intruders were evicted before any ransomware was deployed.", False),
        ("The actor never deployed ransomware and didn't encrypt files.", False),
        ("The group not only encrypted the servers but also wiped the backups.", True),
        ("Not long after, the attackers encrypted the file servers.", True),
        ("No backups survived. The attackers encrypted the file servers.", True),  # another sentence
        ("Nothing was encrypted at first; days later they encrypted the servers.", True),  # a later match
    ],
)
def test_a_negated_statement_does_not_report_its_technique(text, found):
    table = PhraseTable.build(
        [
            ("encrypt* ~ files|systems|servers", "T1486"),
            ("files|systems ~ were|was encrypted", "T1486"),
            ("deploy* ~ ransomware", "T1486"),
            ("ransomware ~ was|were deployed", "T1486"),
        ],
        ["T1486"],
    )
    assert bool(table.find(text)) is found


def test_a_negation_inside_the_pattern_is_its_own_word():
    table = PhraseTable.build([("no ransom ~~ demand*|note", "T1485")], ["T1485"])
    assert table.find("The wiper left no ransom note behind.")


def test_a_negated_technique_name_is_not_a_mention():
    from ttpmap import Analyzer

    analyzer = Analyzer()
    named = {t.id: t.source for t in analyzer.analyze("The operators left a ransom note.").techniques}
    denied = {t.id: t.source for t in analyzer.analyze("The wiper left no ransom note.").techniques}
    assert "T1486" in named
    assert "T1486" not in denied
