"""Link news text to catalog LLMs and organisations (pure logic, no database).

The linker is built once from a list of :class:`CatalogEntity` (in the product these come from the
graph) and compiles every alias into a character trie over a *normalised* form. ``link(text)``
then returns one :class:`Mention` per entity found.

Rules, in the order they apply:

1. **Normalisation.** Case, accents and separators are ignored: letters and digits are kept
   (lower-cased), ``+`` reads as ``plus``, and the separators `` ``, ``-``, ``_``, ``.``, ``/``
   between two word characters are dropped. So ``GPT-4o`` = ``gpt4o`` = ``GPT 4o`` and
   ``Llama 3.1`` = ``llama-3.1`` = ``Llama3.1``. A match may only span short separator gaps (at most
   two of those characters, no newline, no ``". "``), so it never joins words across a sentence.
2. **Boundaries.** A match starts after a non-word character and ends before one. A name ending in
   a digit does not match when the text goes on with ``.digit`` or a digit (``Llama 3`` is not found
   in ``Llama 3.1`` or ``Llama 30B``), but trailing version suffixes after a separator are fine:
   ``gpt-4o-2024-08-06`` and ``Claude 3.5 Sonnet (new)`` link to ``GPT-4o`` / ``Claude 3.5 Sonnet``
   when no more specific entity carries the dated name.
3. **Longest match wins** (leftmost-longest scan): ``GPT-4o mini`` is not also ``GPT-4o``.
4. **Alias ownership.** When several entities share a normalised alias, an organisation wins over a
   model (``Mistral``), then the family-level entity that the others point to (``Claude 3.5
   Sonnet`` for its dated snapshots), then the entity whose own name it is, then the shortest id.
   A ``family`` value that names no entity becomes an alias of its only member, if it has one.
5. **Ambiguous names need context.** Three classes of alias:
   * *distinctive*: anything else (digits, several tokens, a coined word like ``OpenAI``/``Qwen``);
     matched case-insensitively, no further check.
   * *short*: at most 3 normalised characters (``o1``, ``Phi``, ``Yi``). Must appear with the
     catalog's exact casing; acronyms with two or more capitals (``IBM``, ``xAI``) need nothing
     more, the others also need *context*.
   * *generic*: a single ordinary English word (``Gemini``, ``Mistral``, ``Sonar``, ``Command``;
     the list is :data:`GENERIC_WORDS`, replaceable) or a name made only of such words and single
     letters (``Command R``). Must be capitalised in the text and needs *context*.

   *Context* means: within ``context_window`` characters there is a distinctive mention of a related
   entity (the same id, the same organisation, the organisation itself, or a model of the same
   family chain), or the name is directly followed by a cue word (``model``, ``API``, ``AI``...).
   So "the mistral wind" or "phi in radians" never link, "Mistral released Mistral Large" does.

Confidence is 0.9 for a distinctive alias, 0.7 for one accepted through context, and grows with the
number of occurrences: ``1 - (1 - base) ** count``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["Model", "Organization"]
AliasClass = Literal["distinctive", "proper", "short", "generic"]

#: Ordinary English words that are also AI product or company names; alone they need context.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    alpha beta gamma delta omega sigma phi pi nova star sonar command auto compound ray step seed ring
    mercury trinity aura liquid inference synthetic morph venice lilac kilo ambient inception gemini
    mistral llama falcon orca dolphin granite bard sage spark flash pulse echo atlas apollo titan
    chroma spotlight codex opus sonnet haiku bloom vision arena grok muse palm pixel cursor windsurf
    agent assistant copilot chat search deep open free light lite mini max pro plus ultra turbo instant
    edge core base prime reason think perplexity cohere runway stability together modal replicate
    lambda fireworks abacus chutes cortex vertex bedrock azure gateway near wafer bailing the grid go zen
    """.split()
)

#: Words right after an ambiguous name that show it is meant as a product or a company.
CUE_WORDS: frozenset[str] = frozenset(
    "model models api weights checkpoint checkpoints release released launch launched ai labs inc "
    "team llm llms family series".split()
)

#: Trailing tokens that mark a company name ("Together AI", "Mistral AI"): capitalised, it is a name.
CORPORATE_MARKERS: frozenset[str] = frozenset("ai labs lab inc research".split())

_FREE = ("distinctive", "proper")  # alias classes that need no context
_SEP = set(" -_./&")
_MAX_GAP = 2


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


def _classify(alias: str, generic: frozenset[str]) -> AliasClass:
    norm = normalise(alias)
    if len(norm) <= 3:
        return "short"
    toks = [t.lower() for t in _tokens(alias)]
    if not all(t in generic or (t.isalpha() and len(t) <= 3) for t in toks):
        return "distinctive"
    if len(toks) > 1 and toks[-1] in CORPORATE_MARKERS:
        return "proper"
    return "generic"


class EntityLinker:
    """Compiled alias trie plus the ambiguity rules described in the module docstring."""

    def __init__(
        self,
        entities: Iterable[CatalogEntity],
        generic_words: Iterable[str] = GENERIC_WORDS,
        context_window: int = 400,
    ) -> None:
        self.entities = {e.id: e for e in entities}
        self.generic = frozenset(w.lower() for w in generic_words)
        self.window = context_window
        self._by_norm_name = {normalise(e.name): e for e in self.entities.values()}
        self._parents = {e.id: self._resolve_family(e) for e in self.entities.values()}
        self._owners: dict[str, list[str]] = {}
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
    def _normalise_text(text: str) -> tuple[str, list[int], list[bool]]:
        """Normalised chars, their source offsets, and whether each may be joined to the previous."""
        chars: list[str] = []
        src: list[int] = []
        join: list[bool] = []
        last = -10
        for i, c in enumerate(text):
            if not (_word_char(c) and c.isascii()):
                continue
            gap = text[last + 1 : i]
            ok = last >= 0 and len(gap) <= _MAX_GAP and all(g in _SEP for g in gap)
            ok = ok and not ("." in gap and len(gap) > 1)
            piece = "plus" if c == "+" else c.lower()
            for k, ch in enumerate(piece):
                chars.append(ch)
                src.append(i)
                join.append(ok if k == 0 else True)
            last = i
        return "".join(chars), src, join

    def _candidates(self, text: str) -> list[_Hit]:
        norm, src, join = self._normalise_text(text)
        n = len(norm)
        hits: list[_Hit] = []
        i = 0
        while i < n:
            s = src[i]
            if s > 0 and _word_char(text[s - 1]):
                i += 1
                continue
            node, j, found = self._trie, i, []
            while j < n and norm[j] in node and (j == i or join[j]):
                node = node[norm[j]]
                j += 1
                if "$" in node and self._end_ok(text, src[j - 1] + 1, norm[j - 1]):
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
    def _end_ok(text: str, end: int, last: str) -> bool:
        if end >= len(text):
            return True
        if _word_char(text[end]):
            return False
        return not (last.isdigit() and text[end] in ".," and text[end + 1 : end + 2].isdigit())

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
        mine = self._related(hit.alias.entity.id)
        return any(abs(pos - hit.start) <= self.window and mine & keys for pos, keys in anchors)

    def link(self, text: str) -> list[Mention]:
        """Mentions in order of first appearance; see the module docstring for the rules."""
        hits = self._candidates(text)
        anchors = [(h.start, self._related(h.alias.entity.id)) for h in hits if h.alias.cls in _FREE]
        out: dict[str, Mention] = {}
        for h in hits:
            if h.alias.cls not in _FREE and not self._context_ok(h, anchors, text):
                continue
            e = h.alias.entity
            base = 0.9 if h.alias.cls in _FREE else 0.7
            m = out.setdefault(e.id, Mention(e.id, e.kind, 0, 0.0, []))
            m.count += 1
            m.confidence = round(max(m.confidence, 1 - (1 - base) ** m.count), 4)
            if h.surface not in m.surface_forms:
                m.surface_forms.append(h.surface)
        return list(out.values())
