"""Cues the grader reads in an answer's words, as rules with ids and examples (the slot
rules' engine, `assistant.agent.rules`; `tests/test_rules.py` runs every example).

- `reason`: a reason or a consequence given with a point ("because", "so", "->", "at the
  cost of", "unless"): a point stated with one earns full credit, a point only named part.
- `relation`: the closed-class words and symbols that relate terms to each other (a
  copula or modal, a preposition, a conjunction, a determiner, an arrow or a colon): words
  strung together with almost none of them relate nothing to anything.
- `action`: an item that starts with what to do ("use smaller instances", "turn on
  autoscaling") recommends something; a bare noun only names it.
- `overclaim`: extreme-case formulations ("always", "never", "free", "no downside",
  "instantly"), the certainty that careful answers qualify. One the rubric itself does not
  make is a claim the answer cannot back; several of them mark a confident wrong answer.
  "Not always" and "almost never" are hedges, not overclaims.
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, collect, const

_NOT_HEDGED = r"(?<!not )(?<!almost )(?<!nearly )(?<!hardly )(?<!rarely )"

REASON: tuple[Rule, ...] = (
    Rule(
        "reason.because",
        "reason",
        r"\b(?:because|since|as a result|due to|thanks to|given that|b/c|bc|cuz|owing to)\b",
        const("because"),
        examples=(
            ("spot for training because it checkpoints", "because"),
            ("cheaper b/c no idle gpus", "because"),
        ),  # fmt: skip
    ),
    Rule(
        "reason.so",
        "reason",
        r"\b(?:so(?: that)?|therefore|thus|hence|which means|meaning|that means|"
        r"in order to|to avoid|to keep|to cut|to save|to stop|so you|so it)\b",
        const("so"),
        examples=(
            ("checkpoint often so a reclaim loses little", "so"),
            ("shard the optimizer state to avoid running out of memory", "so"),
        ),  # fmt: skip
    ),
    Rule(
        "reason.arrow",
        "reason",
        r"(?:->|=>|→|⇒|-->|\s=\s|\s>\s)",
        const("arrow"),
        examples=(
            ("bursty traffic -> serverless", "arrow"),
            ("steady load => reserved capacity", "arrow"),
        ),  # fmt: skip
    ),
    Rule(
        "reason.tradeoff",
        "reason",
        r"\b(?:at the cost of|in exchange for|trade-?off|the catch|the downside|downside|"
        r"but|however|whereas|while|otherwise|unless|instead of|rather than|at the price of)\b",
        const("tradeoff"),
        examples=(
            ("scale to zero but callers see cold starts", "tradeoff"),
            ("cheaper, at the cost of a cold start", "tradeoff"),
            ("on-demand base unless the job checkpoints", "tradeoff"),
        ),  # fmt: skip
    ),
    Rule(
        "reason.condition",
        "reason",
        r"\b(?:when|if|once|only if|as long as|provided|depending on|depends on)\b",
        const("condition"),
        examples=(
            ("go managed when the team is small", "condition"),
            ("spot is fine if the job resumes from a checkpoint", "condition"),
        ),  # fmt: skip
    ),
)

RELATION: tuple[Rule, ...] = (
    Rule(
        "relation.link",
        "relation",
        r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|should|would|will|"
        r"must|may|might|isn't|aren't|don't|doesn't|won't|can't)\b",
        const("link"),
        examples=(("serverless is cheaper", "link"), ("endpoints can scale down", "link")),
    ),
    Rule(
        "relation.preposition",
        "relation",
        r"\b(?:to|of|in|on|at|by|for|from|with|without|into|onto|over|under|per|via|than|"
        r"as|across|between|after|before|during|within|vs\.?|versus)\b|\bw/o?",
        const("preposition"),
        examples=(
            ("spot for training jobs", "preposition"),
            ("tpu vs gpu", "preposition"),
            ("serve w/ kserve", "preposition"),
        ),  # fmt: skip
    ),
    Rule(
        "relation.conjunction",
        "relation",
        r"\b(?:and|or|but|so|if|when|then|because|since|while|unless|that|which|who|"
        r"not|no|it|its|they|their|you|your|we|our|this|these|those|a|an|the)\b",
        const("conjunction"),
        examples=(
            ("checkpoint often or lose progress", "conjunction"),
            ("the kv cache grows", "conjunction"),
        ),  # fmt: skip
    ),
    Rule(
        "relation.symbol",
        "relation",
        r"(?:->|=>|→|⇒|\s=\s|:\s|\s>\s|\s<\s|\s~\s)",
        const("symbol"),
        examples=(("bursty -> serverless", "symbol"), ("ops burden: managed wins", "symbol")),
    ),
)


ACTION: tuple[Rule, ...] = (
    Rule(
        "action.imperative",
        "action",
        r"^\W*(?:maybe |then |also |just )?(?:use|turn|set|run|move|put|keep|add|switch|enable|"
        r"disable|shut|delete|remove|scale|pick|choose|buy|reserve|commit|checkpoint|"
        r"compile|quantize|quantise|batch|cache|shard|monitor|log|track|compare|measure|"
        r"benchmark|right-?size|consolidate|host|serve|train|deploy|avoid|prefer|go|stay|"
        r"start|stop|drop|cut|reduce|share|pack|mix|test|retry|resume|save|store|copy|"
        r"replicate|encrypt|audit|sign|review|estimate|forecast|plan|negotiate|spread|"
        r"split|offload|distill|prune|fine-?tune|profile|tag|alert|retrain|roll back|"
        r"roll out|canary|shadow)\b",
        const("imperative"),
        examples=(
            ("use smaller instances", "imperative"),
            ("turn on autoscaling", "imperative"),
            ("then shut down idle endpoints", "imperative"),
            ("checkpoint to s3", "imperative"),
        ),  # fmt: skip
    ),
)

OVERCLAIM: tuple[Rule, ...] = (
    Rule(
        "overclaim.always",
        "overclaim",
        _NOT_HEDGED + r"\b(?:always|every time|in every case|in all cases|without exception)\b",
        const("always"),
        examples=(("tpus are always faster", "always"), ("in all cases go managed", "always")),
    ),
    Rule(
        "overclaim.never",
        "overclaim",
        _NOT_HEDGED + r"\b(?:never|no one|nobody|under no circumstances|in no case)\b",
        const("never"),
        examples=(("you never need more than one gpu", "never"),),
    ),
    Rule(
        "overclaim.all",
        "overclaim",
        _NOT_HEDGED + r"\b(?:everything|any model|any workload|all of it|all models|"
        r"all workloads|everyone|everywhere|every model|every workload|entirely|completely|"
        r"totally|absolutely|fully automatic|automatically)\b",
        const("all"),
        examples=(
            ("tpus run any model unchanged", "all"),
            ("it handles everything automatically", "all"),
        ),  # fmt: skip
    ),
    Rule(
        "overclaim.free",
        "overclaim",
        r"\b(?:(?:is|are|basically|essentially|effectively|practically|completely) free|"
        r"for free|costs? nothing|zero cost|no cost|no downside|no downsides|no risk|"
        r"no catch|for nothing|free lunch|negligible)\b",
        const("free"),
        examples=(
            ("egress is basically free", "free"),
            ("there's no downside", "free"),
            ("the kv cache is negligible", "free"),
        ),  # fmt: skip
    ),
    Rule(
        "overclaim.instant",
        "overclaim",
        r"\b(?:instantly|instantaneous(?:ly)?|immediately|in milliseconds|infinitely|"
        r"unlimited|runs itself|zero effort|no effort|no work|trivial(?:ly)?)\b",
        const("instant"),
        examples=(
            ("it spins up in milliseconds", "instant"),
            ("scales infinitely", "instant"),
            ("the cluster runs itself", "instant"),
        ),  # fmt: skip
    ),
    Rule(
        "overclaim.certain",
        "overclaim",
        r"\b(?:obviously|clearly|of course|no question|no doubt|without doubt|undoubtedly|"
        r"definitely|certainly|guaranteed|the only way|the whole (?:story|calculation)|"
        r"that's it|that is all|just use|simply use|basically just)\b",
        const("certain"),
        examples=(
            ("self-managed, clearly", "certain"),
            ("just use spot", "certain"),
            ("that's the whole calculation", "certain"),
        ),  # fmt: skip
    ),
)


def found(text: str, rules: tuple[Rule, ...], slot: str) -> list[str]:
    """The values of every `slot` cue in the lower-cased `text`, in order."""
    # a hyphen joins a compound: the "in" of "lock-in" relates nothing
    joined = re.sub(r"(?<=\w)-(?=\w)", "_", text.lower())
    return [c.value for c in collect(joined, rules, slot)]


def has_reason(text: str) -> bool:
    return bool(found(text, REASON, "reason"))


def relations(text: str) -> int:
    """How many words or symbols relate the terms of `text` to each other."""
    return len(found(text, RELATION, "relation"))


def is_action(text: str) -> bool:
    """A recommendation in the imperative ("use smaller instances"): it says what to do."""
    return bool(found(text, ACTION, "action"))


def overclaims(text: str) -> list[str]:
    return found(text, OVERCLAIM, "overclaim")
