"""Curation decisions: what an operator decided about listings that resolution was unsure of.

The decisions live in a versioned file (`catalog/curation.yaml`, reviewed like code) and the next
`llmx ingest catalog` applies them. `llmx catalog review` lists what is left to decide.

Each decision names a listing (its id as the review shows it, or any id or name it carries) and
one action:
- `attach: <model id>`: the listing is that canonical model (an offering, alias or snapshot of it);
- `promote: true`: the listing is a canonical model of its own (`developer:` optional: an
  organisation id or `unknown`);
- `keep: true`: it stays an unresolved listing; the review stops proposing candidates for it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

CURATION_FILE = Path(__file__).with_name("curation.yaml")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing: str = Field(min_length=1, description="Listing id, or any id or name the listing carries.")
    attach: str | None = Field(None, description="Canonical model id the listing belongs to.")
    promote: bool = Field(False, description="Make the listing a canonical model of its own.")
    keep: bool = Field(False, description="Leave it an unresolved listing without candidates.")
    developer: str | None = Field(None, description="With promote: organisation id, or 'unknown'.")
    note: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Decision:
        if sum((self.attach is not None, self.promote, self.keep)) != 1:
            raise ValueError(f"decision for {self.listing!r} needs exactly one of attach, promote, keep")
        return self


class Curation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    decisions: list[Decision] = Field(default_factory=list)

    def find(self, names: set[str]) -> Decision | None:
        """The decision whose `listing` is one of `names` (compared case-insensitively)."""
        folded = {n.casefold() for n in names}
        return next((d for d in self.decisions if d.listing.casefold() in folded), None)


def load_curation(path: Path | None = None) -> Curation:
    """The decisions in `path` (default: catalog/curation.yaml); a missing file means none."""
    path = path or CURATION_FILE
    if not path.is_file():
        return Curation()
    return Curation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
