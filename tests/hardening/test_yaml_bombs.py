"""Issue 22 item 5: YAML alias bombs refused before anything walks them; huge rules files refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ttpmap import RuleError
from ttpmap._safe_yaml import AliasBombError, expanded_size, load_all
from ttpmap.severity import SeverityRules


def _bomb(levels: int = 12, key: str = "a") -> str:
    lines = [f'{key}0: &{key}0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"{key}{i}: &{key}{i} [{', '.join([f'*{key}{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_item5_yaml_alias_bomb_in_severity_rules_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\n" + _bomb())
    start = time.process_time()
    with pytest.raises(RuleError, match="alias bomb"):
        SeverityRules.from_file(path)
    assert time.process_time() - start < 5  # refused from the graph, not by walking 9**12 nodes


def test_item5_yaml_alias_bomb_in_sigma_rule_refused() -> None:
    with pytest.raises(AliasBombError, match="alias bomb"):
        load_all("title: t\nlogsource: {product: windows}\n" + _bomb(10, "b"))


def test_item5_yaml_recursive_alias_refused() -> None:
    with pytest.raises(AliasBombError, match="contains it"):
        load_all("a: &a [1, *a]\n")


def test_item5_yaml_expanded_size_counts_each_alias() -> None:
    import yaml

    node = yaml.compose("a: &x [1, 2]\nb: *x\nc: *x\n")
    assert expanded_size(node) == 1 + 3 * (1 + 3)  # root; three keys, each with a 3-node list


def test_item5_yaml_shipped_rules_still_load() -> None:
    assert SeverityRules.default() is not None


def test_item5_yaml_huge_rules_file_refused_with_our_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("version: 1\nnotes:\n")
        line = "  - " + "x" * 1000 + "\n"
        for _ in range(6 * 1024):
            fh.write(line)
    with pytest.raises(RuleError, match="byte limit"):
        SeverityRules.from_file(path)
