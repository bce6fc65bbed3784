"""Feedback: stored in SQLite in the data dir, safe under concurrent writers, exported as
CSV or JSON by `mlinfra feedback export`."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Answer, Citation, ToolCall
from assistant.storage.feedback import FeedbackStore


def _answer(i: int = 0) -> Answer:
    return Answer(
        question=f'question {i}, with a comma and "quotes"',
        text="Use multi-model endpoints. [1]",
        citations=[
            Citation(
                n=1, chunk_id="c1", source="inference-cost.md", heading="H", text="t", score=0.5
            )
        ],
        tool_calls=[ToolCall(name="estimate_cost", args={"instance_type": "g5.xlarge"})],
    )


def _write_concurrently(store: FeedbackStore, writers: int, each: int) -> list[BaseException]:
    """`writers` threads each adding `each` ratings at once; the errors they raised."""
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(each):
                store.add(_answer(worker * 100 + i), 1 if i % 2 else -1, f"w{worker}-{i}")
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    assert not _write_concurrently(store, writers=8, each=25)
    rows = store.rows()
    assert len(rows) == 200
    assert len({r["comment"] for r in rows}) == 200


def test_first_writers_racing_on_a_new_file_all_succeed(tmp_path: Path) -> None:
    # A new file is switched to WAL by whoever writes first; racing first writers once saw
    # "database is locked" (about one new file in sixty with sixteen writers).
    for trial in range(20):
        store = FeedbackStore(tmp_path / str(trial))
        errors = _write_concurrently(store, writers=12, each=1)
        assert not errors, f"trial {trial}: {errors[0]}"
        assert len(store.rows()) == 12


def test_export_round_trips_as_csv_and_json(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.add(_answer(), -1, "missed the serverless option")
    rows = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert rows[0]["question"] == 'question 0, with a comma and "quotes"'
    assert rows[0]["rating"] == "-1"
    assert json.loads(rows[0]["citations"])[0]["source"] == "inference-cost.md"
    data = json.loads(store.export("json"))
    assert data[0]["tool_calls"][0]["args"] == {"instance_type": "g5.xlarge"}
    assert data[0]["comment"] == "missed the serverless option"


@pytest.mark.parametrize("rating", [0, 2, "up", None])
def test_bad_rating_is_rejected_by_name(tmp_path: Path, rating: object) -> None:
    with pytest.raises(ValueError, match="rating"):
        FeedbackStore(tmp_path).add(_answer(), rating)  # type: ignore[arg-type]


def test_cli_exports_to_a_file_and_rejects_an_unknown_format(isolated_env: Path) -> None:
    FeedbackStore(isolated_env).add(_answer(), 1, "good")
    out = isolated_env.parent / "feedback.json"
    result = CliRunner().invoke(app, ["feedback", "export", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())[0]["comment"] == "good"
    bad = CliRunner().invoke(app, ["feedback", "export", "--format", "xml"])
    assert bad.exit_code == 1
    assert "format must be one of csv, json" in bad.stderr
