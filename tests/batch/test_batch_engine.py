"""`analyze_many`: ordered, lazy, fault-tolerant streams on joblib backends."""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterator

import pytest
from batch_fakes import MentionAnalyzer

from ttpmap._article import Article
from ttpmap._batch import BatchError, LazyAnalyzer, analyze_many
from ttpmap._brief import Brief
from ttpmap._exceptions import InputError, InvalidParameterError


def articles(n: int, fail_at: tuple[int, ...] = ()) -> list[Article]:
    return [
        Article(f"Article {i} FAIL" if i in fail_at else f"Article {i} used T{1000 + i}.", title=f"a{i}",
                url=f"https://example.org/{i}")
        for i in range(n)
    ]  # fmt: skip


def test_results_in_input_order_with_contexts() -> None:
    items = [(a if i % 2 else a.text, {"n": i}) for i, a in enumerate(articles(23))]
    out = list(analyze_many(MentionAnalyzer(), items, batch_size=4, as_tuples=True))
    assert [ctx["n"] for _, ctx in out] == list(range(23))
    assert [b.techniques[0].id for b, _ in out] == [f"T{1000 + i}" for i in range(23)]
    assert all(isinstance(b, Brief) for b, _ in out)


def test_a_failure_is_recorded_and_the_batch_goes_on() -> None:
    items = [(a, f"ctx{i}") for i, a in enumerate(articles(10, fail_at=(3, 7)))]
    out = list(analyze_many(MentionAnalyzer(), items, batch_size=3, as_tuples=True))
    assert len(out) == 10
    errors = [(r, ctx) for r, ctx in out if isinstance(r, BatchError)]
    assert [(e.index, e.title, e.url, e.error_type, e.context, ctx) for e, ctx in errors] == [
        (3, "a3", "https://example.org/3", "InputError", "ctx3", "ctx3"),
        (7, "a7", "https://example.org/7", "InputError", "ctx7", "ctx7"),
    ]
    assert "asks to fail" in errors[0][0].message
    assert errors[0][0].to_dict()["error_type"] == "InputError"
    assert sum(isinstance(r, Brief) for r, _ in out) == 8


def test_on_error_raise_stops_at_the_failure() -> None:
    stream = analyze_many(MentionAnalyzer(), articles(6, fail_at=(4,)), batch_size=2, on_error="raise")
    assert isinstance(next(stream), Brief)
    with pytest.raises(InputError, match="asks to fail"):
        list(stream)


def test_input_is_consumed_lazily_and_memory_stays_bounded() -> None:
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield f"Article {i} used T1059."

    stream = analyze_many(MentionAnalyzer(), endless(), batch_size=5)
    first = list(itertools.islice(stream, 12))
    assert len(first) == 12
    window = 16 * 5  # chunks per worker x batch size, one worker
    assert pulled <= window + 5
    stream.close()


def test_two_local_processes_share_the_work_in_order() -> None:
    out = list(analyze_many(MentionAnalyzer(delay=0.01), articles(40, fail_at=(11,)), n_jobs=2, batch_size=4))
    assert [getattr(r, "title", None) for r in out if isinstance(r, Brief)] == [
        f"a{i}" for i in range(40) if i != 11
    ]
    assert isinstance(out[11], BatchError)
    pids = {r.model["pid"] for r in out if isinstance(r, Brief)}
    assert len(pids) == 2
    assert os.getpid() not in pids


def test_progress_is_silent_off_a_terminal_and_shown_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    list(analyze_many(MentionAnalyzer(), articles(5)))
    assert capsys.readouterr().err == ""
    list(analyze_many(MentionAnalyzer(), articles(5), progress=True))
    assert "5/5" in capsys.readouterr().err


def test_a_model_path_travels_as_a_path() -> None:
    handle = LazyAnalyzer("/models/default", hunt_rules="/rules")
    assert len(pickle.dumps(handle)) < 200
    back = pickle.loads(pickle.dumps(handle))
    assert (back.model, back.hunt_rules, back.severity_rules) == ("/models/default", "/rules", None)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"articles": "one article"}, "got one str"),
        ({"articles": 42}, "iterable"),
        ({"batch_size": 0}, "batch_size"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"on_error": "ignore"}, "on_error"),
        ({"progress": "yes"}, "progress"),
        ({"analyzer": object()}, "Analyzer or a model path"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"analyzer": MentionAnalyzer(), "articles": articles(2), **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        analyze_many(args.pop("analyzer"), args.pop("articles"), **args)  # type: ignore[arg-type]


def test_as_tuples_checks_each_item() -> None:
    with pytest.raises(InvalidParameterError, match="item 1 is a str"):
        list(analyze_many(MentionAnalyzer(), [("x T1059", 1), "bare"], as_tuples=True))
