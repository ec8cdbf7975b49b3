"""What the severity rules read: an article's prose and headings, not its tables, code or references."""

from __future__ import annotations

from severity_helpers import make_doc

from ttpmap.severity._text import rule_text

REPORT = """# Patch now: Citrix Bleed actively exploited by LockBit affiliates

Mandiant saw the gang steal session tokens from NetScaler appliances.

| Indicator | Note |
|---|---|
| 203.0.113.7 | wiper staging server |

```
vssadmin delete shadows /all /quiet
```

## References

- [Zero-day in MOVEit exploited in the wild](https://example.com/moveit)
- Ransomware attack encrypted hospital servers

## Appendix

Contact us for the full list.
"""

QUIET = """# Quarterly product notes

Our team shipped a faster search page and a dark theme.

## Further reading

- [Wiper malware destroyed data at a port operator](https://example.com/wiper)
- [Attackers are exploiting a VPN flaw](https://example.com/vpn)
"""


def test_rule_text_keeps_offsets_prose_and_headings():
    doc = make_doc(REPORT)
    text = rule_text(doc)
    assert len(text) == len(REPORT)
    assert text.count("\n") == REPORT.count("\n")
    for kept in ("Citrix Bleed actively exploited", "steal session tokens", "## Appendix", "full list"):
        assert kept in text
    for hidden in ("wiper staging", "vssadmin", "MOVEit", "encrypted hospital", "example.com"):
        assert hidden not in text


def test_tables_code_and_references_fire_no_rule(rules):
    fired = {r.rule for r in rules.evaluate(make_doc(REPORT))}
    assert "active-exploitation" in fired  # the title
    assert fired.isdisjoint({"destructive-impact", "zero-day", "exploited-in-the-wild", "ransomware-impact"})
    quiet = rules.assess(make_doc(QUIET))
    assert quiet.level == "INFO", [r.rule for r in quiet.reasons]


def test_plain_text_is_read_as_written():
    text = "Threat actors are exploiting the flaw.\nThe gang encrypted every file server."
    assert rule_text(make_doc(text)) == text
