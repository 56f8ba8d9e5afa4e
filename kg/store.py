"""The one object that owns the Bolt driver. Every read and write of the graph goes through it.

Writes run in managed write transactions (the driver retries transient errors) in UNWIND
batches; reads run in managed read transactions. Values are always parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, LiteralString, Self

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from core.settings import GraphSettings

from .embedded import EmbeddedServer, Endpoint
from .errors import GraphError, ReadOnlyViolation
from .readonly import check_read_only
from .schema import Backend, backend_statements

Row = dict[str, Any]


def _batches(rows: Sequence[Row], size: int) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class GraphStore:
    """Driver, database name and backend of one graph; use as a context manager."""

    def __init__(self, endpoint: Endpoint, *, batch_size: int = 1000, max_retry_s: float = 30.0) -> None:
        self.endpoint = endpoint
        self.database = endpoint.database
        self.batch_size = batch_size
        self._driver = neo4j.GraphDatabase.driver(
            endpoint.uri, auth=(endpoint.user, endpoint.password), max_transaction_retry_time=max_retry_s
        )
        try:
            agent = self._driver.get_server_info().agent
        except (ServiceUnavailable, AuthError, OSError) as exc:
            self._driver.close()
            raise GraphError(f"Cannot reach the graph at {endpoint.uri}: {exc}") from exc
        self.backend = Backend.ARCADEDB if "arcadedb" in agent.lower() else Backend.NEO4J

    @classmethod
    def connect(cls, settings: GraphSettings) -> Self:
        """Connect to the configured graph; start the embedded server first if none is configured."""
        if settings.embedded:
            endpoint = EmbeddedServer(settings).ensure_running()
        else:
            password = settings.graph_password.get_secret_value() if settings.graph_password else ""
            endpoint = Endpoint(settings.graph_uri or "", settings.graph_user, password, settings.database)
        return cls(endpoint, batch_size=settings.write_batch_size)

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------
    def apply_schema(self) -> list[str]:
        statements = backend_statements(self.backend)
        with self._driver.session(database=self.database) as session:
            for statement in statements:
                session.run(statement).consume()  # type: ignore[arg-type]  # built from enums only
        return statements

    # -- writes -------------------------------------------------------------------
    def write(self, query: LiteralString, **params: Any) -> neo4j.SummaryCounters:
        def work(tx: neo4j.ManagedTransaction) -> neo4j.SummaryCounters:
            return tx.run(query, params).consume().counters

        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def write_rows(self, query: LiteralString, rows: Sequence[Row], **params: Any) -> int:
        """Run `query` (which UNWINDs `$rows`) over `rows` in batches; return rows written."""
        written = 0
        for batch in _batches(rows, self.batch_size):
            self.write(query, rows=list(batch), **params)
            written += len(batch)
        return written

    # -- reads --------------------------------------------------------------------
    def read(self, query: LiteralString, **params: Any) -> list[Row]:
        """A read in one auto-commit transaction (RUN + PULL, one round trip; no BEGIN/COMMIT), in
        a READ-mode session from the driver's pool. A dropped pooled connection is retried once on a
        fresh one; query errors are raised as they are."""
        for attempt in (1, 2):
            try:
                with self._driver.session(
                    database=self.database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    return session.run(query, params).data()
            except (ServiceUnavailable, SessionExpired):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def read_only_query(
        self, cypher: str, params: dict[str, Any] | None = None, limit: int = 1000
    ) -> list[Row]:
        """Run a user-supplied query that must not write. It is always rolled back."""
        check_read_only(cypher)
        with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            tx = session.begin_transaction()
            try:
                result = tx.run(cypher, params or {})  # type: ignore[arg-type]  # guarded above
                rows = [record.data() for _, record in zip(range(limit), result, strict=False)]
                if result.consume().counters.contains_updates:
                    raise ReadOnlyViolation(
                        "Refused: the query tried to change the graph; nothing was changed."
                    )
                return rows
            finally:
                tx.rollback()
