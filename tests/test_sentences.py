from __future__ import annotations

import time

import pytest

from ttpmap._sentences import _BOUNDARIES, _rare_boundaries, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_splits_prose_but_not_defangs_versions_or_abbreviations():
    text = 'The C2 at evil[.]com was used, e.g. for staging. Version 2.1.0 shipped! "Quoted." Then 3 more.'
    assert sentences(text) == [
        "The C2 at evil[.]com was used, e.g. for staging.",
        "Version 2.1.0 shipped!",
        '"Quoted."',
        "Then 3 more.",
    ]


def test_hard_wrapped_paragraphs_stay_whole_and_headings_and_items_stand_alone():
    text = (
        "# A heading\n"
        "The operators staged the archives in a temporary folder on the file server and\n"
        "uploaded them with rclone. Then they left.\n"
        "- first item\n"
        "- second item\n"
        "\n"
        "| a | b |\n"
    )
    assert sentences(text) == [
        "# A heading",
        "The operators staged the archives in a temporary folder on the file server and\n"
        "uploaded them with rclone.",
        "Then they left.",
        "- first item",
        "- second item",
        "| a | b |",
    ]


def test_offsets_point_at_the_text():
    text = "  One sentence here.  Two sentences here.\n\nThree.  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end]


@pytest.mark.parametrize(
    "unit",
    [".", ". ", "a. ", "?!", "\n", "a\n", '." ', "x" * 60 + "\n", "[.]", '"' * 60 + "\n", "x " * 40 + "\n"],
)
def test_time_grows_linearly(unit):
    small, large = unit * (100_000 // len(unit)), unit * (1_000_000 // len(unit))

    def timed(text: str) -> float:
        # CPU time of this process, best of three: other processes on a busy machine do not count.
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            split_sentences(text)
            best = min(best, time.process_time() - start)
        return best

    ratio = timed(large) / max(timed(small), 1e-4)
    assert ratio < 30, f"10x input took {ratio:.1f}x the time"


@pytest.mark.parametrize(
    "text",
    [
        "Is it? Yes! No?! Maybe.\n" * 3,
        "x" * 3000 + " Why? Because! " + "Y" * 3000,
        "A? B! " * 2000,  # dense: past its budget of tries, the search takes over
        '?!?. "Quoted?" (Aside!) ?\n! A',
    ],
)
def test_rare_marks_are_matched_as_a_search_would(text):
    for mark in "!?":
        expected = [m.span() for m in _BOUNDARIES[mark].finditer(text)]
        assert [m.span() for m in _rare_boundaries(text, mark)] == expected
        assert expected or mark not in text
