"""Issue 22 item 3: a Sigma .tar.gz is read in one pass over its stream, whatever the member order."""

from __future__ import annotations

import io
import tarfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from ttpmap.hunts._rules import iter_corpus

RULE = "title: Rule {n}\nlogsource: {{product: windows}}\ndetection: {{sel: {{a: b}}, condition: sel}}\n"


def _archive(path: Path, names: list[str]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            data = RULE.format(n=name).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_item3_sigma_targz_read_in_one_pass_whatever_the_member_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"rules/r{n:04d}.yml" for n in range(300)]
    path = tmp_path / "rules.tar.gz"
    _archive(path, list(reversed(names)))
    calls = []
    real = zlib.decompressobj

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "decompressobj", counting)
    found = list(iter_corpus(path))
    assert [key for key, _, _ in found] == names  # still in name order
    assert all(text is not None for _, text, _ in found)
    assert len(calls) <= 2  # one decompression of the stream, not one per member
