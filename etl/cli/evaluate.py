"""The `diplodata evaluate` command: the extractor scored against a gold set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from etl.cli.exits import EXIT_FAILED
from etl.layout import ROOT


@click.command()
@click.argument(
    "gold_dir",
    required=False,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=ROOT / "tests" / "gold",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold_dir: Path, as_json: bool) -> None:
    """Score the extractor against a gold set: precision, recall and F1 per fact type, and misses.

    GOLD_DIR holds articles (.txt, .html) each with a label file (.yml) of hand-labelled facts
    (default: tests/gold). Exit status 1 when a floor of the project is not reached.

    \b
    Example:
        diplodata evaluate tests/gold
    """
    from etl.extract import evaluate as run_evaluation
    from etl.extract import render_evaluation
    from etl.reference import load_reference

    result = run_evaluation(gold_dir, load_reference())
    if as_json:
        scores = {
            k: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision, "recall": s.recall, "f1": s.f1}
            for k, s in result.scores.items()
        }
        click.echo(
            json.dumps(
                {
                    "articles": result.articles,
                    "scores": scores,
                    "misses": result.misses,
                    "furniture_facts": result.furniture_facts,
                    "failures": result.failures(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(render_evaluation(result))
    for failure in result.failures():
        click.echo(f"error: below the floor: {failure}", err=True)
    if result.failures():
        sys.exit(EXIT_FAILED)
