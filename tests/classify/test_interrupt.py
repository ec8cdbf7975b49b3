"""Stopping ``ttpmap train`` or ``ttpmap evaluate`` (Ctrl-C or SIGTERM) leaves no loky worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]
SRC = Path(__file__).resolve().parents[2] / "src"


def _children(pid: int) -> set[int]:
    """Processes whose parent is `pid`."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_stopping_leaves_no_workers(command, sig, tiny_home, catalog_path, tmp_path):
    args = [sys.executable, "-m", "ttpmap.cli", command, "--data-home", str(tiny_home)]
    args += ["--catalog", catalog_path, "--n-jobs", "2"]
    if command == "train":
        args += ["--sources", "bootstrap,ttpdrill,tram2", "--out", str(tmp_path / "out")]
    else:
        args += ["--only", "tram2"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    # Ctrl-C as on a terminal, even when the test runner was started in the background (SIGINT ignored).
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_sigint
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        workers = {p for c in _children(proc.pid) for p in {c} | _children(c)}
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    if proc.poll() is not None or not workers:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"{command} ended before its workers started: {err.decode()[-500:]}")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-800:]
    assert b"interrupted" in err
    assert b"Traceback" not in err
    end = time.monotonic() + 30  # an upper bound: a busy machine may take a while
    while time.monotonic() < end and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)]


#: Fits once with two loky workers, prints their PIDs, then waits to be killed with the workers idle.
_FIT_THEN_WAIT = """
import json, os, sys, time
from ttpmap.classify import TechniqueClassifier, fit_inputs
from ttpmap.datasets import read_articles
records = [r for path in sys.argv[2:] for r in read_articles(path)]
X, y, spans, groups = fit_inputs(records)
clf = TechniqueClassifier(catalog=sys.argv[1], inner_cv=2, max_negatives=200, min_df=1, n_jobs=2)
clf.fit(X, y, spans=spans, groups=groups)
print("fitted", flush=True)
time.sleep(300)
"""


def test_a_killed_run_takes_its_idle_workers_with_it(catalog_path, tmp_path):
    """SIGKILL cannot be caught: workers that have fitted a chunk exit when they see their parent gone,
    instead of idling until loky's 300 s timeout."""
    labeled = SRC.parent / "datasets" / "labeled"
    data = [str(labeled / "sample-sentences.jsonl"), str(labeled / "sample-articles.jsonl")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _FIT_THEN_WAIT, catalog_path, *data],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout.readline() == b"fitted\n"
        workers = {p for c in _children(proc.pid) for p in {c} | _children(c)}
        assert len(workers) >= 2
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    end = time.monotonic() + 30  # an upper bound, as above
    while time.monotonic() < end and any(_alive(p) for p in workers):
        time.sleep(0.1)
    left = [p for p in workers if _alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left
