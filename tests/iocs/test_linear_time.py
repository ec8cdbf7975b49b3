"""Adversarial inputs: find_iocs must take time linear in the input (compare 100 KB with 1 MB)."""

from __future__ import annotations

import time

import pytest

from ttpmap.iocs import find_iocs, refang

SMALL = 100_000
LARGE = 1_000_000
MAX_RATIO = 20.0  # linear is about 10

PATTERNS = {
    "dots": ".",
    "brackets": "[",
    "defanged dots": "[.]",
    "nested defangs": "[.][.]",
    "at signs": "@",
    "hex": "a",
    "digits": "1",
    "labels": "a.",
    "ip-like": "1.",
    "hxxp": "hxxp",
    "schemes": "http://",
    "emails": "a@",
    "backslashes": "\\",
    "registry": "HKLM\\",
    "colons": "a:",
    "base58": "1A",
    "words": "evil[.]com readme.md 10.0.0.1 ",
    "bracket runs": "[[[[.]]]]",
    "brackets at": "[at]",
    "half brackets": "a.]",
    "half brackets open": "a[.",
    "table cells": "| A ",
    "quoted names": '"A B.txt',
    "spelled e-mails": "mail: a at b dot ",
    "registry words": "HKCU\\A B ",
    "registry placeholders": "HKEY_USERS\\<A>",
    "lookup urls": "https://www.virustotal.com/gui/ip-address/1.2.3.4/",
}


def _seconds(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()  # CPU time of this process: other processes' load does not count
        find_iocs(text)
        refang(text)
        best = min(best, time.process_time() - start)
    return max(best, 1e-3)


@pytest.mark.parametrize("unit", list(PATTERNS.values()), ids=list(PATTERNS))
def test_time_grows_linearly(unit: str) -> None:
    small = (unit * (SMALL // len(unit) + 1))[:SMALL]
    large = (unit * (LARGE // len(unit) + 1))[:LARGE]
    t_small, t_large = _seconds(small, 3), _seconds(large, 1)
    if t_large / t_small >= MAX_RATIO:  # a busy machine: measure once more, keep the best times
        t_small, t_large = min(t_small, _seconds(small, 3)), min(t_large, _seconds(large, 1))
    ratio = t_large / t_small
    assert ratio < MAX_RATIO, f"{unit!r}: 100 KB {t_small:.4f}s, 1 MB {t_large:.4f}s, ratio {ratio:.1f}"
