"""ui/client.py against the running API: one error type with the API's status and message, typed
results, and the metrics parsed from the Prometheus text."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from ui.client import ApiClient, ApiError, ModelQuery

from .conftest import UiWorld


def test_a_refusal_is_one_error_with_the_api_status_and_message(ui_world: UiWorld) -> None:
    with pytest.raises(ApiError) as refused:
        ui_world.client("viewer").users()
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert refused.value.forbidden and "may not read users" in refused.value.message

    with pytest.raises(ApiError) as unknown:
        ApiClient(ui_world.api_url, "llmx_wrong").models()
    assert unknown.value.unauthenticated and "unknown, expired or revoked" in unknown.value.message

    with pytest.raises(ApiError) as invalid:
        ui_world.client("viewer").models(ModelQuery(limit=500))
    assert invalid.value.status == 422


def test_an_api_that_is_not_there_is_status_zero(ui_world: UiWorld) -> None:
    with pytest.raises(ApiError) as down:
        ApiClient(f"http://127.0.0.1:{free_port()}", "k", timeout=5).models()
    assert (down.value.status, down.value.code) == (0, "unreachable")


def test_me_lists_the_role_permissions_from_the_policy(ui_world: UiWorld) -> None:
    viewer, admin = ui_world.client("viewer").me(), ui_world.client("admin").me()
    assert viewer.can("chat", "ask") and viewer.can("catalog", "read")
    assert not viewer.can("users", "read") and not viewer.can("feedback", "write")
    assert admin.can("users", "write") and admin.can("metrics", "read")
    assert set(viewer.permissions) < set(admin.permissions)


def test_typed_catalog_results_and_parsed_metrics(ui_world: UiWorld) -> None:
    admin = ui_world.client("admin")
    page = admin.models(ModelQuery(q="llama", sort="context_length", limit=5))
    assert 0 < len(page.items) <= 5 and page.total >= len(page.items)
    contexts = [m.context_length for m in page.items if m.context_length is not None]
    assert contexts == sorted(contexts, reverse=True)
    detail = admin.model(page.items[0].id)
    assert detail.id == page.items[0].id and detail.facts
    samples = admin.metrics()
    routes = {s.labels.get("route") for s in samples if s.name == "llmx_http_requests_total"}
    assert "/v1/models" in routes
