"""The display name of a model or listing: clean, without provider prefixes or raw ids.

Rule (the raw names all stay in `aliases`):
  1. the records' own names, best record first (llm-stats, first-party, Epoch, models.dev),
     never litellm's (its names are routing keys);
  2. each name loses a leading provider label ("Anthropic: ", "Sao10K: ") and serving tags
     ("(FP8)", "MLX 4-bit", "(free)", a reseller's YYMMDD snapshot tag "(251228)" or " 260428"); when
     the label is the family word the id starts with ("Mistral: Saba" for mistral-saba), it is kept as
     a word ("Mistral Saba");
  3. the first name that is not a raw id (no "/" in a name without spaces, not a lower-case
     hyphenated key, not the id's own lower-case word: "esmfold") is shown: a curated source's or the
     developer's as it stands, unless it is another such name behind a provider's or another
     organisation's word ("Cerebras-Llama-4-Maverick-17B-128E-Instruct" on Meta's API); a reseller's only when it agrees with its record's id (the same numbers
     and the id's words: "MiniMax M1" is no name for minimax-m1-80k, "Nemotron 3.1 70B" none for
     Llama-3.1-Nemotron-70B) and does not start with an organisation the id does not name ("Cohere
     Command R+"), less leading words that spell its id's owner ("The Drummer Cydonia 24B v2" for
     'TheDrummer/Cydonia-24B-v2'); then the first reseller's name that starts with an organisation;
  4. otherwise the best record's id is written out: its last path segment (the whole id when that
     segment has no letters: "Theseus 6/768"), separators as spaces, without 'hf', 'latest',
     quantisation words ('awq', 'gguf'), a YYMMDD snapshot tag or an MM-YYYY date, and without a
     leading organisation word the other ids do not carry ('Cohere-command-a-plus'), each word cased as
     the sources' names case it ("deepseek-coder-1b-base" -> "DeepSeek Coder 1B Base"), sizes
     and words without a vowel that no name spells upper-cased ("8b" -> "8B", "tts" -> "TTS").
Two canonical models that end with one name are told apart by their release tags
(`disambiguate`: "Command R+ (Apr 2024)" and "Command R+ (Aug 2024)").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from .orgs import org_id
from .readers.base import owner_segment
from .records import ModelRecord, SourceName
from .resolve import CURATED, name_agrees, name_key

_LABEL = re.compile(r"^\s*([^:/()]{1,40}?):\s+(?=\S)")
_SERVING_TAG = re.compile(
    r"\s*(?:\((?:fp8|fp4|nvfp4|bf16|int4|int8|awq|free|mlx[^)]*|[0-9]+-?bit|turbo|fast|latest|i?q\d[^)]*"
    r"|2[3-9](?:0[1-9]|1[0-2])[0-3]\d)\)"
    r"|\s2[3-9](?:0[1-9]|1[0-2])[0-3]\d$"
    r"|\b(?:fp8|fp4|nvfp4|bf16|int4|int8|awq|gguf)\b|\bmlx(?:\s+\d+-?bit)?\b|\sTEE$)",
    re.IGNORECASE,
)
_SIZE = re.compile(r"^(?:a?\d+(?:\.\d+)?[bmkt]|e\d+b|\d+x\d+b)$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9.]+")
_MINOR = re.compile(r"\d{1,2}")
_YYMMDD = re.compile(r"2[3-9](?:0[1-9]|1[0-2])[0-3]\d")
_YYMM = re.compile(r"(?:^|-)(?:20)?(2[3-9])(0[1-9]|1[0-2])(?:[0-3]\d)?$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DROPPED_WORDS = frozenset({"hf", "latest", "awq", "gguf", "gptq", "exl2", "fp8", "bf16", "int4", "int8"})

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


def _looks_raw(name: str, model_id: str = "") -> bool:
    text = name.strip()
    if "/" in text and " " not in text.rsplit("/", 1)[0]:
        return True
    if " " not in text and text == text.lower() and any(c in text for c in "-_.:"):
        return True
    return text.isalpha() and text == text.lower() and text in model_id.rsplit("/", 1)[-1].casefold()


def _foreign_label(name: str, model_id: str) -> bool:
    """The name starts with an organisation ("Cohere Command R+") the id does not start with."""
    first = name.split(maxsplit=1)[0] if " " in name.strip() else ""
    bare = model_id.rsplit("/", 1)[-1].casefold()
    return bool(first) and org_id(first) is not None and not bare.startswith(first.casefold())


def _names_another(name: str, record: ModelRecord) -> bool:
    """The name starts with an organisation other than the record's developer: a serving provider's
    deployment on the developer's own API ('Cerebras-Llama-4-Maverick-17B-128E-Instruct' from Meta)."""
    first = name_key(name)[:1]
    org = org_id(first[0]) if first else None
    return org is not None and record.organization is not None and org != record.organization


def _without_owner(name: str, model_id: str) -> str:
    """The name without leading words that spell the owner segment of its id ('The Drummer Cydonia 24B
    v2' for 'TheDrummer 2/Cydonia-24B-v2'), when the id's own name does not start with them."""
    owner = owner_segment(model_id)
    if not owner:
        return name
    owner = re.sub(r"[^a-z0-9]", "", re.sub(r"\s+\d+$", "", owner).casefold())
    bare = re.sub(r"[^a-z0-9]", "", model_id.rsplit("/", 1)[-1].casefold())
    words = name.split()
    for n in range(1, min(3, len(words) - 1) + 1):
        if re.sub(r"[^a-z0-9]", "", "".join(words[:n]).casefold()) == owner and not bare.startswith(owner):
            return " ".join(words[n:])
    return name


def _shares_a_word(name: str, model_id: str) -> bool:
    """A name with no word of its id is a reseller's label ('Venice: Uncensored'), not the model's name."""
    words = {t for t in name_key(model_id) if t.isalpha()}
    return not words or bool(words & set(name_key(name)))


def pretty_id(model_id: str, casing: Casing) -> str:
    """A raw id written out as a name (rule 4)."""
    bare = model_id.rsplit("/", 1)[-1].split(":", 1)[0]
    if not any(c.isalpha() for c in bare):  # Epoch's 'Theseus 6/768'
        bare = model_id
    bare = re.sub(r"(?<=\d)p(?=\d)", ".", bare)
    bare = re.sub(r"[-_](?:0[1-9]|1[0-2])-20\d\d$", "", bare)  # an MM-YYYY date: 'command-a-plus-05-2026'
    words: list[str] = []
    parts = [w for w in re.split(r"[-_\s]+", bare) if w and w.lower() not in _DROPPED_WORDS]
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
    if word.isalpha() and len(word) <= 4 and not set(word) & set("aeiouy"):
        return word.upper()  # a word without a vowel no source's name spells: an acronym ('tts', 'ttm')
    return word[:1].upper() + word[1:] if word[:1].isalpha() else word


def display_name(records: Sequence[ModelRecord], casing: Casing | None = None) -> str:
    """The name shown for the best-first `records` of one model or listing."""
    named = [r for r in records if r.source is not SourceName.LITELLM]
    trusted = {name_key(r.name) for r in named if r.source in CURATED or r.first_party}
    labelled: list[str] = []
    for record in named:
        name = clean_name(record.name, record.model_id)
        if _looks_raw(name, record.model_id) or not _shares_a_word(name, record.model_id):
            continue
        if record.source in CURATED or record.first_party:
            if _names_another(name, record) or name_key(name)[1:] in trusted:
                continue  # 'Cerebras-Llama-4-Maverick-17B-128E-Instruct' beside 'Llama-4-Maverick-17B-128E-Instruct'
            return name  # the developer's or a curated source's own name for it
        if not name_agrees(name, record.model_id):
            continue
        name = _without_owner(name, record.model_id)
        if not _foreign_label(name, record.model_id):
            return name
        labelled.append(name)
    if labelled:
        return labelled[0]
    # the maker's own spelling: an id with capitals ('nvidia/NVIDIA-Nemotron-3.5-Lightning') over a lower-case key
    best = max(
        records,
        key=lambda r: (sum(c.isupper() for c in r.model_id.rsplit("/", 1)[-1]) > 0, "/" in r.model_id),
    )
    model_id = best.model_id
    bare = model_id.rsplit("/", 1)[-1]
    first, _, rest = bare.partition("-")
    others = [r.model_id.rsplit("/", 1)[-1].casefold() for r in records if r is not best]
    if rest and org_id(first) and any(o.startswith(rest.casefold()) for o in others):
        model_id = rest  # 'Cohere-command-a-plus-05-2026' beside 'command-a-plus-05-2026'
    return pretty_id(model_id, casing or {})


_TIER_WORD = re.compile(r"\s*(?:\(\d+[kK]\)|\b\d+[kK]\b)")


def without_tier(name: str) -> str:
    """A display name without its context tier ('Moonshot V1 8K' -> 'Moonshot V1'; 'Step 2 (16K)'):
    the name of a model whose other tiers are listings of it (catalog/identity.py `_tiers`)."""
    return re.sub(r"\s+", " ", _TIER_WORD.sub("", name)).strip() or name


def disambiguate(names: Mapping[str, str]) -> dict[str, str]:
    """Model id -> display name, where models that share a name carry the release month their id
    ends with, YYMM or YYYYMMDD ('command-r-plus-2404', 'command-r-plus-2408' -> "Command R+ (Apr
    2024)", "Command R+ (Aug 2024)"; 'claude-3-5-sonnet-20240620' -> "Claude 3.5 Sonnet (Jun 2024)")."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for model_id, name in names.items():
        by_name[name.casefold()].append(model_id)
    out = dict(names)
    for ids in by_name.values():
        if len(ids) < 2:
            continue
        for model_id in ids:
            if (tag := _YYMM.search(model_id)) and not re.search(r"\b(?:19|20)\d\d\b", names[model_id]):
                out[model_id] = f"{names[model_id]} ({_MONTHS[int(tag[2]) - 1]} 20{tag[1]})"
    return out
