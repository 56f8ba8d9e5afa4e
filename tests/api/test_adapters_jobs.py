"""Adapters: listed from the data directory, activated per tenant by an admin. Jobs: sources by name
only, never a path; a refused job is a 422 before anything runs."""

from __future__ import annotations

import json

from tests.api.conftest import World


def test_adapters_are_listed_and_activated_per_tenant(world: World) -> None:
    folder = world.settings.adapters_dir / "smol-lora-v1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "SmolLM2-135M-Instruct", "peft_type": "LORA"})
    )
    listed = world.client.get("/v1/adapters", headers=world.headers("acme", "analyst")).json()
    assert {"name": "smol-lora-v1", "base_model": "SmolLM2-135M-Instruct", "peft_type": "LORA",
            "active": False} in listed  # fmt: skip
    refused = world.client.post("/v1/adapters/smol-lora-v1/activate", headers=world.headers("acme", "admin"))
    assert refused.status_code == 422 and "adapter_model.safetensors" in refused.text  # no weights: refused
    (folder / "adapter_model.safetensors").write_bytes(b"weights")  # only listed and activated, never loaded
    done = world.client.post("/v1/adapters/smol-lora-v1/activate", headers=world.headers("acme", "admin"))
    assert done.status_code == 200 and done.json()["tenant"] == "acme"
    acme = world.client.get("/v1/adapters", headers=world.headers("acme", "viewer"))
    assert acme.status_code == 403  # viewers do not see adapters
    acme_list = world.client.get("/v1/adapters", headers=world.headers("acme", "editor")).json()
    globex_list = world.client.get("/v1/adapters", headers=world.headers("globex", "editor")).json()
    assert [a["active"] for a in acme_list if a["name"] == "smol-lora-v1"] == [True]
    assert [a["active"] for a in globex_list if a["name"] == "smol-lora-v1"] == [False]
    for name in ("..", "../api", "missing-adapter"):
        r = world.client.post(f"/v1/adapters/{name}/activate", headers=world.headers("acme", "admin"))
        assert r.status_code in (404, 422), name
    # acme's answers would now come from it: back to the default model for the other tests
    off = world.client.post("/v1/adapters/smol-lora-v1/deactivate", headers=world.headers("acme", "admin"))
    assert off.status_code == 200, off.text


def test_jobs_take_source_names_only(world: World) -> None:
    editor = world.headers("acme", "editor")
    before = world.client.get("/v1/jobs", headers=editor).json()  # jobs persist: other tests' may be there
    for body in ({"kind": "news", "sources": ["../../etc/passwd"]}, {"kind": "news", "sources": []},
                 {"kind": "catalog", "sources": ["/etc/passwd"]}, {"kind": "catalog", "sources": ["llm-stats"]},
                 {"kind": "sql"}):  # fmt: skip
        r = world.client.post("/v1/jobs", headers=editor, json=body)
        assert r.status_code == 422, (body, r.text)
    assert world.client.get("/v1/jobs", headers=editor).json() == before
    assert world.client.get("/v1/jobs/job-0123456789abcdef", headers=editor).status_code == 404
