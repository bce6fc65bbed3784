"""The Streamlit app through `streamlit.testing.v1.AppTest`: every page, the forms with
valid and invalid input, the download buttons' content, and text from knowledge files
rendered as text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO

from assistant import Assistant

streamlit = pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(REPO / "ui" / "app.py")
QUESTION = "We're 3 engineers with 4 models and launch in six weeks, SageMaker or Kubernetes?"


@pytest.fixture
def app(real_bot: Assistant, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """A fresh app session over the real index (one Assistant per process, as in prod)."""
    monkeypatch.setenv("MLINFRA_DATA_DIR", str(real_bot.settings.data_dir))
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(real_bot.settings.model_dir))
    streamlit.cache_resource.clear()

    def make(page: str = "Chat", tool: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if page != "Chat":
            at.radio(key="page").set_value(page).run()
            assert not at.exception, [e.value for e in at.exception]
        if tool:
            at.radio(key="decide_tool").set_value(tool).run()
            assert not at.exception, [e.value for e in at.exception]
        return at

    yield make
    streamlit.cache_resource.clear()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


DOWNLOADS: dict[str, bytes] = {}  # media file id -> the bytes a download button serves


@pytest.fixture(autouse=True)
def _record_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest keeps download data in a mock runtime it discards; keep a copy."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            DOWNLOADS[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)


def _download(at: AppTest, label: str) -> str:
    for element in at.get("download_button"):
        if element.proto.label == label:
            file_id = element.proto.url.rsplit("/", 1)[-1].split(".")[0]
            return DOWNLOADS[file_id].decode()
    raise AssertionError(f"no download button {label!r}")


def test_chat_turn_shows_the_cited_answer_sources_and_computation(app) -> None:  # type: ignore[no-untyped-def]
    at = app()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    text = _markdown(at)
    assert "**Decision: a managed platform throughout**" in text
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Sources (") for label in labels)
    assert "How this was computed" in labels
    # each cited passage is shown with its source file
    assert "build\\-vs\\-buy\\.md" in text
    assert len(at.chat_message) == 2


def test_follow_up_in_the_chat_reruns_the_tool(app) -> None:  # type: ignore[no-untyped-def]
    at = app()
    at.chat_input[0].set_value(QUESTION).run()
    at.chat_input[0].set_value("what if we were 12?").run()
    assert not at.exception
    assert "**Decision: hybrid**" in _markdown(at)


def test_decision_record_and_conversation_downloads_hold_the_answer(app) -> None:  # type: ignore[no-untyped-def]
    at = app()
    at.chat_input[0].set_value(QUESTION).run()
    record = _download(at, "Download decision record")
    assert record.startswith("# Decision record:")
    assert "## Sources" in record and "build-vs-buy.md" in record
    conversation = json.loads(_download(at, "Download conversation (JSON)"))
    assert conversation[0]["question"] == QUESTION
    assert conversation[0]["tool_calls"][0]["name"] == "choose_infrastructure"
    assert conversation[0]["citations"]
    markdown = _download(at, "Download conversation (markdown)")
    assert QUESTION[:60] in markdown and "Tool `choose_infrastructure`" in markdown


def test_thumbs_feedback_is_stored_and_exported(app, real_bot: Assistant) -> None:  # type: ignore[no-untyped-def]
    before = len(real_bot.feedback.rows())
    at = app()
    at.chat_input[0].set_value(QUESTION).run()
    at.text_input(key="comment-0").set_value("clear and cited").run()
    at.button(key="rate-0-1").click().run()
    assert not at.exception
    rows = real_bot.feedback.rows()
    assert len(rows) == before + 1
    assert rows[-1]["rating"] == 1 and rows[-1]["comment"] == "clear and cited"
    assert rows[-1]["question"] == QUESTION
    exported = list(csv.DictReader(io.StringIO(real_bot.feedback.export("csv"))))
    assert exported[-1]["comment"] == "clear and cited"


def test_chat_turns_are_saved_and_a_new_session_reopens_them(app, real_bot: Assistant) -> None:  # type: ignore[no-untyped-def]
    at = app()
    at.chat_input[0].set_value(QUESTION).run()
    at.chat_input[0].set_value("what if we were 12?").run()
    assert not at.exception
    user = real_bot.settings.user
    cid = at.session_state["conversation_id"]
    saved = next(c for c in real_bot.conversations.list(user) if c["id"] == cid)
    assert saved["title"] == QUESTION[:80]
    kept = real_bot.conversations.get(saved["id"], user)["messages"]
    assert [m["role"] for m in kept] == ["user", "assistant"] * 2
    # Another browser session (a new AppTest) starts empty and reopens it from the sidebar.
    other = app()
    assert len(other.chat_message) == 0
    other.button(key=f"open-{saved['id']}").click().run()
    assert not other.exception, [e.value for e in other.exception]
    assert len(other.chat_message) == 4
    text = _markdown(other)
    assert "**Decision: hybrid**" in text and "build\\-vs\\-buy\\.md" in text
    assert any(e.label.startswith("Sources (") for e in other.expander)
    # A follow-up there goes into the same conversation; "New conversation" starts another.
    other.chat_input[0].set_value("and with 30 models?").run()
    assert other.session_state["conversation_id"] == saved["id"]
    assert len(real_bot.conversations.get(saved["id"], user)["messages"]) == 6
    labels = [b.label for b in other.button]
    other.button[labels.index("New conversation")].click().run()
    assert len(other.chat_message) == 0 and other.session_state["conversation_id"] is None


def test_empty_question_is_a_readable_message(app) -> None:  # type: ignore[no-untyped-def]
    at = app()
    at.chat_input[0].set_value("   ").run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


def test_decide_choose_form(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Decide", "Managed or Kubernetes")
    at.number_input[0].set_value(12)
    at.number_input[1].set_value(30)
    at.button[0].click().run()  # "Decide"
    assert not at.exception
    assert "**Decision: hybrid**" in _markdown(at)
    record = _download(at, "Download decision record")
    assert "choose_infrastructure" in record and "team_size=12" in record


def test_decide_cost_form_charts_tables_and_csv(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Decide", "Cost comparison")
    at.text_input[0].set_value("g5.xlarge")
    at.button[0].click().run()  # "Estimate"
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("vega_lite_chart")) == 2  # stacked cost and break-even
    rows = list(csv.DictReader(io.StringIO(_download(at, "Download costs as CSV"))))
    sagemaker = [r for r in rows if r["platform"] == "sagemaker"]
    assert float(sagemaker[0]["usd_per_month"]) == pytest.approx(1028.13)  # $1.4084 x 730 h
    assert {r["component"] for r in rows if r["platform"] == "eks"} == {
        "compute", "cluster fee", "operations"
    }  # fmt: skip
    curve = list(csv.DictReader(io.StringIO(_download(at, "Download break-even as CSV"))))
    eks = {int(r["instances"]): float(r["usd_per_month"]) for r in curve if r["platform"] == "eks"}
    sm = {
        int(r["instances"]): float(r["usd_per_month"])
        for r in curve
        if r["platform"] == "sagemaker"
    }
    assert eks[1] > sm[1] and eks[max(eks)] < sm[max(sm)]  # the lines cross


def test_decide_cost_form_rejects_an_unknown_instance_beside_the_field(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Decide", "Cost comparison")
    at.text_input[0].set_value("g5.xlargeish")
    at.button[0].click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("instance_type:") and "closest known" in e for e in errors)


def test_decide_accelerator_form_valid_and_invalid(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Decide", "TPU or GPU")
    params = [n for n in at.number_input if "Parameters" in n.label][0]
    params.set_value(70.0)
    at.button[0].click().run()  # "Suggest"
    assert not at.exception
    assert "**Suggested:" in _markdown(at)
    precision = [s for s in at.selectbox if s.label == "Precision"][0]
    precision.set_value("int4")
    at.button[0].click().run()
    assert any(e.value.startswith("precision:") for e in at.error)


def test_decide_where_to_buy_lists_offers_cheapest_first_with_csv(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Decide", "Where to buy")
    at.button[0].click().run()  # "Find": 8 x H100, every cloud and region
    assert not at.exception, [e.value for e in at.exception]
    assert "**Cheapest:" in _markdown(at) and "find_prices" in _markdown(at)
    rows = list(csv.DictReader(io.StringIO(_download(at, "Download offers as CSV"))))
    prices = [float(r["usd_per_hour"]) for r in rows]
    assert len(rows) > 10 and prices == sorted(prices)
    assert {r["provider"] for r in rows} == {"aws", "gcp", "azure"}
    region = [t for t in at.text_input if t.label.startswith("Region")][0]
    region.set_value("eu-centrl-1")
    at.button[0].click().run()
    assert any(e.value.startswith("region:") and "eu-central-1" in e.value for e in at.error)


def test_knowledge_page_lists_documents_and_searches(app, real_bot: Assistant) -> None:  # type: ignore[no-untyped-def]
    at = app("Knowledge")
    assert not at.exception
    assert int(at.metric[0].value) == real_bot.store.count()
    assert int(at.metric[1].value) == len(real_bot.documents())
    assert at.button(key="reindex") is not None
    at.text_input[0].set_value("spot instances for training").run()
    assert any("spot" in t.value.lower() for t in at.text)


def test_interview_page_runs_a_practice_question(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Interview")
    at.selectbox[0].set_value("tpu-vs-gpu")
    at.number_input[0].set_value(1)
    at.button[0].click().run()  # "Start practice"
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("### ") for m in at.markdown)
    at.text_area[0].set_value(
        "TPUs fit large transformer training in JAX on Google Cloud; GPUs fit PyTorch, "
        "custom kernels and real-time inference on any cloud."
    )
    at.button[0].click().run()  # "Submit answer"
    assert not at.exception, [e.value for e in at.exception]
    text = _markdown(at)
    assert "**Score:" in text
    assert "Follow\\-up" in text or "Session summary" in [h.value for h in at.subheader]


def test_interview_mock_reports_and_the_progress_tab_charts_the_history(app) -> None:  # type: ignore[no-untyped-def]
    import uuid

    at = app("Interview")
    user = f"ui{uuid.uuid4().hex[:8]}"
    at.text_input(key="interview_user_box").set_value(user).run()
    assert "No answers yet" in "\n".join(i.value for i in at.info)
    at.number_input[0].set_value(1)
    at.radio(key="interview_mode").set_value("Mock interview")
    at.number_input[1].set_value(60)
    at.button[0].click().run()  # "Start"
    assert not at.exception, [e.value for e in at.exception]
    at.text_area[0].set_value("Managed for small teams, because nobody has to run a cluster.")
    at.button[0].click().run()  # "Submit answer"
    while not any(b.proto.label == "Download report (markdown)" for b in at.get("download_button")):
        labels = [b.label for b in at.button]
        at.button[labels.index("Skip follow-up")].click().run()
        assert not at.exception, [e.value for e in at.exception]
    report = _download(at, "Download report (markdown)")
    assert report.startswith("# Mock interview report") and "## Score per topic" in report
    assert len(at.get("vega_lite_chart")) == 1  # score over time per topic
    assert f"Progress of {user}" in [h.value for h in at.subheader]


def test_knowledge_text_is_rendered_as_text_not_html(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_dir: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "hostile.md").write_text(
        "# Serving notes\n\nServing GPUs need warm pools <script>alert('x')</script> to "
        "avoid cold starts on SageMaker endpoints.\n\nA diagram of warm pools for SageMaker "
        "endpoints ![pools](https://evil.example/track.png) shows the idea.\n"
    )
    monkeypatch.setenv("MLINFRA_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("MLINFRA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLINFRA_MODEL_DIR", str(model_dir))
    streamlit.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.chat_input[0].set_value("Why do SageMaker endpoints need warm pools?").run()
        assert not at.exception, [e.value for e in at.exception]
        rendered = _markdown(at)
        assert "<script>" not in rendered.replace("\\<script\\>", "")
        assert "\\<script\\>" in rendered or "\\<script>" in rendered
        assert "![pools](" not in rendered
    finally:
        streamlit.cache_resource.clear()


def test_reindex_button_reports_an_incremental_ingest(app) -> None:  # type: ignore[no-untyped-def]
    at = app("Knowledge")
    at.button(key="reindex").click().run()
    assert not at.exception, [e.value for e in at.exception]
    docs = len(list((REPO / "knowledge").glob("*.md")))  # every guidance file, none changed
    assert any(f"unchanged {docs} files" in s.value for s in at.success)
