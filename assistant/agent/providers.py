"""Compute and model providers mlinfra does not price: GPU neoclouds, hosted-model APIs
and other clouds. A question about one of them ("H100s on RunPod", "gpt-4o per million
tokens") sits next to the domain without being in it, and the domain gate weighs that
(`gate.Signals.elsewhere`). Rules as data, each with the examples it must read; AWS
Lambda, a service mlinfra does cover, is not Lambda's GPU cloud.
"""

from __future__ import annotations

from assistant.agent.rules import Rule, const, read

RULES: tuple[Rule, ...] = (
    Rule(
        "elsewhere.neocloud",
        "elsewhere",
        r"\b(?:coreweave|runpod|run ?pod|lambda ?(?:labs|cloud|gpu cloud)|lambdalabs|"
        r"vast\.?ai|paperspace|crusoe|nebius|voltage park|tensordock|fluidstack|"
        r"genesis cloud|jarvis ?labs|hyperstack)\b",
        const("neocloud"),
        examples=(
            ("h100 per hour on coreweave", "neocloud"),
            ("runpod community cloud vs secure cloud", "neocloud"),
            ("what does lambda labs charge", "neocloud"),
            ("a vast.ai 4x 3090 box", "neocloud"),
        ),
    ),
    Rule(
        "elsewhere.model_api",
        "elsewhere",
        r"\b(?:together ?ai|fireworks ?ai|groq|replicate\.com|openai api|anthropic api|"
        r"chatgpt (?:plus|team|enterprise|pro)|gpt-4o?|gpt-5|azure openai|claude api|"
        r"per million tokens|per 1m tokens)\b",
        const("model_api"),
        examples=(
            ("together ai dedicated endpoints", "model_api"),
            ("how much does gpt-4o cost per million tokens", "model_api"),
            ("chatgpt plus or team for a startup", "model_api"),
        ),
    ),
    Rule(
        "elsewhere.other_cloud",
        "elsewhere",
        r"\b(?:oracle cloud|ibm cloud|alibaba cloud|digitalocean|digital ocean|hetzner|"
        r"ovh ?cloud|ovh|linode|vultr|scaleway)\b",
        const("other_cloud"),
        examples=(
            ("a hetzner gpu server", "other_cloud"),
            ("oracle cloud a100 shapes", "other_cloud"),
        ),
    ),
)


def elsewhere(text: str) -> str | None:
    """The kind of uncovered provider the (normalised) text names, if any."""
    found = read(text, RULES).get("elsewhere")
    return found.value if found else None
