"""Sigma -> Splunk SPL, Defender XDR KQL and Sentinel KQL with pySigma (imported on first use).

Each target is a registered, versioned converter (``"splunk_cim.v2"``, ``"defender_kql.v2"``,
``"sentinel_kql.v2"``) filling one field of `ttpmap.Hunt`. A changed conversion gets a new
``.vN`` name; the pack cache records the names it was built with.

Fixes over stock pySigma 1.5.1 and its backends:

* the Splunk backend declares OR tighter than AND and drops the parentheses around an OR nested in
  an AND (pySigma-backend-splunk#73): `_SplunkBackend` groups every AND/OR nested in the other;
* plain SPL for Windows log sources that the CIM data models do not cover gets the Sysmon (or
  PowerShell 4104) event code and channel, instead of a search over every event;
* the Splunk CIM pipeline names the data set in ``drop_dm_object_name`` (``Proxy`` for
  ``datamodel=Web.Proxy``) where the fields carry the data model's root prefix (``Web.*``), so the
  macro does nothing: `_fix_drop_dm_object_name` names the prefix the fields use (``splunk_cim.v2``);
* the Sentinel ASIM pipeline maps ``OriginalFileName`` to a field that ``imProcessCreate`` does not
  have, failing every rule that checks it: it is mapped to ``TargetProcessFileOriginalName``;
* the Kusto backend quotes numbers in a string ``in~`` list (``RemotePort in~ ("80", "443")``):
  `_KustoBackend` compares numbers one by one with ``==``.

Log sources the vendor pipelines cannot map get our own processing items, placed before the vendor
pipeline and conditioned on the log source (and event ID), that set the query table and map fields
(`_Route`); the vendor pipeline then checks every field against the table's schema, so a field the
table lacks fails the conversion instead of giving a query that never matches.

* Defender XDR: ``process_access`` and ``create_remote_thread`` read ``DeviceEvents``
  (``OpenProcessApiCall``, ``CreateRemoteThreadApiCall``; the access mask has no column, so
  ``GrantedAccess`` is dropped), logons 4624/4625 ``DeviceLogonEvents`` (``LogonSuccess``/``LogonFailed``,
  ``RemoteIP``, logon types by name), Exchange Online and Entra ID audit ``CloudAppEvents``. Where
  Defender has no table (AWS CloudTrail, Okta, web server and proxy logs, PowerShell script blocks,
  the System log's 7045, the ticket encryption type of 4769) the failure says so.
* Sentinel: ASIM first; for what ASIM does not cover, the Log Analytics tables checked against the
  Azure Monitor pipeline's schema (``AWSCloudTrail``, ``AuditLogs``, ``OfficeActivity``,
  ``SecurityEvent``, ``Event`` for 7045 and 4104, ``W3CIISLog``), and for endpoint categories without
  an ASIM schema (image loads, process access, remote threads) the Defender query, which runs on the
  ``Device*`` tables that the Defender XDR connector streams to Sentinel.

The Log Analytics pipeline is tried only for the log sources we route, and keeps the schema checks
of the tables we route to only: its ~700 per-table checks, applied to every rule ASIM failed, made
``ttpmap hunts coverage`` on SigmaHQ take 65 s instead of 26 s.

A parsed `SigmaCollection` is changed in place by ``convert()``, so every conversion parses the
rule again from its (deep-copied) dict.
"""

from __future__ import annotations

import copy
import importlib
import re
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from ttpmap._deps import require

__all__ = ["BACKENDS", "FIELDS", "Conversion", "backend_versions", "convert_rule"]

FIELDS: Final[tuple[str, ...]] = ("spl", "kql", "kql_sentinel")
BACKENDS: Final[dict[str, str]] = {
    "spl": "splunk_cim.v2",
    "kql": "defender_kql.v2",
    "kql_sentinel": "sentinel_kql.v2",
}

_SYSMON_EVENTS: Final[dict[str, int | list[int]]] = {
    "process_creation": 1,
    "network_connection": 3,
    "driver_load": 6,
    "image_load": 7,
    "create_remote_thread": 8,
    "raw_access_thread": 9,
    "process_access": 10,
    "file_event": 11,
    "registry_add": 12,
    "registry_delete": 12,
    "registry_set": 13,
    "registry_rename": 14,
    "registry_event": [12, 13, 14],
    "create_stream_hash": 15,
    "pipe_created": [17, 18],
    "wmi_event": [19, 20, 21],
    "dns_query": 22,
    "file_delete": [23, 26],
    "process_tampering": 25,
}

# SplunkDeferredORRegularExpression keeps counters in class attributes: one conversion at a time.
_LOCK = threading.Lock()


class ConversionError(Exception):
    """A rule that a target cannot express; the message is the reason shown to users."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """The queries a rule converted to, by `Hunt` field, and why the other targets failed."""

    queries: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def convert_rule(doc: Mapping[str, Any], fields: tuple[str, ...] = FIELDS) -> Conversion:
    """Convert one parsed Sigma rule to every target in `fields`; failures are returned, not raised."""
    require("sigma", extra="sigma", feature="Converting Sigma rules")
    queries: dict[str, str] = {}
    failures: dict[str, str] = {}
    converters = _converters()
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in fields:
            try:
                queries[name] = converters[BACKENDS[name]](doc)
            except ConversionError as exc:
                failures[name] = str(exc)
            except Exception as exc:  # third-party rules hit backend bugs of every kind
                failures[name] = _reason(exc)
    return Conversion(queries, failures)


@cache
def backend_versions() -> dict[str, str]:
    """Versions of pySigma and the backends the conversions were made with."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("pysigma", "pysigma-backend-splunk", "pysigma-backend-kusto"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "absent"
    return out


@cache
def _converters() -> dict[str, Callable[[Mapping[str, Any]], str]]:
    return {
        "splunk_cim.v2": _to_splunk,
        "defender_kql.v2": _to_defender,
        "sentinel_kql.v2": _to_sentinel,
    }


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _convert(doc: Mapping[str, Any], backend: Any, output_format: str) -> str:
    from sigma.collection import SigmaCollection
    from sigma.exceptions import SigmaError

    try:
        collection = SigmaCollection.from_dicts([copy.deepcopy(dict(doc))])
        result = backend.convert(collection, output_format)
    except SigmaError as exc:
        raise ConversionError(_reason(exc)) from exc
    queries = [q for q in result if isinstance(q, str) and q.strip()] if isinstance(result, list) else []
    if not queries:
        raise ConversionError("the backend returned no query")
    return "\n\n".join(q.strip() for q in queries)


def _to_splunk(doc: Mapping[str, Any]) -> str:
    splunk_pipelines = importlib.import_module("sigma.pipelines.splunk.splunk")  # untyped factories
    splunk_cim_data_model = splunk_pipelines.splunk_cim_data_model
    splunk_windows_pipeline = splunk_pipelines.splunk_windows_pipeline
    try:
        query = _convert(doc, _splunk_backend_class()(splunk_cim_data_model()), "data_model")
    except ConversionError as cim_error:
        try:
            return _convert(
                doc,
                _splunk_backend_class()(_windows_channels_pipeline() + splunk_windows_pipeline()),
                "default",
            )
        except ConversionError as spl_error:
            raise ConversionError(f"CIM data model: {cim_error}; plain SPL: {spl_error}") from spl_error
    for marker in (" | `drop_dm_object_name(", " | convert timeformat="):
        query = query.replace(marker, "\n" + marker[1:])
    return _fix_drop_dm_object_name(query)


_BY_PREFIX: Final = re.compile(r"\sby\s+([A-Za-z_][A-Za-z0-9_]*)\.")
_DROP_MACRO: Final = re.compile(r"`drop_dm_object_name\(([^)]*)\)`")


def _fix_drop_dm_object_name(query: str) -> str:
    """Name, in ``drop_dm_object_name``, the prefix that the query's ``by`` fields carry."""
    by = _BY_PREFIX.search(query)
    if by is None:
        return query
    return _DROP_MACRO.sub(lambda m: f"`drop_dm_object_name({by.group(1)})`", query)


def _to_defender(doc: Mapping[str, Any]) -> str:
    return _convert(doc, _kusto_backend("defender"), "default")


def _to_sentinel(doc: Mapping[str, Any]) -> str:
    try:
        return _convert(doc, _kusto_backend("asim"), "default")
    except ConversionError as asim_error:
        logsource = doc.get("logsource") or {}
        if logsource.get("category") in _SENTINEL_DEFENDER_CATEGORIES:
            return _to_defender(doc)
        for source, reason in _SENTINEL_NO_TABLE:
            if source.items() <= logsource.items():
                raise ConversionError(f"Sentinel tables: {reason}; ASIM: {asim_error}") from asim_error
        if not any(route.logsource.items() <= logsource.items() for route in _SENTINEL_ROUTES):
            raise
        try:
            return _convert(doc, _kusto_backend("sentinel_tables"), "default")
        except ConversionError as table_error:
            raise ConversionError(f"Sentinel tables: {table_error}; ASIM: {asim_error}") from table_error


def _kusto_backend(target: str) -> Any:
    """A new backend for each conversion: pySigma-backend-kusto's field checks keep the fields of
    every rule they failed in their message, so a reused pipeline names other rules' fields."""
    from sigma.pipelines.microsoftxdr.microsoftxdr import microsoft_xdr_pipeline
    from sigma.pipelines.sentinelasim.sentinelasim import sentinel_asim_pipeline

    if target == "defender":
        pipeline = _defender_tables_pipeline() + microsoft_xdr_pipeline()
    elif target == "asim":
        pipeline = _asim_fixes_pipeline() + sentinel_asim_pipeline()
    else:
        pipeline = copy.deepcopy(_sentinel_tables_template())
    return _kusto_backend_class()(pipeline)


@cache
def _sentinel_tables_template() -> Any:
    """Our Sentinel routes and the Azure Monitor pipeline with the schema checks of the routed tables only
    (building its ~700 per-table checks took 16 ms a conversion; a copy of this takes 2 ms)."""
    from sigma.pipelines.azuremonitor.azuremonitor import azure_monitor_pipeline

    checks = {f"azure_monitor_unsupported_fields_{route.table}" for route in _SENTINEL_ROUTES}
    monitor = azure_monitor_pipeline()
    monitor.items = [
        item
        for item in monitor.items
        if not (item.identifier or "").startswith("azure_monitor_unsupported_fields_")
        or item.identifier in checks
    ]
    return _sentinel_tables_pipeline() + monitor


@cache
def _kusto_backend_class() -> type:
    from sigma.backends.kusto.kusto import KustoBackend
    from sigma.types import SigmaNumber

    class _KustoBackend(KustoBackend):
        """KustoBackend that compares numbers one by one: it quotes them in ``in~ ("3", "10")``, a string operator."""

        def decide_convert_condition_as_in_expression(self, cond: Any, state: Any) -> bool:
            if any(isinstance(getattr(arg, "value", None), SigmaNumber) for arg in cond.args):
                return False
            return bool(super().decide_convert_condition_as_in_expression(cond, state))

    return _KustoBackend


@cache
def _splunk_backend_class() -> type:
    from sigma.backends.splunk.splunk import SplunkBackend
    from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionOR
    from sigma.types import SigmaExpansion

    class _SplunkBackend(SplunkBackend):
        """SplunkBackend that parenthesises every AND/OR nested in the other (pySigma-backend-splunk#73)."""

        def compare_precedence(self, outer: Any, inner: Any) -> bool:
            junctions = (ConditionAND, ConditionOR)
            if isinstance(outer, junctions):
                inner_kind: Any = type(inner)
                if isinstance(inner, ConditionFieldEqualsValueExpression) and isinstance(
                    inner.value, SigmaExpansion
                ):
                    inner_kind = ConditionOR
                if inner_kind in junctions and inner_kind is not type(outer):
                    return False
            return bool(super().compare_precedence(outer, inner))

        def convert_condition_group(self, cond: Any, state: Any) -> Any:
            if isinstance(cond, ConditionOR) and self.decide_convert_condition_as_in_expression(cond, state):
                return self.convert_condition(cond, state)  # `field IN (...)` needs no extra parentheses
            return super().convert_condition_group(cond, state)

    return _SplunkBackend


def _windows_channels_pipeline() -> Any:
    from sigma.processing.conditions import LogsourceCondition
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations import AddConditionTransformation, ChangeLogsourceTransformation

    items = []
    channels: list[tuple[str, int | list[int], str]] = [
        (category, event, "sysmon") for category, event in _SYSMON_EVENTS.items()
    ]
    channels.append(("ps_script", 4104, "powershell"))
    for category, event, service in channels:
        items.append(
            ProcessingItem(
                identifier=f"ttpmap_{service}_{category}_eventid",
                transformation=AddConditionTransformation(_event_condition(event)),
                rule_conditions=[LogsourceCondition(category=category, product="windows")],
            )
        )
        items.append(
            ProcessingItem(
                identifier=f"ttpmap_{service}_{category}_logsource",
                transformation=ChangeLogsourceTransformation(
                    category=category, product="windows", service=service
                ),
                rule_conditions=[LogsourceCondition(category=category, product="windows")],
            )
        )
    return ProcessingPipeline(name="ttpmap: Windows event channels for plain SPL", priority=10, items=items)


def _event_condition(event: int | list[int]) -> dict[str, Any]:
    return {"EventID": event}


def _asim_fixes_pipeline() -> Any:
    from sigma.processing.conditions import LogsourceCondition
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations import FieldMappingTransformation

    return ProcessingPipeline(
        name="ttpmap: Sentinel ASIM field fixes",
        priority=5,
        items=[
            ProcessingItem(
                identifier="ttpmap_asim_original_file_name",
                transformation=FieldMappingTransformation(
                    {"OriginalFileName": "TargetProcessFileOriginalName"}
                ),
                rule_conditions=[LogsourceCondition(category="process_creation", product="windows")],
            )
        ],
    )


@dataclass(frozen=True, slots=True)
class _Route:
    """Rules of one log source (and event ID) read from `table`, with renamed fields and added conditions."""

    name: str
    logsource: dict[str, str]
    table: str
    fields: dict[str, str] = field(default_factory=dict)
    where: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None


# Defender XDR advanced hunting: DeviceEvents ActionTypes for the Sysmon categories the stock pipeline
# lacks, DeviceLogonEvents for Windows logons, CloudAppEvents for Exchange Online and Entra ID audit.
_DEFENDER_ROUTES: Final[tuple[_Route, ...]] = (
    _Route(
        "remote_thread",
        {"category": "create_remote_thread", "product": "windows"},
        "DeviceEvents",
        {"TargetImage": "FolderPath"},
        {"ActionType": "CreateRemoteThreadApiCall"},
    ),
    _Route(
        "process_access",
        {"category": "process_access", "product": "windows"},
        "DeviceEvents",
        {"TargetImage": "FolderPath"},
        {"ActionType": "OpenProcessApiCall"},
    ),
    _Route(
        "logon_failed",
        {"product": "windows", "service": "security"},
        "DeviceLogonEvents",
        {"IpAddress": "RemoteIP"},
        {"ActionType": "LogonFailed"},
        event_id=4625,
    ),
    _Route(
        "logon_success",
        {"product": "windows", "service": "security"},
        "DeviceLogonEvents",
        {"IpAddress": "RemoteIP"},
        {"ActionType": "LogonSuccess"},
        event_id=4624,
    ),
    _Route(
        "exchange",
        {"product": "m365", "service": "exchange"},
        "CloudAppEvents",
        {"Operation": "ActionType"},
        {"Application": "Microsoft Exchange Online"},
    ),
    _Route(
        "entra_audit",
        {"product": "azure", "service": "auditlogs"},
        "CloudAppEvents",
        {"OperationName": "ActionType"},
    ),
)

# Log sources Defender XDR advanced hunting has no table for: the reason replaces a query.
_DEFENDER_NO_TABLE: Final[tuple[tuple[dict[str, str], str], ...]] = (
    ({"product": "aws"}, "Defender XDR advanced hunting has no AWS CloudTrail table; use the Sentinel query"),
    ({"product": "okta"}, "Defender XDR advanced hunting has no Okta System Log table"),
    (
        {"category": "webserver"},
        "Defender XDR advanced hunting has no web server access log table; use the Sentinel query",
    ),
    (
        {"category": "proxy"},
        "Defender XDR advanced hunting has no web proxy log with HTTP method and user agent; use the Sentinel query",
    ),
    (
        {"category": "ps_script", "product": "windows"},
        "Defender XDR records PowerShell command names (DeviceEvents PowerShellCommand), not script block text; "
        "use the Sentinel query (event 4104)",
    ),
    (
        {"product": "windows", "service": "system"},
        "Defender XDR's ServiceInstalled event has no documented column for the service command line; "
        "use the Sentinel query (event 7045)",
    ),
)

# Identity (MDI) tables do not record a Kerberos ticket's encryption type.
_DEFENDER_NO_EVENT: Final[dict[int, str]] = {
    4769: "Defender XDR advanced hunting has no table with the encryption type of Kerberos service tickets "
    "(event 4769); use the Sentinel query",
}

# Windows LogonType numbers as DeviceLogonEvents names them.
_LOGON_TYPES: Final[dict[str, str]] = {
    "2": "Interactive",
    "3": "Network",
    "4": "Batch",
    "5": "Service",
    "10": "RemoteInteractive",
}

# Sentinel tables (Log Analytics) for log sources that ASIM does not normalise.
_SENTINEL_ROUTES: Final[tuple[_Route, ...]] = (
    _Route(
        "cloudtrail",
        {"product": "aws", "service": "cloudtrail"},
        "AWSCloudTrail",
        {
            "eventSource": "EventSource",
            "eventName": "EventName",
            "eventType": "EventTypeName",
            "errorCode": "ErrorCode",
            "errorMessage": "ErrorMessage",
            "sourceIPAddress": "SourceIpAddress",
            "userAgent": "UserAgent",
            "awsRegion": "AWSRegion",
            "userIdentity.type": "UserIdentityType",
            "userIdentity.arn": "UserIdentityArn",
            "userIdentity.userName": "UserIdentityUserName",
            "userIdentity.accountId": "UserIdentityAccountId",
        },
    ),
    _Route("entra_audit", {"product": "azure", "service": "auditlogs"}, "AuditLogs"),
    _Route(
        "exchange",
        {"product": "m365", "service": "exchange"},
        "OfficeActivity",
        where={"OfficeWorkload": "Exchange"},
    ),
    _Route(
        "security",
        {"product": "windows", "service": "security"},
        "SecurityEvent",
        {"TicketEncryptionType": "EventData"},
    ),
    _Route(
        "system",
        {"product": "windows", "service": "system"},
        "Event",
        {"Provider_Name": "Source", "ImagePath": "EventData"},
        {"EventLog": "System"},
    ),
    _Route(
        "ps_script",
        {"category": "ps_script", "product": "windows"},
        "Event",
        {"ScriptBlockText": "EventData"},
        {"EventLog": "Microsoft-Windows-PowerShell/Operational", "EventID": 4104},
    ),
    _Route(
        "webserver",
        {"category": "webserver"},
        "W3CIISLog",
        {
            "cs-uri-query": "csUriQuery",
            "cs-uri-stem": "csUriStem",
            "cs-method": "csMethod",
            "cs-host": "csHost",
            "cs-referer": "csReferer",
            "c-useragent": "csUserAgent",
            "c-ip": "cIP",
            "sc-status": "scStatus",
        },
    ),
)

_SENTINEL_NO_TABLE: Final[tuple[tuple[dict[str, str], str], ...]] = (
    (
        {"product": "okta"},
        "Okta System Log reaches Sentinel in a custom table whose columns depend on the connector "
        "(Okta_CL, OktaV2_CL); no query is given",
    ),
)

# Endpoint categories without an ASIM schema: Sentinel reads Defender's Device* tables (Defender XDR connector).
_SENTINEL_DEFENDER_CATEGORIES: Final = frozenset({"image_load", "process_access", "create_remote_thread"})


def _route_items(prefix: str, route: _Route) -> list[Any]:
    from sigma.processing.conditions import LogsourceCondition, RuleContainsDetectionItemCondition
    from sigma.processing.pipeline import ProcessingItem
    from sigma.processing.transformations import (
        AddConditionTransformation,
        FieldMappingTransformation,
        SetStateTransformation,
    )

    def item(suffix: str, transformation: Any) -> Any:
        conditions: list[Any] = [LogsourceCondition(**route.logsource)]
        if route.event_id is not None:
            conditions.append(RuleContainsDetectionItemCondition(field="EventID", value=route.event_id))
        return ProcessingItem(
            identifier=f"{prefix}_{route.name}_{suffix}",
            transformation=transformation,
            rule_conditions=conditions,
            rule_condition_linking=all,
        )

    items = [item("table", SetStateTransformation("query_table", route.table))]
    if route.where:
        items.append(item("where", AddConditionTransformation(dict(route.where))))
    if route.fields:
        mapping: dict[str | None, str | list[str]] = {}
        mapping.update(route.fields)
        items.append(item("fields", FieldMappingTransformation(mapping)))
    return items


@cache
def _defender_tables_pipeline() -> Any:
    """Our Defender items, built once: they keep no state of their own between rules."""
    from sigma.processing.conditions import IncludeFieldCondition, LogsourceCondition
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations import DropDetectionItemTransformation, ReplaceStringTransformation

    values = [
        ProcessingItem(  # the ActionType is the audit record's Operation with its final period
            ReplaceStringTransformation(regex=r"(?<!\.)$", replacement="."),
            identifier="ttpmap_defender_entra_operation_period",
            rule_conditions=[LogsourceCondition(product="azure", service="auditlogs")],
            field_name_conditions=[IncludeFieldCondition(["OperationName"])],
        ),
        ProcessingItem(  # OpenProcessApiCall records no access mask in a column
            DropDetectionItemTransformation(),
            identifier="ttpmap_defender_drop_granted_access",
            rule_conditions=[LogsourceCondition(category="process_access", product="windows")],
            field_name_conditions=[IncludeFieldCondition(["GrantedAccess"])],
        ),
    ]
    routes = [item for route in _DEFENDER_ROUTES for item in _route_items("ttpmap_defender", route)]
    items = _defender_failure_items() + values + _defender_logon_type_items() + routes
    return ProcessingPipeline(name="ttpmap: Defender XDR tables", priority=5, items=items)


def _defender_failure_items() -> list[Any]:
    from sigma.processing.conditions import LogsourceCondition, RuleContainsDetectionItemCondition
    from sigma.processing.pipeline import ProcessingItem
    from sigma.processing.transformations import RuleFailureTransformation

    failures = [
        ProcessingItem(RuleFailureTransformation(reason), rule_conditions=[LogsourceCondition(**logsource)])
        for logsource, reason in _DEFENDER_NO_TABLE
    ]
    failures += [
        ProcessingItem(
            RuleFailureTransformation(reason),
            rule_conditions=[RuleContainsDetectionItemCondition(field="EventID", value=event_id)],
        )
        for event_id, reason in _DEFENDER_NO_EVENT.items()
    ]
    return failures


def _defender_logon_type_items() -> list[Any]:
    """Windows logon type numbers as the names DeviceLogonEvents uses; a type it does not name fails."""
    from sigma.processing.conditions import (
        IncludeFieldCondition,
        MatchStringCondition,
        RuleContainsDetectionItemCondition,
    )
    from sigma.processing.pipeline import ProcessingItem
    from sigma.processing.transformations import (
        ConvertTypeTransformation,
        DetectionItemFailureTransformation,
        MapStringTransformation,
    )

    def item(suffix: str, transformation: Any, **kwargs: Any) -> Any:
        return ProcessingItem(
            transformation,
            identifier=f"ttpmap_defender_logon_type_{suffix}",
            rule_conditions=[
                RuleContainsDetectionItemCondition(field="EventID", value=e) for e in (4624, 4625)
            ],
            rule_condition_linking=any,
            field_name_conditions=[IncludeFieldCondition(["LogonType"])],
            **kwargs,
        )

    unknown = (
        f"DeviceLogonEvents names the logon types {', '.join(_LOGON_TYPES)} only; this rule checks another"
    )
    return [
        item("str", ConvertTypeTransformation("str")),
        item("name", MapStringTransformation(dict(_LOGON_TYPES))),
        item(
            "unknown",
            DetectionItemFailureTransformation(unknown),
            detection_item_conditions=[MatchStringCondition(cond="any", pattern=r"[0-9]+$")],
        ),
    ]


def _sentinel_tables_pipeline() -> Any:
    from sigma.processing.conditions import IncludeFieldCondition, LogsourceCondition, MatchStringCondition
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations import (
        DetectionItemFailureTransformation,
        ReplaceStringTransformation,
    )

    def in_xml(fields: list[str], pattern: str, message: str) -> Any:
        return ProcessingItem(  # the event field lives inside the EventData XML, not in a column
            DetectionItemFailureTransformation(message),
            rule_conditions=[LogsourceCondition(**route.logsource) for route in _SENTINEL_ROUTES],
            rule_condition_linking=any,
            field_name_conditions=[IncludeFieldCondition(fields)],
            detection_item_conditions=[MatchStringCondition(cond="any", pattern=pattern, negate=True)],
        )

    items = [
        in_xml(
            ["ScriptBlockText", "ImagePath"],
            r"^\*.*\*$",
            "Sentinel's Event table keeps this field inside its EventData XML: only 'contains' can be checked",
        ),
        in_xml(
            ["TicketEncryptionType"],
            r"^[^*?]*$",
            "SecurityEvent keeps TicketEncryptionType inside its EventData XML: only exact values can be checked",
        ),
        ProcessingItem(
            ReplaceStringTransformation(
                regex=r"^(.*)$", replacement=r'*<Data Name="TicketEncryptionType">\1</Data>*'
            ),
            identifier="ttpmap_sentinel_ticket_encryption_type",
            rule_conditions=[LogsourceCondition(product="windows", service="security")],
            field_name_conditions=[IncludeFieldCondition(["TicketEncryptionType"])],
        ),
    ]
    items += [item for route in _SENTINEL_ROUTES for item in _route_items("ttpmap_sentinel", route)]
    return ProcessingPipeline(name="ttpmap: Sentinel tables", priority=5, items=items)
