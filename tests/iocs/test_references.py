"""URLs an article cites as references are not indicators; defanged ones always are."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttpmap._structure import parse_structure
from ttpmap.iocs._structured import find_structured_iocs

ROOT = Path(__file__).resolve().parents[2]


def _by_value(text: str, fmt: str = "markdown") -> dict[str, tuple[str, str | None]]:
    return {i.value: (i.fidelity, i.reason) for i in find_structured_iocs(parse_structure(text, fmt))}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "# Campaign\n\nThe loader beacons home.\n\n## References\n\n- https://research.example-lab.org/loader-2024\n",
            "https://research.example-lab.org/loader-2024",
        ),
        (
            "The loader beacons home. See our earlier guidance on pinning dependencies at "
            "https://example-security.blog/pinning-guide.\n",
            "https://example-security.blog/pinning-guide",
        ),
        (
            "The operators reused the 2023 toolkit (see: https://blog.vendor-intel.net/2023/toolkit-analysis).\n",
            "https://blog.vendor-intel.net/2023/toolkit-analysis",
        ),
    ],
    ids=["references-section", "guidance-sentence", "see-colon"],
)
def test_cited_references_are_low_with_a_reason(text, value):
    fidelity, reason = _by_value(text)[value]
    assert fidelity == "low"
    assert "reference" in reason


def test_defanged_values_under_references_stay_high():
    text = "## References and indicators\n\n- hxxps://update-check[.]xyz/gate.php\n"
    assert _by_value(text)["https://update-check.xyz/gate.php"][0] == "high"


def test_seeing_is_not_citing():
    text = "As we can see, the stealer uploads the archive to https://files-drop.xyz/upload with curl.\n"
    assert _by_value(text)["https://files-drop.xyz/upload"] == ("high", None)


def test_sample_article_reference_is_not_a_high_fidelity_ioc():
    text = (ROOT / "datasets/samples/supply-chain-build-dependency.md").read_text(encoding="utf-8")
    found = _by_value(text)
    assert found["https://example-security.blog/pinning-guide"][0] == "low"
    assert found["https://cdn-layerpack.dev/api/v2/telemetry"][0] == "high"
