"""Short texts that tell no attack: a how-to, advice, an announcement, an event, a statistic, court news.

An RSS item such as "How to detect Kerberoasting in your domain: ..." or "Our EDR now stops ransomware
encryption in real time" names techniques without saying that anybody used them, and an analyst
expects none from it. A text of at most `SHORT_SENTENCES` sentences tells no attack when every one of
its sentences shows one of the signs of `_GENERAL`; a longer article always counts as telling one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["SHORT_SENTENCES", "tells_no_attack"]

#: Texts of at most this many sentences are short (an RSS summary, an alert title).
SHORT_SENTENCES = 3

_GENERAL = re.compile(
    r"""
    ^(?:how\s+(?:to|we)|why\s|what\s+(?:is|are)\s|\d+\s+(?:tips|ways|steps)|tips?\b|psa\b
       |webinar\b|cfp\b|join\s+us|release:|now\s+available|slides\b)
    |^(?:turn\s+on|enable|rotate|reinstall|upgrade|disable|make\s+sure|remember\s+to)\s
    |\breminder\b
    |\b(?:organi[sz]ations|users|admins|administrators|companies|businesses|defenders|customers|teams
       |you|we|everyone)\s+(?:should|must)\b
    |\b(?:recommends?|recommended|advises?|advised|will\s+have\s+to|(?:is|are)\s+required\s+to
       |guidance\s+on|urges?\s+(?:organi[sz]ations|users|customers|admins|administrators|companies
       |businesses|agencies|everyone|defenders))\b
    |\b(?:now\s+available|available\s+(?:today|now)|generally\s+available|general\s+availability
       |now\s+(?:stops|scans|blocks|detects|supports|protects|flags|covers|exports|ships))\b
    |\b(?:call\s+for\s+papers|talks\s+on|register\s+now|conference\s+recap)\b
    |\b(?:fell|rose|grew|dropped|increased|decreased|jumped|doubled)\s+(?:by\s+)?(?:a\s+third|half
       |\d+\s*(?:%|percent))
    |\bone\s+of\s+the\s+(?:biggest|top|greatest|most\s+(?:common|serious|costly))\s+(?:risks?|threats?)\b
    |\b(?:fewer|more)\s+(?:\w+\s+){0,2}(?:are|were)\s+paying\b|\bthe\s+(?:lowest|highest)\s+(?:share|level|rate)\b
    |\b(?:was|were|been|is|are|being)\s+(?:arrested|sentenced|convicted|extradited|indicted|charged)\b
    |\b(?:have|has|had)\s+(?:arrested|sentenced|convicted|extradited|indicted|charged)\b|\bpleaded\s+guilty\b
    |\b(?:new\s+law|barred\s+from\s+paying|bans?\s+(?:on\s+)?(?:paying|ransom\s+payments))\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


def tells_no_attack(sentences: Sequence[str]) -> bool:
    """Whether a short text (these `sentences`) only advises, announces, counts or reports an arrest, a
    sentence or a law: it tells no attack."""
    if not sentences or len(sentences) > SHORT_SENTENCES:
        return False
    return all(_GENERAL.search(s.strip()) for s in sentences)
