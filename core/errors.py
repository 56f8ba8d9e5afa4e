"""One root error for the whole product, with one subclass per concern.

Every message is a sentence a user can act on (what went wrong and what to do), so the shells print
it as it is: the CLI as one line on stderr with an exit code, the API as a JSON body with a status.
"""

from __future__ import annotations


class LlmxError(Exception):
    """Base class of every error the product raises on purpose."""


class ConfigError(LlmxError, ValueError):
    """A setting or a configuration file holds a value that cannot work."""


class InvalidInput(LlmxError, ValueError):
    """A request, a question, a parameter or a file given by the user is malformed."""


class NotFound(LlmxError, LookupError):
    """The thing asked for does not exist (or the caller may not know that it does)."""


class AccessDenied(LlmxError, PermissionError):
    """The caller is not allowed to do this."""


class GraphError(LlmxError):
    """The graph server cannot be reached, started or queried."""


class SourceError(LlmxError):
    """A catalog or news source cannot be read at all (bad rows are quarantined instead)."""


class SearchIndexError(LlmxError):
    """The search indexes are missing, corrupt or out of step with the graph."""


class GenerationError(LlmxError, RuntimeError):
    """A chat model could not be loaded or did not answer."""
