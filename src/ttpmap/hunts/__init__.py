"""Recommended hunts: Sigma use cases converted to Splunk SPL, Defender KQL and Sentinel KQL.

`HuntLibrary.default()` is ttpmap's own pack of Sigma rules (``ttpmap/hunts/rules/*.yml``), converted
with pySigma when the package is built; `HuntLibrary.from_directory()` indexes any Sigma corpus, such
as SigmaHQ's, and converts its rules on demand::

    from ttpmap.hunts import HuntLibrary

    library = HuntLibrary.default(catalog)
    for hunt in library.hunts_for(brief.techniques):
        print(hunt.id, hunt.confidence, hunt.spl)

`HuntLibrary.recommend(techniques, text)` ranks them by how well they fit the article (platform,
evidence, tools named), leaves out those under a relevance floor, and gives each a `rank` and `why`.
"""

from ttpmap._results import Hunt
from ttpmap.hunts._library import ConversionFailure, HuntLibrary, Recommendation

__all__ = ["ConversionFailure", "Hunt", "HuntLibrary", "Recommendation"]

for _name in ("ConversionFailure", "HuntLibrary", "Recommendation"):
    globals()[_name].__module__ = "ttpmap.hunts"
del _name
