"""The Streamlit UI: a client of the REST API (see ui/client.py)."""
