"""The one registry of model attributes: what a user can ask about a model, and how each is read,
phrased and shown.

Every layer reads this table instead of keeping its own copy: question analysis (the cue words),
graph retrieval (the property, the template, the fact sentence, what an overview shows), answer
composition (which attributes an unknown model is refused on, the attribute's name in fact ids),
the model cards (the card line) and the tests. Adding an attribute is one `Attribute(...)` entry
here, plus the catalog writing its property onto `Model` nodes.

The registry's order is the order an overview ("tell me about X"), a comparison and the model card
show facts in (the card states open weights before the licence since this registry; graph evidence
and answers are unchanged).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Template = Literal["MODEL_FACTS", "MODEL_SCORES", "MODEL_PRICES"]
Relation = Literal["org", "license"]

Phrase = Callable[[str, Any, Mapping[str, Any]], str]  # (model name, value, graph row) -> sentence
CardLine = Callable[[Mapping[str, Any]], str | None]  # a model's facts -> its card line, or None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


@dataclass(frozen=True)
class Attribute:
    """One thing a user can ask about a model.

    `cue` finds the question words that ask for it; `graph_property` is the `Model` node property that
    holds it (its provenance in `<graph_property>_source`), or `relation` names the edge whose target's
    name is the value (`org`: DEVELOPED_BY, `license`: HAS_LICENSE); `value` overrides how the value
    is read from the node's properties. `sentence` phrases a known value as a cited fact, `missing`
    says that the catalog lacks it. `card` is its line in a model card (None: not on the card).
    `fields` are the keys a flat fact mapping (a model card's input, a catalog export row) may hold
    the value under, first found wins.
    """

    name: str
    cue: re.Pattern[str] | None = None
    graph_property: str | None = None
    relation: Relation | None = None
    unit: str | None = None
    template: Template = "MODEL_FACTS"
    sentence: Phrase | None = None
    missing: str = "The catalog has no {label} for {name}"
    value: Callable[[Mapping[str, Any]], Any] | None = None
    card: CardLine | None = None
    fields: tuple[str, ...] = ()
    id_part: str | None = None  # its name inside fact ids when that differs (`fact:<model>:score:<bench>`)
    overview: bool = True  # shown when a question about one model names no attribute
    compared: bool = False  # shown when a comparison names no attribute
    quantity: bool = False  # "how many <it>" asks its value, not for a count of models
    refuse_unknown: bool = False  # asked about a model the catalog does not know: refused
    label: str = field(default="")
    # Comparatives: the words that ask which model has the larger (`more`) or smaller (`less`) value
    # ("which is older": release_date, less), and how the verdict reads for the winner.
    more: re.Pattern[str] | None = None
    less: re.Pattern[str] | None = None
    more_verdict: str = "{name} has the higher {label}"
    less_verdict: str = "{name} has the lower {label}"
    generic_comparative: bool = False  # its comparatives alone ("bigger") ask for it, no cue needed

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))
        if not self.fields:
            object.__setattr__(self, "fields", (self.graph_property or self.name,))

    @property
    def fact_part(self) -> str:
        """The attribute's name inside fact ids."""
        return self.id_part or self.name

    def read(self, facts: Mapping[str, Any]) -> Any:
        """The value from a flat fact mapping, under the first of `fields` it has."""
        return next((facts[f] for f in self.fields if facts.get(f) is not None), None)

    def comparative(self, text: str) -> tuple[Literal["max", "min"], str] | None:
        """('max' or 'min', the words) when `text` asks which model has more or less of it."""
        found = [(m.start(), order, m.group(0)) for order, rx in (("max", self.more), ("min", self.less))
                 if rx is not None and (m := rx.search(text))]  # fmt: skip
        if not found:
            return None
        _, order, words = min(found)
        return ("max" if order == "max" else "min"), words

    def verdict(self, model_name: str, order: str) -> str:
        """The winner's clause ('Claude 3 Opus supports the longer context')."""
        return (self.more_verdict if order == "max" else self.less_verdict).format(
            name=model_name, label=self.label
        )

    def show(self, value: Any) -> str:
        """A value as a verdict states it: '200,000 tokens', '405B parameters', '2024-02-29', '0.887'."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if self.name == "parameters":
            return f"{size(value)} parameters"
        if self.unit == "tokens":
            return f"{value:,} tokens"
        if self.name == "price":
            return f"${value:,.2f} per million input tokens"
        return f"{value:g}" if isinstance(value, float) else f"{value:,}"

    def phrase(self, model_name: str, value: Any, row: Mapping[str, Any] | None = None) -> str:
        """The fact sentence (no source, no full stop): the value's, or that the catalog lacks it."""
        if value is None or self.sentence is None:
            return self.missing.format(name=model_name, label=self.label)
        return self.sentence(model_name, value, row or {})


def size(n: float) -> str:
    """7_000_000_000 -> '7B', 128_000 -> '128K' (three significant digits)."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            return f"{n / scale:.3g}{suffix}"
    return f"{n:.0f}"


def _join(values: Any) -> str:
    if isinstance(values, str):
        return values
    if isinstance(values, Sequence):
        return ", ".join(str(v) for v in values)
    return ""


def _parameters(m: Mapping[str, Any]) -> Any:
    if m.get("parameters"):
        return m["parameters"]
    return "undisclosed" if m.get("parameters_status") == "undisclosed" else None


def _parameters_sentence(name: str, value: Any, row: Mapping[str, Any]) -> str:
    if value == "undisclosed":
        return f"The developer of {name} has not disclosed its parameter count"
    return f"{name} has {value:,} parameters ({size(value)})"


def _parameters_card(facts: Mapping[str, Any]) -> str | None:
    if facts.get("parameters"):
        return f"Parameters: {size(float(facts['parameters']))}."
    return "Parameter count undisclosed." if facts.get("parameters_disclosed") is False else None


def _licence_sentence(name: str, value: Any, row: Mapping[str, Any]) -> str:
    allowed = row.get("license_commercial")
    commercial = (
        {True: " (commercial use allowed)", False: " (no commercial use)"}.get(allowed, "")
        if isinstance(allowed, bool)
        else ""
    )
    return f"{name} is released under the {value} licence{commercial}"


def _modalities_card(facts: Mapping[str, Any]) -> str | None:
    inputs, outputs = _join(facts.get("input_modalities")), _join(facts.get("output_modalities"))
    if inputs or outputs:
        return f"Input: {inputs or 'unknown'}; output: {outputs or 'unknown'}."
    return f"Modalities: {_join(facts['modalities'])}." if facts.get("modalities") else None


def _if(key: str, line: Callable[[Any], str]) -> CardLine:
    """A card line for a value that is there and not empty."""
    return lambda facts: line(facts[key]) if facts.get(key) else None


# fmt: off
ATTRIBUTES: dict[str, Attribute] = {a.name: a for a in (
    Attribute(
        "developer",
        cue=_rx(r"\bwho\b.{0,12}\b(made|makes|built|develop\w*|created?|trained?|released?|behind)\b"
                r"|\bdevelop(er|ed by)\b|\bmakers?\b|\bwhich (company|organi[sz]ation|lab)\b|\bcreators?\b"),
        relation="org", compared=True, refuse_unknown=True,
        sentence=lambda n, v, _: f"{n} was developed by {v}",
        missing="The catalog does not name the developer of {name}",
        fields=("developer", "organization_name", "organization"),
    ),
    Attribute(
        "release_date",
        cue=_rx(r"\breleased?\b(?! under)|\blaunch(ed)?\b|\bc[ao]me out\b|\bwhen (was|did|is)\b|\brelease date\b"),
        graph_property="release_date", compared=True, refuse_unknown=True,
        sentence=lambda n, v, _: f"{n} was released on {v}",
        more=_rx(r"\b(newer|newest|later|more recent(ly)?|latest|younger)\b"),
        less=_rx(r"\b(older|oldest|earlier|earliest|first|sooner)\b"),
        more_verdict="{name} is newer", less_verdict="{name} is older", generic_comparative=True,
        card=_if("release_date", lambda v: f"Released {v}."),
    ),
    Attribute(
        "parameters",
        cue=_rx(r"\bparam(eter)?s?\b|\bhow (big|large)\b|(?<!context )(?<!window )(?<!vocabulary )\bsize\b"),
        graph_property="parameters", unit="parameters", compared=True, quantity=True, refuse_unknown=True,
        value=_parameters, sentence=_parameters_sentence, missing="The catalog has no parameter count for {name}",
        more=_rx(r"\b(bigger|larger|biggest|largest|(more|most) param\w*|heavier)\b"),
        less=_rx(r"\b(smaller|smallest|(fewer|fewest) param\w*|tinier|lighter)\b"),
        more_verdict="{name} is bigger", less_verdict="{name} is smaller", generic_comparative=True,
        card=_parameters_card, fields=("parameters", "param_count"),
    ),
    Attribute(
        "context_length",
        cue=_rx(r"\bcontext\b|\btoken (limit|window)\b|\bhow many tokens\b|(?<!million )(?<!1m )\binput (tokens?|limit)\b"
                r"|\b(long|longer|longest) (a )?(prompts?|inputs?|documents?)\b|\bprompt (length|size)\b"
                r"|\btokens?\b.{0,15}\b(send|give|pass|feed)\b"),
        graph_property="context_length", unit="tokens", compared=True, quantity=True, refuse_unknown=True,
        more=_rx(r"\b(longer|longest|bigger|biggest|larger|largest|more|greater|higher)\b"),
        less=_rx(r"\b(shorter|shortest|smaller|smallest|less|fewer|lower)\b"),
        more_verdict="{name} supports the longer context", less_verdict="{name} has the shorter context",
        sentence=lambda n, v, _: f"{n} has a context length of {v:,} tokens",
        card=_if("context_length", lambda v: f"Context length: {size(float(v))} tokens."),
        fields=("context_length", "max_context_tokens"),
    ),
    Attribute(
        "max_output",
        cue=_rx(r"\bmax(imum)?[ -]?(output|completion)|\boutput (tokens?|limit|length)\b|\bcompletion tokens\b"),
        graph_property="max_output", unit="tokens", quantity=True, refuse_unknown=True,
        more=_rx(r"\b(longer|bigger|larger|more|higher)\b"), less=_rx(r"\b(shorter|smaller|fewer|less|lower)\b"),
        more_verdict="{name} can output more tokens", less_verdict="{name} outputs fewer tokens",
        sentence=lambda n, v, _: f"{n} can output at most {v:,} tokens per response",
    ),
    Attribute(
        "knowledge_cutoff",
        cue=_rx(r"\bcut-?off\b|\bknowledge (date|cut)|\btraining data\b|\btrained (on data )?(until|up to|through)\b"
                r"|\buntil when\b|\bknows? about\b|\bhow (recent|up[- ]to[- ]date)\b"),
        graph_property="knowledge_cutoff", refuse_unknown=True,
        sentence=lambda n, v, _: f"{n} has a knowledge cutoff of {v}",
    ),
    Attribute(
        "open_weights",
        cue=_rx(r"\bopen[- ]?(weights?|source[ds]?)\b|\bweights\b.{0,40}\b(openly|publicly|available|released)\b"
                r"|\bdownload\w*\b|\bself-?host\w*\b|\bclosed\b|\bproprietary\b"),
        graph_property="open_weights", compared=True,
        sentence=lambda n, v, _: f"{n} has open weights" if v else f"{n} does not have open weights (API only)",
        card=lambda f: None if f.get("open_weights") is None else
        "Open weights." if f["open_weights"] else "Closed weights (API only).",
    ),
    Attribute(
        "license",
        cue=_rx(r"\blicen[cs]\w*\b|\bcommercial use\b|\bterms of use\b"),
        relation="license", compared=True, refuse_unknown=True,
        sentence=_licence_sentence, missing="The catalog has no licence for {name}",
        card=lambda f: f"Licence: {f.get('license_name') or f['license']}."
        if f.get("license_name") or f.get("license") else None,
        fields=("license_name", "license"),
    ),
    Attribute(
        "modalities",
        cue=_rx(r"\bmodalit\w*|\bkinds? of inputs?\b|\binputs? (types?|formats?)\b|\bas inputs?\b"
                r"|\b(accept|take|handle|process)s?\b.{0,20}\binputs?\b|\bimages?\b|\bvision\b|\baudio\b|\bvideos?\b"
                r"|\bmultimodal\b|\bpdfs?\b|\bspeech\b"),
        graph_property="input_modalities",
        value=lambda m: {"input": m.get("input_modalities") or [], "output": m.get("output_modalities") or []},
        sentence=lambda n, v, _: f"{n} accepts {', '.join(v['input']) or 'unknown'} input and produces "
                                 f"{', '.join(v['output']) or 'unknown'} output",
        card=_modalities_card, fields=("input_modalities",),
    ),
    Attribute(
        "reasoning",
        cue=_rx(r"\breason(ing)? model\b|\bthinking model\b|\bcan \w+ (reason|think)\b"),
        graph_property="reasoning",
        sentence=lambda n, v, _: f"{n} is a reasoning model" if v else f"{n} is not a reasoning model",
        card=_if("reasoning", lambda _: "Reasoning model."),
    ),
    Attribute(
        "tool_use",
        cue=_rx(r"\btool[- ]?(use|calling|calls)\b|\bfunction[- ]calling\b"),
        graph_property="tool_use",
        sentence=lambda n, v, _: f"{n} supports tool use" if v else f"{n} does not support tool use",
        card=_if("tool_use", lambda _: "Supports tool use."),
    ),
    Attribute(
        "price",
        cue=_rx(r"(?<!stock )(?<!share )\bpric\w*|\bcosts?\b|\bhow much\b|\bexpensive\b|\bcheap\w*|\busd\b|\$"
                r"|\bper (million|1m)\b"),
        template="MODEL_PRICES", unit="USD per million tokens", overview=False, quantity=True,
        more=_rx(r"\b(more expensive|pricier|costlier|costs? more|dearer|higher[- ]priced)\b"),
        less=_rx(r"\b(cheaper|cheapest|less expensive|costs? less|lower[- ]priced|more affordable|best value)\b"),
        more_verdict="{name} is more expensive", less_verdict="{name} is cheaper",
    ),
    # No cue: asked when the question links a benchmark next to a model.
    Attribute("benchmark_score", template="MODEL_SCORES", id_part="score", overview=False,
              more=_rx(r"\b(higher|better|best|beats?|outperforms?|stronger|wins?)\b"),
              less=_rx(r"\b(lower|worse|weaker)\b"),
              more_verdict="{name} scores higher", less_verdict="{name} scores lower"),
)}
# fmt: on


def get(name: str) -> Attribute:
    """The attribute called `name`; a KeyError names the known ones."""
    try:
        return ATTRIBUTES[name]
    except KeyError:
        raise KeyError(f"Unknown attribute {name!r}; known: {', '.join(ATTRIBUTES)}.") from None


def register(attribute: Attribute) -> Attribute:
    """Add (or replace) an attribute. The registry is read at call time everywhere, so this is
    enough for a new attribute to be asked, retrieved, answered and carded (tests use it)."""
    ATTRIBUTES[attribute.name] = attribute
    return attribute


def unregister(name: str) -> None:
    ATTRIBUTES.pop(name, None)


def all_attributes() -> Iterator[Attribute]:
    return iter(list(ATTRIBUTES.values()))


def graph_facts() -> list[Attribute]:
    """The attributes read from a model's own node and edges (the MODEL_FACTS template)."""
    return [a for a in ATTRIBUTES.values() if a.template == "MODEL_FACTS" and a.sentence is not None]


@dataclass(frozen=True)
class OrgAttribute:
    """One thing the catalog holds about an organisation: an `Organization` node property
    (`graph_property`, one of kg.schema.ORGANIZATION_FIELDS; a test checks it) or, with None, what is
    read from its models (how many, which, the latest). `cue` finds the words that ask for it."""

    name: str
    cue: re.Pattern[str]
    graph_property: str | None
    label: str


# fmt: off
ORG_ATTRIBUTES: dict[str, OrgAttribute] = {a.name: a for a in (
    OrgAttribute("country", _rx(r"\bcountry\b|\bwhere\b|\bbased\b|\blocated\b|\bheadquarter\w*|\bhq\b|\bnationality\b"),
                 "country", "country"),
    OrgAttribute("kind", _rx(r"\b(kind|type|sort) of\b|\bnon-?profit\b|\bcompany\b|\bstartup\b|\buniversity\b"),
                 "kind", "kind (company, nonprofit ...)"),
    OrgAttribute("website", _rx(r"\bweb ?sites?\b|\bsite\b|\burl\b|\bhome ?page\b|\bweb ?page\b|\blink\b"),
                 "website", "website"),
    OrgAttribute("models", _rx(r"\bmodels?\b|\bllms?\b|\breleas\w*|\blaunch\w*|\bmak\w*|\bmade\b|\bbuil[dt]\w*"
                               r"|\bproducts?\b|\boffer\w*|\blatest\b|\bnewest\b|\bopen[- ]?(weights?|source)\b"
                               r"|\bcatalog\w*|\bnews\b|\babout\b|\boverview\b|\bprofile\b"),
                 None, "models (how many, which, the latest, how many with open weights)"),
)}
# fmt: on


def held_labels(about: Literal["model", "organization"]) -> str:
    """What the catalog holds about a model or an organisation, as a refusal states it."""
    labels = ORG_ATTRIBUTES.values() if about == "organization" else ATTRIBUTES.values()
    names = [a.label for a in labels]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def cues(about: Literal["model", "organization"]) -> list[re.Pattern[str]]:
    """The cue patterns of what the catalog holds about a model or an organisation."""
    if about == "organization":
        return [a.cue for a in ORG_ATTRIBUTES.values()]
    return [a.cue for a in ATTRIBUTES.values() if a.cue is not None]


def asks_held(text: str, about: Literal["model", "organization"]) -> bool:
    """Whether `text` (the words that ask) names something the catalog holds about a model or an
    organisation: a registry cue, or an organisation attribute's cue."""
    return any(cue.search(text) for cue in cues(about))
