"""Files ttpmap writes appear whole or not at all."""

from __future__ import annotations

import stat

import pytest

from ttpmap._atomic import atomic_open, atomic_write


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "briefs.jsonl"
    target.write_text("saved\n", encoding="utf-8")

    def interrupted() -> None:
        with atomic_open(target, "w") as fh:
            fh.write("half a line")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted()
    assert target.read_text(encoding="utf-8") == "saved\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefs.jsonl"]


def test_a_complete_write_replaces_the_file_readably(tmp_path):
    target = tmp_path / "sub" / "catalog.json.gz"
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["catalog.json.gz"]


def test_the_handle_names_the_temporary_file_until_the_rename(tmp_path):
    target = tmp_path / "bundle.json"
    with atomic_open(target, "wb", suffix=".part") as fh:
        fh.write(b"{}")
        assert fh.name.endswith(".part")
        assert not target.exists()
    assert target.read_bytes() == b"{}"


def test_only_new_files_can_be_opened(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "x", "a"):
        pass
