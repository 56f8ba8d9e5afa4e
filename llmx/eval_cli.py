"""`llmx eval`: build the QA set from the graph and score every system on a split."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.settings import get_settings
from rag.eval import SPLITS, SYSTEMS

from .console import err, fail, open_context, progress_bar


def evaluate(
    split: Annotated[str, typer.Option(help="Which split to score: dev or test.")] = "test",
    build: Annotated[
        bool,
        typer.Option("--build", help="Regenerate <data_dir>/eval/qa_{dev,test}.jsonl from the graph first."),
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Score only the first N questions (they cover every family).")
    ] = None,
    systems: Annotated[
        str, typer.Option(help=f"Comma-separated systems ({', '.join(SYSTEMS)}); empty: only --build.")
    ] = ",".join(SYSTEMS),
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for report.json and report.md; default: the QA set's."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary rows and latencies as JSON.")
    ] = False,
) -> None:
    """Score retrieval and answers per question family and system; writes eval/report.{json,md}."""
    from rag.eval.baselines import build_systems
    from rag.eval.harness import run_eval
    from rag.eval.qa_set import build_from_graph

    settings = get_settings()
    eval_dir = settings.eval_dir
    if split not in SPLITS:
        raise fail(f"Unknown split {split!r}; use {' or '.join(SPLITS)}.", code=2)
    names = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown:
        raise fail(f"Unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}.", code=2)
    with open_context(settings) as ctx:
        store = ctx.store
        if build or not (eval_dir / f"qa_{split}.jsonl").is_file():
            built = build_from_graph(store, eval_dir)
            err.print(
                f"QA set written to {eval_dir}: " + ", ".join(f"{k} {len(v)}" for k, v in built.items())
            )
        if not names:
            return
        built_systems = build_systems(names, store, ctx.indexes, ctx.generator)
        with progress_bar() as progress:
            report = run_eval(split, built_systems, eval_dir=eval_dir, limit=limit, out_dir=out_dir or eval_dir,
                              progress=progress)  # fmt: skip
    if as_json:
        print(json.dumps({"split": report.split, "items": report.items, "rows": report.rows,
                          "latency": report.latency}, indent=2, default=str))  # fmt: skip
    else:
        print(report.markdown(), end="")
        err.print(f"Report written to {(out_dir or eval_dir) / 'report.md'} and report.json.")
