"""`analyze_many` on a real Dask distributed cluster (loopback only)."""

from __future__ import annotations

import os

import pytest
from batch_fakes import MentionAnalyzer

from ttpmap._article import Article
from ttpmap._batch import BatchError, analyze_many
from ttpmap._brief import Brief

distributed = pytest.importorskip("distributed", reason="Dask is a test extra: pip install 'ttpmap[dask]'")


@pytest.fixture(scope="module")
def dask_client():  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_dask_cluster_runs_the_batch_in_order_and_records_a_failure(dask_client) -> None:  # type: ignore[no-untyped-def]
    import joblib
    from distributed import get_task_stream

    items = [
        (Article(f"Report {i} FAIL" if i == 13 else f"Report {i}: T{1100 + i}", title=f"r{i}"), i)
        for i in range(30)
    ]
    with joblib.parallel_backend("dask"), get_task_stream(dask_client) as tasks:
        out = list(analyze_many(MentionAnalyzer(delay=0.01), items, batch_size=3, as_tuples=True))
    assert [ctx for _, ctx in out] == list(range(30))
    error = out[13][0]
    assert isinstance(error, BatchError)
    assert (error.index, error.title, error.error_type, error.context) == (13, "r13", "InputError", 13)
    briefs = [r for r, _ in out if isinstance(r, Brief)]
    assert [b.techniques[0].id for b in briefs] == [f"T{1100 + i}" for i in range(30) if i != 13]
    worker_pids = set(dask_client.run(os.getpid).values())
    assert {b.model["pid"] for b in briefs} == worker_pids
    assert len(worker_pids) == 2
    assert len(tasks.data) >= 10  # one task per chunk of three articles, run by the cluster


@pytest.mark.slow
def test_dask_cluster_with_the_real_analyzer(dask_client, analyzer) -> None:  # type: ignore[no-untyped-def]
    """The shipped model on two Dask workers: each builds its analyzer once, from the model path."""
    import joblib

    texts = [
        "The actor exploited CVE-2024-3400 on the VPN gateway (T1190) and then ran encoded PowerShell "
        "(T1059.001) to download a loader from hxxp://update-check[.]example[.]net/a.ps1.",
        "",  # not an article: recorded, and the batch goes on
        "Persistence came from a scheduled task named OneDriveSync (T1053.005); the loader beaconed to "
        "203.0.113[.]45 over HTTPS every 60 seconds.",
        "Operators deleted shadow copies with vssadmin (T1490) and encrypted the file servers (T1486).",
    ]
    with joblib.parallel_backend("dask"):
        out = list(analyzer.analyze_many(texts, batch_size=1))
    assert isinstance(out[1], BatchError)
    assert out[1].error_type == "InputError"
    local = [analyzer.analyze(t) for t in texts if t]
    assert [b.to_dict() for b in out if isinstance(b, Brief)] == [b.to_dict() for b in local]
    assert "T1190" in {t.id for t in out[0].techniques}
