"""``ttpmap train``, ``ttpmap evaluate`` and ``ttpmap phrases measure``."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttpmap.classify._train import SOURCES

if TYPE_CHECKING:
    from ttpmap.attack import Catalog

__all__ = ["register"]

_MAX_PHRASES_BYTES = 10_000_000


def register(subparsers: Any) -> None:
    """Add the ``train``, ``evaluate`` and ``phrases`` commands."""
    train = subparsers.add_parser(
        "train",
        help="train the technique classifier on ../shared (and your data) and write a model directory",
        description="Train on ATT&CK procedure examples, TRAM2, TRAM bootstrap and TTPDrill sentences from "
        "the data home (plus --data files) and write a model directory: classifier.joblib, predictor.npz "
        "(its predict side without pickle), the ATT&CK catalog, manifest.json with SHA-256s.",
    )
    train.add_argument("--out", required=True, type=Path, help="model directory to write")
    train.add_argument(
        "--name",
        help="the model's name, shown in its manifest, MODEL_CARD.md and every brief (default: the --out "
        "folder's name)",
    )
    train.add_argument(
        "--base",
        type=Path,
        help="model directory to start from: its ATT&CK catalog and estimator parameters (default: the "
        "shipped model)",
    )
    train.add_argument(
        "--data",
        action="append",
        default=[],
        type=Path,
        help="extra labeled articles (.jsonl or .csv in the labeled-article format; records marked "
        '"split": "holdout" are left out); repeatable',
    )
    train.add_argument("--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)")
    train.add_argument("--catalog", type=Path, help="ATT&CK catalog (default: the default model's)")
    train.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help=f"comma-separated training sources from the data home (default: {','.join(SOURCES)})",
    )
    train.add_argument(
        "--severity",
        action="store_true",
        help="also fit a severity model on the --data records with a 'severity' (split 'tune'), compare it "
        "with the rules on those with split 'holdout', and add severity.joblib only if it beats them",
    )
    train.add_argument(
        "--severity-only",
        action="store_true",
        help="with --severity: do not train the classifier; add the severity model to the existing "
        "model directory --out",
    )
    train.add_argument("--n-jobs", type=int, default=2, help="parallel jobs (default 2)")
    train.add_argument(
        "--evaluation",
        type=Path,
        help="an evaluation.json from 'ttpmap evaluate --out DIR' whose scores go into MODEL_CARD.md",
    )
    train.add_argument("--force", action="store_true", help="overwrite files in --out")
    train.set_defaults(func=_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="score saved models on your labeled articles (--data F [--model DIR ...]), or cross-validate "
        "the classifier on TRAM2 and AnnoCTR next to the rcATT baseline",
        description="With --data: score one or more saved models (--model, default the shipped one) on your "
        "labeled articles, side by side (micro and macro P/R/F1, per technique, per tactic); --compare lists "
        "what changed between the first two. Without --data: grouped 5-fold cross-validation on TRAM2, and "
        "leave-one-vendor-out on AnnoCTR, of ttpmap's classifier and of rcATT's baseline (TF-IDF + one "
        "LinearSVC per technique), on the same folds; prints both side by side and saves evaluation.json "
        "and per-technique-f1.png.",
    )
    evaluate.add_argument(
        "--data",
        action="append",
        default=[],
        type=Path,
        help="labeled articles (.jsonl or .csv) to score saved models on; repeatable",
    )
    evaluate.add_argument(
        "--model",
        action="append",
        default=[],
        type=Path,
        help="with --data: a model directory to score (default: the shipped model); repeatable, "
        "scored side by side",
    )
    evaluate.add_argument(
        "--compare",
        action="store_true",
        help="with --data and two models: list the techniques and articles that changed between them",
    )
    evaluate.add_argument(
        "--extra-data",
        action="append",
        default=[],
        type=Path,
        help="cross-validation: extra labeled articles added to every training fold (records marked "
        '"split": "holdout" are left out); repeatable',
    )
    evaluate.add_argument(
        "--only",
        choices=("tram2", "annoctr"),
        help="run one of the two evaluations (default: both)",
    )
    evaluate.add_argument(
        "--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)"
    )
    evaluate.add_argument("--catalog", type=Path, help="ATT&CK catalog (default: the default model's)")
    evaluate.add_argument("--out", type=Path, help="folder for evaluation.json and per-technique-f1.png")
    evaluate.add_argument("--n-jobs", type=int, default=2, help="parallel jobs (default 2)")
    evaluate.set_defaults(func=_evaluate)
    _register_phrases(subparsers)


def _register_phrases(subparsers: Any) -> None:
    phrases = subparsers.add_parser(
        "phrases",
        help="the phrase lexicon: measure candidate patterns before you add them to phrases.tsv",
        description="Phrasings of techniques (classify/data/phrases.tsv) report their technique only where "
        "their precision, measured at training on the labeled reports, reaches 0.6.",
    )
    actions = phrases.add_subparsers(dest="action", metavar="ACTION", required=True)
    measure = actions.add_parser(
        "measure",
        help="measure candidate patterns on the training reports, as 'ttpmap train' will",
        description="Measure 'pattern<TAB>technique ID' lines (the syntax of phrases.tsv) on TRAM2's and "
        "AnnoCTR's reports (and --data files) by the rule training uses, and count their matches in the "
        "single-label sentences (ATT&CK procedure examples, TRAM bootstrap, TTPDrill). Prints, per pattern, "
        "matches and hits in the reports, the precision training will give it, whether it will be used, "
        "matches and hits in the sentences, and the reports it matches without its technique.",
    )
    measure.add_argument("file", type=Path, help="candidate patterns, one 'pattern<TAB>technique ID' a line")
    measure.add_argument(
        "--data", action="append", default=[], type=Path, help="your labeled articles too; repeatable"
    )
    measure.add_argument("--show", type=int, default=3, help="misses to print per pattern (default 3)")
    measure.add_argument(
        "--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)"
    )
    measure.add_argument("--catalog", type=Path, help="ATT&CK catalog (default: the default model's)")
    measure.set_defaults(func=_measure)


def _measure(args: argparse.Namespace) -> int:
    from ttpmap._exceptions import InputError, InvalidParameterError
    from ttpmap._reading import read_bounded
    from ttpmap.classify._measure import measure_patterns
    from ttpmap.classify._phrases import load_phrases

    if args.show < 0:
        raise InvalidParameterError("--show must be 0 or more")
    raw = read_bounded(args.file, _MAX_PHRASES_BYTES, hint="a list of patterns is far smaller")
    try:
        phrases = load_phrases(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{args.file}: not UTF-8 text; save the patterns as UTF-8") from None
    except ValueError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    if not phrases:
        raise InputError(f"{args.file} holds no 'pattern<TAB>technique ID' line")
    scores = measure_patterns(
        phrases, _catalog(args.catalog), data_home=args.data_home, data=args.data, show=args.show
    )
    print(f"{'reports m/h':>11} {'precision':>9} {'used':>4} {'sentences m/h':>13}  pattern -> technique")
    for sc in scores:
        print(
            f"{sc.matches:>5}/{sc.hits:<5} {sc.precision:9.2f} {'yes' if sc.active else 'no':>4} "
            f"{sc.sentence_matches:>7}/{sc.sentence_hits:<5}  {sc.pattern} -> {sc.technique}"
        )
        for miss in sc.misses:
            print(f"      miss {miss}")
    return 0


def _catalog(path: Path | None) -> Catalog:
    from ttpmap.datasets import default_catalog
    from ttpmap.datasets._loaders import catalog_at

    return default_catalog() if path is None else catalog_at(path)


@contextlib.contextmanager
def _progress(description: str) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar on a terminal; otherwise one line on stderr each time the stage changes."""
    if not sys.stderr.isatty():
        t0 = time.perf_counter()
        last: list[Any] = ["", -1, -10.0]  # stage, done, time of the last line

        def line(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if stage != last[0] or (done != last[1] and (done == total or now - last[2] >= 10)):
                last[:] = [stage, done, now]
                elapsed = now - t0
                print(
                    f"{description}: {stage} ({done}/{total}, {elapsed:.0f} s)", file=sys.stderr, flush=True
                )

        yield line
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=1, stage="")

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, 1), stage=stage)

        yield update


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM stops the work like Ctrl-C; however the work ends, its loky workers end with it."""
    import signal
    import threading

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        _stop_workers()


def _stop_workers() -> None:
    """Shut down joblib's reusable loky executor, killing its workers, if one was started."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def _sources(value: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip())


def _command_line(name: str, args: argparse.Namespace) -> str:
    """The command as typed, rebuilt from the parsed options."""
    parts = ["ttpmap", name]
    for key, value in sorted(vars(args).items()):
        default = {"n_jobs": 2, "sources": ",".join(SOURCES)}.get(key)
        if key == "func" or value in (None, False, []) or value == default:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            parts.append(flag)
        elif isinstance(value, list):
            parts.extend(x for v in value for x in (flag, str(v)))
        else:
            parts.extend((flag, str(value)))
    return shlex.join(parts)


def _train(args: argparse.Namespace) -> int:
    with _stoppable():
        return _run_train(args)


def _run_train(args: argparse.Namespace) -> int:
    from ttpmap._exceptions import InputError
    from ttpmap.classify._card import write_model_card
    from ttpmap.classify._estimator import TechniqueClassifier, progress_callback
    from ttpmap.classify._train import train_model

    if args.severity_only:
        if not args.severity:
            raise InputError("--severity-only goes with --severity")
        return _train_severity(args, args.out)
    from ttpmap._model import CATALOG_FILE, default_model_dir
    from ttpmap.classify._train import check_model_name, describe_base

    check_model_name(args.name if args.name is not None else args.out.resolve().name)
    base = args.base if args.base is not None else default_model_dir()
    _, params = describe_base(base)
    catalog = args.catalog if args.catalog is not None else base / CATALOG_FILE
    est = TechniqueClassifier(**{**params, "catalog": str(catalog), "n_jobs": args.n_jobs})
    t0 = time.perf_counter()
    with _progress("training") as update:
        token = progress_callback.set(update)
        try:
            root, meta = train_model(
                args.out,
                data_home=args.data_home,
                data=args.data,
                catalog_path=catalog,
                estimator=est,
                overwrite=args.force,
                sources=_sources(args.sources),
                name=args.name,
                base=base,
            )
        finally:
            progress_callback.reset(token)
    write_model_card(root, meta, command=_command_line("train", args), evaluation=args.evaluation)
    print(
        f"wrote {root} ({meta['name']}): {meta['n_labels']} techniques, ATT&CK v{meta['attack_version']}, "
        f"trained in {time.perf_counter() - t0:.0f} s"
    )
    return _train_severity(args, root) if args.severity else 0


def _train_severity(args: argparse.Namespace, model_dir: Path) -> int:
    """Fit the severity model on the tune records; add it to `model_dir` only if it beats the rules."""
    from ttpmap._exceptions import InputError
    from ttpmap.datasets import read_articles
    from ttpmap.severity._ship import add_severity_model, fit_and_compare

    records = [r.to_dict() for path in args.data for r in read_articles(path) if r.severity]
    if not records:
        raise InputError("--severity needs --data files whose records have a 'severity' field")
    result = fit_and_compare(records, model_dir)
    print(f"severity model fitted on {result.n_tune} tune records; held-out comparison:")
    print(result.rules.to_text("rules"))
    print(result.learned.to_text("model"))
    if result.decided_by == "model":
        target = add_severity_model(model_dir, result, overwrite=args.force)
        print(f"the model beats the rules: wrote {target}; briefs say decided_by: model")
    else:
        print("the model does not beat the rules: no severity.joblib written; briefs say decided_by: rules")
    return 0


def _score(args: argparse.Namespace) -> int:
    """``evaluate --data``: saved models scored on labeled articles."""
    from ttpmap._exceptions import InputError
    from ttpmap.classify._score import (
        compare_models,
        format_comparison,
        format_scores,
        save_scores,
        score_models,
    )

    cv_only = [flag for flag, on in (("--only", args.only), ("--extra-data", args.extra_data)) if on]
    if cv_only:
        raise InputError(f"{', '.join(cv_only)} is for cross-validation; leave it out with --data")
    models = args.model or [None]
    if args.compare and len(models) != 2:
        raise InputError(f"--compare needs two --model directories, got {len(models)}")
    with _progress("scoring") as update:
        result = score_models(args.data, models, progress=update)
    result["command"] = _command_line("evaluate", args)
    print(format_scores(result))
    if args.compare:
        result["compare"] = compare_models(result)
        print()
        print(format_comparison(result["compare"]))
    if args.out is not None:
        print(f"saved {save_scores(result, args.out)}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    with _stoppable():
        return _run_evaluate(args)


def _run_evaluate(args: argparse.Namespace) -> int:
    if args.data:
        return _score(args)
    if args.model or args.compare:
        from ttpmap._exceptions import InputError

        raise InputError("--model and --compare score saved models on your labeled articles: add --data FILE")
    if args.out is not None:
        from ttpmap._deps import require

        require("matplotlib", extra="train", feature="The per-technique F1 plot of 'ttpmap evaluate --out'")
    from ttpmap.classify._estimator import TechniqueClassifier
    from ttpmap.classify._evaluate import (
        evaluate_annoctr,
        evaluate_tram2,
        format_annoctr_table,
        format_table,
        save_report,
    )

    catalog = args.catalog
    if catalog is None:
        from ttpmap._model import CATALOG_FILE, default_model_dir

        catalog = default_model_dir() / CATALOG_FILE
    est = TechniqueClassifier(catalog=str(catalog), n_jobs=args.n_jobs)
    result: dict[str, Any] = {}
    with _progress("evaluating") as update:
        if args.only != "annoctr":
            result = evaluate_tram2(
                args.data_home, catalog_path=catalog, estimator=est, progress=update, data=args.extra_data
            )
        if args.only != "tram2":
            result["annoctr"] = evaluate_annoctr(
                args.data_home, catalog_path=catalog, estimator=est, progress=update, data=args.extra_data
            )
    result["command"] = _command_line("evaluate", args)
    if "scores" in result:
        print(format_table(result))
    if "annoctr" in result:
        print(format_annoctr_table(result["annoctr"]))
    if args.out is not None:
        json_path, png_path = save_report(result, args.out)
        print(f"saved {json_path} and {png_path}")
    return 0
