"""Candidate patterns, run over refanged text. Every quantifier is bounded or possessive.

The patterns only find candidates; `_extract` validates them in Python (``ipaddress``, the TLD list,
checksums, context). Token boundaries use look-behinds on a single character, so each position of
the text is tried once by each pattern and rejected in constant time unless a token starts there.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCESSED_RE",
    "CITATION_BEFORE_RE",
    "CITATION_LINE_RE",
    "CONTEXT_IOC_RE",
    "CRYPTO_RE",
    "CVE_RE",
    "DOTTED_RE",
    "ETH_WALLET_CONTEXT_RE",
    "EXAMPLE_BEFORE_RE",
    "HASH_CONTEXT_RE",
    "HASH_RE",
    "IOC_HEADING_RE",
    "LEGIT_CONTEXT_RE",
    "LOCAL_PART_RE",
    "LOCAL_TAIL_RE",
    "MD_TABLE_RE",
    "OWN_DOWNLOAD_RE",
    "PLACEHOLDER_LABEL_RE",
    "PLACEHOLDER_PATH_RE",
    "REFERENCE_HEADING_RE",
    "REG_ROOT_RE",
    "REG_SEGMENT_RE",
    "SCHEME_RE",
    "URL_BODY_RE",
    "V6_ANCHOR_RE",
    "VERSION_CONTEXT_RE",
    "XMLNS_RE",
]

# Characters that end a URL: whitespace, quotes, angle brackets, pipes, braces, backslash, and
# Unicode punctuation (curly quotes, dashes, ellipsis, CJK punctuation, BOM).
_URL_CHAR = r"[^\s<>\"'`|{}^\\\u2000-\u206f\u3000-\u303f\ufeff\ufffd]"

URL_BODY_RE = re.compile(_URL_CHAR + r"{1,2048}+")
SCHEME_RE = re.compile(
    r"(?i)(?:https?|s?ftps?|wss?|smb|tcp|udp|ldaps?|rdp|ssh|telnet|irc|tftp|file|rtsp|mms)$"
)

# A dotted token: optional e-mail local part, host-like labels, optional port and path.
_TOKEN_START = r"(?<![A-Za-z0-9_\-.$~+%\u00c0-\u024f])"
DOTTED_RE = re.compile(
    _TOKEN_START
    + r"(?P<host>[A-Za-z0-9_$~+\-]{1,63}+(?:\.[A-Za-z0-9_$~+\-]{1,63}+){1,30}+)"
    + r"(?::(?P<port>[0-9]{1,5}+)(?![A-Za-z0-9_:]))?"
    + r"(?P<path>/"
    + _URL_CHAR
    + r"{0,2048}+)?"
)
LOCAL_TAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]{1,64}$")
LOCAL_PART_RE = re.compile(r"[A-Za-z0-9_%+\-]{1,64}(?:\.[A-Za-z0-9_%+\-]{1,64}){0,16}")

# Patterns start with a character class (sre then skips other characters in C) and check the
# character before the token with a two-character look-behind.
IPV6_RE = re.compile(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:]{2,39}+(?![0-9A-Za-z:]|\.[0-9])")
V6_ANCHOR_RE = re.compile(r":[0-9A-Fa-f:]")
HASH_RE = re.compile(r"[0-9A-Fa-f](?<![0-9A-Za-z_].)[0-9A-Fa-f]{31,127}+(?![0-9A-Za-z_])")

_B58 = r"[1-9A-HJ-NP-Za-km-z]"
CRYPTO_RE = re.compile(
    r"[01348bB](?<![0-9A-Za-z].)(?:"
    r"(?<=0)(?P<eth>x[0-9A-Fa-f]{40})"
    r"|(?<=[bB])(?P<bech>[cC]1[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87}+)"
    rf"|(?<=[48])(?P<xmr>{_B58}{{94}}(?:{_B58}{{11}})?+)"
    rf"|(?<=[13])(?P<b58>{_B58}{{25,34}}+)"
    r")(?![0-9A-Za-z])"
)

CVE_RE = re.compile(
    r"[cC](?<![A-Za-z0-9].)[vV][eE][-\u2010-\u2015 _]?([12][0-9]{3})[-\u2010-\u2015_]([0-9]{4,7}+)(?![0-9])"
)

REG_ROOT_RE = re.compile(
    r"[HhSs\\](?<![A-Za-z0-9_\\].)(?:"
    r"(?<=[Hh])(?P<root>(?i:KEY_(?:LOCAL_MACHINE|CURRENT_USER|CLASSES_ROOT|USERS|CURRENT_CONFIG|PERFORMANCE_DATA)"
    r"|K(?:LM|CU|CR|U|CC)))(?P<colon>:?)(?P<angle>>?)"
    r"|(?<=\\)(?P<kernel>(?i:REGISTRY)\\(?i:MACHINE|USER))"
    r"|(?<=[Ss])(?P<bare>(?i:OFTWARE|YSTEM))"
    r")(?=\\[A-Za-z0-9{<])"
)
# One key segment: no backslash, control characters, quotes or wildcard characters.
# ``<USER SID>`` stands for a variable segment (``HKEY_USERS\\<USER SID>\\Software``).
REG_SEGMENT_RE = re.compile(r"\\(<[A-Za-z0-9 _-]{1,40}+>|[^\\\r\n\t\"'`<>|*?\u2000-\u206f]{1,255}+)")

# A Markdown table: consecutive lines that start with a pipe.
MD_TABLE_RE = re.compile(r"(?m)^[ \t]{0,3}\|[^\n]*+(?:\n[ \t]{0,3}\|[^\n]*+)*+")

VERSION_CONTEXT_RE = re.compile(
    r"(?i)(?:\b(?:v|ver|version|versions|build|release|rev|revision|update|patch|firmware|fw|sp|"
    r"driver|edition|agent|client|sdk|library|package|plugin|module|framework|runtime|kernel|"
    r"section|chapter|figure|fig|table|step|rule|item|paragraph|clause|oid|snmp|mib|"
    r"fileversion|productversion|file version|product version)\b[\s:=#.]{0,3}"
    r"|[/@]|\bv\.?\s?)$"
)

HASH_CONTEXT_RE = re.compile(
    r"(?i)\b(commit(?:s|ted)?|revision|rev|changeset|"
    r"key|keys|iv|nonce|salt|secret|token|password|passwd|seed|"
    r"ja3s?|jarm|ja4|imphash|import hash|authentihash|thumbprint|serial(?: number)?|"
    r"txid|transaction|tx|uuid|guid|clsid|mutex|"
    r"sha-?1|sha-?256|sha-?512|md-?5|hash(?:es)?|sample|file|ioc|indicator|payload|dll|exe|binary)\b"
)

ETH_WALLET_CONTEXT_RE = re.compile(
    r"(?i)\b(?:wallet|address(?:es)?|eth|ether|ethereum|erc-?20|usdt|usdc|bnb|bsc|polygon|"
    r"crypto(?:currency)?|payment|ransom|pay|send|transfer(?:red)?|contract)\b"
)

CONTEXT_IOC_RE = re.compile(
    r"(?i)\b(?:domains?|domain names?|c2s?|c&c|cnc|command[- ]and[- ]control|servers?|hostnames?|"
    r"resolv\w*|dns|beacon\w*|callbacks?|urls?|websites?|iocs?|indicators?|infrastructure|"
    r"registered|phishing|exfiltrat\w*|(?:connect(?:s|ed|ing)?|contact(?:s|ed|ing)?|communicates?|"
    r"reach(?:es|ed)?|hosted|downloaded|fetched|retrieved)\s+(?:to|with|on|at|from)|sinkhol\w*)\b"
)
LEGIT_CONTEXT_RE = re.compile(
    r"(?i)\b(?:(?P<legit>legitimate|legit|official|genuine|benign|real|trusted|authentic)|"
    r"compromised|fake|spoof\w*|malicious|typosquat\w*|look-?alike|impersonat\w*|rogue|fraudulent|"
    r"attacker|actor)\b"
)
XMLNS_RE = re.compile(r"(?i)xmlns(?::[\w.-]{1,40})?\s?=\s?[\"']?$")
REFERENCE_HEADING_RE = re.compile(
    r"(?im)^[ \t#*>_|-]{0,6}(?:references?|sources|further reading|additional (?:resources|reading)|"
    r"resources|bibliography|citations|endnotes|footnotes|related (?:reading|content|articles|posts|links)|"
    r"learn more|read more|see also|external links)[ \t:*_]{0,6}$"
)
IOC_HEADING_RE = re.compile(
    r"(?im)^[ \t#*>_|-]{0,6}(?:indicators? of compromise|iocs?|indicators|appendix|network indicators|"
    r"host indicators|observables)\b"
)
CITATION_BEFORE_RE = re.compile(r"\[\d{1,3}\][\s:]{0,2}$")
EXAMPLE_BEFORE_RE = re.compile(r"(?i)(?:\be\.g\.|\bfor example|\bfor instance|\bexamples?:)[,:]?\s{0,2}$")
OWN_DOWNLOAD_RE = re.compile(
    r"(?i)\b(?:download(?:able)?|this (?:report|advisory|document|alert|bulletin|post|blog|article)|"
    r"pdf version|copy of (?:the |these )?iocs|machine-readable)\b"
)
CITATION_LINE_RE = re.compile(r"^[ \t]{0,4}(?:\[\d{1,3}\]|\d{1,3}[.)]|\^\d{1,3})[ \t]")
ACCESSED_RE = re.compile(r"(?i)^[\s.,;)]{0,4}\(?(?:accessed|retrieved|last accessed|archived)\b")
PLACEHOLDER_LABEL_RE = re.compile(
    r"(?i)(?:x{3,}|y{3,}|z{3,}|redacted|placeholder|yourdomain|your-domain|mydomain|my-domain|whatever|"
    r"yoursite|your-site|somedomain|some-domain|domain|hostname|c2domain|c2-domain|attackerdomain)"
)
PLACEHOLDER_PATH_RE = re.compile(
    r"(?:^|/)(?:X{4,}|Y{4,}|Z{4,}|x{5,}|REDACTED|\[\[[A-Z_]+\]\]|<[^/>]*>)(?:/|$|[.?#])"
)
