"""The Streamlit entrypoint (`llmx ui`): sign-in, then the pages the caller's role may use.

Run: `streamlit run ui/app.py` with `LLMX_UI_API_URL` pointing at the API. Pages a role cannot use
are left out of the navigation (the API still refuses them, and the pages say so if reached).
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.nav import SIGN_IN, pages_for


def main() -> None:
    st.set_page_config(page_title="LLMXplorer", page_icon=":material/hub:", layout="wide")
    signed = state.current()
    if signed is None:
        st.navigation([st.Page(SIGN_IN, title="Sign in", icon=":material/login:", default=True)]).run()
        return
    _, me = signed
    with st.sidebar:
        st.markdown(f"**{me.name}** · {me.role} · tenant `{me.tenant}`")
        if st.button("Sign out", key="auth.sign_out", icon=":material/logout:"):
            state.sign_out()
            st.rerun()
    allowed = pages_for(me)
    if not allowed:
        st.error("Your role may not use any page of the UI. Ask an admin of your tenant for a role.")
        return
    pages = [
        st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=(i == 0))
        for i, p in enumerate(allowed)
    ]
    # Kept (hidden) so that the run right after signing in, still on this page, moves on from it.
    pages.append(st.Page(SIGN_IN, title="Sign in", url_path="sign_in", visibility="hidden"))
    st.navigation(pages, position="sidebar").run()


main()
