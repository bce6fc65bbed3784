"""The domain gate: questions outside ML infrastructure are declined with a short answer
and nearby questions it can answer; in-domain ones, terse or near the edge, are answered."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import Assistant
from assistant.agent import gate
from assistant.agent.qtypes import load_bank

NEAR_OUT = [
    "Which LoRA rank and learning rate should I use to fine-tune a 7B model on 5k examples?",
    "NCCL WARN Call to ibv_create_qp failed on our 16-GPU job, which env var fixes it?",
    "Pinecone or Weaviate for 40 million embeddings, and what HNSW ef should we set?",
    "How do I set up Calico network policies between namespaces on our GKE cluster?",
    "What does RunPod charge per hour for an H100 these days?",
    "How should I tune Postgres autovacuum for a 2 TB orders table?",
]
FAR_OUT = ["What is a good recipe for banana bread?", "Who won the 1998 football World Cup?"]
IN = [
    "What would an ml.g5.2xlarge endpoint cost in Frankfurt, running all month?",
    "spot or on-demand for a 3-day fine-tune on p4d?",
    "Can a 70B model in bf16 be served on two A100 80GB GPUs?",
    "We are four ML engineers with six models; SageMaker or our own EKS?",
    "What is a feature store for, and when is it worth running one?",
    "trn2.48xlarge in Ohio over the long weekend on spot, ballpark?",
    "x2iedn.8xlarge nights only in jakarta, ondemand - whats that run us",
]


@pytest.mark.parametrize("question", NEAR_OUT + FAR_OUT)
def test_out_of_scope_questions_are_declined_with_questions_it_can_answer(
    real_bot: Assistant, question: str
) -> None:
    answer = real_bot.ask(question)
    assert answer.abstained, answer.text
    assert answer.text.startswith("mlinfra does not cover this question")
    assert answer.tool_calls == [] and answer.citations == []
    suggested = [line[2:] for line in answer.text.splitlines() if line.startswith("- ")]
    bank = dict(load_bank())
    assert len(suggested) == 3
    assert all(bank.get(s) not in (None, "out_of_scope") for s in suggested), suggested
    assert len(answer.text.split()) < 120  # short: no guidance, no tools


@pytest.mark.parametrize("question", IN)
def test_in_domain_questions_pass_the_gate(real_bot: Assistant, question: str) -> None:
    answer = real_bot.ask(question)
    assert not answer.abstained, answer.text


def test_a_follow_up_in_a_conversation_is_not_declined_for_its_few_words(
    real_bot: Assistant,
) -> None:
    first = "What does an ml.g5.xlarge endpoint cost in us-east-1 for a month?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": real_bot.ask(first).text}]  # fmt: skip
    assert not real_bot.ask("and in eu-west-1?", history=history).abstained


def test_a_turn_pointing_back_at_a_concept_is_answered_from_the_same_guidance(
    real_bot: Assistant,
) -> None:
    first = "What is MIG on NVIDIA GPUs?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": real_bot.ask(first).text}]  # fmt: skip
    answer = real_bot.ask("could our A100 inference nodes be split up with it?", history=history)
    assert not answer.abstained, answer.text
    assert "MIG" in answer.text and answer.citations


def test_the_shipped_model_matches_the_features_and_says_how_it_was_measured() -> None:
    data = json.loads(gate.MODEL.read_text())
    assert tuple(data["features"]) == gate.FEATURES
    measured = data["measured"]
    assert measured["calibration"] >= 300
    assert measured["cross_validated"]["in-scope declined"] <= 0.02
    assert measured["cross_validated"]["out-of-scope declined"] >= 0.9


def test_a_model_with_other_features_is_refused_naming_the_refit(tmp_path: Path) -> None:
    bad = tmp_path / "gate.json"
    bad.write_text(json.dumps({"features": ["dense", "colour"], "weights": [1, 1], "bias": 0,
                               "cut": 0.5}))  # fmt: skip
    with pytest.raises(ValueError, match="evals/gate.py --write"):
        gate.load(bad)


signals = st.builds(
    gate.Signals,
    dense=st.floats(-1, 1), coverage=st.floats(0, 1), p_out=st.floats(0, 1),
    tool=st.booleans(), ruled=st.booleans(), foreign=st.integers(0, 2),
    named=st.integers(0, 2), p_embed=st.floats(0, 1), words=st.floats(-5, 5),
)  # fmt: skip


@given(signals, st.floats(0.01, 0.5))
def test_a_closer_passage_or_a_lower_out_of_scope_probability_never_lowers_p_in(
    s: gate.Signals, step: float
) -> None:
    model = gate.load()
    by_dense = model.weights[gate.FEATURES.index("dense")]
    by_out = model.weights[gate.FEATURES.index("p_out")]
    assert by_dense > 0 and by_out < 0  # what the fit learnt, and what the gate relies on
    closer = replace(s, dense=min(1.0, s.dense + step), p_out=max(0.0, s.p_out - step))
    assert model.p_in(closer) >= model.p_in(s)
    assert 0.0 <= model.p_in(s) <= 1.0
