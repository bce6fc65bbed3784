"""What the README tells a newcomer to type works, in a new process as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, REPO

README = (REPO / "README.md").read_text()
MLINFRA = str(Path(sys.executable).with_name("mlinfra"))


def _env(tmp_path: Path, model_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLINFRA_DATA_DIR=str(tmp_path / "data"),
        MLINFRA_MODEL_DIR=str(model_dir),
        MLINFRA_KNOWLEDGE_DIR=str(KNOWLEDGE),
        HF_HUB_OFFLINE="1",
    )
    return env


def test_readme_names_only_make_targets_that_exist() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)`", README))
    assert {"run", "test"} <= named
    assert named <= targets, named - targets


def test_readme_python_snippet_prints_a_cited_answer(
    tmp_path: Path, model_dir: Path, indexed_data: Path
) -> None:
    snippet = re.search(r'python -c "(from assistant import Assistant;[^"]+)"', README)
    assert snippet, "the README shows a one-line Python check"
    # "a fresh install": `make install` has built the index (tmp_path / "data", a copy).
    result = subprocess.run(
        [sys.executable, "-c", snippet.group(1)],
        env=_env(tmp_path, model_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"\[1\]", result.stdout)


@pytest.mark.slow
def test_readme_cli_commands_run(tmp_path: Path, model_dir: Path) -> None:
    env = _env(tmp_path, model_dir)
    commands = re.findall(
        r"^mlinfra (ingest|ask|sources|choose|cost|accelerator)(.*)$", README, flags=re.M
    )
    assert {c[0] for c in commands} >= {"ingest", "ask", "sources", "choose", "cost", "accelerator"}
    for name, rest in commands:
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', rest.split("#")[0])]
        result = subprocess.run(
            [MLINFRA, name, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"mlinfra {name}{rest}: {result.stderr}"
    again = subprocess.run(
        [MLINFRA, "ingest"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert "embedded 0 chunks" in again.stdout  # a no-op re-ingest embeds nothing


def test_import_assistant_stays_light() -> None:
    code = (
        "import sys, assistant; from assistant import Assistant, Settings; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'onnxruntime', "
        "'transformers', 'bm25s') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_readme_tools_example_runs() -> None:
    block = next(
        b
        for b in re.findall(r"```python\n(.*?)```", README, flags=re.S)
        if "from assistant.tools import" in b
    )
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["d"].overall == "managed"  # type: ignore[attr-defined]
    assert namespace["a"].accelerator == "tpu"  # type: ignore[attr-defined]
    assert namespace["c"].options  # type: ignore[attr-defined]
