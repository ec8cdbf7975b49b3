"""Every shipped Defender and Sentinel query reads a real table and only its columns (issue 20).

Table and column lists: the Microsoft schema references bundled with pySigma-backend-kusto
(Defender XDR advanced hunting, Sentinel ASIM, Azure Monitor / Log Analytics tables).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from ttpmap.hunts._convert import convert_rule
from ttpmap.hunts._pack import cache_path, rules_dir

_COLUMN = re.compile(
    r"\b([A-Za-z_][A-Za-z0-9_]*)\s+(?:=~|==|!=|!~|contains|endswith|startswith|in~|in|has|matches regex)\s"
    r"|ipv4_is_in_range\(([A-Za-z_][A-Za-z0-9_]*),"
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _schema() -> dict[str, set[str]]:
    from sigma.pipelines.azuremonitor.tables import AZURE_MONITOR_TABLES
    from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES
    from sigma.pipelines.sentinelasim.tables import SENTINEL_ASIM_COMMON_FIELDS, SENTINEL_ASIM_TABLES

    tables = {name: set(cols) for name, cols in {**AZURE_MONITOR_TABLES, **MICROSOFT_XDR_TABLES}.items()}
    for name, cols in SENTINEL_ASIM_TABLES.items():
        tables[name] = set(cols) | set(SENTINEL_ASIM_COMMON_FIELDS)
    return tables


def _table_and_columns(query: str) -> tuple[str, set[str]]:
    table, _, body = query.partition("\n")
    body = _STRING.sub('""', body)
    return table, {a or b for a, b in _COLUMN.findall(body)}


def _shipped() -> list[tuple[str, str, str]]:
    pack = json.loads(cache_path().read_text("utf-8"))
    return [
        (entry["rule"]["name"], target, query)
        for entry in pack["rules"]
        for target, query in entry["queries"].items()
        if target in ("kql", "kql_sentinel")
    ]


@pytest.mark.parametrize(("label", "target", "query"), _shipped(), ids=lambda v: v if len(v) < 40 else "q")
def test_shipped_kql_names_real_table_and_columns(label: str, target: str, query: str):
    schema = _schema()
    table, columns = _table_and_columns(query)
    assert table in schema, f"{label} {target}: no table {table!r}"
    assert columns, f"{label} {target}: no column read from the query"
    assert columns <= schema[table], f"{label} {target}: {sorted(columns - schema[table])} not in {table}"


def test_column_parser_sees_every_comparison():
    query = 'DeviceEvents\n| where ActionType =~ "x == y" and (FolderPath endswith "\\\\a" or ipv4_is_in_range(RemoteIP, "1"))'
    assert _table_and_columns(query) == ("DeviceEvents", {"ActionType", "FolderPath", "RemoteIP"})


# hunt -> (Defender table or None, Sentinel table or None, fragments each query must hold)
EXPECTED: dict[str, tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]] = {
    "UC_AWS_IAM_PERSISTENCE": (
        None,
        "AWSCloudTrail",
        (),
        ('EventSource =~ "iam.amazonaws.com"', "EventName in~"),
    ),
    "UC_DLL_SIDELOAD": ("DeviceImageLoadEvents", "DeviceImageLoadEvents", ("FolderPath endswith",), ()),
    "UC_EDGE_EXPLOIT_REQUEST": (None, "W3CIISLog", (), ('csUriQuery contains "${jndi:"',)),
    "UC_ENTRA_OAUTH_CONSENT": (
        "CloudAppEvents",
        "AuditLogs",
        ('ActionType in~ ("Consent to application.", ',),
        ('OperationName in~ ("Consent to application", ',),
    ),
    "UC_EXFIL_SCRIPTED_HTTP_POST": (None, "imWebSession", (), ('HttpRequestMethod =~ "POST"',)),
    "UC_KERBEROAST_RC4_TICKET": (
        None,
        "SecurityEvent",
        (),
        ("EventID == 4769", 'EventData contains "<Data Name=\\"TicketEncryptionType\\">0x17</Data>"'),
    ),
    "UC_KEYLOGGER_API_SCRIPT": (
        None,
        "Event",
        (),
        ("EventID == 4104", 'EventData contains "GetAsyncKeyState"'),
    ),
    "UC_LSASS_HANDLE_ACCESS": (
        "DeviceEvents",
        "DeviceEvents",
        (
            'ActionType =~ "OpenProcessApiCall"',
            'FolderPath endswith "\\\\lsass.exe"',
            "InitiatingProcessFolderPath",
        ),
        (),
    ),
    "UC_M365_INBOX_RULE": (
        "CloudAppEvents",
        "OfficeActivity",
        ('Application =~ "Microsoft Exchange Online"', '"New-InboxRule"'),
        ('OfficeWorkload =~ "Exchange"', "Operation in~"),
    ),
    "UC_NATIVE_API_SCRIPT": (None, "Event", (), ('EventLog =~ "Microsoft-Windows-PowerShell/Operational"',)),
    "UC_OKTA_MFA_FACTOR_CHANGE": (None, None, (), ()),
    "UC_OKTA_MFA_PUSH_FATIGUE": (None, None, (), ()),
    "UC_PROCESS_INJECTION_REMOTE_THREAD": (
        "DeviceEvents",
        "DeviceEvents",
        (
            'ActionType =~ "CreateRemoteThreadApiCall"',
            'InitiatingProcessFolderPath endswith "\\\\rundll32.exe"',
        ),
        (),
    ),
    "UC_RDP_BRUTE_FORCE_FAILED_LOGON": (
        "DeviceLogonEvents",
        "SecurityEvent",
        ('ActionType =~ "LogonFailed"', 'LogonType in~ ("Network", "RemoteInteractive")', "RemoteIP"),
        ("EventID == 4625", "(LogonType == 3 or LogonType == 10)", "IpAddress"),
    ),
    "UC_RDP_LOGON_PUBLIC_IP": (
        "DeviceLogonEvents",
        "SecurityEvent",
        ('ActionType =~ "LogonSuccess"', 'LogonType =~ "RemoteInteractive"'),
        ("EventID == 4624", "LogonType == 10"),
    ),
    "UC_REFLECTIVE_LOAD_EMBEDDED": (
        None,
        "Event",
        (),
        ("EventID == 4104", 'EventData contains "FromBase64String"'),
    ),
    "UC_SERVICE_INSTALL_SUSPICIOUS": (
        None,
        "Event",
        (),
        (
            'EventLog =~ "System"',
            'Source =~ "Service Control Manager"',
            "EventID == 7045",
            'EventData contains "cmd /c"',
        ),
    ),
}


def _convert_pack_rule(label: str):
    doc = yaml.safe_load(Path(rules_dir(), label.lower() + ".yml").read_text("utf-8"))
    return convert_rule(doc, ("kql", "kql_sentinel"))


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_hunt_reads_the_expected_tables(label: str):
    defender, sentinel, in_kql, in_sentinel = EXPECTED[label]
    conversion = _convert_pack_rule(label)
    for target, table, fragments in (("kql", defender, in_kql), ("kql_sentinel", sentinel, in_sentinel)):
        if table is None:
            assert target not in conversion.queries, conversion.queries.get(target)
            assert conversion.failures[target]
            continue
        query = conversion.queries[target]
        assert query.split("\n", 1)[0] == table
        for fragment in fragments:
            assert fragment in query, (label, target, fragment, query)


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("UC_AWS_IAM_PERSISTENCE", "no AWS CloudTrail table"),
        ("UC_EDGE_EXPLOIT_REQUEST", "no web server access log table"),
        ("UC_EXFIL_SCRIPTED_HTTP_POST", "no web proxy log"),
        ("UC_KERBEROAST_RC4_TICKET", "encryption type of Kerberos service tickets"),
        ("UC_KEYLOGGER_API_SCRIPT", "not script block text"),
        ("UC_OKTA_MFA_PUSH_FATIGUE", "no Okta System Log table"),
        ("UC_SERVICE_INSTALL_SUSPICIOUS", "no documented column for the service command line"),
    ],
)
def test_defender_says_why_it_has_no_query(label: str, reason: str):
    assert reason in _convert_pack_rule(label).failures["kql"]


def test_okta_sentinel_reason_names_the_custom_tables():
    assert "Okta_CL" in _convert_pack_rule("UC_OKTA_MFA_FACTOR_CHANGE").failures["kql_sentinel"]


def _rule(logsource: dict[str, str], selection: dict[str, object]) -> dict[str, object]:
    return {"title": "t", "logsource": logsource, "detection": {"s": selection, "condition": "s"}}


@pytest.mark.parametrize(
    ("target", "logsource", "selection"),
    [
        ("kql", {"category": "process_access", "product": "windows"}, {"CallTrace|contains": "UNKNOWN"}),
        ("kql", {"category": "create_remote_thread", "product": "windows"}, {"StartModule": "x.dll"}),
        ("kql", {"product": "windows", "service": "security"}, {"EventID": 4625, "WorkstationName": "x"}),
        ("kql", {"product": "windows", "service": "security"}, {"EventID": 4624, "LogonType": 7}),
        ("kql", {"product": "m365", "service": "exchange"}, {"Parameters|contains": "x"}),
        ("kql_sentinel", {"product": "aws", "service": "cloudtrail"}, {"requestParameters.userName": "x"}),
        (
            "kql_sentinel",
            {"product": "windows", "service": "security"},
            {"EventID": 4769, "NoSuchField": "x"},
        ),
        ("kql_sentinel", {"category": "webserver"}, {"cs-uri": "x"}),
    ],
)
def test_a_field_the_table_lacks_fails(target: str, logsource: dict[str, str], selection: dict[str, object]):
    conversion = convert_rule(_rule(logsource, selection), (target,))
    assert target not in conversion.queries, conversion.queries.get(target)
    assert conversion.failures[target]


def test_numbers_are_compared_as_numbers():
    rule = _rule({"category": "network_connection", "product": "windows"}, {"DestinationPort": [80, 443]})
    query = convert_rule(rule, ("kql",)).queries["kql"]
    assert "RemotePort == 80 or RemotePort == 443" in query
    assert 'in~ ("80"' not in query


def test_query_table_does_not_leak_from_one_rule_to_the_next():
    """A table set for one rule is not kept for the next."""
    assert (
        _convert_pack_rule("UC_RDP_BRUTE_FORCE_FAILED_LOGON").queries["kql"].startswith("DeviceLogonEvents\n")
    )
    unmapped = _rule({"category": "raw_access_thread", "product": "windows"}, {"Device|contains": "Harddisk"})
    assert "Unable to determine table name" in convert_rule(unmapped, ("kql",)).failures["kql"]
    cloud = convert_rule(_rule({"product": "m365", "service": "exchange"}, {"Operation": "New-InboxRule"}))
    assert cloud.queries["kql"].startswith("CloudAppEvents\n")
    assert cloud.queries["kql_sentinel"].startswith("OfficeActivity\n")


@pytest.mark.parametrize(
    ("logsource", "selection"),
    [
        ({"product": "windows", "service": "system"}, {"EventID": 7045, "ImagePath|endswith": ".sys"}),
        ({"product": "windows", "service": "system"}, {"EventID": 7045, "ImagePath": "C:\\x.exe"}),
        ({"category": "ps_script", "product": "windows"}, {"ScriptBlockText|re": "Invoke-.*"}),
        (
            {"product": "windows", "service": "security"},
            {"EventID": 4769, "TicketEncryptionType|contains": "17"},
        ),
    ],
)
def test_event_data_xml_fields_take_only_checks_that_hold_inside_the_xml(logsource, selection):
    """`EventData contains "x.exe"` is right for a contains check; endswith or equality on the XML never match."""
    conversion = convert_rule(_rule(logsource, selection), ("kql_sentinel",))
    assert "kql_sentinel" not in conversion.queries, conversion.queries
    assert "EventData XML" in conversion.failures["kql_sentinel"]
