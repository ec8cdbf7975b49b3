"""Write briefs out: JSON Lines, STIX 2.1 bundles and ATT&CK Navigator layers.

Every function takes one brief, a brief dict, or an iterable of them (a stream from
`Analyzer.analyze_many` works; its `BatchError` items are skipped)::

    from ttpmap.export import to_jsonl, to_navigator_layer, to_stix_bundle

    briefs = list(analyzer.analyze_many(articles))
    to_jsonl(briefs, "briefs.jsonl")
    json.dump(to_stix_bundle(briefs), open("bundle.json", "w"))
    json.dump(to_navigator_layer(briefs, name="This week"), open("layer.json", "w"))
"""

from ttpmap.export._jsonl import brief_line, to_jsonl
from ttpmap.export._navigator import LAYER_VERSION, NAVIGATOR_VERSION, to_navigator_layer
from ttpmap.export._stix import STIX_NAMESPACE, stix_pattern, to_stix_bundle

__all__ = [
    "LAYER_VERSION",
    "NAVIGATOR_VERSION",
    "STIX_NAMESPACE",
    "brief_line",
    "stix_pattern",
    "to_jsonl",
    "to_navigator_layer",
    "to_stix_bundle",
]
