"""One `Analyzer` shared by threads gives the sequential results; JSON is byte-identical across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ttpmap import Analyzer, Article

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "samples"

EXTRA = [
    "The actor ran PowerShell (T1059.001) and dumped LSASS (T1003.001) before C2 to hxxps://bad[.]xyz/g.php.",
    "Phishing mail (T1566.001) from billing@invoice-secure[.]top dropped 44d88612fea8a8f36de82e1278abb02f.",
    "Ransomware encrypted files (T1486) after exploiting CVE-2023-34362 from 45.133.1.20.",
]


def _articles() -> list[Article | str]:
    items: list[Article | str] = [Article.from_file(p) for p in sorted(SAMPLES.glob("*.md"))]
    return items + EXTRA


def test_shared_analyzer_in_8_threads_matches_a_sequential_run(analyzer: Analyzer) -> None:
    articles = _articles() * 4
    sequential = [analyzer.analyze(a).to_json() for a in articles]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda a: analyzer.analyze(a).to_json(), articles))
    assert threaded == sequential


def test_fresh_analyzers_in_threads_agree() -> None:
    text = EXTRA[0]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: Analyzer().analyze(text).to_json(), range(8)))
    assert len(set(results)) == 1


_SCRIPT = """
import hashlib, sys
from pathlib import Path
from ttpmap import Analyzer, Article
analyzer = Analyzer()
for path in sorted(Path(sys.argv[1]).glob("*.md")):
    print(hashlib.sha256(analyzer.analyze(Article.from_file(path)).to_json().encode()).hexdigest())
for text in sys.argv[2:]:
    print(hashlib.sha256(analyzer.analyze(text).to_json().encode()).hexdigest())
"""


def _digests(seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(SAMPLES), *EXTRA],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_json_is_byte_identical_across_runs_and_processes(analyzer: Analyzer) -> None:
    import hashlib

    here = [hashlib.sha256(analyzer.analyze(a).to_json().encode()).hexdigest() for a in _articles()]
    assert here == [hashlib.sha256(analyzer.analyze(a).to_json().encode()).hexdigest() for a in _articles()]
    assert _digests("1") == here
    assert _digests("12345") == here
