"""Real reports (TRAM2, from the data home): every text is processed and the results obey the rules."""

from __future__ import annotations

import ipaddress
import json

import pytest

from ttpmap._datahome import get_data_home
from ttpmap.iocs import find_iocs


@pytest.mark.shared
def test_tram2_reports() -> None:
    path = get_data_home() / "datasets" / "tram2" / "reports.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    high = 0
    for row in rows:
        text = row["text"]
        for ioc in find_iocs(text, url=row["url"]):
            assert 0 <= ioc.start < ioc.end <= len(text)
            assert (ioc.fidelity == "high") == (ioc.reason is None)
            if ioc.fidelity != "high":
                continue
            high += 1
            if ioc.type in ("ipv4", "ipv6"):
                assert ipaddress.ip_network(ioc.value, strict=False).is_global
            if ioc.type == "domain":
                assert ioc.value == ioc.value.lower()
                assert not ioc.value.endswith(("mitre.org", "nist.gov", "virustotal.com"))
    assert high > 1000
