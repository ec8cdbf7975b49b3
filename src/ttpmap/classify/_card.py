"""MODEL_CARD.md, written by ``ttpmap train`` from what it measured (nothing typed by hand)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ttpmap._model import CARD_FILE
from ttpmap.classify._evaluate import SCORE_METRICS, SCORE_ROWS

__all__ = ["write_model_card"]


def write_model_card(
    model_dir: str | os.PathLike[str],
    meta: dict[str, Any],
    *,
    command: str,
    evaluation: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``MODEL_CARD.md`` into `model_dir` from training metadata, manifest and an evaluation JSON."""
    root = Path(model_dir)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    est = meta["estimator"]
    template = resources.files("ttpmap.classify").joinpath("data/model-card.md").read_text(encoding="utf-8")
    text = template.format(
        name=meta.get("name") or root.name,
        base=_base(meta.get("base_model")),
        sources=_sources(meta),
        data_rows=_data_rows(meta),
        calibrated_on=_calibrated_on(meta["training_data"]),
        rejections=_rejections(meta),
        attack_version=meta["attack_version"],
        n_labels=meta["n_labels"],
        min_examples=est["min_examples"],
        trained=meta["trained"],
        training_seconds=meta["training_seconds"],
        command=command,
        versions=", ".join(f"{k} {v}" for k, v in sorted(manifest["versions"].items())),
        files="\n".join(f"- `{name}`: `{digest}`" for name, digest in sorted(manifest["files"].items())),
        inner_cv=est["inner_cv"],
        mention_floor=f"{meta['mention_floor']:.2f}",
        params=json.dumps(est, sort_keys=True),
        scores=_scores(evaluation) if evaluation is not None else "",
        phrases=_phrases(meta.get("phrases", []), command),
        **meta["training_data"],
    )
    path = root / CARD_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _scores(evaluation: str | os.PathLike[str]) -> str:
    result = json.loads(Path(evaluation).read_text(encoding="utf-8"))
    command = result.get("command", "ttpmap evaluate")
    out = "## Scores\n\n" + (_tram2_scores(result, command) if "scores" in result else "")
    if "annoctr" in result:
        out += _annoctr_scores(result["annoctr"], command)
    return out


def _phrases(rows: list[list[Any]], command: str) -> str:
    """The phrase lexicon with each pattern's precision as measured while training."""
    if not rows:
        return ""
    lines = [
        "## Phrase lexicon",
        "",
        f"The patterns of `classify/data/phrases.tsv` and of `classify/data/aliases.tsv`, then the short mentions (one to three words, "
        "annotated at least twice) that training learned from the articles annotated for every technique "
        f"(AnnoCTR's), measured by `{command}` on the texts it trained on that are annotated for the "
        "pattern's technique (TRAM2's reports for TRAM2's labels, AnnoCTR's reports and --data records for "
        "all; single-label sentences not at all): matches = texts the "
        "pattern occurs in, hits = those labeled with its technique (or its parent or a sub-technique), "
        "precision = (hits + 1) / (matches + 2); a curated pattern of `phrases.tsv` (curated: yes) is vouched "
        "for, its curator's word counting as one more hit in one more match: (hits + 2) / (matches + 3). A "
        "pattern reports its technique (source `phrase`) at a precision of at least 0.6, once it matched a "
        "text or when it is curated.",
        "",
        "| pattern | technique | curated | matches | hits | precision | used |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for pattern, tid, n, k, precision, used, *curated in rows:
        shown = pattern.replace("|", "\\|")
        mark = "yes" if curated and curated[0] else "no"
        lines.append(
            f"| `{shown}` | {tid} | {mark} | {n} | {k} | {precision:.2f} | {'yes' if used else 'no'} |"
        )
    return "\n".join(lines) + "\n\n"


def _annoctr_scores(result: dict[str, Any], command: str) -> str:
    lines = [
        "### AnnoCTR, leave one vendor out",
        "",
        f"Measured by `{command}` in {result['seconds']} s: {result['protocol']}. Campaign-level "
        f"techniques: {', '.join(result['campaign_techniques'])}. The baseline (rcATT) trains on the same "
        "reports as each fold's model.",
        "",
        "| parent-level scores | P | R | F1 | baseline P | R | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = (
        ("parent", "all techniques, micro"),
        ("era", "techniques of its time, micro"),
        ("campaign", "campaign-level techniques, micro"),
    )
    for key, title in rows:
        if key not in result["scores"]["baseline"]:
            continue
        cells = " | ".join(
            f"{result['scores'][system][key]['micro'][k]:.3f}"
            for system in ("ttpmap", "baseline")
            for k in ("precision", "recall", "f1")
        )
        lines.append(f"| {title} | {cells} |")
    return "\n".join(lines) + "\n\n"


def _tram2_scores(result: dict[str, Any], command: str) -> str:
    lines = [
        "### TRAM2, grouped 5-fold cross-validation",
        "",
        f"Measured by `{command}` in {result['seconds']} s: {result['protocol']}. "
        "Each fold's model is trained like this one, on every source except that fold's reports.",
        f"Baseline: {result['baseline']}.",
        "",
        "| report-level scores | avg | P | R | F1 | F0.5 | baseline P | R | F1 | F0.5 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, title in SCORE_ROWS:
        for avg in ("micro", "macro"):
            ours = result["scores"]["ttpmap"][key][avg]
            base = result["scores"]["baseline"][key][avg]
            cells = " | ".join(f"{m[k]:.3f}" for m in (ours, base) for k in SCORE_METRICS)
            lines.append(f"| {title if avg == 'micro' else ''} | {avg} | {cells} |")
    return "\n".join(lines) + "\n\n"


def _base(base: dict[str, Any] | None) -> str:
    if not base:
        return "none recorded"
    return (
        f"`{base['name']}` (manifest SHA-256 `{base['manifest_sha256']}`): its ATT&CK catalog and "
        "estimator parameters"
    )


def _sources(meta: dict[str, Any]) -> str:
    counts = meta["training_data"]
    names = {
        "attack_procedures": "attack_procedures",
        "attack_descriptions": "attack_descriptions",
        "bootstrap": "bootstrap",
        "ttpdrill": "ttpdrill",
        "tram2": "tram2_reports",
        "annoctr": "annoctr_reports",
    }
    parts = [f"{s} ({counts.get(names.get(s, s), 0)} records)" for s in meta.get("sources", [])]
    parts += [f"`{f['path']}` ({f['records']} records)" for f in meta.get("data_files", [])]
    return ", ".join(parts) or "none"


def _data_rows(meta: dict[str, Any]) -> str:
    files = meta.get("data_files")
    if not files:
        return f"| user records (`--data`) | {meta['training_data'].get('user_records', 0)} | yours |"
    return "\n".join(
        f"| `{f['path']}` (`--data`: {f['labels']} labels, {f['rejected']} rejected techniques) | "
        f"{f['records']} | yours |"
        for f in files
    )


def _calibrated_on(counts: dict[str, Any]) -> str:
    parts = []
    if counts.get("tram2_reports"):
        parts.append(f"TRAM2's {counts['tram2_reports']} reports")
    if counts.get("annoctr_reports"):
        parts.append(f"AnnoCTR's {counts['annoctr_reports']} reports")
    if counts.get("user_records"):
        parts.append(f"the articles among your {counts['user_records']} --data records")
    return " and ".join(parts) or "no labeled articles"


def _rejections(meta: dict[str, Any]) -> str:
    rows = [("phrase", *r) for r in meta.get("rejected_phrases", [])]
    rows += [("name or alias", *r) for r in meta.get("rejected_mentions", [])]
    if not rows:
        return ""
    lines = [
        "## Rejected by analysts",
        "",
        "Patterns that matched an article in which an analyst rejected their technique (`--data` records "
        'with `"status": "rejected"`); this model does not use them to report it.',
        "",
        "| kind | pattern | technique | articles |",
        "|---|---|---|---:|",
    ]
    lines += [f"| {kind} | `{pattern}` | {tid} | {n} |" for kind, pattern, tid, n in rows]
    return "\n".join(lines) + "\n\n"
