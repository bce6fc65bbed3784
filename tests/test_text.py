"""The one sentence splitter: markers stay with their sentence, abbreviations end
nothing, pieces kept with their space join back to the text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.text import MARKER, split_sentences, strip_markers


def test_a_marker_stays_with_the_sentence_it_ends() -> None:
    text = "SageMaker bills per second [1].\nIt scales to zero [2] [3]. Vertex AI does not. [4]"
    assert split_sentences(text) == [
        "SageMaker bills per second [1].", "It scales to zero [2] [3].",
        "Vertex AI does not. [4]",
    ]  # fmt: skip
    assert MARKER.findall(text) == ["1", "2", "3", "4"]
    assert strip_markers("It scales to zero [2] [3].") == "It scales to zero."


def test_abbreviations_and_lower_case_words_end_no_sentence() -> None:
    assert split_sentences("Use a GPU, e.g. An L4. Then stop.") == ["Use a GPU, e.g. An L4.",
                                                                     "Then stop."]  # fmt: skip
    assert len(split_sentences("costs $1.20 an hour. about 730 h")) == 1


def test_notes_mode_cuts_terse_answers_at_semicolons_and_lower_case() -> None:
    notes = "serverless; scale to zero. cold starts\n- batch transform"
    assert split_sentences(notes, notes=True) == [
        "serverless;", "scale to zero.", "cold starts", "- batch transform",
    ]  # fmt: skip


@given(st.text(alphabet="ab .!?;\n[]1A$", max_size=80))
def test_pieces_kept_with_their_space_join_back_to_the_text(text: str) -> None:
    assert "".join(split_sentences(text, keep_space=True)) == text
    assert "".join(split_sentences(text, notes=True, keep_space=True)) == text
