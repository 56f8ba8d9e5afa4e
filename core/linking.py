"""Link news text to catalog LLMs and organisations (pure logic, no database).

Built once from a list of :class:`CatalogEntity` (in the product they come from the graph), the
linker compiles every alias into a character trie over a normalised form; ``link(text)`` returns one
:class:`Mention` per entity. Rules, in the order they apply:

1. **Normalisation.** Case, accents and the separators `` -_./&`` are ignored (``+`` reads
   ``plus``): ``GPT-4o`` = ``gpt4o`` = ``GPT 4o``, ``Llama 3.1`` = ``llama-3.1`` = ``Llama3.1``. A
   match only spans gaps of at most two separators and no newline or ``". "``. URLs are blanked.
2. **Boundaries and versions.** A match starts and ends at a non-word character. A name ending in a
   digit is not found in ``3.1``/``30`` (``Llama 3`` is not in ``Llama 3.1``) nor before a lone 1-2
   digit number (``llama-3-1``); a model name without a version is not found right before one
   (``GPT`` in ``GPT-4V``, ``Claude`` in ``Claude 5``: a model the catalog lacks). Other suffixes
   are fine: ``gpt-4o-2024-08-06``, ``Claude 3.5 Sonnet (new)`` and ``Llama 3 405B`` link to
   ``GPT-4o``, ``Claude 3.5 Sonnet``, ``Llama 3`` unless an entity carries the longer name.
3. **Longest match wins** (leftmost-longest; a rejected longer candidate falls back to a shorter
   one): ``GPT-4o mini`` is not also ``GPT-4o``.
4. **Alias ownership.** When entities share an alias: an organisation beats a model (``Mistral``),
   then the family-level entity others point to, then the entity whose own name it is, then the
   shortest id. A ``family`` that names no entity becomes an alias of its only member, if one.
5. **Ambiguous names need context.** Each alias gets a class:
   * *distinctive* (digits, a coined word like ``OpenAI``/``Qwen``, several words that form no
     English phrase like ``Gemini Pro``): matched case-insensitively, nothing else needed.
   * *proper* (English words plus a corporate marker, ``Together AI``): must be capitalised.
   * *short* (3 characters or fewer: ``o1``, ``Phi``, ``IBM``): the catalog's exact casing;
     acronyms with two capitals pass, others also need context.
   * *generic* (an ordinary English word from :data:`GENERIC_WORDS`, e.g. ``Gemini``,
     ``Mistral``, ``Grok``; or such words with a function word or a single letter, ``Command R``):
     must be capitalised and needs context.

   *Context*: a distinctive mention of a related entity (same id, family chain, or organisation)
   within ``context_window`` characters; or a cue word right after (``model``, ``API``, ``AI``);
   or, for organisations only, capitalised mid-sentence and not in a Title Case phrase (a proper
   noun). So "the mistral wind", "phi in radians" and "as a Gemini" do not link.
6. **Series folding.** A bare series name (a family without a version, ``Claude``) is dropped when a
   member of it is also named (``Claude 3 Opus``): it is then a short reference to that member.

**Confidence**: 0.9 per distinctive/proper occurrence, 0.7 through context, ``1-(1-base)**count``;
halved when the entity is named once and only after the first ``lede_chars`` characters (news is
about what the lede names). ``link(text, min_confidence=0.5)`` keeps salient mentions only.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

Kind = Literal["Model", "Organization"]
AliasClass = Literal["distinctive", "proper", "short", "generic"]


#: Ordinary English words that are also AI product or company names; alone they need context.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENERIC_WORDS: frozenset[str] = _words(
    """
    a an the of and or for to in on at by with my our your its new next big small large medium tiny
    base core edge prime max mini micro nano pro plus ultra lite light turbo instant fast flash rapid
    alpha beta gamma delta omega sigma phi pi nova star sun moon sky sonar command auto compound ray
    step seed ring mercury trinity aura liquid inference synthetic morph venice lilac kilo ambient
    inception gemini mistral llama falcon orca dolphin granite bard sage spark pulse echo atlas apollo
    titan chroma spotlight codex opus sonnet haiku bloom vision arena grok muse palm pixel cursor
    windsurf agent assistant copilot chat search deep open free reason think perplexity cohere runway
    stability together modal replicate lambda fireworks abacus chutes cortex vertex bedrock azure
    gateway near wafer bailing grid go zen code coder coding text image audio video voice speech
    custom frontier stable model models general universal magic mind brain genius smart wise embed
    embedding rerank guard whisper dream journey canvas studio
    """
)

#: Function words: a name containing one reads as a phrase ("The Grid").
STOPWORDS: frozenset[str] = _words("a an the of and or for to in on at by with my our your its")

#: Words right after an ambiguous name that show it is meant as a product or a company.
CUE_WORDS: frozenset[str] = _words(
    "model models api weights checkpoint checkpoints release released launch launched ai labs inc "
    "team llm llms family series"
)

#: Trailing tokens that mark a company name ("Together AI", "Mistral AI"): capitalised, it is a name.
CORPORATE_MARKERS: frozenset[str] = _words("ai labs lab inc research")

_FREE = ("distinctive", "proper")  # alias classes that need no context
_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+")
_CONTINUATION = re.compile(r"[ \-_]{1,2}([A-Za-z]?\d[A-Za-z0-9]*)")  # "-4V", " 70B", " 2024"
_SEP = set(" -_./&'\u2019()")  # what may sit inside a name: 'GPT-4o', 'Noah's Ark', 'V3 (Turbo)'
_MAX_GAP = 2
_NAME_RUN = re.compile(r"[A-Za-z0-9+]+")  # the chars a normalised name keeps


@dataclass
class CatalogEntity:
    """A linkable name from the graph. ``family`` is the id (or name) of its family-level entity;
    ``org`` (optional extension) is the id of the owning organisation, used as context."""

    id: str
    kind: Kind
    name: str
    aliases: list[str]
    family: str | None = None
    org: str | None = None


@dataclass
class Mention:
    """One linked entity in a text: how often, how sure, and the spellings seen."""

    entity_id: str
    kind: Kind
    count: int
    confidence: float
    surface_forms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Alias:
    entity: CatalogEntity
    raw: str  # the alias as the catalog spells it, separators removed (case kept)
    cls: AliasClass


@dataclass
class _Hit:
    start: int  # source offsets
    end: int
    alias: _Alias
    surface: str


def _fold(text: str) -> str:
    """Strip accents, keep everything else; one output char per input char where possible."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "+"


def normalise(text: str) -> str:
    """The comparison key of a name: lower-case letters and digits, ``+`` as ``plus``."""
    return "".join("plus" if c == "+" else c.lower() for c in _fold(text) if _word_char(c) and c.isascii())


def _tokens(alias: str) -> list[str]:
    return [t for t in re.split(r"[\s\-_./:()]+", _fold(alias)) if t]


def _mid_sentence(text: str, start: int) -> bool:
    """True when the previous word ends no sentence, heading, list item or line."""
    before = text[max(0, start - 80) : start].rstrip(" *_[(\"'`")
    return bool(before) and before[-1] not in ".!?:;#>|-\n\u2022" and not before.endswith("\n")


def _classify(alias: str, generic: frozenset[str]) -> AliasClass:
    norm = normalise(alias)
    if len(norm) <= 3:
        return "short"
    toks = [t.lower() for t in _tokens(alias)]
    if not all(t in generic or (t.isalpha() and len(t) <= 3) for t in toks):
        return "distinctive"
    if len(toks) > 1 and toks[-1] in CORPORATE_MARKERS:
        return "proper"  # "Together AI", "Mistral AI"
    if len(toks) == 1 or any(t in STOPWORDS or len(t) == 1 for t in toks):
        return "generic"  # "Gemini", "Command R", "The Grid"
    return "distinctive"  # "Gemini Pro", "Mistral Large": no English phrase


class EntityLinker:
    """Compiled alias trie plus the ambiguity rules described in the module docstring."""

    def __init__(
        self,
        entities: Iterable[CatalogEntity],
        generic_words: Iterable[str] = GENERIC_WORDS,
        context_window: int = 400,
        lede_chars: int = 1000,
        fold_series: bool = True,
    ) -> None:
        self.entities: dict[str, CatalogEntity] = {}
        for e in entities:
            if e.id in self.entities:
                raise ValueError(f"duplicate entity id {e.id!r}")
            self.entities[e.id] = e
        self.generic = frozenset(w.lower() for w in generic_words)
        self.window = context_window
        self.lede_chars = lede_chars
        self.fold_series = fold_series
        self._by_norm_name = {normalise(e.name): e for e in self.entities.values()}
        self._parents = {e.id: self._resolve_family(e) for e in self.entities.values()}
        self._owners: dict[str, list[str]] = {}
        parents = {p for p in self._parents.values() if p}
        self._series = {p for p in parents if not any(c.isdigit() for c in self.entities[p].name)}
        self._aliases = self._build_aliases()
        self._trie: dict = {}
        for norm in self._aliases:
            node = self._trie
            for ch in norm:
                node = node.setdefault(ch, {})
            node["$"] = norm

    # ---------------------------------------------------------------- build
    def _resolve_family(self, e: CatalogEntity) -> str | None:
        if not e.family:
            return None
        if e.family in self.entities and e.family != e.id:
            return e.family
        fam = self._by_norm_name.get(normalise(e.family))
        return fam.id if fam and fam.id != e.id else None

    def _chain(self, entity_id: str) -> list[str]:
        """The entity and its family ancestors, nearest first (cycle-safe)."""
        out: list[str] = []
        cur: str | None = entity_id
        while cur and cur not in out:
            out.append(cur)
            cur = self._parents.get(cur)
        return out

    def _related(self, entity_id: str) -> set[str]:
        e = self.entities[entity_id]
        keys = set(self._chain(entity_id))
        if e.kind == "Organization":
            keys.add(e.id)
        elif e.org:
            keys.add(e.org)
        return keys

    def _build_aliases(self) -> dict[str, _Alias]:
        cands: dict[str, list[tuple[CatalogEntity, str]]] = defaultdict(list)
        for e in self.entities.values():
            names = [e.name, *e.aliases]
            if ":" not in e.id:
                names.append(e.id.rsplit("/", 1)[-1])
            for n in names:
                if normalise(n):
                    cands[normalise(n)].append((e, n))
        # A family string with no entity of its own links to its only member.
        members: dict[str, list[CatalogEntity]] = defaultdict(list)
        for e in self.entities.values():
            if e.family and self._parents[e.id] is None:
                members[normalise(e.family)].append(e)
        for norm, ms in members.items():
            if len(ms) == 1 and norm and norm not in cands:
                cands[norm].append((ms[0], ms[0].family or ""))
        parents = {p for p in self._parents.values() if p}
        out: dict[str, _Alias] = {}
        for norm, lst in cands.items():
            lst.sort(
                key=lambda er: (
                    er[0].kind != "Organization",
                    er[0].id not in parents,
                    normalise(er[0].name) != norm,
                    len(er[0].id),
                    er[0].id,
                )
            )
            self._owners[norm] = list(dict.fromkeys(e.id for e, _ in lst))
            ent, raw = lst[0]
            out[norm] = _Alias(ent, "".join(_tokens(raw)), _classify(raw, self.generic))
        return out

    def lookup(self, name: str, kind: Kind | None = None) -> CatalogEntity | None:
        """The entity owning this exact (normalised) alias, optionally of one kind; no context rules."""
        for eid in self._owners.get(normalise(name), []):
            if kind is None or self.entities[eid].kind == kind:
                return self.entities[eid]
        return None

    # ----------------------------------------------------------------- scan
    @staticmethod
    def _normalise_text(text: str) -> tuple[str, list[int], list[bool], list[int]]:
        """Normalised chars, their source offsets, whether each may be joined to the previous, and
        the positions a name may start at (its source char follows no word char).

        Run by run of name chars, not char by char (the linker's hot loop): inside a run every char
        joins the previous one, so only a run's first char needs the gap rules."""
        chars: list[str] = []
        src: list[int] = []
        join: list[bool] = []
        starts: list[int] = []
        last = -10
        for run in _NAME_RUN.finditer(text):
            i, end = run.span()
            gap = text[last + 1 : i]
            ok = last >= 0 and len(gap) <= _MAX_GAP and all(g in _SEP for g in gap)
            ok = ok and not ("." in gap and len(gap) > 1)
            word = run.group().lower()
            at = len(src)
            if "+" in word:
                src.extend(
                    k for k, c in zip(range(i, end), word, strict=True) for _ in range(4 if c == "+" else 1)
                )
                word = word.replace("+", "plus")
            else:
                src.extend(range(i, end))
            chars.append(word)
            join.append(ok)
            join.extend(repeat(True, len(word) - 1))
            if i == 0 or not _word_char(text[i - 1]):  # later chars of a run follow a word char
                starts.extend(range(at, at + (4 if text[i] == "+" else 1)))
            last = end - 1
        return "".join(chars), src, join, starts

    def _candidates(self, text: str) -> list[_Hit]:
        norm, src, join, starts = self._normalise_text(text)
        n = len(norm)
        hits: list[_Hit] = []
        i = 0
        for i_start in starts:
            if i_start < i:
                continue
            i = i_start
            s = src[i]
            node, j, found = self._trie, i, []
            while j < n and norm[j] in node and (j == i or join[j]):
                node = node[norm[j]]
                j += 1
                if "$" in node and self._end_ok(text, src[j - 1] + 1, self._aliases[node["$"]]):
                    found.append((j, self._aliases[node["$"]]))
            hit = None
            for j_end, alias in reversed(found):
                surface = text[s : src[j_end - 1] + 1]
                if self._static_ok(alias, surface):
                    hit = _Hit(s, src[j_end - 1] + 1, alias, surface)
                    i = j_end
                    break
            if hit:
                hits.append(hit)
            else:
                i += 1
                while i < n and src[i] == src[i - 1]:
                    i += 1
        return hits

    @staticmethod
    def _end_ok(text: str, end: int, alias: _Alias) -> bool:
        """Boundary after a match, plus the version-continuation rules of the module docstring."""
        if end >= len(text):
            return True
        if _word_char(text[end]):
            return False
        if alias.raw[-1:].isdigit() and text[end] in ".," and text[end + 1 : end + 2].isdigit():
            return False  # "Llama 3" in "Llama 3.1"
        if alias.entity.kind != "Model":
            return True
        more = _CONTINUATION.match(text, end)
        if more and not any(c.isdigit() for c in alias.raw):
            return False  # "GPT" in "GPT-4V", "Claude 5": a versioned model we do not know
        return not (more and alias.raw[-1:].isdigit() and re.fullmatch(r"\d{1,2}", more.group(1)))

    @staticmethod
    def _static_ok(alias: _Alias, surface: str) -> bool:
        if alias.cls == "distinctive":
            return True
        if alias.cls == "short":
            return "".join(_tokens(surface)) == alias.raw
        return surface[:1].isupper()  # proper and generic

    def _context_ok(self, hit: _Hit, anchors: list[tuple[int, set[str]]], text: str) -> bool:
        if hit.alias.cls == "short" and sum(c.isupper() for c in hit.alias.raw) >= 2:
            return True
        nxt = re.match(r"[\s\-]*([A-Za-z]+)", text[hit.end : hit.end + 30])
        if nxt and nxt.group(1).lower() in CUE_WORDS:
            return True
        title_case = nxt is not None and nxt.group(1)[:1].isupper()
        if hit.alias.entity.kind == "Organization" and _mid_sentence(text, hit.start) and not title_case:
            return True  # capitalised inside a sentence, not in a Title Case phrase: a proper noun
        mine = self._related(hit.alias.entity.id)
        return any(abs(pos - hit.start) <= self.window and mine & keys for pos, keys in anchors)

    def link(self, text: str, min_confidence: float = 0.0) -> list[Mention]:
        """Mentions in order of first appearance, those below ``min_confidence`` left out."""
        text = _URL.sub(lambda m: " " * len(m.group(0)), text)  # URLs are addresses, not prose
        hits = self._candidates(text)
        anchors = [(h.start, self._related(h.alias.entity.id)) for h in hits if h.alias.cls in _FREE]
        hits = [h for h in hits if h.alias.cls in _FREE or self._context_ok(h, anchors, text)]
        named = {a for h in hits for a in self._chain(h.alias.entity.id)[1:]}
        out: dict[str, Mention] = {}
        first: dict[str, int] = {}
        base: dict[str, float] = {}
        for h in hits:
            e = h.alias.entity
            if self.fold_series and e.id in named and e.id in self._series:
                continue  # bare "Claude" next to "Claude 3 Opus" is a short reference to the latter
            m = out.setdefault(e.id, Mention(e.id, e.kind, 0, 0.0, []))
            m.count += 1
            first.setdefault(e.id, h.start)
            base[e.id] = max(base.get(e.id, 0.0), 0.9 if h.alias.cls in _FREE else 0.7)
            if h.surface not in m.surface_forms:
                m.surface_forms.append(h.surface)
        for eid, m in out.items():
            conf = 1 - (1 - base[eid]) ** m.count
            salient = m.count >= 2 or first[eid] < self.lede_chars
            m.confidence = round(conf if salient else conf / 2, 4)
        return [m for m in out.values() if m.confidence >= min_confidence]


# -- misspelt words -------------------------------------------------------------------------------
#: Ordinary words of questions about models (five letters or more) that are never corrected.
COMMON_WORDS: frozenset[str] = _words(
    """
    which where there their these those about after before since until between under above below
    could would should might model models released release newest latest oldest largest biggest
    longest highest lowest cheapest smallest compare versus number tokens token window parameters
    params weights developed developer company companies makes built trained score scores points
    benchmark benchmarks ranking ranked licence license licenses licences commercial context length
    price prices pricing input output reasoning thinking support supports accept accepts images
    audio video videos news articles article recent recently lately happened weather capital world
    today first second third fourth quarter month months weeks years other others every count total
    across among within without family version versions bigger larger older newer longer shorter
    higher lower faster slower cheaper expensive stronger weaker beats percent cutoff knowledge data
    training openly available download self host hosted hosting vision multimodal speech create
    created makes offer offers behind words names named called contain contains containing include
    includes generate generates produce produces maximum minimum average value values write wrote
    think thinks people use used using safety policy security research paper papers source sources
    sorted order older tells least which whose while still again always never really please thanks
    thank hello tell give show find explain describe difference better worse level equal
    """
)
_ALPHA = re.compile(r"[A-Za-z]+")
_TOKEN = re.compile(r"[A-Za-z0-9.+-]+")


class TypoCorrector:
    """Corrects a misspelt word one edit away (a letter missing, extra, wrong or two swapped) from a
    question word or a model-name word: ``relase date`` -> ``release date``, ``claude sonet 4`` ->
    ``claude sonnet 4``, ``gpt-4o mnini`` -> ``gpt-4o mini``.

    Rules: only words of five letters or more that are no known word (a name word, a cue word, a
    common question word) are corrected, and only when exactly one known word is one edit away (two
    for words of eight letters or more, cue words only). A cue word is put in anywhere; a name word
    only where the corrected words around it then spell the start of a name (``claude sonnet 4``
    starts ``Claude Sonnet 4``; ``r1 based`` starts nothing, so ``based`` stays). Nothing else changes."""

    def __init__(self, names: Iterable[str], cues: Iterable[str]) -> None:
        from rapidfuzz.distance import DamerauLevenshtein

        self._distance = DamerauLevenshtein.distance
        names = list(names)
        self._keys = sorted({normalise(n) for n in names} - {""})
        self.names = frozenset(w for n in names for w in _ALPHA.findall(_fold(n).lower()) if len(w) >= 4)
        self.cues = frozenset(c.lower() for c in cues)
        self.known = self.names | self.cues | COMMON_WORDS | GENERIC_WORDS | STOPWORDS | CUE_WORDS
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.names | self.cues:
            self._by_length[len(word)].append(word)

    def _candidates(self, word: str, pool: frozenset[str], most: int) -> list[str]:
        near = [
            w
            for n in range(len(word) - most, len(word) + most + 1)
            for w in self._by_length.get(n, ())
            if w in pool and self._distance(word, w, score_cutoff=most) <= most
        ]
        best = min((self._distance(word, w) for w in near), default=None)
        return [w for w in near if self._distance(word, w) == best]

    def _starts_a_name(self, text: str, start: int, end: int, word: str) -> bool:
        """Whether the word, with up to three words on either side, spells the start of a name."""
        spans = list(_TOKEN.finditer(text))
        at = next((i for i, t in enumerate(spans) if t.start() <= start < t.end()), None)
        if at is None:
            return False
        pieces = [t.group() for t in spans]
        pieces[at] = (
            spans[at].group()[: start - spans[at].start()]
            + word
            + spans[at].group()[end - spans[at].start() :]
        )
        for first in range(max(0, at - 3), at + 1):
            for last in range(at + 1, min(len(pieces), at + 4) + 1):
                if last - first < 2:
                    continue  # the corrected word alone proves nothing
                key = normalise("".join(pieces[first:last]))
                found = bisect_left(self._keys, key)
                if found < len(self._keys) and self._keys[found].startswith(key):
                    return True
        return False

    def correct(self, text: str) -> tuple[str, dict[str, str]]:
        """The text with misspelt words corrected, and the corrections made (word -> correction)."""
        words = list(_ALPHA.finditer(text))
        fixes: dict[str, str] = {}
        out, last = [], 0
        for m in words:
            word = m.group().lower()
            if len(word) < 5 or word in self.known:
                continue
            fix = self._candidates(word, self.cues, 2 if len(word) >= 8 else 1)
            if not fix:
                fix = [
                    w
                    for w in self._candidates(word, self.names, 1)
                    if self._starts_a_name(text, m.start(), m.end(), w)
                ]
            if len(fix) != 1:
                continue  # unknown or ambiguous: left as written
            new = fix[0].capitalize() if m.group()[0].isupper() else fix[0]
            fixes[m.group()] = new
            out.append(text[last : m.start()] + new)
            last = m.end()
        return "".join(out) + text[last:], fixes
