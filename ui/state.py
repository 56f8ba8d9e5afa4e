"""Session state and the few helpers every page shares: the signed-in client, permission gates and
one way to show the API's errors. Keys are prefixed by what owns them (`auth.`, `chat.`, ...).

The API key lives in this browser session's state only: never in a URL, a cookie or a file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import streamlit as st

from .client import ApiClient, ApiError, Me
from .config import get_settings

T = TypeVar("T")
CLIENT, ME = "auth.client", "auth.me"


def sign_in(key: str) -> Me:
    """Check the key with the API (`GET /v1/me`) and keep the client and identity in the session."""
    settings = get_settings()
    client = ApiClient(settings.api_url, key.strip(), timeout=settings.timeout_s)
    try:
        me = client.me()
    except ApiError:
        client.close()
        raise
    st.session_state[CLIENT], st.session_state[ME] = client, me
    return me


def sign_out() -> None:
    client = st.session_state.get(CLIENT)
    if isinstance(client, ApiClient):
        client.close()
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def current() -> tuple[ApiClient, Me] | None:
    client, me = st.session_state.get(CLIENT), st.session_state.get(ME)
    if isinstance(client, ApiClient) and isinstance(me, Me):
        return client, me
    return None


def require(resource: str, action: str) -> tuple[ApiClient, Me]:
    """The signed-in client, if the caller may `action` on `resource`; otherwise a message and stop."""
    signed = current()
    if signed is None:
        st.warning("Sign in with your API key first.")
        st.stop()
    client, me = signed
    if not me.can(resource, action):
        denied(f"Your role ({me.role}) may not {action} {resource}.")
    return client, me


def denied(message: str) -> NoReturn:
    st.error(f"🔒 Not allowed. {message} Ask an admin of your tenant for a role that may.")
    st.stop()


def show_error(exc: ApiError) -> None:
    """The API's refusal as a sentence the user can act on."""
    if exc.forbidden:
        me = st.session_state.get(ME)
        role = f" Your role is {me.role}." if isinstance(me, Me) else ""
        st.error(f"🔒 Not allowed: {exc.message}{role} Ask an admin of your tenant for a role that may.")
    elif exc.unauthenticated:
        st.error(f"Your key is no longer accepted ({exc.message}). Sign out and sign in again.")
    elif exc.status == 0:
        st.error(f"The API did not answer: {exc.message}")
    elif exc.status == 404:
        st.warning(f"Not found: {exc.message}")
    elif exc.status == 429:
        st.warning(f"Too many requests: {exc.message}")
    else:
        st.error(f"The API refused this ({exc.status}): {exc.message}")


def call(fn: Callable[[], T]) -> T | None:
    """`fn()`, or None after showing the API's error."""
    try:
        return fn()
    except ApiError as exc:
        show_error(exc)
        return None


def fmt_int(value: float | None) -> str:
    if value is None:
        return "—"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g}"


def fmt_usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.3g}"
