"""The `diplodata evaluate` command: the extractor scored against gold sets, each reported apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from etl.cli.exits import EXIT_FAILED
from etl.layout import ROOT

GOLD_SETS = (ROOT / "tests" / "gold", ROOT / "tests" / "field-set")


@click.command()
@click.argument("gold_dirs", nargs=-1, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--languages",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File giving, per label file, the paragraphs not in the article's language "
    "(default: GOLD_DIR.languages.yml beside each folder, when there is one; an article it does "
    "not name is scored against the project's review of the same article, when there is one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON, one object per gold set.")
def evaluate(gold_dirs: tuple[Path, ...], languages: Path | None, as_json: bool) -> None:
    """Score the extractor against gold sets: precision, recall and F1 per fact type, and misses.

    Each GOLD_DIR holds articles (.txt, .html) each with a label file (.yml) of hand-labelled
    facts; each is scored and reported apart (default: tests/gold, written with the extractor,
    and tests/field-set, written independently of it). paragraph_language is an accuracy: its
    precision column is the share of paragraphs whose language is right. Exit status 1 when a
    set does not reach a floor of the project.

    \b
    Example:
        diplodata evaluate tests/gold tests/field-set
    """
    from etl.extract import evaluate as run_evaluation
    from etl.extract import render_evaluation, reviewed_languages
    from etl.reference import load_reference

    reference = load_reference()
    folders = list(gold_dirs) or [folder for folder in GOLD_SETS if folder.is_dir()]
    reviewed = reviewed_languages(folder for folder in GOLD_SETS if folder.is_dir())
    reports: list[dict[str, Any]] = []
    failed = False
    for folder in folders:
        result = run_evaluation(folder, reference, languages, reviewed)
        failures = result.failures()
        failed = failed or bool(failures)
        if as_json:
            reports.append(
                {
                    "gold_set": str(folder),
                    "articles": result.articles,
                    "scores": {
                        k: {
                            "tp": s.tp,
                            "fp": s.fp,
                            "fn": s.fn,
                            "precision": s.precision,
                            "recall": s.recall,
                            "f1": s.f1,
                        }
                        for k, s in result.scores.items()
                    },
                    "misses": result.misses,
                    "furniture_facts": result.furniture_facts,
                    "failures": failures,
                }
            )
        else:
            click.echo(f"== {folder}")
            click.echo(render_evaluation(result))
            click.echo()
        for failure in failures:
            click.echo(f"error: {folder.name}: below the floor: {failure}", err=True)
    if as_json:
        click.echo(json.dumps(reports if len(reports) != 1 else reports[0], indent=2, ensure_ascii=False))
    if failed:
        sys.exit(EXIT_FAILED)
