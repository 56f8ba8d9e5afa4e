"""Precision and recall of listing resolution on hand-labelled (listing, canonical model) pairs.

Two hand-labelled sets, reported apart:
- dev, tests/data/listing_pairs.csv: 230 pairs drawn from the listings of a full catalog ingestion
  (seed 20). They were read while the rules were tuned, so they are a development set.
- test, tests/data/listing_pairs_test.csv: 240 pairs drawn with `draw_pairs` (seed 41) from the
  listings of the identity *before* the third pass of rules, records of the dev set excluded, and
  labelled by hand before any rule changed: the held-out figures, reported first.
- new, tests/data/listing_pairs_new.csv: 58 pairs drawn (seed 53, records of both sets above
  excluded) from the listings of the fourth pass and labelled by hand after it, leaving out the
  records its rules and curation decisions were written from: a check that the fourth pass did not
  overfit the test set. Drawn from resolved listings and candidates, it measures precision better
  than recall (a listing no rule resolved and no candidate names is never drawn).

In both, `record` is a source record (`source:source_key`) of a listing, `model_id` the canonical
model it was resolved to or proposed as a candidate, and `same` the hand label: 1 when the listing
is that model (a provider's offering, alias, dated snapshot, or serving variant such as a speed
tier, quantisation or reasoning mode), 0 when it is another model (a sibling, a separate
release, a fine-tune). The prediction is whether identity puts the record in that model.

    python -m catalog.identity_eval [DATA_DIR]            # default ../shared/data
    python -m catalog.identity_eval --draw OUT.csv [DATA_DIR]   # draw a new set (unlabelled)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

from .curation import load_curation
from .identity import Identity, identify
from .records import ModelRecord
from .resolve import ModelResolver
from .sources import readers_for

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PAIRS = DATA / "listing_pairs.csv"
TEST_PAIRS = DATA / "listing_pairs_test.csv"
NEW_PAIRS = DATA / "listing_pairs_new.csv"
SETS = {"test": TEST_PAIRS, "dev": PAIRS, "new": NEW_PAIRS}
FIELDS = ["record", "record_name", "model_id", "model_name", "same", "note"]


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
    # a labelled model found to be a listing of a canonical model (another id of it: Evidence.TWIN, or
    # its same name) is that model
    twin = {x.id: x.model_id for x in identity.listings if x.model_id}
    tp = fp = fn = tn = 0
    wrong: list[dict[str, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            model_id = twin.get(row["model_id"], row["model_id"])
            truth, said = row["same"].strip() == "1", owner.get(row["record"]) == model_id
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


def draw_pairs(
    identity: Identity, size: int = 240, seed: int = 41, exclude: Path = PAIRS
) -> list[dict[str, str]]:
    """A new set of unlabelled pairs: listings with a resolved model or candidates, sorted by id and
    shuffled with `random.Random(seed)`; from each, one record not in `exclude` (drawn at random)
    paired with the listing's model, or with one of its candidates drawn at random; the first `size`."""
    with exclude.open(newline="", encoding="utf-8") as handle:
        seen = {row["record"] for row in csv.DictReader(handle)}
    models = {m.id: m for m in identity.models}
    rng = random.Random(seed)
    listings = sorted((x for x in identity.listings if x.model_id or x.candidates), key=lambda x: x.id)
    rng.shuffle(listings)
    rows: list[dict[str, str]] = []
    for listing in listings:
        records = sorted(
            (r for r in listing.records if f"{r.source.value}:{r.source_key}" not in seen),
            key=lambda r: (r.source.value, r.source_key),
        )
        if not records:
            continue
        record = rng.choice(records)
        target = listing.model_id or rng.choice(listing.candidates)
        model = models[target]
        rows.append(
            {
                "record": f"{record.source.value}:{record.source_key}",
                "record_name": record.name,
                "model_id": target,
                "model_name": model.records[0].name,
                "same": "",
                "note": "",
            }
        )
        if len(rows) == size:
            break
    return rows


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"pairs={result['pairs']} precision={result['precision']:.3f} recall={result['recall']:.3f} "
        f"(tp={result['tp']} fp={result['fp']} fn={result['fn']} tn={result['tn']})"
    ]
    for row in result["misclassified"]:
        kind = "FP" if row["predicted"] == "1" else "FN"
        lines.append(f"  {kind} {row['record']} ~ {row['model_id']} ({row['note']})")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    draw = argv[argv.index("--draw") + 1] if "--draw" in argv else None
    rest = [a for a in argv if a not in ("--draw", draw)]
    data = Path(rest[0]) if rest else Path(__file__).resolve().parents[2] / "shared" / "data"
    identity = identity_of(data)
    if draw:
        with Path(draw).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, FIELDS)
            writer.writeheader()
            writer.writerows(draw_pairs(identity))
        return
    for name, path in SETS.items():
        if path.is_file():
            print(f"[{name}] {path.name}")
            print(format_report(evaluate_listing_pairs(identity, path)))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
