"""The typed contracts that cross the layers: a question's analysis, fact ids, and the answer that
`llmx ask --json` prints and the API returns.

`QuestionAnalysis` is what question analysis hands to retrieval and answering: the family and typed
`Slots` (no dict of string keys). `FactId` is the id of one graph fact, built and read only through
this type. `AnswerRecord` is the public shape of an answer; its JSON schema is written to
`docs/answer.schema.json` (a test keeps the file current), so API clients can rely on it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .qa import Answer, Citation

EvidenceKind = Literal["fact", "article", "model"]
EntityKind = Literal["Model", "Organization", "License", "Benchmark", "Topic"]

# The question families users ask about LLMs (see the grounded-answers issue).
Family = Literal[
    "attribute",  # an attribute of one model: developer, release date, parameters, context, licence ...
    "list",  # models matching filters
    "compare",  # two or more models side by side
    "count",  # counts and aggregates
    "rank",  # ranking by a benchmark score
    "lineage",  # fine-tuned from / based on
    "organization",  # about an organisation
    "news",  # news about a model or organisation in a time range
    "topic",  # models discussed with a topic
    "open",  # anything else: vector + keyword evidence only
]

FactScope = Literal["model", "org", "count", "topic"]


class FactId(BaseModel):
    """The id of one graph fact; `str()` gives the stable text form the evidence, the citations and
    the evaluation's gold ids use, `parse()` reads it back.

    * `model`: `fact:<model>`, `fact:<model>:<attribute>` or `fact:<model>:<attribute>:<qualifier>`
      (`score:<benchmark>`, `price:<provider>`, `fine_tuned_from:<parent>`, `based_on:<parent>`);
    * `org`: `fact:org:<org>`;  `topic`: `fact:topic:<topic>:<model>`;
    * `count`: `fact:count:models[:<filters>]`, or per organisation `fact:count:org:<org>[:<filters>]`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: FactScope = Field(
        "model", description="What the fact is about: a model, an organisation, a count, a topic."
    )
    subject: str | None = Field(
        description="The model id (model), organisation id (org, and per-organisation counts), topic id (topic)."
    )
    attribute: str | None = Field(
        None, description="The model attribute (model facts), e.g. context_length, score."
    )
    qualifier: str | None = Field(
        None,
        description="What the value is of or from: a score's benchmark, a price's provider, a lineage edge's "
        "parent, a topic fact's model, a count's filters (`key=value,...`).",
    )

    @classmethod
    def model_fact(cls, model_id: str, attribute: str | None = None, qualifier: str | None = None) -> FactId:
        return cls(scope="model", subject=model_id, attribute=attribute, qualifier=qualifier)

    @classmethod
    def org(cls, org_id: str) -> FactId:
        return cls(scope="org", subject=org_id)

    @classmethod
    def topic(cls, topic_id: str, model_id: str) -> FactId:
        return cls(scope="topic", subject=topic_id, qualifier=model_id)

    @classmethod
    def count(cls, org_id: str | None = None, filters: str | None = None) -> FactId:
        return cls(scope="count", subject=org_id, qualifier=filters or None)

    def __str__(self) -> str:
        rest = [p for p in (self.attribute, self.qualifier) if p]
        if self.scope == "model":
            return ":".join(["fact", str(self.subject), *rest])
        if self.scope == "count":
            head = (
                ["fact", "count", "org", str(self.subject)] if self.subject else ["fact", "count", "models"]
            )
            return ":".join([*head, *rest])
        return ":".join(["fact", self.scope, str(self.subject), *rest])

    @classmethod
    def parse(cls, text: str) -> FactId | None:
        """The FactId of `text`, or None for an id that is no fact (a chunk or article id)."""
        parts = text.split(":")
        if len(parts) < 2 or parts[0] != "fact" or not all(parts[1:2]):
            return None
        head, rest = parts[1], parts[2:]
        if head == "org" and len(rest) == 1:
            return cls.org(rest[0])
        if head == "topic" and len(rest) == 2:
            return cls.topic(rest[0], rest[1])
        if head == "count" and rest[:1] == ["models"]:
            return cls.count(None, ":".join(rest[1:]))
        if head == "count" and rest[:1] == ["org"] and len(rest) >= 2:
            return cls.count(rest[1], ":".join(rest[2:]))
        return cls.model_fact(head, rest[0] if rest else None, ":".join(rest[1:]) or None)


class Filters(BaseModel):
    """What a list, count or rank question restricts the models to; None: not asked."""

    model_config = ConfigDict(extra="forbid")

    open_weights: bool | None = None
    reasoning: bool | None = None
    modality: str | None = Field(None, description="An input modality: image, audio, video, pdf.")
    min_context: int | None = Field(None, description="At least this many tokens of context.")
    released_after: date | None = Field(None, description="Released on or after this day.")
    released_before: date | None = Field(None, description="Released on or before this day.")
    org: str | None = Field(None, description="The developer's organisation id.")
    license: str | None = Field(None, description="The licence id.")

    def given(self) -> dict[str, Any]:
        """The filters the question set, by name."""
        return self.model_dump(exclude_none=True)


class LinkedEntity(BaseModel):
    """A graph entity the question names, and the words it used for it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: EntityKind
    name: str
    surface: str = Field(description="The question's words for it.")
    alternatives: list[str] = Field(
        default_factory=list, description="Other models the words could mean (the canonical one was picked)."
    )


class Comparison(BaseModel):
    """A "which ... A or B" question: the attribute compared and which end wins ("which is older":
    release_date, min). The verdict is computed from the facts, never left to the reader."""

    model_config = ConfigDict(extra="forbid")

    attribute: str = Field(description="The compared attribute (see core.attributes).")
    order: Literal["max", "min"] = Field(description="max: the larger value wins; min: the smaller.")
    cue: str = Field("", description="The question's words for it ('longer context', 'older').")


Operator = Literal["=", "<", ">", ">=", "<=", "between", "contains", "starts"]


class Condition(BaseModel):
    """One filter of a query plan on a registry attribute: `parameters < 10e9`, `release_date between
    2025-01-01 and 2025-03-31`. Values travel as Cypher parameters, never as query text."""

    model_config = ConfigDict(extra="forbid")

    attribute: str = Field(description="A core.attributes name that has a graph property.")
    op: Operator
    value: int | float | str | bool | date
    upper: int | float | str | date | None = Field(None, description="The upper bound of `between`.")


class SortKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attribute: str = Field(
        description="A registry attribute with a graph property, 'price' or 'benchmark_score'."
    )
    order: Literal["asc", "desc"]
    benchmark_id: str | None = Field(None, description="The benchmark of a score sort.")


class QueryPlan(BaseModel):
    """What the graph is asked, between question analysis and Cypher: targets, filters, a sort, a
    limit, an aggregation, the attributes to report and a comparison. `kg.plan_queries` compiles it
    from vetted building blocks (property names from the registry's allow-list, values as parameters)."""

    model_config = ConfigDict(extra="forbid")

    targets: list[str] = Field(default_factory=list, description="Model ids the question names.")
    conditions: list[Condition] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters, description="The analysis' named filters.")
    sort: SortKey | None = None
    limit: int = Field(10, ge=1, le=100)
    aggregation: Literal["count", "min", "max"] | None = Field(
        None, description="count: how many models; min/max: the extreme of `measure` and its model."
    )
    measure: str | None = Field(None, description="The property min/max reads (a registry attribute).")
    group_by: Literal["organization", "year", "license"] | None = Field(
        None, description="Aggregate per developer, release year or licence."
    )
    report: list[str] = Field(default_factory=list, description="Attributes the answer states.")
    comparison: Comparison | None = None


class OutOfScope(BaseModel):
    """What a question asks that the catalog does not hold: it is refused, saying what the catalog knows."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["attribute", "unknown_model", "subject"] = Field(
        description="attribute: a property the graph does not hold (a CEO, a stock price, a training cost); "
        "unknown_model: a model name of a known series that no model has; subject: not about LLMs or AI."
    )
    asked: str = Field(description="The words of the question that ask it.")
    about: Literal["model", "organization"] | None = Field(
        None, description="Whose attribute was asked, for kind=attribute."
    )


class Slots(BaseModel):
    """What question analysis understood, beyond the family."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model_ids: list[str] = Field(default_factory=list, description="Linked models, in question order.")
    org_ids: list[str] = Field(default_factory=list, description="Linked organisations, in question order.")
    org_id: str | None = Field(None, description="The first linked organisation.")
    license_id: str | None = None
    benchmark_id: str | None = None
    topic_id: str | None = None
    attribute: str | None = Field(None, description="The first asked attribute (see core.attributes).")
    attributes: list[str] = Field(
        default_factory=list, description="Every asked attribute, first asked first."
    )
    filters: Filters = Field(default_factory=Filters)
    date_from: date | None = Field(None, description="First day of the asked period (inclusive).")
    date_to: date | None = Field(None, description="Last day of the asked period (inclusive).")
    limit: int | None = Field(None, description="How many items the question asks for ('top 5').")
    answer_count: int | None = Field(None, description="Ranked items that answer it; None: several.")
    latest: bool = Field(False, description="Asks for the newest ('latest model').")
    group_by: Literal["organization"] | None = None
    lineage_direction: Literal["ancestor", "descendant"] | None = Field(
        None, description="ancestor: what the model is built on; descendant: what is built on it; None: both."
    )
    entities: list[LinkedEntity] = Field(default_factory=list)
    comparison: Comparison | None = Field(None, description="A 'which ... A or B' question's comparison.")
    resolved_from_history: bool = Field(False, description="Entities or family came from earlier questions.")
    search_text: str = Field("", description="What vector and keyword search look for.")
    understood: str | None = Field(
        None, description="The question as analysed, when short forms or misspellings were written out."
    )
    out_of_scope: OutOfScope | None = Field(
        None, description="Set when the question asks what the catalog does not hold (see rag.scope)."
    )


class QuestionAnalysis(BaseModel):
    """A question's family, its slots, and the vetted Cypher template that answered it (set by retrieval)."""

    model_config = ConfigDict(extra="forbid")

    family: Family
    slots: Slots = Field(default_factory=Slots)
    template: str | None = None
    plan: QueryPlan | None = Field(None, description="The query plan the graph was asked, when one was made.")


class CitationRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=1, description="The number the answer cites as [n].")
    kind: EvidenceKind = Field(description="fact: a graph fact; article/model: a chunk's source.")
    id: str = Field(description="Fact id (see `fact`) or chunk id (<document>#<n>).")
    fact: FactId | None = Field(description="A fact citation's id, parsed; None for chunks and articles.")
    title: str | None = None
    url: str | None = None
    date: str | None = None

    @classmethod
    def of(cls, c: Citation) -> CitationRecord:
        fact = FactId.parse(c.id) if c.kind == "fact" else None
        return cls(n=c.n, kind=c.kind, id=c.id, fact=fact, title=c.title, url=c.url, date=c.date)


class GroundingRejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentence: str = Field(description="The model's sentence that was rejected.")
    reason: str = Field(
        description="Why: placeholder, number/entity/date/claim not in the cited evidence, no citation."
    )
    claim: str | None = Field(description="The word or number the cited evidence does not hold.")


class GroundingCheck(BaseModel):
    """The strict grounding check of the model's own text (rag.grounding); absent when no model phrased."""

    model_config = ConfigDict(extra="forbid")

    passed: bool = Field(
        description="Every sentence held by its cited evidence; False: the answer was composed."
    )
    sentences: int = Field(description="Sentences checked.")
    rejections: list[GroundingRejection] = Field(default_factory=list)
    model_text: str | None = Field(
        None, description="The model's rejected text, when the answer was replaced."
    )


class AnswerRecord(BaseModel):
    """One answer: the text with its citations, what the analysis understood, and what it cost."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str = Field(description="The answer, citing evidence as [n]; a refusal says what is missing.")
    citations: list[CitationRecord]
    family: Family = Field(description="The question family the analysis recognised.")
    slots: Slots = Field(description="What the analysis understood: entities, attributes, filters, dates.")
    template: str | None = Field(description="The vetted Cypher template that answered, if any.")
    plan: QueryPlan | None = Field(
        None, description="The query plan (filters, sort, limit, comparison), if any."
    )
    refused: bool = Field(description="True when the evidence did not hold an answer.")
    timings_ms: dict[str, float] = Field(
        description="Milliseconds per stage (analyze, graph, vector, generate ...)."
    )
    grounding: GroundingCheck | None = Field(
        None, description="The strict grounding check of the model's text; None when no model phrased it."
    )

    @classmethod
    def of(cls, answer: Answer) -> AnswerRecord:
        analysis = answer.analysis
        return cls(
            question=answer.question,
            answer=answer.answer,
            citations=[CitationRecord.of(c) for c in answer.citations],
            family=analysis.family,
            slots=analysis.slots,
            template=analysis.template,
            plan=analysis.plan,
            refused=answer.refused,
            timings_ms=answer.timings_ms,
            grounding=answer.grounding,
        )


def answer_schema_json() -> str:
    """The JSON schema of `AnswerRecord`, as kept in docs/answer.schema.json."""
    return json.dumps(AnswerRecord.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m rag.contracts > docs/answer.schema.json
    print(answer_schema_json(), end="")
