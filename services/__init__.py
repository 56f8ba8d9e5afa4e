"""The operations both shells (the `llmx` CLI and the REST API) call: ingest, index sync, ask,
search and the catalog reads. Nothing here knows about typer, rich or HTTP."""
