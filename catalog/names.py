"""The display name of a model or listing: clean, without provider prefixes or raw ids.

Rule (the raw names all stay in `aliases`):
  1. the records' own names, best record first (llm-stats, first-party, Epoch, models.dev),
     never litellm's (its names are routing keys);
  2. each name loses a leading provider label ("Anthropic: ", "Sao10K: ") and serving tags
     ("(FP8)", "MLX 4-bit", "(free)", a reseller's YYMMDD snapshot tag "(251228)"); when the label is the family word the id starts with
     ("Mistral: Saba" for mistral-saba), it is kept as a word ("Mistral Saba");
  3. the first name that is not a raw id (no "/", not a lower-case hyphenated key) is shown;
  4. otherwise the best record's id is written out: its last path segment, separators as spaces,
     without 'hf', 'latest' and a YYMMDD snapshot tag, each word cased as the sources' names case it ("deepseek-coder-1b-base" -> "DeepSeek Coder 1B
     Base"), sizes upper-cased ("8b" -> "8B").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from .records import ModelRecord, SourceName
from .resolve import name_key

_LABEL = re.compile(r"^\s*([^:/()]{1,40}?):\s+(?=\S)")
_SERVING_TAG = re.compile(
    r"\s*(?:\((?:fp8|fp4|nvfp4|bf16|int4|int8|awq|free|mlx[^)]*|[0-9]+-?bit|turbo|fast|latest|q\d[^)]*"
    r"|2[3-9](?:0[1-9]|1[0-2])[0-3]\d)\)"
    r"|\b(?:fp8|fp4|nvfp4|bf16|int4|int8|awq|gguf)\b|\bmlx(?:\s+\d+-?bit)?\b)",
    re.IGNORECASE,
)
_SIZE = re.compile(r"^(?:a?\d+(?:\.\d+)?[bmkt]|e\d+b|\d+x\d+b)$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9.]+")
_MINOR = re.compile(r"\d{1,2}")
_YYMMDD = re.compile(r"2[3-9](?:0[1-9]|1[0-2])[0-3]\d")

Casing = Mapping[str, str]


def build_casing(records: Iterable[ModelRecord]) -> dict[str, str]:
    """Lower-case word -> the casing the sources' human names use most ('deepseek' -> 'DeepSeek')."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        if record.source is SourceName.LITELLM or _looks_raw(record.name):
            continue
        for word in _WORD.findall(record.name):
            if any(c.isupper() for c in word):
                seen[word.lower()][word] += 1
    return {low: forms.most_common(1)[0][0] for low, forms in seen.items()}


def clean_name(name: str, model_id: str = "") -> str:
    """`name` without a provider label and serving tags (rule 2)."""
    text = name.strip()
    if match := _LABEL.match(text):
        label, rest = match.group(1).strip(), text[match.end() :]
        first = name_key(model_id)[:1] if model_id else ()
        keeps_label = first and name_key(rest)[:1] != first and name_key(f"{label} {rest}")[:1] == first
        text = f"{label} {rest}" if keeps_label else rest
    text = _SERVING_TAG.sub("", text)
    return re.sub(r"\s{2,}", " ", text).strip(" -_") or name.strip()


def _looks_raw(name: str) -> bool:
    text = name.strip()
    return "/" in text or (" " not in text and text == text.lower() and any(c in text for c in "-_.:"))


def _shares_a_word(name: str, model_id: str) -> bool:
    """A name with no word of its id is a reseller's label ('Venice: Uncensored'), not the model's name."""
    words = {t for t in name_key(model_id) if t.isalpha()}
    return not words or bool(words & set(name_key(name)))


def pretty_id(model_id: str, casing: Casing) -> str:
    """A raw id written out as a name (rule 4)."""
    bare = model_id.rsplit("/", 1)[-1].split(":", 1)[0]
    bare = re.sub(r"(?<=\d)p(?=\d)", ".", bare)
    words: list[str] = []
    parts = [w for w in re.split(r"[-_\s]+", bare) if w and w.lower() not in ("hf", "latest")]
    if len(parts) > 1 and _YYMMDD.fullmatch(parts[-1]):
        parts = parts[:-1]  # a snapshot tag: 'doubao-seed-2-1-pro-260628' is Doubao Seed 2.1 Pro
    for word in parts:
        last = words[-1].lstrip("vV") if words else ""
        if words and _MINOR.fullmatch(word) and _MINOR.fullmatch(last) and "." not in last:
            words[-1] = f"{words[-1]}.{word}"  # 'claude-haiku-5-5' -> 'Claude Haiku 5.5'
        else:
            words.append(word)
    return " ".join(_case(w, casing) for w in words) or model_id


def _case(word: str, casing: Casing) -> str:
    if any(c.isupper() for c in word):
        return word
    if _SIZE.match(word):
        return word.upper()
    if word in casing:
        return casing[word]
    return word[:1].upper() + word[1:] if word[:1].isalpha() else word


def display_name(records: Sequence[ModelRecord], casing: Casing | None = None) -> str:
    """The name shown for the best-first `records` of one model or listing."""
    named = [r for r in records if r.source is not SourceName.LITELLM]
    for record in named:
        name = clean_name(record.name, record.model_id)
        if not _looks_raw(name) and _shares_a_word(name, record.model_id):
            return name
    # the maker's own spelling: an id with capitals ('nvidia/NVIDIA-Nemotron-3.5-Lightning') over a lower-case key
    best = max(
        records,
        key=lambda r: (sum(c.isupper() for c in r.model_id.rsplit("/", 1)[-1]) > 0, "/" in r.model_id),
    )
    return pretty_id(best.model_id, casing or {})
