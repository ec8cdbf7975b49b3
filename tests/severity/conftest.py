from __future__ import annotations

import pytest

from ttpmap.severity import SeverityRules


@pytest.fixture(scope="session")
def rules() -> SeverityRules:
    return SeverityRules.default()
