"""Sign in with an API key; it stays in this browser session only."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.client import ApiError
from ui.config import get_settings
from ui.nav import pages_for

signed = state.current()
if signed is not None:  # just signed in: on to the first page the role may use
    st.switch_page(pages_for(signed[1])[0].path)

st.title("LLMXplorer")
st.caption("A knowledge graph of large language models and the AI news about them, with cited answers.")
with st.form("auth.form"):
    key = st.text_input("API key", type="password", placeholder="llmx_...", key="auth.key_input")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    if not key.strip():
        st.warning("Paste your API key (an admin creates one with `llmx users` or on the Admin page).")
    else:
        try:
            state.sign_in(key)
        except ApiError as exc:
            if exc.unauthenticated:
                st.error("This key is unknown, expired or revoked.")
            else:
                state.show_error(exc)
        else:
            st.rerun()
st.caption(f"API: {get_settings().api_url}")
