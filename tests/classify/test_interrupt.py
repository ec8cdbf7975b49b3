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
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
    end = time.monotonic() + 5
    while time.monotonic() < end and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)]
