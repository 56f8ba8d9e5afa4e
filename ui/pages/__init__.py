"""One file per page; `ui/app.py` lists them in `st.navigation`."""
