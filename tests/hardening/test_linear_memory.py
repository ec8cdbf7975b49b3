"""Issue 22 items 3 and 4: repeated explicit IDs in linear work; sentence-dense text in bounded memory
(peak memory is measured by benchmarks/bench_adversarial.py); one size limit, checked before any work."""

from __future__ import annotations

import pytest

from ttpmap import Analyzer, InputError
from ttpmap._results import Evidence
from ttpmap._sentences import split_sentences


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(max_bytes=50_000_000)


def test_item3_repeated_explicit_ids_linear(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [0]
    real = Evidence.__eq__

    def counting(self: Evidence, other: object) -> bool:
        calls[0] += 1
        return real(self, other)

    monkeypatch.setattr(Evidence, "__eq__", counting)
    n = 3000
    brief = analyzer.analyze("Uses " + "T1059. Then T1105 was seen in this long sentence here. " * n)
    assert {"T1059", "T1105"} <= {t.id for t in brief.techniques}
    assert calls[0] <= 20 * n  # was about n**2 / 2 comparisons: each mention against every earlier one


def test_item4_sentence_dense_text_has_bounded_sentences() -> None:
    text = "A b. " * 40_000
    spans = split_sentences(text)
    assert len(spans) <= len(text) // 24 + 64
    assert spans[0][0] == 0
    assert spans[-1][1] == len(text) - 1
    prose = "The actor ran the loader from a scheduled task on each host. " * 500
    assert len(split_sentences(prose)) == 500  # prose is left as it is


def test_item4_one_size_limit_checked_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    big = Analyzer(max_bytes=5_000_000)
    text = "The actor ran the loader " + "and more " * 240_000  # 2.16 million characters, under max_bytes
    assert big.analyze(text).techniques is not None  # no second, undocumented limit of 2,000,000
    small = Analyzer(max_bytes=1000)
    ran: list[str] = []
    monkeypatch.setattr(small, "_find_iocs", lambda doc: ran.append("iocs"))
    with pytest.raises(InputError, match="1,000-byte limit"):
        small.analyze("x " * 1000)
    assert ran == []


def test_item10_single_article_error_does_not_say_article_0(analyzer: Analyzer) -> None:
    with pytest.raises(InputError) as info:
        analyzer.analyze("The actor ran the loader. " * 3000 + "\x00 binary tail")
    assert "article 0" not in str(info.value)
