"""models.dev: one record per (serving provider, model) entry of the models.dev API JSON.

models.dev names the serving provider, not the developer, so the organisation is inferred from the
id: the owner in an `org/model` id, else a family/name prefix such as 'claude' -> anthropic. A row
is first-party when that organisation is the provider's own (organizations.yaml); a developer's API
that lists a model whose id names no developer is not evidence of who made it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any

from catalog.orgs import models_dev_provider_org
from catalog.readers.base import (
    Reader,
    ReaderError,
    Row,
    RowError,
    infer_org,
    load_json,
    parse_date,
    positive_or_none,
    require,
)
from catalog.records import SourceName

# Models that take and give text but are not chat/completion LLMs.
_NOT_LLM = re.compile(
    r"embed|rerank|retriever|moderation|guard|content-safety|(^|[-_/.])tts($|[-_])|melotts|whisper|transcri"
    r"|image-generation|(^|/)voyage-|(^|/)e5-",
    re.IGNORECASE,
)
_IMAGE_GEN = re.compile(r"image|imagine", re.IGNORECASE)


def _bundled_data() -> Any:
    """The API JSON shipped (gzipped) inside the installed `models_dev` package."""
    resource = files("models_dev") / "data.json.gz"
    try:
        return json.loads(gzip.decompress(resource.read_bytes()).decode("utf-8"))
    except (OSError, ValueError) as error:
        raise ReaderError(f"Cannot read the models.dev data bundled at {resource} ({error}).") from error


def is_llm(model_id: str, family: str | None, inputs: list[str], outputs: list[str]) -> bool:
    """Text in and text out, and not an embedding/rerank/moderation/speech/image-generation model."""
    if "text" not in inputs or "text" not in outputs:
        return False
    text = f"{model_id} {family or ''}"
    if _NOT_LLM.search(text):
        return False
    return not ("image" in outputs and _IMAGE_GEN.search(model_id))


class ModelsDevReader(Reader):
    """Reads models.dev API JSON: the installed package's copy, or a file with the same layout."""

    source = SourceName.MODELS_DEV

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path

    def _data(self) -> dict[str, Any]:
        data = _bundled_data() if self.path is None else load_json(self.path, "models.dev data")
        where = self.path or "the models_dev package"
        if not isinstance(data, dict) or not any(
            isinstance(p, dict) and isinstance(p.get("models"), dict) for p in data.values()
        ):
            raise ReaderError(f"Cannot read models.dev data: {where} is not a provider -> models mapping.")
        return data

    def read(self) -> Iterator[Row]:
        self.skipped = 0
        for provider_id, provider in self._data().items():
            if not isinstance(provider, dict) or not isinstance(provider.get("models"), dict):
                yield self._quarantine(provider_id, "provider entry has no 'models' object", provider)
                continue
            for key, model in provider["models"].items():
                convert = partial(self._fields, provider_id, provider, model)
                row = self._build(f"{provider_id}/{key}", model, convert)
                if row is not None:
                    yield row

    def _fields(
        self, provider_id: str, provider: dict[str, Any], model: dict[str, Any]
    ) -> dict[str, Any] | None:
        model_id = require(model, "id")
        if not isinstance(model_id, str):
            raise RowError(f"id: {model_id!r} is not a string")
        family = model.get("family")
        modalities = model.get("modalities") or {}
        inputs, outputs = modalities.get("input") or [], modalities.get("output") or []
        if not isinstance(inputs, list) or not isinstance(outputs, list):
            raise RowError("modalities.input/output must be lists")
        if not is_llm(model_id, family, inputs, outputs):
            return None

        organization, _ = infer_org(model_id, family)
        provider_org = models_dev_provider_org(provider_id)
        # First-party only on evidence in the id itself: a developer's API also lists others' models.
        first_party = provider_org is not None and organization == provider_org

        limit = model.get("limit") or {}
        cost = model.get("cost") or {}
        context, output = positive_or_none(limit.get("context")), positive_or_none(limit.get("output"))
        bare = model_id.rsplit("/", 1)[-1]
        return {
            "model_id": model_id,
            "name": model.get("name") or model_id,
            "aliases": [bare] if bare != model_id else [],
            "first_party": first_party,
            "organization": organization,
            "family": family,
            "release_date": parse_date(model.get("release_date"), "release_date"),
            "knowledge_cutoff": parse_date(model.get("knowledge"), "knowledge"),
            "context_length": context,
            "max_output": output,
            "open_weights": model.get("open_weights"),
            "input_modalities": inputs,
            "output_modalities": outputs,
            "reasoning": model.get("reasoning"),
            "tool_use": model.get("tool_call"),
            "offers": [
                {
                    "provider_id": provider_id,
                    "provider_name": provider.get("name"),
                    "provider_model_id": model_id,
                    "input_usd_per_1m": cost.get("input"),
                    "output_usd_per_1m": cost.get("output"),
                    "max_input_tokens": context,
                    "max_output_tokens": output,
                }
            ],
        }
