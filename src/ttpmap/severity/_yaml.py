"""Read a YAML data file and remember the line of every value, so errors can name it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ttpmap._exceptions import InputError, RuleError
from ttpmap._reading import read_bounded
from ttpmap._safe_yaml import AliasBombError, expanded_size

__all__ = ["MAX_RULES_BYTES", "KeyPath", "LineMap", "read_yaml"]

#: The largest rules file read (the shipped one is about 30 KB).
MAX_RULES_BYTES = 5 * 1024 * 1024
KeyPath = tuple[str | int, ...]
LineMap = dict[KeyPath, int]
# libyaml's parser when PyYAML was built with it (about 10x faster); the same safe constructor.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> tuple[Any, LineMap]:
    """Return the data in `path` and a map from each value's key path to its 1-based line."""
    path = Path(path)
    if not path.exists():
        raise RuleError("file not found; pass the path of a YAML rules file", path)
    try:
        raw = read_bounded(path, MAX_RULES_BYTES, hint="a rules file is far smaller; is it the right file?")
        text = raw.decode("utf-8")
    except InputError as exc:
        error = RuleError(str(exc))  # the message names the file already
        error.path = path
        raise error from None
    except UnicodeDecodeError as exc:
        raise RuleError(f"cannot read the file ({exc}); pass a UTF-8 YAML file", path) from None
    lines: LineMap = {}
    bad_key: RuleError | None = None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            try:
                expanded_size(node)
            except AliasBombError as exc:
                raise RuleError(str(exc), path) from None
            try:
                _walk(node, (), lines, path)  # before construction, which merges ``<<`` keys in place
            except RuleError as exc:
                bad_key = exc
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise RuleError(f"not valid YAML: {exc.problem or exc.context}", path, line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"not valid YAML: {exc}", path) from None
    finally:
        loader.dispose()
    if bad_key is not None:
        raise bad_key
    return data, lines


def _walk(node: yaml.Node, where: KeyPath, lines: LineMap, path: Path) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise RuleError(f"duplicate key {key!r}", path, key_node.start_mark.line + 1)
            seen.add(key)
            _walk(value_node, (*where, key), lines, path)
            lines[(*where, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*where, i), lines, path)
