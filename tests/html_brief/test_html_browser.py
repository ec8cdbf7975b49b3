"""The HTML brief in a real browser (headless Chromium): every highlight drawn, no hostile markup run.

Two Chromium starts: one page holding every sample brief and a hostile one as notebook fragments
(no Content-Security-Policy there, so only escaping protects it), then the hostile brief's own
``to_html()`` document from a file:// URL. A check script, added by this test only, records in the
page which evidence passages and IOCs are drawn highlighted; ``--dump-dom`` returns the DOM after
scripts and image errors ran.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from ttpmap import Article

sys.path.insert(0, str(Path(__file__).parent))
import hostile

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "datasets" / "samples").glob("*.md"))
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium on PATH: install Debian's 'chromium' package (.ci/run does) to run the browser test",
    ),
]

CHECK = """
(function(){
  function drawn(el, kind){
    var s = getComputedStyle(el), r = el.getBoundingClientRect();
    var visible = r.width > 0 && r.height > 0 && s.visibility === "visible" && s.display !== "none";
    var marked = kind === "ev" ? s.backgroundColor !== "rgba(0, 0, 0, 0)" : s.borderTopStyle === "dashed";
    return visible && marked;
  }
  function check(root, attr, kind, count){
    var out = [];
    for (var i = 0; i < count; i++) {
      var els = root.querySelectorAll("[" + attr + "~='" + i + "']");
      out.push(els.length > 0 && Array.prototype.every.call(els, function(el){ return drawn(el, kind); }));
    }
    return out;
  }
  var result = [];
  document.querySelectorAll(".ttpmap-brief").forEach(function(root){
    result.push({
      ready: root.getAttribute("data-ready"),
      evidence: check(root, "data-ev", "ev", +root.dataset.evidenceCount),
      iocs: check(root, "data-ioc", "ioc", +root.dataset.iocCount),
      text: root.querySelector(".text").textContent
    });
  });
  var pre = document.createElement("pre");
  pre.id = "ttpmap-check";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
"""


def _dump_dom(page: Path, profile: Path) -> lxml.html.HtmlElement:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1100,900",
        "--dump-dom",
        page.as_uri(),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip(), out.stderr[-3000:]
    return lxml.html.fromstring(out.stdout)


def _hostile_brief(analyzer):
    return analyzer.analyze(Article(hostile.TEXT, title=hostile.TITLE, url="javascript:alert(1)"))


def _assert_nothing_ran(dom, title: str) -> None:
    assert dom.xpath("//title")[0].text == title
    assert dom.xpath("//body")[0].get("data-pwned") is None
    assert not dom.xpath("//img | //svg | //iframe | //a[starts-with(@href, 'javascript')]")


def test_every_sample_brief_is_highlighted_and_hostile_markup_stays_text(analyzer, tmp_path):
    briefs = [analyzer.analyze(Article.from_file(p)) for p in SAMPLES]
    briefs.append(_hostile_brief(analyzer))
    page = tmp_path / "briefs.html"
    fragments = "\n".join(b._repr_html_() for b in briefs)
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>ttpmap browser test</title></head>'
        f"<body>{fragments}<script>{CHECK}</script></body></html>",
        encoding="utf-8",
    )
    dom = _dump_dom(page, tmp_path / "profile")
    _assert_nothing_ran(dom, "ttpmap browser test")
    results = json.loads(dom.get_element_by_id("ttpmap-check").text)
    assert len(results) == len(briefs)
    for brief, result in zip(briefs, results, strict=True):
        assert result["ready"] == "1", "the brief's own script did not run"
        assert len(result["evidence"]) == sum(len(t.evidence) for t in brief.techniques)
        assert all(result["evidence"]), f"{brief.title}: evidence not drawn: {result['evidence']}"
        assert len(result["iocs"]) == len(brief.iocs)
        assert all(result["iocs"]), f"{brief.title}: IOCs not drawn: {result['iocs']}"
    assert sum(len(r["evidence"]) for r in results) > 40
    shown = results[-1]["text"]
    assert "<script>document.title = 'pwned'</script>" in shown
    assert "<img src=x onerror=" in shown
    assert '"><svg onload=' in shown
    assert "(javascript:" in shown


def test_hostile_brief_page_from_a_file_url_runs_only_its_own_script(analyzer, tmp_path):
    brief = _hostile_brief(analyzer)
    page = tmp_path / "hostile.html"
    page.write_text(brief.to_html(), encoding="utf-8")
    dom = _dump_dom(page, tmp_path / "profile")
    title = lxml.html.fromstring(brief.to_html()).xpath("//title")[0].text
    _assert_nothing_ran(dom, title)
    assert dom.xpath('//div[@class="ttpmap-brief"]')[0].get("data-ready") == "1"
    assert "onerror=" in dom.xpath('//div[@class="text"]')[0].text_content()
