"""Precision and recall of listing resolution on hand-labelled (listing, canonical model) pairs.

tests/data/listing_pairs.csv holds pairs drawn from the listings of a full catalog ingestion
(seed 20): `record` is a source record (`source:source_key`) of a listing, `model_id` the canonical
model it was resolved to or proposed as a candidate, and `same` the hand label: 1 when the listing
is that model (a provider's offering, alias, dated snapshot, or serving variant such as a speed
tier, quantisation or reasoning mode), 0 when it is another model (a sibling, a separate
release, a fine-tune). The prediction is whether identity puts the record in that model.

    python -m catalog.identity_eval [DATA_DIR]     # default ../shared/data
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from .curation import load_curation
from .identity import Identity, identify
from .records import ModelRecord
from .resolve import ModelResolver
from .sources import readers_for

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "listing_pairs.csv"


def identity_of(data_dir: Path) -> Identity:
    """Model identity over every catalog source in `data_dir` (plus the installed models.dev)."""
    records = [
        item
        for reader in readers_for([], installed=True, data_dir=data_dir)
        for item in reader.read()
        if isinstance(item, ModelRecord)
    ]
    return identify(ModelResolver().resolve(records), load_curation())


def evaluate_listing_pairs(identity: Identity, path: Path = PAIRS) -> dict[str, Any]:
    """Confusion counts, precision and recall, and the misclassified rows."""
    owner = {f"{r.source.value}:{r.source_key}": m.id for m in identity.models for r in m.records}
    tp = fp = fn = tn = 0
    wrong: list[dict[str, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth, said = row["same"].strip() == "1", owner.get(row["record"]) == row["model_id"]
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
            tn += not truth and not said
            if truth != said:
                wrong.append({**row, "predicted": str(int(said))})
    return {
        "pairs": tp + fp + fn + tn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "misclassified": wrong,
    }


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"pairs={result['pairs']} precision={result['precision']:.3f} recall={result['recall']:.3f} "
        f"(tp={result['tp']} fp={result['fp']} fn={result['fn']} tn={result['tn']})"
    ]
    for row in result["misclassified"]:
        kind = "FP" if row["predicted"] == "1" else "FN"
        lines.append(f"  {kind} {row['record']} ~ {row['model_id']} ({row['note']})")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    print(format_report(evaluate_listing_pairs(identity_of(data))))
