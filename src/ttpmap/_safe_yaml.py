"""YAML without alias bombs: the node graph is measured, aliases expanded, before anything walks it.

PyYAML composes an alias as a second reference to its anchor's node, so composing is linear in the
file; it is walking the nodes (or the data built from them) that expands every alias, and nested
aliases grow exponentially: a 382-byte file can stand for billions of nodes. `expanded_size`
counts the nodes the document would have with every alias expanded, once per distinct node, and
`load_all` refuses a document over `MAX_EXPANDED_NODES` (or one that contains itself) before it is
constructed or walked.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_EXPANDED_NODES", "AliasBombError", "expanded_size", "load_all"]

#: Nodes a document may have with its aliases expanded (the shipped rules have about 3,000).
MAX_EXPANDED_NODES = 200_000
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AliasBombError(yaml.YAMLError):
    """A YAML document whose aliases expand past the limit, or that contains itself."""


def expanded_size(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """Nodes under `root` with every alias expanded; `AliasBombError` past `limit` or on a cycle."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > limit:
                raise AliasBombError(
                    f"aliases expand this YAML document past {limit:,} nodes (line {root.start_mark.line + 1}); "
                    "refusing it as a possible alias bomb: write the values out, or use fewer nested aliases"
                )
            sizes[key] = total
        elif key in open_nodes:
            raise AliasBombError(
                f"an alias at line {node.start_mark.line + 1} refers to a node that contains it; "
                "a recursive YAML structure is not a rule"
            )
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_all(text: str, limit: int = MAX_EXPANDED_NODES) -> list[Any]:
    """Every non-empty document of `text`, each checked with `expanded_size` before it is built."""
    loader = _Loader(text)
    docs: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            expanded_size(node, limit)
            doc = loader.construct_document(node)
            if doc is not None:
                docs.append(doc)
    finally:
        loader.dispose()
    return docs
