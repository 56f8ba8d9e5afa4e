"""`llmx serve`: the REST API on the embedded default, with no other set-up.

The app is built inside uvicorn from `api.app:create_default_app` (the CLI and the API are sibling
shells and do not import each other). On first start it creates the API database and a bootstrap
admin key in `<data_dir>/api/admin.key` (mode 0600); this command says where that file is.
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from core.settings import get_settings

from .console import out


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind; default LLMX_API_HOST (127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port; default LLMX_API_PORT (8000).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads its own models).")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Also log every request line (the audit log already records each request).")
    ] = False,
) -> None:
    """Start the REST API (graph server included); Ctrl-C stops it."""
    settings = get_settings()
    bind_host, bind_port = host or settings.api_host, port or settings.api_port
    key_file = (settings.api_dir / "admin.key").resolve()
    out.print(f"LLMXplorer API on http://{bind_host}:{bind_port}  (OpenAPI: /openapi.json)", highlight=False)
    if key_file.exists():
        out.print(f"Bootstrap admin key: {key_file}", highlight=False, soft_wrap=True)
    else:
        out.print(f"Bootstrap admin key: {key_file} (written on first start, mode 0600)", highlight=False,
                  soft_wrap=True)  # fmt: skip
    out.print(f'Try: curl -H "Authorization: Bearer $(cat {key_file})" http://{bind_host}:{bind_port}/v1/models?limit=3',
              highlight=False, soft_wrap=True)  # fmt: skip
    uvicorn.run(
        "api.app:create_default_app", factory=True, host=bind_host, port=bind_port, workers=workers,
        log_level="info", access_log=access_log, timeout_graceful_shutdown=5,
    )  # fmt: skip
