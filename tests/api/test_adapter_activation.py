"""Activating an adapter over the API changes the model that answers the tenant's next questions:
the shipped `adapters/candidate` LoRA, merged into the base model, answers acme's questions once an
acme admin activates it (the `X-LLMX-Model` header and the answer log name it), globex keeps the
default model, and deactivating it brings acme back to the default model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from finetune.monitor import ANSWER_LOG
from rag.generation.transformers_backend import TransformersGenerator
from tests.api.conftest import World

SHIPPED = Path(__file__).resolve().parents[2] / "adapters" / "candidate"
QUESTION = {"question": "What is the context window of GPT-4o?"}  # phrased by the model


def _ask(world: World, tenant: str) -> str:
    r = world.client.post("/v1/chat", headers=world.headers(tenant, "viewer"), json=QUESTION)
    assert r.status_code == 200, r.text
    logged = json.loads((world.settings.log_dir / ANSWER_LOG).read_text().splitlines()[-1])
    assert logged["model"] == r.headers["X-LLMX-Model"]  # the header names the model that answered
    return r.headers["X-LLMX-Model"]


def test_activation_switches_the_tenants_answers_to_the_adapter(world: World) -> None:
    shutil.copytree(SHIPPED, world.settings.adapters_dir / "candidate", dirs_exist_ok=True)
    admin = world.headers("acme", "admin")
    default = world.ctx.default_generator.name
    assert "+candidate" not in default
    assert _ask(world, "acme") == default

    assert world.client.post("/v1/adapters/candidate/activate", headers=admin).status_code == 200
    try:
        assert _ask(world, "acme") == default.split("+")[0] + "+candidate"
        adapted = world.ctx.generator_for(world.settings.adapters_dir / "candidate")
        assert isinstance(adapted, TransformersGenerator)
        assert adapted.adapter_dir == world.settings.adapters_dir / "candidate"
        assert adapted._model is not None  # it was loaded (merged) to answer, not just named
        assert _ask(world, "globex") == default  # another tenant's answers are untouched
        # Another API process on the same database (a second worker, a restart) answers with it too.
        with TestClient(create_app(world.settings, world.ctx), raise_server_exceptions=False) as other:
            r = other.post("/v1/chat", headers=world.headers("acme", "viewer"), json=QUESTION)
            assert r.status_code == 200 and r.headers["X-LLMX-Model"].endswith("+candidate"), r.text
        oc = world.client.post("/v1/chat/completions", headers=world.headers("acme", "viewer"),
                               json={"messages": [{"role": "user", "content": QUESTION["question"]}]})  # fmt: skip
        assert oc.status_code == 200 and oc.headers["X-LLMX-Model"].endswith("+candidate")
    finally:
        off = world.client.post("/v1/adapters/candidate/deactivate", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False, off.text
    assert _ask(world, "acme") == default
    listed = world.client.get("/v1/adapters", headers=admin).json()
    assert [a["active"] for a in listed if a["name"] == "candidate"] == [False]
    again = world.client.post("/v1/adapters/candidate/deactivate", headers=admin)
    assert again.status_code == 422  # not active any more
    assert (
        world.client.post(
            "/v1/adapters/candidate/deactivate", headers=world.headers("acme", "editor")
        ).status_code
        == 403
    )
