"""The UI's only HTTP code: a typed client of the LLMXplorer REST API.

Every call carries the signed-in user's key, so the API decides what they may do and see; the UI
only hides what the caller's permissions (from `GET /v1/me`) say they cannot use. Every failure,
whatever its cause (an error body, a refused connection, a timeout), is one `ApiError` with the
HTTP status (0 when no response came) and the API's message. This module never imports streamlit.

The result models mirror the API's response schemas and ignore fields they do not know, so the API
can grow without breaking the UI; fields the API may not send yet have defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

DEFAULT_TIMEOUT_S = 120.0  # an answer from the local chat model on 2 CPU cores can take a while


class ApiError(Exception):
    """A request the API refused or could not answer: `status` (0: no response), `code`, `message`."""

    def __init__(self, status: int, message: str, code: str = "error") -> None:
        super().__init__(f"{status} {code}: {message}" if status else message)
        self.status, self.code, self.message = status, code, message

    @property
    def forbidden(self) -> bool:
        return self.status == 403

    @property
    def unauthenticated(self) -> bool:
        return self.status == 401


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- who is signed in --------------------------------------------------------------------------
class Me(_Model):
    name: str
    tenant: str
    role: str
    permissions: list[str] = Field(default_factory=list, description="`resource:action` pairs allowed.")

    def can(self, resource: str, action: str) -> bool:
        return f"{resource}:{action}" in self.permissions


# -- chat ----------------------------------------------------------------------------------------
class FactRef(_Model):
    scope: str = "model"
    subject: str | None = None
    attribute: str | None = None
    qualifier: str | None = None


class Citation(_Model):
    n: int
    kind: str
    id: str
    fact: FactRef | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None


class ChatReply(_Model):
    conversation_id: str
    message_id: int
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    family: str | None = None
    template: str | None = None
    plan: dict[str, Any] | None = None


class StreamEvent(_Model):
    """One server-sent event of `/v1/chat/stream`: meta (ids, family, template, plan), delta,
    citations, done (or error)."""

    event: str
    data: Any = None


class Turn(_Model):
    message_id: int
    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    created_at: str | None = None
    family: str | None = None
    template: str | None = None
    plan: dict[str, Any] | None = None


class ConversationSummary(_Model):
    id: str
    title: str = ""
    turns: int = 0
    created_at: str | None = None
    last_at: str | None = None


class SearchHit(_Model):
    rank: int
    kind: str
    id: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    text: str = ""
    score: float = 0.0


# -- catalog and news ----------------------------------------------------------------------------
Sort = Literal["name", "release_date", "context_length", "parameters", "input_price", "benchmark_score"]
SORTS: tuple[Sort, ...] = (
    "name",
    "release_date",
    "context_length",
    "parameters",
    "input_price",
    "benchmark_score",
)
MODALITIES = ("text", "image", "audio", "video", "pdf", "file")
NodeKind = Literal[
    "model", "organization", "article", "topic", "license", "benchmark", "provider", "document"
]


class ModelSummary(_Model):
    id: str
    name: str | None = None
    org_id: str | None = None
    organization: str | None = None
    family: str | None = None
    release_date: str | None = None
    context_length: int | None = None
    open_weights: bool | None = None
    parameters: float | None = None
    license_id: str | None = None
    input_usd_per_1m: float | None = None
    input_modalities: list[str] = Field(default_factory=list)
    benchmark_score: float | None = None


class ModelPage(_Model):
    total: int
    offset: int
    limit: int
    items: list[ModelSummary]


class ModelQuery(_Model):
    """The explorer's filters, as `GET /v1/models` takes them."""

    q: str | None = None
    org_id: str | None = None
    open_weights: bool | None = None
    min_context: int | None = None
    max_context: int | None = None
    min_parameters: float | None = None
    max_parameters: float | None = None
    released_after: date | None = None
    released_before: date | None = None
    license_id: str | None = None
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    max_input_price: float | None = None
    benchmark_id: str | None = None
    min_score: float | None = None
    sort: Sort = "name"
    offset: int = 0
    limit: int = 50


class Provenance(_Model):
    source: str | None = None
    url: str | None = None
    rank: int | None = None


class Score(_Model):
    benchmark_id: str
    benchmark: str | None = None
    score: float | None = None
    source: str | None = None
    self_reported: bool | None = None


class Offer(_Model):
    provider_id: str
    provider: str | None = None
    input_usd_per_1m: float | None = None
    output_usd_per_1m: float | None = None
    max_input_tokens: int | None = None
    source: str | None = None


class Relative(_Model):
    direction: str
    relation: str
    id: str
    name: str | None = None


class NewsItem(_Model):
    id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    summary: str | None = None
    classification: str = "public"
    sentiment: float | None = None
    topics: list[str] = Field(default_factory=list)


class TopicCount(_Model):
    id: str
    name: str | None = None
    kind: str | None = None
    articles: int = 0


class ModelDetail(_Model):
    id: str
    name: str | None = None
    organization: str | None = None
    org_id: str | None = None
    license: str | None = None
    license_id: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    provenance: list[Provenance] = Field(default_factory=list)
    benchmarks: list[Score] = Field(default_factory=list)
    providers: list[Offer] = Field(default_factory=list)
    lineage: list[Relative] = Field(default_factory=list)
    news: list[NewsItem] = Field(default_factory=list)
    topics: list[TopicCount] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return self.name or self.id

    def cheapest_input_price(self) -> float | None:
        prices = [p.input_usd_per_1m for p in self.providers if p.input_usd_per_1m is not None]
        return min(prices) if prices else None


class Neighbour(_Model):
    id: str
    kind: str
    label: str | None = None
    relation: str
    outgoing: bool | None = None


class Neighbourhood(_Model):
    id: str
    kind: str
    label: str | None = None
    neighbours: list[Neighbour] = Field(default_factory=list)


class NewsQuery(_Model):
    model_id: str | None = None
    org_id: str | None = None
    topic_id: str | None = None
    since: date | None = None
    until: date | None = None
    offset: int = 0
    limit: int = 50


# -- administration ------------------------------------------------------------------------------
class Document(_Model):
    id: str
    title: str
    classification: str
    tenant: str
    created_at: str | None = None
    created_by: str | None = None
    chars: int | None = None
    chunks: int | None = None


class Job(_Model):
    id: str
    kind: str
    status: str
    tenant: str
    started_by: str
    created_at: str
    finished_at: str | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None


class Adapter(_Model):
    name: str
    base_model: str | None = None
    peft_type: str | None = None
    active: bool = False
    report: dict[str, Any] | None = None


class AdapterReport(_Model):
    name: str
    report: dict[str, Any] | None = None
    report_md: str | None = None


class QuarantinedRow(_Model):
    id: str
    source: str | None = None
    key: str | None = None
    reason: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None


class QuarantinePage(_Model):
    total: int
    offset: int = 0
    limit: int = 50
    items: list[QuarantinedRow] = Field(default_factory=list)


class QualityDay(_Model):
    """Answer quality on one day (UTC): rates are None when nothing was there to rate."""

    day: str
    answers: int = 0
    grounding_pass: float | None = None
    citation_rate: float | None = None
    refusal_rate: float | None = None
    latency_p50_ms: float | None = None
    thumbs_up: int = 0
    thumbs_down: int = 0


class Quality(_Model):
    days: list[QualityDay] = Field(default_factory=list)
    retrain: bool = False
    reasons: list[str] = Field(default_factory=list)


class User(_Model):
    id: int
    name: str
    tenant: str
    role: str
    active: bool
    created_at: str


class Key(_Model):
    id: int
    user_id: int
    prefix: str
    label: str = ""
    created_at: str
    expires_at: str
    revoked: bool


class NewKey(_Model):
    key: Key
    token: str


class Metric(_Model):
    """One Prometheus sample: name, labels, value."""

    name: str
    labels: dict[str, str]
    value: float


def parse_metrics(text: str) -> list[Metric]:
    """The samples of a Prometheus text exposition (comments skipped)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, _, rest = head.partition("{")
        labels: dict[str, str] = {}
        for part in rest.rstrip("}").split('",') if rest else []:
            key, _, val = part.partition("=")
            if key:
                labels[key.strip()] = val.strip().strip('"')
        try:
            out.append(Metric(name=name, labels=labels, value=float(value)))
        except ValueError:
            continue
    return out


def _error_of(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
        error = body.get("error", {}) if isinstance(body, dict) else {}
        message = str(error.get("message") or body.get("detail") or response.reason_phrase)
        code = str(error.get("code") or "error")
    except (ValueError, AttributeError):
        message, code = response.text[:300] or response.reason_phrase, "error"
    return ApiError(response.status_code, message, code)


def _params(query: BaseModel) -> dict[str, Any]:
    """Query parameters: dates as ISO text, lists repeated (`?a=x&a=y`), unset and empty left out."""
    return {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in query.model_dump().items()
        if v is not None and v != []
    }


class ApiClient:
    """One signed-in user's view of the API. `transport` lets tests talk to an app in-process."""

    def __init__(
        self, base_url: str, key: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ApiError(0, f"The API at {self.base_url} did not answer in time.", "timeout") from exc
        except httpx.HTTPError as exc:
            raise ApiError(0, f"Cannot reach the API at {self.base_url}: {exc}", "unreachable") from exc
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    def _get(self, path: str, model: Any, **params: Any) -> Any:
        return _parse(model, self._request("GET", path, params=params).json())

    def _send(self, method: str, path: str, model: Any, body: Any = None) -> Any:
        response = self._request(method, path, json=body)
        return _parse(model, response.json()) if model is not None else None

    # -- identity and health -------------------------------------------------------------------
    def me(self) -> Me:
        try:
            me: Me = self._get("/v1/me", Me)
        except ApiError as exc:
            if exc.status == 404:  # an API without api/routes/me.py registered
                raise ApiError(
                    404, "This API has no GET /v1/me, which sign-in needs; update the API."
                ) from exc
            raise
        if me.role == "anonymous":
            raise ApiError(401, "Sign in with an API key.", "unauthenticated")
        return me

    def ready(self) -> dict[str, Any]:
        response = self._http.get("/readyz")
        return dict(response.json())

    # -- chat ----------------------------------------------------------------------------------
    def chat(self, question: str, conversation_id: str | None = None) -> ChatReply:
        body = {"question": question, "conversation_id": conversation_id}
        reply: ChatReply = self._send("POST", "/v1/chat", ChatReply, body)
        return reply

    def chat_stream(self, question: str, conversation_id: str | None = None) -> Iterator[StreamEvent]:
        """The answer as it arrives: `meta`, `delta` ({text}), `citations` (list), `done`."""
        body = {"question": question, "conversation_id": conversation_id}
        try:
            with self._http.stream("POST", "/v1/chat/stream", json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error_of(response)
                event = "message"
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        yield StreamEvent(event=event, data=json.loads(line[5:].strip()))
                        event = "message"
        except httpx.TimeoutException as exc:
            raise ApiError(0, f"The API at {self.base_url} did not answer in time.", "timeout") from exc
        except httpx.HTTPError as exc:
            raise ApiError(0, f"Cannot reach the API at {self.base_url}: {exc}", "unreachable") from exc

    def conversation(self, conversation_id: str) -> list[Turn]:
        turns: list[Turn] = self._get(f"/v1/conversations/{_segment(conversation_id)}", list[Turn])
        return turns

    def conversations(self, limit: int = 50) -> list[ConversationSummary]:
        """The signed-in user's conversations, the most recently active first."""
        found: list[ConversationSummary] = self._get(
            "/v1/conversations", list[ConversationSummary], limit=limit
        )
        return found

    def feedback(self, message_id: int, rating: int, comment: str = "") -> int:
        body = {"message_id": message_id, "rating": rating, "comment": comment}
        return int(self._request("POST", "/v1/feedback", json=body).json()["id"])

    def search(self, query: str, k: int = 8) -> list[SearchHit]:
        hits = self._request("POST", "/v1/search", json={"query": query, "k": k}).json()["hits"]
        return _parse(list[SearchHit], hits)  # type: ignore[no-any-return]

    # -- catalog and news ----------------------------------------------------------------------
    def models(self, query: ModelQuery | None = None) -> ModelPage:
        page: ModelPage = self._get("/v1/models", ModelPage, **_params(query or ModelQuery()))
        return page

    def model(self, model_id: str) -> ModelDetail:
        detail: ModelDetail = self._get(f"/v1/models/{_segment(model_id)}", ModelDetail)
        return detail

    def compare(self, model_ids: list[str]) -> list[ModelDetail]:
        details: list[ModelDetail] = self._get("/v1/compare", list[ModelDetail], ids=",".join(model_ids))
        return details

    def graph(self, kind: NodeKind, node_id: str, limit: int = 60) -> Neighbourhood:
        path = f"/v1/graph/{kind}/{_segment(node_id)}"
        hood: Neighbourhood = self._get(path, Neighbourhood, limit=limit)
        return hood

    def news(self, query: NewsQuery | None = None) -> list[NewsItem]:
        items: list[NewsItem] = self._get("/v1/news", list[NewsItem], **_params(query or NewsQuery()))
        return items

    # -- documents, jobs, adapters -------------------------------------------------------------
    def documents(self) -> list[Document]:
        docs: list[Document] = self._get("/v1/documents", list[Document], limit=200)
        return docs

    def upload_document(self, title: str, text: str, classification: str) -> Document:
        body = {"title": title, "text": text, "classification": classification}
        doc: Document = self._send("POST", "/v1/documents", Document, body)
        return doc

    def delete_document(self, doc_id: str) -> None:
        self._request("DELETE", f"/v1/documents/{_segment(doc_id)}")

    def jobs(self) -> list[Job]:
        jobs: list[Job] = self._get("/v1/jobs", list[Job])
        return jobs

    def start_job(self, kind: str, sources: list[str], classification: str = "public") -> Job:
        body = {"kind": kind, "sources": sources, "classification": classification}
        job: Job = self._send("POST", "/v1/jobs", Job, body)
        return job

    def adapters(self) -> list[Adapter]:
        adapters: list[Adapter] = self._get("/v1/adapters", list[Adapter])
        return adapters

    def activate_adapter(self, name: str) -> None:
        self._request("POST", f"/v1/adapters/{_segment(name)}/activate")

    def adapter_report(self, name: str) -> AdapterReport:
        """The adapter's evaluation report: `report` (report.json) and `report_md`, each None if absent."""
        report: AdapterReport = self._get(f"/v1/adapters/{_segment(name)}/report", AdapterReport)
        return report

    def quarantine(
        self, kind: str | None = None, since: str | None = None, until: str | None = None, limit: int = 50
    ) -> QuarantinePage:
        """Rows the ingestion jobs quarantined; a job's `created_at`/`finished_at` pick out its own."""
        params = {k: v for k, v in {"kind": kind, "since": since, "until": until}.items() if v}
        page: QuarantinePage = self._get("/v1/quarantine", QuarantinePage, limit=limit, **params)
        return page

    def quality(self) -> Quality:
        """Answer-quality indicators per day (grounding, citations, refusals, latency, thumbs)."""
        quality: Quality = self._get("/v1/quality", Quality)
        return quality

    # -- users, keys, policies, metrics --------------------------------------------------------
    def users(self) -> list[User]:
        users: list[User] = self._get("/v1/admin/users", list[User])
        return users

    def create_user(self, name: str, role: str) -> User:
        user: User = self._send("POST", "/v1/admin/users", User, {"name": name, "role": role})
        return user

    def update_user(self, user_id: int, *, role: str | None = None, active: bool | None = None) -> User:
        body = {k: v for k, v in {"role": role, "active": active}.items() if v is not None}
        user: User = self._send("PATCH", f"/v1/admin/users/{user_id}", User, body)
        return user

    def keys(self) -> list[Key]:
        keys: list[Key] = self._get("/v1/admin/keys", list[Key])
        return keys

    def create_key(self, user_id: int, ttl_days: int = 90, label: str = "") -> NewKey:
        body = {"ttl_days": ttl_days, "label": label}
        new: NewKey = self._send("POST", f"/v1/admin/users/{user_id}/keys", NewKey, body)
        return new

    def revoke_key(self, key_id: int) -> None:
        self._request("DELETE", f"/v1/admin/keys/{key_id}")

    def policies(self) -> list[list[str]]:
        return [list(map(str, r)) for r in self._request("GET", "/v1/admin/policies").json()]

    def metrics(self) -> list[Metric]:
        return parse_metrics(self._request("GET", "/metrics").text)


def _segment(value: str) -> str:
    """A path segment: ids may hold '/' or ':' (e.g. `meta-llama/llama-3`)."""
    return quote(value, safe="")


def _parse(model: Any, data: Any) -> Any:
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        raise ApiError(
            0, f"The API answered in an unexpected shape: {exc.errors()[0]['msg']}", "bad_response"
        ) from exc
