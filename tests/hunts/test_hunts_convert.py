"""pySigma conversion: the Splunk precedence fix, per-backend re-parsing, fallbacks and failure reasons."""

from __future__ import annotations

import copy
import re

import yaml

from ttpmap.hunts._convert import BACKENDS, FIELDS, convert_rule

OR_IN_AND = yaml.safe_load(
    r"""
title: OR group ANDed with a scope predicate
id: 11111111-1111-4111-8111-111111111111
status: test
logsource: {category: process_creation, product: windows}
detection:
    selection_img:
        - Image|endswith: '\net.exe'
        - OriginalFileName: 'net.exe'
    selection_cli:
        CommandLine|contains: ' localgroup'
    condition: selection_img and selection_cli
level: medium
"""
)

AND_IN_OR = yaml.safe_load(
    r"""
title: Two ANDed selections ORed
id: 22222222-2222-4222-8222-222222222222
status: test
logsource: {category: process_creation, product: windows}
detection:
    a:
        Image|endswith: '\a.exe'
        CommandLine|contains: 'x'
    b:
        Image|endswith: '\b.exe'
        CommandLine|contains: 'y'
    condition: a or b
level: medium
"""
)


def test_splunk_parenthesises_an_or_inside_an_and():
    """Stock pySigma-backend-splunk 2.1.0 emits `A OR B C`, which SPL reads as `A OR (B AND C)`."""
    spl = convert_rule(OR_IN_AND, ("spl",)).queries["spl"]
    assert spl.startswith("| tstats ")
    assert (
        'where (Processes.process_path="*\\\\net.exe" OR Processes.original_file_name="net.exe") '
        'Processes.process="* localgroup*" by '
    ) in spl


def test_splunk_parenthesises_an_and_inside_an_or():
    spl = convert_rule(AND_IN_OR, ("spl",)).queries["spl"]
    assert (
        '(Processes.process_path="*\\\\a.exe" Processes.process="*x*") OR '
        '(Processes.process_path="*\\\\b.exe" Processes.process="*y*")'
    ) in spl


def test_stock_splunk_backend_still_drops_the_parentheses():
    """Documents why the fix exists; when this fails, upstream fixed #73 and the override can go."""
    from sigma.backends.splunk import SplunkBackend
    from sigma.collection import SigmaCollection
    from sigma.pipelines.splunk import splunk_windows_pipeline

    (stock,) = SplunkBackend(splunk_windows_pipeline()).convert(SigmaCollection.from_dicts([OR_IN_AND]))
    assert stock == 'Image="*\\\\net.exe" OR OriginalFileName="net.exe" CommandLine="* localgroup*"'


def test_field_in_list_is_not_wrapped_twice():
    rule = copy.deepcopy(OR_IN_AND)
    rule["detection"]["selection_img"] = {"Image|endswith": ["\\net.exe", "\\net1.exe"]}
    spl = convert_rule(rule, ("spl",)).queries["spl"]
    assert 'where Processes.process_path IN ("*\\\\net.exe", "*\\\\net1.exe") Processes.process=' in spl


def test_each_conversion_parses_the_rule_again():
    doc = copy.deepcopy(OR_IN_AND)
    first = convert_rule(doc)
    second = convert_rule(doc)
    assert doc == OR_IN_AND
    assert first == second
    assert set(first.queries) == set(FIELDS)


def test_defender_and_sentinel_queries():
    queries = convert_rule(OR_IN_AND).queries
    assert queries["kql"].startswith("DeviceProcessEvents\n| where ")
    assert 'ProcessVersionInfoOriginalFileName =~ "net.exe"' in queries["kql"]
    assert queries["kql_sentinel"].startswith("imProcessCreate\n| where ")


def test_sentinel_original_file_name_is_mapped_to_an_existing_field():
    """The stock ASIM pipeline maps OriginalFileName to TargetProcessFilename, which imProcessCreate lacks."""
    query = convert_rule(OR_IN_AND, ("kql_sentinel",)).queries["kql_sentinel"]
    assert 'TargetProcessFileOriginalName =~ "net.exe"' in query
    assert "TargetProcessFilename" not in query


def test_plain_spl_fallback_scopes_sysmon_events():
    rule = {
        "title": "LSASS access",
        "logsource": {"category": "process_access", "product": "windows"},
        "detection": {"s": {"TargetImage|endswith": "\\lsass.exe"}, "condition": "s"},
    }
    conversion = convert_rule(rule)
    assert conversion.queries["spl"] == (
        'source="WinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=10 TargetImage="*\\\\lsass.exe"'
    )

    unmapped = {**rule, "logsource": {"category": "raw_access_thread", "product": "windows"}}
    assert set(convert_rule(unmapped).failures) == {"kql", "kql_sentinel"}
    assert "Unable to determine table name" in convert_rule(unmapped).failures["kql"]


def test_powershell_script_block_rules_get_event_4104():
    rule = {
        "title": "Script block",
        "logsource": {"category": "ps_script", "product": "windows"},
        "detection": {"s": {"ScriptBlockText|contains": "GetAsyncKeyState"}, "condition": "s"},
    }
    spl = convert_rule(rule, ("spl",)).queries["spl"]
    assert "EventCode=4104" in spl
    assert spl.startswith('source IN ("WinEventLog:Microsoft-Windows-PowerShell/Operational", ')


def test_failures_are_reasons_not_exceptions():
    broken = {
        "title": "Undefined selection",
        "logsource": {"category": "process_creation", "product": "windows"},
        "detection": {"s": {"Image": "a"}, "condition": "s and missing"},
    }
    conversion = convert_rule(broken)
    assert conversion.queries == {}
    assert set(conversion.failures) == set(FIELDS)
    assert all(reason for reason in conversion.failures.values())


def test_backends_are_versioned_names():
    assert set(BACKENDS) == set(FIELDS)
    assert all(re.fullmatch(r"[a-z_]+\.v[0-9]+", name) for name in BACKENDS.values())
