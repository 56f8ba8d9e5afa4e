"""What every catalog reader shares: the `Reader` base, `ReaderError`, and row-level helpers.

A reader never lets one bad row stop a run: each row becomes a `ModelRecord` or a `Quarantined`
(with a one-line reason and the raw row), and valid rows that are out of scope are counted in
`skipped`. Only a source that cannot be read at all raises `ReaderError`.
"""

from __future__ import annotations

import csv
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from catalog.orgs import normalize, org_from_model_name, org_id
from catalog.records import ModelRecord, OrganizationInfo, Quarantined, SourceName
from core.errors import SourceError

Row = ModelRecord | Quarantined


class ReaderError(SourceError):
    """A whole source is unreadable (missing path, not JSON/CSV, wrong layout)."""


class RowError(ValueError):
    """One row cannot be converted; the message becomes the quarantine reason."""


class Reader(ABC):
    """Turns one source into validated records; see the module docstring for the contract."""

    source: ClassVar[SourceName]

    def __init__(self) -> None:
        self.skipped = 0
        # Organisations described by the source itself (llm-stats organization.json, Epoch
        # "Organization" + country), keyed by canonical id; the contract's ModelRecord has no room.
        self.organizations: dict[str, OrganizationInfo] = {}

    @abstractmethod
    def read(self) -> Iterator[Row]:
        """Yield one ModelRecord or Quarantined per in-scope row; resets and fills `skipped`."""

    def _quarantine(self, key: str, reason: str, raw: Any) -> Quarantined:
        return Quarantined(source=self.source, source_key=key, reason=reason, raw=as_raw(raw))

    def _build(self, key: str, raw: Any, convert: Callable[[], dict[str, Any] | None]) -> Row | None:
        """Validate the fields `convert` returns; None from `convert` means out of scope (skipped)."""
        try:
            fields = convert()
            if fields is None:
                self.skipped += 1
                return None
            return ModelRecord.model_validate({"source": self.source, "source_key": key, **fields})
        except ValidationError as error:
            reason = summarize(error)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            reason = str(error) if isinstance(error, RowError) else f"{type(error).__name__}: {error}"
        return self._quarantine(key, reason, raw)


def as_raw(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {"value": raw}


def summarize(error: ValidationError) -> str:
    """One line: 'context_length: Input should be greater than 0; name: Field required'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "row"
        parts.append(f"{where}: {item['msg']} (got {item.get('input')!r:.60})")
    return "; ".join(parts)


def require(row: dict[str, Any], field: str) -> Any:
    """The non-empty value of `field`, or a RowError naming it."""
    if not isinstance(row, dict):
        raise RowError(f"row is a {type(row).__name__}, not an object")
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError(f"missing {field!r}")
    return value


_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def parse_date(value: Any, field: str) -> date | None:
    """'YYYY-MM-DD' or 'YYYY-MM' (-> first day of the month); empty -> None; else RowError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if match:
            year, month, day = match.groups()
            return date(int(year), int(month), int(day or 1))
    except ValueError:
        pass
    raise RowError(f"{field}: {value!r} is not a YYYY-MM-DD or YYYY-MM date")


def positive_or_none(value: Any) -> Any:
    """Sources write 0 (or nothing) for 'unknown' limits; anything else is left for validation."""
    return None if value in (0, None, "") else value


def load_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise ReaderError(f"Cannot read {what}: {path} does not exist or is not a file.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReaderError(f"Cannot read {what}: {path} is not valid JSON ({error}).") from error


def load_csv(path: Path, what: str, required: set[str]) -> list[dict[str, str]]:
    """All rows of a CSV file that must have the `required` columns."""
    if not path.is_file():
        raise ReaderError(f"Cannot read {what}: {path} does not exist or is not a file.")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or [])
            if not required <= columns:
                missing = ", ".join(sorted(required - columns))
                raise ReaderError(f"Cannot read {what}: {path} is not in the expected layout (no {missing}).")
            return list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ReaderError(f"Cannot read {what}: {path} is not a UTF-8 CSV file ({error}).") from error


# --- organisation of a model id ------------------------------------------------------------------

# Path segments in model ids that are routing or hosting noise, not an owner.
_NOISE = {
    "accounts",
    "models",
    "routers",
    "cf",
    "hf",
    "oi",
    "workersai",
    "tee",
    "pro",
    "public",
    "route",
    "ps",
    "main",
    "completion",
    "chat-completion",
}
_BEDROCK = re.compile(r"^(?:(?:us|eu|apac|global|jp|au|in|ca|us-gov)\.)?([a-z0-9-]+)\.(.+)$")


def split_vendor(name: str) -> tuple[str | None, str]:
    """Bedrock-style 'us.anthropic.claude-x' -> ('anthropic', 'claude-x') when the vendor is known."""
    match = _BEDROCK.match(name.lower())
    if match and org_id(match.group(1)):
        return org_id(match.group(1)), name[len(name) - len(match.group(2)) :]
    return None, name


def infer_org(model_id: str, family: str | None = None) -> tuple[str | None, bool]:
    """(organisation, named_owner) for a model id such as 'deepinfra/moonshotai/Kimi-K2'.

    The owner path segment wins, then a Bedrock vendor prefix, then the name's family prefix,
    then `family`. `named_owner` is True when the id names an owner segment, known or not: an
    unknown owner (a fine-tuner such as 'abacusai/') blocks the family guess for that name.
    """
    owner = owner_segment(model_id)
    if owner is not None:
        return org_id(owner), True  # an unknown owner is the maker, never the family's developer
    vendor, bare = split_vendor(model_id.rsplit("/", 1)[-1])
    if vendor:
        return vendor, True
    return org_from_model_name(bare) or org_from_model_name(family), False


def owner_segment(model_id: str) -> str | None:
    """The owner path segment of an id ('deepinfra/moonshotai/Kimi-K2' -> 'moonshotai'), if any."""
    parts = [p.removeprefix("hf:").lstrip("~@") for p in model_id.split("/")]
    owners = [p for p in parts[:-1] if p and normalize(p) not in _NOISE]
    return owners[-1] if owners else None
