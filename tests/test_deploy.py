"""The deploy files (`deploy/`), checked with tools that need no container engine: the
Kustomize manifests render (`kubectl kustomize`) and pass the Kubernetes schemas strictly
(`kubernetes-validate`); the Dockerfile passes hadolint; the compose file passes the
Compose spec's schema; and what the issue asks of each is there (probes on the API's health
routes, requests, an autoscaler, a non-root user, CPU torch pinned, the index built in)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent


def _render() -> list[dict]:  # type: ignore[type-arg]
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here (it renders Kustomize offline)")
    done = subprocess.run([kubectl, "kustomize", str(DEPLOY / "k8s")], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def test_the_kustomize_manifests_render_and_pass_the_kubernetes_schemas(tmp_path: Path) -> None:
    docs = _render()
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(docs))
    done = subprocess.run([str(BIN / "kubernetes-validate"), "--strict", "--quiet",
                           str(rendered)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Deployment", "api"), ("Deployment", "ui"), ("Service", "api"),
            ("StatefulSet", "chroma"), ("HorizontalPodAutoscaler", "api"),
            ("Job", "ingest")} <= kinds  # fmt: skip
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert {"MLINFRA_DATABASE_URL", "MLINFRA_API_KEYS"} <= set(secret["data"])
    api = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "api")
    pod = api["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert (
        container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    )
    assert pod["securityContext"]["runAsNonRoot"] is True
    sources = [s.get("secretRef", s.get("configMapRef"))["name"] for s in container["envFrom"]]
    assert any(n.startswith("mlinfra-secrets") for n in sources)
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["MLINFRA_CHROMA_URL"] == "http://chroma:8000"


def test_the_dockerfile_passes_hadolint_and_builds_what_the_image_needs() -> None:
    dockerfile = DEPLOY / "Dockerfile"
    done = subprocess.run([str(BIN / "hadolint"), str(dockerfile)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    text = dockerfile.read_text()
    assert "download.pytorch.org/whl/cpu torch==2.13.0" in text  # CPU torch, pinned
    assert "RUN mlinfra ingest" in text  # the index (and model export) at build time
    assert "USER 10001" in text and "useradd --uid 10001" in text
    assert text.index("torch==2.13.0") < text.index("pip install '.[")


def test_the_compose_file_passes_the_compose_spec() -> None:
    compose = DEPLOY / "compose.yaml"
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema",
                           "vendor.compose-spec", str(compose)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    services = yaml.safe_load(compose.read_text())["services"]
    assert set(services) == {"api", "ui", "chroma", "postgres"}
    env = services["api"]["environment"]
    assert env["MLINFRA_CHROMA_URL"] == "http://chroma:8000"
    assert env["MLINFRA_DATABASE_URL"].startswith("postgresql+psycopg://")
