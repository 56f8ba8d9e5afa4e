"""Graph errors: the root `GraphError` lives in `core.errors`; these are the graph's own cases."""

from core.errors import GraphError

__all__ = ["GraphError", "ReadOnlyViolation", "ServerStartError"]


class ServerStartError(GraphError):
    """The embedded graph server could not be started; the message says why and what to do."""


class ReadOnlyViolation(GraphError):
    """A query given as read-only would write to the graph."""
