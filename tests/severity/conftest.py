from __future__ import annotations

import pytest

from ttpmap.severity import SeverityRules


@pytest.fixture(scope="session")
def rules() -> SeverityRules:
    return SeverityRules.default()


@pytest.fixture(scope="session")
def english():
    """``spacy.blank("en")``, the reference that ttpmap's tokenizer and matchers must equal."""
    import spacy

    return spacy.blank("en")
