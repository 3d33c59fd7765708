"""The documented deployment shapes (docker-compose.yml for one machine, deploy/kubernetes for
many) say only what the hub reads: every variable they set is one the settings read, every
probe is a path the hub serves over plain HTTP, every worker names kinds that exist, and the
shapes keep the promises the README makes (a standby beat, no upload on a local disk)."""

import re
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

from ewtp.common.queues import KINDS

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
# set for the process, not read by settings: Django's own, the pod's name for the worker's,
# prometheus_client's folder for the web workers' series (gunicorn.conf.py)
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "POD_NAME", "PROMETHEUS_MULTIPROC_DIR"}


def settings_variables() -> set[str]:
    """Every environment variable a settings module names."""
    text = "".join(path.read_text() for path in (ROOT / "ewtp" / "settings").glob("*.py"))
    return set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", text))


def kubernetes_documents() -> list[dict]:
    documents = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def deployments() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in kubernetes_documents() if d["kind"] == "Deployment"}


def containers(deployment: dict) -> list[dict]:
    return deployment["spec"]["template"]["spec"]["containers"]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def hub_services() -> dict[str, dict]:
    """The compose services that run the hub's image (not PostgreSQL, Redis or MinIO)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image") == "ewtp-hub:latest"
    }


def test_kubernetes_sets_only_what_the_settings_read():
    known = settings_variables() | NOT_SETTINGS
    named = set()
    for document in kubernetes_documents():
        if document["kind"] in ("ConfigMap", "Secret"):
            named |= set((document.get("data") or document.get("stringData") or {}).keys())
        if document["kind"] == "Deployment":
            for container in containers(document):
                named |= {variable["name"] for variable in container.get("env", [])}
    assert named, "no variable found: the manifests moved?"
    assert named <= known, f"set but never read: {sorted(named - known)}"


def test_compose_sets_only_what_the_settings_read():
    known = settings_variables() | NOT_SETTINGS
    for name, service in hub_services().items():
        unknown = set(service["environment"]) - known
        assert not unknown, f"{name} sets {sorted(unknown)}, which no setting reads"


def probe_paths(document: dict) -> list[str]:
    paths = []
    for container in containers(document):
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if "httpGet" in container.get(probe, {}):
                paths.append(container[probe]["httpGet"]["path"])
    return paths


def production_redirect_exempt() -> list[str]:
    """SECURE_REDIRECT_EXEMPT of the production settings (which this process cannot load:
    they refuse to start without production's secrets)."""
    text = (ROOT / "ewtp" / "settings" / "production.py").read_text()
    rules = re.search(r"^SECURE_REDIRECT_EXEMPT = \[(.*)\]$", text, re.MULTILINE).group(1)
    return re.findall(r"r\"([^\"]+)\"", rules)


def test_probes_are_paths_the_hub_serves_without_the_https_redirect():
    paths = [path for d in deployments().values() for path in probe_paths(d)]
    assert {"/healthz", "/livez"} <= set(paths)
    for path in paths:
        resolve(path)  # a 404 here raises
        assert any(re.match(rule, path.lstrip("/")) for rule in production_redirect_exempt())


def test_every_hub_pod_waits_for_the_migrations_the_job_runs():
    job = next(d for d in kubernetes_documents() if d["kind"] == "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == [
        "migrate",
        "--noinput",
    ]
    for name, deployment in deployments().items():
        waits = deployment["spec"]["template"]["spec"].get("initContainers", [])
        assert any("migrate --check" in " ".join(c["command"]) for c in waits), name


def test_workers_name_kinds_that_exist_and_together_take_every_kind():
    taken = set()
    for name, deployment in deployments().items():
        for container in containers(deployment):
            env = {v["name"]: v.get("value", "") for v in container.get("env", [])}
            if "CELERY_KINDS" in env:
                kinds = set(env["CELERY_KINDS"].split(","))
                assert kinds <= set(KINDS), name
                taken |= kinds
    assert taken == set(KINDS), f"no worker takes {sorted(set(KINDS) - taken)}"


@pytest.mark.parametrize("shape", ["compose", "kubernetes"])
def test_two_beats_stand_by_for_each_other(shape):
    if shape == "compose":
        beat = compose()["services"]["beat"]
        replicas, command = beat["deploy"]["replicas"], beat["command"]
    else:
        beat = deployments()["beat"]
        replicas, command = beat["spec"]["replicas"], containers(beat)[0]["command"]
    assert replicas >= 2
    # the schedule lives in Redis (ewtp/common/beat.py), not in a file of one machine
    assert "--schedule" not in command


def test_uploads_go_to_the_object_store_in_every_shape():
    for name, service in hub_services().items():
        assert service["environment"].get("STORAGE_S3_BUCKET"), name
        assert not any(":/app/var" in volume for volume in service.get("volumes", [])), name
    config = next(d for d in kubernetes_documents() if d["kind"] == "ConfigMap")
    assert config["data"]["STORAGE_S3_BUCKET"]


def test_the_web_adds_up_its_gunicorn_workers_series_for_metrics():
    web = compose()["services"]["web"]
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert "gunicorn.conf.py" in web["command"]
    container = containers(deployments()["web"])[0]
    assert "gunicorn.conf.py" in container["command"]
    assert {v["name"] for v in container["env"]} >= {"PROMETHEUS_MULTIPROC_DIR"}
