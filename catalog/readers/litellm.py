"""litellm model_prices_and_context_window JSON: one record per `mode == "chat"` entry.

litellm keys are routing strings ('bedrock/us-gov-east-1/anthropic.claude-x-v1:0'); the model id
is the key without its provider route, region and Bedrock decorations. Most providers resell
others' models, so the developer comes from the id and the provider only counts as the developer
when it is that organisation's own API (organizations.yaml `litellm_providers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from catalog.orgs import litellm_provider_org, org_from_model_name
from catalog.readers.base import (
    Reader,
    ReaderError,
    Row,
    RowError,
    infer_org,
    load_json,
    positive_or_none,
    require,
    split_vendor,
)
from catalog.records import SourceName

_REGION = re.compile(
    r"^(us|eu|apac|ap|jp|au|in|ca|sa|global|us-gov|global-standard|\d+-month-commitment"
    r"|[a-z]{2}(-gov)?-[a-z]+-\d)$"
)
_ROUTE = {
    "*",
    "accounts",
    "fireworks",
    "models",
    "routers",
    "@cf",
    "@hf",
    "@oi",
    "ps",
    "claude_platform",
    "invoke",
}
# a bedrock revision ('-v1:0' after a dated or numbered id); after a bare name '-v2:1' is the version
# ('anthropic.claude-v2:1' is Claude 2.1, 'mistral.mistral-7b-instruct-v0:2' v0.2) and stays
_BEDROCK_SUFFIX = re.compile(r"(?<=\d)-v\d+:\d+$|-v1:\d+$|(?<!v\d):\d+$")
_VERTEX_SUFFIX = re.compile(r"@(default|latest|\d{3})$|-maas$")
_VERTEX_DATE = re.compile(r"@(\d{4}|\d{8})$")
_PRICE_TIER = re.compile(r"^together-ai-[\d.]+b-|^together-ai-up-to-")


def model_id_of(key: str, provider: str) -> str:
    """The key without provider route, regions and vendor/version decorations.

    'deepinfra/moonshotai/Kimi-K2' -> 'moonshotai/Kimi-K2'; 'bedrock/us-gov-east-1/
    anthropic.claude-3-5-sonnet-20240620-v1:0' -> 'claude-3-5-sonnet-20240620';
    'vertex_ai/claude-sonnet-4-5@20250929' -> 'claude-sonnet-4-5-20250929'.
    """
    parts = key.split("/")[1:] if "/" in key else [key]
    parts = [p for p in parts[:-1] if not _REGION.match(p) and p not in _ROUTE] + parts[-1:]
    name = parts[-1]
    if provider.startswith(("bedrock", "oci", "sagemaker")):
        vendor, bare = split_vendor(name)
        if vendor and org_from_model_name(bare) != vendor:  # 'deepseek.v3' -> 'deepseek-v3'
            bare = f"{name[: len(name) - len(bare)].split('.')[-2]}-{bare}"
        name = _BEDROCK_SUFFIX.sub("", bare)
    name = _VERTEX_DATE.sub(r"-\1", _VERTEX_SUFFIX.sub("", name))
    if litellm_provider_org(provider) is None:  # resellers' own prefix: 'databricks-gpt-5' -> 'gpt-5'
        name = name.removeprefix(f"{provider}-")
    return "/".join([*parts[:-1], name])


class LitellmReader(Reader):
    """Reads a litellm model_prices_and_context_window JSON file."""

    source = SourceName.LITELLM

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def read(self) -> Iterator[Row]:
        self.skipped = 0
        data = load_json(self.path, "litellm model prices")
        if not isinstance(data, dict) or not any(isinstance(v, dict) and "mode" in v for v in data.values()):
            raise ReaderError(
                f"Cannot read litellm model prices: {self.path} is not a model -> spec mapping."
            )
        for key, entry in data.items():
            row = self._build(key, entry, partial(self._fields, key, entry))
            if row is not None:
                yield row

    def _fields(self, key: str, entry: Any) -> dict[str, Any] | None:
        if not isinstance(entry, dict):
            raise RowError(f"entry is a {type(entry).__name__}, not an object")
        if key == "sample_spec" or entry.get("mode") != "chat" or _PRICE_TIER.match(key):
            return None
        provider = require(entry, "litellm_provider")
        if not isinstance(provider, str):
            raise RowError(f"litellm_provider: {provider!r} is not a string")
        model_id = model_id_of(key, provider)
        organization, _ = infer_org(model_id)
        provider_org = litellm_provider_org(provider)  # first-party only when the id names it too
        context = positive_or_none(entry.get("max_input_tokens"))
        output = positive_or_none(entry.get("max_output_tokens"))
        inputs = ["text", *(entry.get("supported_modalities") or [])]
        outputs = list(entry.get("supported_output_modalities") or ["text"])
        for flag, modality in (
            ("supports_vision", "image"),
            ("supports_image_input", "image"),
            ("supports_audio_input", "audio"),
            ("supports_video_input", "video"),
            ("supports_pdf_input", "pdf"),
        ):
            if entry.get(flag):
                inputs.append(modality)
        if entry.get("supports_audio_output"):
            outputs.append("audio")
        return {
            "model_id": model_id,
            "name": model_id,
            "aliases": [key] if key != model_id else [],
            "first_party": provider_org is not None and organization == provider_org,
            "organization": organization,
            "context_length": context,
            "max_output": output,
            "input_modalities": inputs,
            "output_modalities": [m for m in outputs if m != "code"],
            "reasoning": entry.get("supports_reasoning"),
            "tool_use": entry.get("supports_function_calling"),
            "offers": [
                {
                    "provider_id": provider,
                    "provider_model_id": key,
                    "input_usd_per_1m": _per_million(entry.get("input_cost_per_token")),
                    "output_usd_per_1m": _per_million(entry.get("output_cost_per_token")),
                    "max_input_tokens": context,
                    "max_output_tokens": output,
                }
            ],
        }


def _per_million(per_token: Any) -> Any:
    """litellm prices are USD per token; the contract wants USD per million tokens."""
    if per_token is None or isinstance(per_token, bool) or not isinstance(per_token, int | float):
        return per_token  # None stays None; a wrong type is left for validation to reject
    return round(per_token * 1_000_000, 6)
