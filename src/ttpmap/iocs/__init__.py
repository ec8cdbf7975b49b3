"""IOC extraction: precise, defang-aware, linear time.

>>> from ttpmap.iocs import find_iocs
>>> [(i.type, i.value) for i in find_iocs("Beacon to hxxps[:]//evil[.]com/gate[.]php")]
[('url', 'https://evil.com/gate.php')]
"""

from ttpmap.iocs._benign import BenignLists
from ttpmap.iocs._extract import IOC_TYPES, find_iocs
from ttpmap.iocs._refang import refang

__all__ = ["IOC_TYPES", "BenignLists", "find_iocs", "refang"]

for _obj in (BenignLists, find_iocs, refang):
    _obj.__module__ = "ttpmap.iocs"
del _obj
