"""One root exception for graph problems, so callers can turn them into clear messages."""


class GraphError(Exception):
    """Base class for every error raised by `kg`."""


class ServerStartError(GraphError):
    """The embedded graph server could not be started; the message says why and what to do."""


class ReadOnlyViolation(GraphError):
    """A query given as read-only would write to the graph."""
