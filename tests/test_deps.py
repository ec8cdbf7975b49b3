from __future__ import annotations

import sys

import pytest

from ttpmap import MissingDependencyError
from ttpmap.cli import main


def test_missing_optional_package_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "feedparser", None)
    from ttpmap.feeds import read_feed

    with pytest.raises(MissingDependencyError, match=r"pip install 'ttpmap\[feeds\]'"):
        read_feed(b"<rss></rss>")


def test_missing_sigma_is_one_clear_cli_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "sigma", None)
    (tmp_path / "r.yml").write_text(
        "title: t\nid: 5f1c1f5e-8b7b-4a57-9a0e-1b2c3d4e5f60\nlogsource: {category: process_creation, product: windows}\n"
        "detection: {sel: {Image|endswith: '\\\\x.exe'}, condition: sel}\ntags: [attack.t1059.001]\n",
        encoding="utf-8",
    )
    from ttpmap.hunts._convert import convert_rule

    with pytest.raises(MissingDependencyError, match=r"ttpmap\[sigma\]"):
        convert_rule({"title": "t"})
    assert main(["hunts", "T1059.001", "--rules", str(tmp_path)]) == 2
    assert "ttpmap[sigma]" in capsys.readouterr().err
