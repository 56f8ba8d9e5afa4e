"""Schemathesis over the app's own OpenAPI document: requests generated from every operation's schema
(valid ones and deliberately invalid ones) must never get a 5xx.

A separate app (its own database, its own bootstrap admin in tenant `default`) over the shared graph
and indexes, so generated users, keys and policy rules do not touch the other tests' world. The
chat routes (each valid case is a generation of ~3 s) and job starts (each valid case is a catalog
ingestion) are left out here; their validation is probed in test_adversarial.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.app import create_app
from tests.api.conftest import World

SKIP = {
    ("POST", "/v1/chat"),
    ("POST", "/v1/chat/stream"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/jobs"),
}
EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzz_schema(world: World, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("fuzz")
    app = create_app(world.settings.model_copy(update={"data_dir": data_dir}), world.ctx)
    token = (data_dir / "api" / "admin.key").read_text().strip()
    return schemathesis.openapi.from_asgi("/openapi.json", app), token


def test_no_5xx_for_generated_requests(fuzz_schema) -> None:  # type: ignore[no-untyped-def]
    schema, token = fuzz_schema
    failures: list[str] = []
    calls = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case) -> None:  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                    )

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no parameters, no body
    print(f"schemathesis: {calls} generated requests over {len(operations) - len(SKIP)} operations")
    assert calls >= 200
    assert not failures, failures[:10]
