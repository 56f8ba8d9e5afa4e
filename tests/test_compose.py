"""Static checks of docker-compose.yml, docker/Dockerfile, .dockerignore and .env.example.

No Docker engine runs here, so the files are parsed, not run. Every check is a function that returns a
list of problems; the real files must give none, and each check is also run on a broken copy of the
compose file (or Dockerfile) to show that it can fail.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The project is not installed in .venv and pyproject sets no pytest `pythonpath`; make `llmx` importable
# under plain `pytest` too. Harmless (and removable) once either exists.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402

COMPOSE_PATH = ROOT / "docker-compose.yml"
DOCKERFILE_PATH = ROOT / "docker" / "Dockerfile"
DOCKERIGNORE_PATH = ROOT / ".dockerignore"
ENV_EXAMPLE_PATH = ROOT / ".env.example"

NEO4J = "neo4j"
GRAPH_CLIENTS = ("ingest", "api")
APP_PROFILE = "app"
PROFILED = ("api", "ui")
UNPROFILED = ("neo4j", "ingest")
# Container ports each service must publish (on 127.0.0.1 only); a service not listed publishes none.
EXPECTED_PORTS = {"neo4j": {7474, 7687}, "ingest": set(), "api": {8000}, "ui": {8501}}
BOLT_PORT = 7687
# LLMX_* names that are not Settings fields: the UI's own variable, and nothing else.
NON_SETTINGS_LLMX = {"LLMX_API_URL"}
LOCAL_ONLY = "127.0.0.1"
SHARED_MOUNT = "/data"
INGEST_SOURCES = {"llm-stats", "epoch", "litellm"}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, $VAR.
_BRACED = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")
_BARE = re.compile(r"\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
_LLMX_NAME = re.compile(r"\bLLMX_[A-Za-z0-9_]+")


# --------------------------------------------------------------------------- helpers


def interpolations(text: str) -> list[tuple[str, str | None, str | None]]:
    """(name, operator, argument) of every compose interpolation in `text`; `$$` is a literal `$`."""
    text = text.replace("$$", "")
    found = [(m["name"], m["op"], m["arg"]) for m in _BRACED.finditer(text)]
    found += [(m["name"], None, None) for m in _BARE.finditer(_BRACED.sub("", text))]
    return found


def strings(node: Any) -> Iterator[str]:
    """Every string in a parsed YAML tree, mapping keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def services(compose: dict) -> dict[str, dict]:
    return compose.get("services") or {}


def env(service: dict) -> dict[str, str | None]:
    """A service's environment as a dict, from either the mapping or the list form."""
    raw = service.get("environment") or {}
    if isinstance(raw, dict):
        return {str(k): None if v is None else str(v) for k, v in raw.items()}
    out: dict[str, str | None] = {}
    for item in raw:
        key, sep, value = str(item).partition("=")
        out[key] = value if sep else None
    return out


def ports(service: dict) -> list[tuple[str | None, int]]:
    """(host_ip, container_port) of each published port, short or long syntax."""
    out: list[tuple[str | None, int]] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            out.append((entry.get("host_ip"), int(str(entry["target"]).split("/")[0])))
            continue
        spec = str(entry).split("/")[0]
        if spec.startswith("["):  # [::1]:8000:8000
            host_ip, _, rest = spec[1:].partition("]:")
            out.append((host_ip, int(rest.split(":")[-1])))
            continue
        parts = spec.split(":")
        host_ip = parts[0] if len(parts) == 3 else None
        out.append((host_ip, int(parts[-1])))
    return out


def mounts(service: dict) -> list[dict[str, Any]]:
    """Each volume entry as {type, source, target, read_only}, short or long syntax."""
    out = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            out.append(
                {
                    "type": entry.get("type", "volume"),
                    "source": entry.get("source"),
                    "target": entry.get("target"),
                    "read_only": bool(entry.get("read_only")),
                }
            )
            continue
        parts = _split_volume(str(entry))
        if len(parts) == 1:  # anonymous volume
            out.append({"type": "volume", "source": None, "target": parts[0], "read_only": False})
            continue
        source, target = parts[0], parts[1]
        options = parts[2].split(",") if len(parts) > 2 else []
        is_bind = source.startswith((".", "/", "~", "$"))
        out.append(
            {
                "type": "bind" if is_bind else "volume",
                "source": source,
                "target": target,
                "read_only": "ro" in options,
            }
        )
    return out


def _split_volume(spec: str) -> list[str]:
    """Split `source:target[:mode]` on colons outside `${...}`."""
    parts, depth, current = [], 0, ""
    for i, ch in enumerate(spec):
        if ch == "{" and i and spec[i - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        if ch == ":" and not depth:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def depends_on(service: dict) -> dict[str, str]:
    """{service: condition}; the list form means service_started."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def password_variable(compose: dict) -> str | None:
    auth = env(services(compose).get(NEO4J, {})).get("NEO4J_AUTH") or ""
    found = interpolations(auth)
    return found[0][0] if len(found) == 1 else None


def settings_env_names() -> set[str]:
    return {f"LLMX_{name}".upper() for name in Settings.model_fields}


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            out.append((keyword.upper(), args.strip()))
    return out


# --------------------------------------------------------------------------- checks


def check_services(compose: dict) -> list[str]:
    problems = []
    svcs = services(compose)
    for name in EXPECTED_PORTS:
        if name not in svcs:
            problems.append(f"service {name!r} missing")
    for name in UNPROFILED:
        if svcs.get(name, {}).get("profiles"):
            problems.append(f"{name} must start with a plain `docker compose up` (no profiles)")
    for name in PROFILED:
        if APP_PROFILE not in (svcs.get(name, {}).get("profiles") or []):
            problems.append(f"{name} must be in the {APP_PROFILE!r} profile")
    for name, svc in svcs.items():
        if svc.get("profiles"):
            continue
        for dep in depends_on(svc):
            if svcs.get(dep, {}).get("profiles"):
                problems.append(f"{name} (no profile) depends on profiled service {dep}")
    return problems


def check_neo4j_image(compose: dict) -> list[str]:
    image = str(services(compose).get(NEO4J, {}).get("image", ""))
    if not re.fullmatch(r"neo4j:5\.\d+(\.\d+)?-community", image):
        return [f"neo4j image {image!r} is not a pinned 5.x community tag (e.g. neo4j:5.26-community)"]
    return []


def check_ports(compose: dict) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        published = ports(svc)
        for host_ip, container_port in published:
            if host_ip != LOCAL_ONLY:
                problems.append(f"{name}: port {container_port} published on {host_ip or 'all interfaces'}")
        expected = EXPECTED_PORTS.get(name, set())
        got = {port for _, port in published}
        if got != expected:
            problems.append(f"{name}: container ports {sorted(got)}, expected {sorted(expected)}")
    return problems


def check_volumes(compose: dict) -> list[str]:
    problems = []
    declared = set((compose.get("volumes") or {}).keys())
    used: set[str] = set()
    for name, svc in services(compose).items():
        for mount in mounts(svc):
            if mount["type"] == "volume":
                if mount["source"] is None:
                    problems.append(f"{name}: anonymous volume at {mount['target']}")
                else:
                    used.add(mount["source"])
    for vol in sorted(used - declared):
        problems.append(f"volume {vol!r} used but not declared under top-level volumes")
    for vol in sorted(declared - used):
        problems.append(f"volume {vol!r} declared but not used")

    svcs = services(compose)
    neo4j_named = {m["target"] for m in mounts(svcs.get(NEO4J, {})) if m["type"] == "volume"}
    for target in ("/data", "/logs"):
        if target not in neo4j_named:
            problems.append(f"neo4j: {target} is not on a named volume")

    for name in GRAPH_CLIENTS:
        svc = svcs.get(name, {})
        data_dir = env(svc).get("LLMX_DATA_DIR")
        named = {m["target"] for m in mounts(svc) if m["type"] == "volume" and m["source"]}
        if not data_dir or data_dir not in named:
            problems.append(f"{name}: LLMX_DATA_DIR={data_dir!r} is not on a named volume")

    shared = [m for m in mounts(svcs.get("ingest", {})) if m["target"] == SHARED_MOUNT]
    if len(shared) != 1 or shared[0]["type"] != "bind" or not shared[0]["read_only"]:
        problems.append(f"ingest: the shared data must be bind-mounted read-only at {SHARED_MOUNT}")
    return problems


def check_password(compose: dict) -> list[str]:
    problems = []
    auth = env(services(compose).get(NEO4J, {})).get("NEO4J_AUTH") or ""
    match = re.fullmatch(r"neo4j/\$\{(?P<name>[A-Za-z_]\w*):\?[^}]+\}", auth)
    if not match:
        return [f"NEO4J_AUTH {auth!r} must be neo4j/${{VAR:?message}} (required, no default)"]
    var = match["name"]
    for text in strings(compose):
        for name, op, _ in interpolations(text):
            if name == var and op not in (None, ":?", "?"):
                problems.append(f"{var} gets a default or alternative ({op!r}) in {text!r}")
    for name in GRAPH_CLIENTS:
        value = env(services(compose).get(name, {})).get("LLMX_GRAPH_PASSWORD") or ""
        refs = interpolations(value)
        if len(refs) != 1 or refs[0][0] != var or _BRACED.sub("", value.replace("$$", "")).strip():
            problems.append(f"{name}: LLMX_GRAPH_PASSWORD={value!r} is not exactly ${{{var}}}")
    return problems


def check_graph_env(compose: dict) -> list[str]:
    problems = []
    svcs = services(compose)
    auth = env(svcs.get(NEO4J, {})).get("NEO4J_AUTH") or ""
    auth_user = auth.split("/", 1)[0]
    for name in GRAPH_CLIENTS:
        variables = env(svcs.get(name, {}))
        uri = variables.get("LLMX_GRAPH_URI") or ""
        parts = urlsplit(uri)
        if parts.scheme not in ("bolt", "neo4j") or parts.hostname != NEO4J or parts.port != BOLT_PORT:
            problems.append(f"{name}: LLMX_GRAPH_URI={uri!r} is not bolt://{NEO4J}:{BOLT_PORT}")
        if variables.get("LLMX_GRAPH_USER") != auth_user:
            problems.append(f"{name}: LLMX_GRAPH_USER is not the NEO4J_AUTH user {auth_user!r}")
    return problems


def check_llmx_names(compose: dict) -> list[str]:
    named = {m.upper() for text in strings(compose) for m in _LLMX_NAME.findall(text)}
    unknown = named - settings_env_names()
    problems = [f"{n} is not a field of core.settings.Settings" for n in sorted(unknown - NON_SETTINGS_LLMX)]
    ui_url = env(services(compose).get("ui", {})).get("LLMX_API_URL") or ""
    parts = urlsplit(ui_url)
    if parts.hostname != "api" or parts.port != 8000:
        problems.append(f"ui: LLMX_API_URL={ui_url!r} is not http://api:8000")
    return problems


def check_depends_on(compose: dict) -> list[str]:
    problems = []
    svcs = services(compose)
    for name in GRAPH_CLIENTS:
        condition = depends_on(svcs.get(name, {})).get(NEO4J)
        if condition != "service_healthy":
            problems.append(f"{name}: depends_on neo4j is {condition!r}, not service_healthy")
    if "api" not in depends_on(svcs.get("ui", {})):
        problems.append("ui does not depend on api")
    health = svcs.get(NEO4J, {}).get("healthcheck") or {}
    test = health.get("test") or []
    command = " ".join(test) if isinstance(test, list) else str(test)
    if health.get("disable") or not command or command == "NONE":
        problems.append("neo4j has no healthcheck, so service_healthy would never be reached")
    elif not any(tool in command for tool in ("cypher-shell", "wget", "curl")):
        problems.append(f"neo4j healthcheck {test!r} uses neither cypher-shell nor an HTTP probe")
    return problems


def check_build(compose: dict) -> list[str]:
    problems = []
    for name in ("ingest", "api", "ui"):
        build = services(compose).get(name, {}).get("build")
        if not isinstance(build, dict):
            problems.append(f"{name}: build must name the context and docker/Dockerfile")
            continue
        context = (COMPOSE_PATH.parent / build.get("context", ".")).resolve()
        dockerfile = (context / build.get("dockerfile", "Dockerfile")).resolve()
        if context != ROOT or dockerfile != DOCKERFILE_PATH:
            problems.append(f"{name}: builds {dockerfile} in {context}, not docker/Dockerfile in the root")
    return problems


def check_ingest_command(compose: dict) -> list[str]:
    command = services(compose).get("ingest", {}).get("command")
    if isinstance(command, str):
        command = command.split()
    command = [str(c) for c in command or []]
    if command[:2] != ["ingest", "catalog"]:
        return [f"ingest command {command!r} does not start with `ingest catalog` (entrypoint is llmx)"]
    problems = []
    sources = {}
    for flag, value in zip(command, command[1:], strict=False):
        if flag == "--source":
            name, _, path = value.partition("=")
            sources[name] = path
    if set(sources) != INGEST_SOURCES:
        problems.append(f"ingest sources {sorted(sources)}, expected {sorted(INGEST_SOURCES)}")
    for name, path in sources.items():
        if not path.startswith(SHARED_MOUNT + "/"):
            problems.append(f"ingest source {name}={path} is outside the read-only mount {SHARED_MOUNT}")
    return problems


def check_dockerfile(text: str) -> list[str]:
    problems = []
    instructions = dockerfile_instructions(text)
    froms = [args for kw, args in instructions if kw == "FROM"]
    if not froms or not re.match(r"python:3\.11(\.\d+)?-slim\b", froms[-1]):
        problems.append(f"base image {froms[-1:]!r} is not python:3.11-slim")
    users = [args for kw, args in instructions if kw == "USER"]
    if not users:
        problems.append("no USER: the container runs as root")
    elif users[-1].split(":")[0] in ("root", "0"):
        problems.append(f"final USER {users[-1]!r} is root")
    entrypoints = [args for kw, args in instructions if kw == "ENTRYPOINT"]
    if not entrypoints:
        problems.append("no ENTRYPOINT")
    else:
        try:
            entry = yaml.safe_load(entrypoints[-1])  # exec form is a JSON array
        except yaml.YAMLError:
            entry = None
        if entry != ["llmx"]:
            problems.append(f'ENTRYPOINT {entrypoints[-1]!r} is not the exec form ["llmx"]')
    runs = " ".join(args for kw, args in instructions if kw == "RUN")
    if not re.search(r"pip install\b[^&;]*-c requirements\.lock[^&;]*-e \.", runs):
        problems.append("the project is not installed with `pip install -c requirements.lock -e .`")
    return problems


CHECKS: dict[str, Callable[[dict], list[str]]] = {
    "services": check_services,
    "neo4j_image": check_neo4j_image,
    "ports": check_ports,
    "volumes": check_volumes,
    "password": check_password,
    "graph_env": check_graph_env,
    "llmx_names": check_llmx_names,
    "depends_on": check_depends_on,
    "build": check_build,
    "ingest_command": check_ingest_command,
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compose() -> dict:
    data = yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def dockerfile_text() -> str:
    assert DOCKERFILE_PATH.is_file(), f"{DOCKERFILE_PATH} missing"
    return DOCKERFILE_PATH.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the real files


@pytest.mark.parametrize("check", list(CHECKS), ids=list(CHECKS))
def test_compose_check_passes(compose: dict, check: str) -> None:
    assert CHECKS[check](compose) == []


def test_dockerfile(dockerfile_text: str) -> None:
    assert check_dockerfile(dockerfile_text) == []


def test_dockerignore_excludes_local_state_and_secrets() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    missing = {".venv", "var", ".git", ".env", ".pytest_cache", ".ruff_cache", ".mypy_cache"} - patterns
    assert not missing, f".dockerignore does not exclude {sorted(missing)}"
    assert "**/__pycache__" in patterns or "__pycache__" in patterns


def test_compose_env_builds_the_expected_settings(compose: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ingest environment, with interpolations filled in, yields a Neo4j-backed Settings."""
    secret = "not-a-real-password"
    for key in [k for k in os.environ if k.upper().startswith("LLMX_")]:
        monkeypatch.delenv(key)
    variables = env(services(compose)["ingest"])
    for key, value in variables.items():
        filled = _BRACED.sub(lambda m: m["arg"] if m["op"] in (":-", "-") else secret, value or "")
        monkeypatch.setenv(key, filled)
    settings = Settings(_env_file=None)
    assert not settings.embedded
    assert settings.graph_uri == f"bolt://{NEO4J}:{BOLT_PORT}"
    assert settings.graph_password is not None and settings.graph_password.get_secret_value() == secret
    assert settings.database == "neo4j"
    assert str(settings.data_dir) in {m["target"] for m in mounts(services(compose)["ingest"])}


def test_ingest_sources_exist_in_default_shared_data(compose: dict) -> None:
    shared = next(m for m in mounts(services(compose)["ingest"]) if m["target"] == SHARED_MOUNT)
    refs = interpolations(shared["source"])
    default = refs[0][2] if refs and refs[0][1] in (":-", "-") else shared["source"]
    host_dir = (COMPOSE_PATH.parent / default).resolve()
    if not host_dir.is_dir():
        pytest.skip(f"default shared data dir {host_dir} not present here")
    command = [str(c) for c in services(compose)["ingest"]["command"]]
    paths = [v.partition("=")[2] for f, v in zip(command, command[1:], strict=False) if f == "--source"]
    assert paths
    for path in paths:
        assert (host_dir / Path(path).relative_to(SHARED_MOUNT)).exists(), path


def test_env_example_lists_every_compose_variable(compose: dict) -> None:
    text = ENV_EXAMPLE_PATH.read_text(encoding="utf-8")
    listed: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            listed[key.strip()] = value.strip()
    used = {name for s in strings(compose) for name, _, _ in interpolations(s)}
    assert used, "compose interpolates no variables at all"
    assert used <= set(listed), f".env.example lacks {sorted(used - set(listed))}"
    var = password_variable(compose)
    assert var is not None and listed.get(var) == "", f"{var} in .env.example must be empty (no secret)"
    llmx_in_example = {m.upper() for m in _LLMX_NAME.findall(text)}
    assert llmx_in_example <= settings_env_names() | NON_SETTINGS_LLMX


# --------------------------------------------------------------------------- each check can fail


def _svc(c: dict, name: str) -> dict:
    return c["services"][name]


def _set_env(c: dict, name: str, key: str, value: str | None) -> None:
    environment = env(_svc(c, name))
    if value is None:
        environment.pop(key, None)
    else:
        environment[key] = value
    _svc(c, name)["environment"] = environment


MUTATIONS: list[tuple[str, str, Callable[[dict], None]]] = [
    ("services", "ui missing", lambda c: c["services"].pop("ui")),
    ("services", "api not profiled", lambda c: _svc(c, "api").pop("profiles")),
    ("services", "neo4j profiled", lambda c: _svc(c, "neo4j").update(profiles=["app"])),
    ("services", "ingest depends on api", lambda c: _svc(c, "ingest")["depends_on"].update(api={})),
    ("neo4j_image", "latest", lambda c: _svc(c, "neo4j").update(image="neo4j:latest")),
    ("neo4j_image", "unpinned 5", lambda c: _svc(c, "neo4j").update(image="neo4j:5-community")),
    ("neo4j_image", "enterprise", lambda c: _svc(c, "neo4j").update(image="neo4j:5.26-enterprise")),
    ("neo4j_image", "neo4j 4", lambda c: _svc(c, "neo4j").update(image="neo4j:4.4-community")),
    (
        "ports",
        "all interfaces",
        lambda c: _svc(c, "neo4j").update(ports=["7474:7474", "127.0.0.1:7687:7687"]),
    ),
    ("ports", "0.0.0.0", lambda c: _svc(c, "api").update(ports=["0.0.0.0:8000:8000"])),
    ("ports", "long syntax, no host_ip", lambda c: _svc(c, "ui").update(ports=[{"target": 8501}])),
    ("ports", "wrong container port", lambda c: _svc(c, "api").update(ports=["127.0.0.1:8000:8080"])),
    ("ports", "bolt not published", lambda c: _svc(c, "neo4j").update(ports=["127.0.0.1:7474:7474"])),
    ("ports", "ingest publishes", lambda c: _svc(c, "ingest").update(ports=["127.0.0.1:9000:9000"])),
    ("volumes", "undeclared", lambda c: c["volumes"].pop("neo4j-logs")),
    ("volumes", "declared unused", lambda c: c["volumes"].update(spare=None)),
    (
        "volumes",
        "neo4j data bind",
        lambda c: _svc(c, "neo4j").update(volumes=["./d:/data", "neo4j-logs:/logs"]),
    ),
    (
        "volumes",
        "shared data writable",
        lambda c: _svc(c, "ingest").update(volumes=["llmx-data:/var/lib/llmx", "../x:/data"]),
    ),
    ("volumes", "data dir elsewhere", lambda c: _set_env(c, "ingest", "LLMX_DATA_DIR", "/srv/llmx")),
    ("password", "default", lambda c: _set_env(c, "neo4j", "NEO4J_AUTH", "neo4j/${NEO4J_PASSWORD:-neo4j}")),
    ("password", "literal", lambda c: _set_env(c, "neo4j", "NEO4J_AUTH", "neo4j/secret123")),
    ("password", "optional", lambda c: _set_env(c, "neo4j", "NEO4J_AUTH", "neo4j/${NEO4J_PASSWORD}")),
    ("password", "client other var", lambda c: _set_env(c, "api", "LLMX_GRAPH_PASSWORD", "${OTHER}")),
    (
        "password",
        "client default",
        lambda c: _set_env(c, "ingest", "LLMX_GRAPH_PASSWORD", "${NEO4J_PASSWORD:-x}"),
    ),
    ("password", "client literal", lambda c: _set_env(c, "ingest", "LLMX_GRAPH_PASSWORD", "secret123")),
    ("password", "client missing", lambda c: _set_env(c, "api", "LLMX_GRAPH_PASSWORD", None)),
    ("graph_env", "localhost", lambda c: _set_env(c, "ingest", "LLMX_GRAPH_URI", "bolt://localhost:7687")),
    ("graph_env", "http port", lambda c: _set_env(c, "api", "LLMX_GRAPH_URI", "bolt://neo4j:7474")),
    ("graph_env", "missing", lambda c: _set_env(c, "api", "LLMX_GRAPH_URI", None)),
    ("graph_env", "other user", lambda c: _set_env(c, "ingest", "LLMX_GRAPH_USER", "admin")),
    ("llmx_names", "unknown var", lambda c: _set_env(c, "ingest", "LLMX_GRAPH_HOST", "neo4j")),
    ("llmx_names", "unknown interpolation", lambda c: _set_env(c, "api", "X", "${LLMX_SHARED_DATA}")),
    ("llmx_names", "ui url wrong", lambda c: _set_env(c, "ui", "LLMX_API_URL", "http://localhost:8000")),
    ("depends_on", "list form", lambda c: _svc(c, "ingest").update(depends_on=["neo4j"])),
    (
        "depends_on",
        "started only",
        lambda c: _svc(c, "api").update(depends_on={"neo4j": {"condition": "service_started"}}),
    ),
    ("depends_on", "no healthcheck", lambda c: _svc(c, "neo4j").pop("healthcheck")),
    ("depends_on", "healthcheck off", lambda c: _svc(c, "neo4j").update(healthcheck={"disable": True})),
    ("depends_on", "ui alone", lambda c: _svc(c, "ui").pop("depends_on")),
    ("build", "root Dockerfile", lambda c: _svc(c, "ingest").update(build=".")),
    (
        "build",
        "other dockerfile",
        lambda c: _svc(c, "api").update(build={"context": ".", "dockerfile": "Dockerfile"}),
    ),
    ("ingest_command", "no command", lambda c: _svc(c, "ingest").pop("command")),
    ("ingest_command", "llmx twice", lambda c: _svc(c, "ingest")["command"].insert(0, "llmx")),
    (
        "ingest_command",
        "host path",
        lambda c: _svc(c, "ingest")["command"].__setitem__(3, "llm-stats=/tmp/x"),
    ),
    ("ingest_command", "source dropped", lambda c: _svc(c, "ingest").update(command=["ingest", "catalog"])),
]


@pytest.mark.parametrize(
    ("check", "mutate"), [(m[0], m[2]) for m in MUTATIONS], ids=[f"{m[0]}-{m[1]}" for m in MUTATIONS]
)
def test_compose_check_catches(compose: dict, check: str, mutate: Callable[[dict], None]) -> None:
    broken = copy.deepcopy(compose)
    mutate(broken)
    assert CHECKS[check](broken), f"{check} did not notice the change"


def test_every_compose_check_has_a_failing_case() -> None:
    assert set(CHECKS) == {m[0] for m in MUTATIONS}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("USER llmx", "USER root"),
        ("USER llmx", ""),
        ('ENTRYPOINT ["llmx"]', 'ENTRYPOINT ["python"]'),
        ('ENTRYPOINT ["llmx"]', "ENTRYPOINT llmx"),
        ("FROM python:3.11-slim", "FROM python:3.12-slim"),
        ("-c requirements.lock -e .", "-e ."),
    ],
)
def test_dockerfile_check_catches(dockerfile_text: str, old: str, new: str) -> None:
    assert old in dockerfile_text
    assert check_dockerfile(dockerfile_text.replace(old, new))
