"""Precision and recall of the resolver's merge decisions on a hand-labelled sample of record pairs.

The sample (tests/data/entity_pairs.csv) has one pair per row: `left_source,left_id,left_name,
right_source,right_id,right_name,same,note`. Each side becomes a ModelRecord the way the readers
build one: models.dev ids are "provider/model_id" (the provider is the source_key prefix), litellm
ids are the price-table keys, Epoch ids are the model names, llm-stats ids are its model ids.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from catalog.records import ModelRecord, SourceName
from catalog.resolve import same_model


def pair_record(source: str, ident: str, name: str) -> ModelRecord:
    """A minimal ModelRecord for one side of a pair row."""
    src = SourceName(source)
    model_id, aliases = ident, []
    if src == SourceName.MODELS_DEV:
        model_id = ident.split("/", 1)[1]
        bare = model_id.rsplit("/", 1)[-1]
        aliases = [bare] if bare != model_id else []
    fields = {
        "source": src,
        "source_key": ident,
        "model_id": model_id,
        "name": name or ident,
        "aliases": aliases,
    }
    return ModelRecord.model_validate(fields)


def evaluate_pairs(path: str | Path) -> dict[str, Any]:
    """Confusion counts, precision, recall and F1 of `same_model`, and the misclassified rows."""
    tp = fp = fn = tn = 0
    wrong: list[dict[str, str]] = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            left = pair_record(row["left_source"], row["left_id"], row["left_name"])
            right = pair_record(row["right_source"], row["right_id"], row["right_name"])
            truth, said = row["same"].strip() == "1", same_model(left, right)
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
            tn += not truth and not said
            if truth != said:
                wrong.append({**row, "predicted": str(int(said))})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": tp + fp + fn + tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "misclassified": wrong,
    }


def format_report(result: dict[str, Any]) -> str:
    """A short text report, for a CLI or a test log."""
    lines = [
        f"pairs={result['pairs']} precision={result['precision']:.3f} recall={result['recall']:.3f} "
        f"f1={result['f1']:.3f} (tp={result['tp']} fp={result['fp']} fn={result['fn']} tn={result['tn']})"
    ]
    for row in result["misclassified"]:
        kind = "FP" if row["predicted"] == "1" else "FN"
        left, right = f"{row['left_source']}:{row['left_id']}", f"{row['right_source']}:{row['right_id']}"
        lines.append(f"  {kind} {left} ~ {right} ({row['note']})")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(format_report(evaluate_pairs(sys.argv[1] if len(sys.argv) > 1 else "tests/data/entity_pairs.csv")))
