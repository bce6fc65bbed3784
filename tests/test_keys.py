"""API keys (`mlinfra keys`): a key is shown once and only its hash is kept; a list never
shows a key; a revoked, tampered or malformed key is refused; a bad name is an error naming
the field."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from assistant.cli import app
from assistant.storage.keys import KeyStore


def test_keys_from_the_command_line(isolated_env: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "ci-bot"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("mlk_") and "shown only now" in made.output
    listed = runner.invoke(app, ["keys", "list"])
    assert "ci-bot" in listed.output and "active" in listed.output and key not in listed.output
    stored = sqlite3.connect(isolated_env / "mlinfra.sqlite3").execute(
        "SELECT * FROM api_keys").fetchall()  # fmt: skip
    assert key not in repr(stored) and key.split("_", 2)[2] not in repr(stored)
    kid = key.split("_")[1]
    assert KeyStore(isolated_env).verify(key) is not None
    revoked = runner.invoke(app, ["keys", "revoke", kid])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert KeyStore(isolated_env).verify(key) is None
    assert "revoked" in runner.invoke(app, ["keys", "list"]).output
    unknown = runner.invoke(app, ["keys", "revoke", "000000000000"])
    assert unknown.exit_code == 1 and "no API key with id" in unknown.stderr
    bad = runner.invoke(app, ["keys", "create", "two words"])
    assert bad.exit_code == 1 and "name must be" in bad.stderr


@pytest.fixture(scope="module")
def one_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[KeyStore, str]:
    store = KeyStore(tmp_path_factory.mktemp("keys"))
    return store, store.create("ana").key


@settings(max_examples=60, deadline=None)
@given(at=st.integers(min_value=0, max_value=200), char=st.sampled_from("aZ09_-x"))
def test_a_key_changed_anywhere_is_refused(one_key: tuple[KeyStore, str], at: int,
                                           char: str) -> None:  # fmt: skip
    store, key = one_key
    at %= len(key)
    changed = key[:at] + char + key[at + 1 :]
    if changed != key:
        assert store.verify(changed) is None
    assert store.verify(key) is not None
    assert store.verify(key + "x") is None and store.verify(key[:-1]) is None


@settings(max_examples=60, deadline=None)
@given(before=st.text(max_size=30), after=st.text(max_size=30))
def test_a_key_anywhere_in_a_line_is_redacted_and_its_id_kept(
    one_key: tuple[KeyStore, str], before: str, after: str
) -> None:
    from assistant.secrets import redact_shapes

    _, key = one_key
    kid, secret = key.split("_")[1], key.split("_", 2)[2]
    line = redact_shapes(f"{before} GET /v1/sources?api_key={key}{after}")
    assert secret not in line and f"mlk_{kid}_[redacted]" in line


def test_keys_from_configuration_hold_only_hashes(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import Settings

    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "k8s-bot", "--for-config"])
    assert made.exit_code == 0, made.output
    lines = made.output.strip().splitlines()
    key = lines[-1]
    entry = next(line for line in lines if line.startswith("k8s-bot="))
    assert key.startswith("mlk_") and key.split("_", 2)[2] not in entry
    assert "no API keys" in runner.invoke(app, ["keys", "list"]).output  # kept nowhere
    other = KeyStore(isolated_env).create("ana").key
    monkeypatch.setenv("MLINFRA_API_KEYS", f" {entry} ,")
    store = KeyStore.of(Settings(), None)
    found = store.verify(key)
    assert found is not None and found.name == "k8s-bot" and found.source == "configuration"
    assert store.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.verify(other) is not None  # the database's keys still count
    listed = runner.invoke(app, ["keys", "list"]).output
    assert "k8s-bot" in listed and "from MLINFRA_API_KEYS" in listed and "ana" in listed
    kid = key.split("_")[1]
    refused = runner.invoke(app, ["keys", "revoke", kid])
    assert refused.exit_code == 1 and "remove its entry" in refused.stderr


@pytest.mark.parametrize("bad", ["{key}", "ana={kid}", "ana={kid}:abc", "a b={kid}:" + "0" * 64,
                                 "ana={kid}:{h},bo={kid}:{h}"])  # fmt: skip
def test_a_bad_configured_key_stops_the_server_naming_its_entry(
    bad: str, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.storage.keys import digest, new_key

    made = new_key("ana")
    value = bad.format(key=made.key, kid=made.record.id, h=digest(made.key))
    monkeypatch.setenv("MLINFRA_API_KEYS", value)
    result = CliRunner().invoke(app, ["serve", "--port", "9"])
    assert result.exit_code == 1
    assert "MLINFRA_API_KEYS entry" in result.stderr and made.key not in result.stderr
    assert ("looks like a key itself" in result.stderr) == (bad == "{key}")
