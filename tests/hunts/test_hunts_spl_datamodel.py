"""Every shipped SPL query uses the macros and fields of the CIM data model it names (issue 20).

A tstats search over ``datamodel=Web.Proxy`` sees its fields as ``Web.*`` (Proxy inherits them from
the Web root), so ``drop_dm_object_name(Proxy)`` does nothing there; a search over
``Endpoint.Processes`` sees ``Processes.*``. Field lists: Splunk CIM 6 data model reference.
"""

from __future__ import annotations

import json
import re

import pytest

from ttpmap.hunts._convert import _fix_drop_dm_object_name
from ttpmap.hunts._pack import cache_path

# data model dataset -> (the prefix its fields carry in tstats, the CIM fields a query may use)
_PROCESS_FIELDS = {
    "action",
    "dest",
    "original_file_name",
    "os",
    "parent_process",
    "parent_process_exec",
    "parent_process_guid",
    "parent_process_id",
    "parent_process_name",
    "parent_process_path",
    "process",
    "process_current_directory",
    "process_exec",
    "process_guid",
    "process_hash",
    "process_id",
    "process_integrity_level",
    "process_name",
    "process_path",
    "user",
    "user_id",
    "vendor_product",
}
CIM: dict[str, tuple[str, set[str]]] = {
    "Endpoint.Processes": ("Processes", _PROCESS_FIELDS),
    "Endpoint.Filesystem": (
        "Filesystem",
        {
            "action",
            "dest",
            "file_access_time",
            "file_acl",
            "file_create_time",
            "file_hash",
            "file_modify_time",
            "file_name",
            "file_path",
            "file_size",
            "process_guid",
            "process_id",
            "process_name",
            "process_path",
            "user",
            "vendor_product",
        },
    ),
    "Endpoint.Registry": (
        "Registry",
        {
            "action",
            "dest",
            "process_guid",
            "process_id",
            "process_name",
            "process_path",
            "registry_hive",
            "registry_key_name",
            "registry_path",
            "registry_value_data",
            "registry_value_name",
            "registry_value_text",
            "registry_value_type",
            "status",
            "user",
            "vendor_product",
        },
    ),
    "Web.Proxy": (
        "Web",
        {
            "action",
            "app",
            "bytes",
            "bytes_in",
            "bytes_out",
            "cached",
            "category",
            "cookie",
            "dest",
            "dest_ip",
            "dest_port",
            "duration",
            "http_content_type",
            "http_method",
            "http_referrer",
            "http_referrer_domain",
            "http_user_agent",
            "http_user_agent_length",
            "response_time",
            "site",
            "src",
            "status",
            "uri_path",
            "uri_query",
            "url",
            "url_domain",
            "url_length",
            "user",
            "vendor_product",
        },
    ),
    "Network_Traffic.All_Traffic": (
        "All_Traffic",
        {
            "action",
            "app",
            "bytes",
            "bytes_in",
            "bytes_out",
            "dest",
            "dest_ip",
            "dest_port",
            "direction",
            "dvc",
            "process_id",
            "protocol",
            "src",
            "src_ip",
            "src_port",
            "transport",
            "user",
        },
    ),
    "Network_Resolution.DNS": (
        "DNS",
        {"answer", "dest", "query", "query_type", "record_type", "reply_code", "src", "vendor_product"},
    ),
}
_KNOWN_MACROS = re.compile(r"drop_dm_object_name\((\w+)\)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _spl_queries() -> list[tuple[str, str]]:
    doc = json.loads(cache_path().read_text("utf-8"))
    return [(e["rule"]["name"], e["queries"]["spl"]) for e in doc["rules"] if e["queries"].get("spl")]


QUERIES = _spl_queries()


@pytest.mark.parametrize(("name", "spl"), QUERIES, ids=[n for n, _ in QUERIES])
def test_spl_macros_and_fields_match_the_data_model(name: str, spl: str):
    bare = _QUOTED.sub('""', spl)  # values (paths like "*\\AnyDesk.exe") are not fields
    models = re.findall(r"datamodel=([\w.]+)", bare)
    macros = re.findall(r"`([^`]*)`", bare)
    if not models:
        # plain SPL: no data model, so no CIM prefix and no data-model macro
        assert not macros, f"{name}: macro {macros} in a search that names no data model"
        assert not re.search(r"\b(?:Processes|Filesystem|Registry|Web|All_Traffic|DNS)\.[a-z_]+", bare)
        return
    assert len(set(models)) == 1, f"{name}: several data models {models}"
    model = models[0]
    assert model in CIM, f"{name}: data model {model} is not in this test's CIM table; add it"
    prefix, fields = CIM[model]
    for macro in macros:
        m = _KNOWN_MACROS.fullmatch(macro)
        assert m is not None, f"{name}: unknown macro `{macro}`"
        assert m.group(1) == prefix, f"{name}: `{macro}` on datamodel={model}, whose fields are {prefix}.*"
    used = re.findall(r"\b([A-Za-z_]+)\.([a-z_]+)\b", bare.split("datamodel=", 1)[1].split(" ", 1)[1])
    assert used, f"{name}: no data-model field"
    for owner, field_name in used:
        assert owner == prefix, (
            f"{name}: field {owner}.{field_name} on datamodel={model} (fields are {prefix}.*)"
        )
        assert field_name in fields, f"{name}: {prefix}.{field_name} is not a CIM field of {model}"


def test_exfil_http_post_drops_the_web_prefix():
    (spl,) = [q for n, q in QUERIES if n == "UC_EXFIL_SCRIPTED_HTTP_POST"]
    assert "datamodel=Web.Proxy" in spl
    assert "`drop_dm_object_name(Web)`" in spl
    assert "drop_dm_object_name(Proxy)" not in spl


def test_fix_drop_dm_object_name_follows_the_by_prefix():
    query = '| tstats count from datamodel=Web.Proxy where Web.http_method="POST" by Web.url\n| `drop_dm_object_name(Proxy)`'
    assert _fix_drop_dm_object_name(query).endswith("`drop_dm_object_name(Web)`")
    plain = 'source="x" EventCode=1'
    assert _fix_drop_dm_object_name(plain) == plain
