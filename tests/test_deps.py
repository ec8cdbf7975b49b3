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


def test_a_missing_extra_is_named_before_any_work(monkeypatch, capsys, tmp_path):
    """batch --stix and evaluate --out check their extras first, not after analyzing or training."""
    import ttpmap._analyzer

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the missing extra was named")

    monkeypatch.setattr(ttpmap._analyzer.Analyzer, "__init__", no_work)
    monkeypatch.setitem(sys.modules, "stix2", None)
    article = tmp_path / "a.md"
    article.write_text("The actor ran PowerShell.\n")
    assert main(["batch", str(article), "--stix", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'ttpmap[feeds]'" in err

    import ttpmap.classify._evaluate

    monkeypatch.setattr(ttpmap.classify._evaluate, "evaluate_tram2", no_work)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["evaluate", "--out", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'ttpmap[train]'" in err
