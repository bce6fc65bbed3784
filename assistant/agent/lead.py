"""What an answer says first, by the question's type (`assistant.agent.qtypes`):
- the tool the type asks for leads (a price question its price, a sizing question its chip
  count, a build-vs-buy question its decision), the others follow;
- a yes-or-no sizing question naming chips ("Can a 70B model be served on two A100
  80GB?") gets "Yes: ..." or "No: ..." with the memory it needs against what they hold;
- a tool that could not answer says so in words with the nearest thing it has, never as
  the arguments it was given.
"""

from __future__ import annotations

import math
import re
from typing import Any

from assistant.models import ToolCall

# The tool a question type asks for; the first of a type's tools leads the answer.
LEADS: dict[str, tuple[str, ...]] = {
    "price": ("estimate_cost", "find_prices"),
    "comparison": ("estimate_cost", "find_prices", "choose_infrastructure"),
    "sizing": ("select_accelerator", "estimate_cost"),
    "build_vs_buy": ("choose_infrastructure",),
}
VERBS = {"estimate_cost": "price this", "find_prices": "find offers for this",
         "select_accelerator": "size this", "choose_infrastructure": "decide this"}  # fmt: skip
PRICED = ("estimate_cost", "find_prices")
# A question asking yes or no: it opens with an auxiliary verb (after a filler word).
YES_NO = re.compile(r"^\W*(?:(?:so|and|ok|okay|but|quick q|q)\W+)?"
                    r"(?:can|could|does|do|will|would|is|are|should|fits?|enough)\b")  # fmt: skip
_SIZE = re.compile(r"\b(40|80)\s*gb\b")


def ordered(labelled: list[tuple[str, ToolCall]], qtype: str | None) -> list[tuple[str, ToolCall]]:
    """The calls with the one the question type asks for first (stable otherwise)."""
    wanted = LEADS.get(qtype or "", ())

    def rank(item: tuple[str, ToolCall]) -> int:
        name = item[1].name
        return wanted.index(name) if name in wanted else len(wanted)

    return sorted(labelled, key=rank)


def failure(name: str, args: dict[str, Any], message: str) -> str:
    """A tool's refusal in words: what it has no answer for, and the nearest it has."""
    field, _, why = message.partition(": ")
    why = (why or message).replace("closest known:", "the nearest I have:")
    why = re.sub(r"unknown '([^']+)'", r"\1 is not in the price catalog", why)
    if name in PRICED and field in ("instance_type", "region", "accelerator"):
        thing = args.get("instance_type") or args.get("accelerator") or "this"
        where = f" in {args['region']}" if args.get("region") else ""
        text = f"I have no price for {thing}{where}: {why}"
        if "prices refresh" not in text:
            text += "; or run `mlinfra prices refresh` for a newer price snapshot"
        return text + "."
    named = f"{field} " if why != message else ""
    return f"I could not {VERBS.get(name, 'run ' + name)}: {named}{why}."


def _chip(accelerator: str, text: str, specs: dict[str, Any]) -> str | None:
    if accelerator in specs:
        return accelerator
    if accelerator == "a100":
        size = _SIZE.search(text)
        return f"a100-{size.group(1) if size else '80'}gb"
    return None


def yes_or_no(question: str, calls: list[ToolCall]) -> str | None:
    """ "Yes: ..." or "No: ..." for a yes-or-no question naming the chips it would use,
    from the selector's memory estimate; None when the question asks no such thing."""
    from assistant.agent import extract as ex
    from assistant.agent.facts import facts
    from assistant.tools.accelerator import USABLE
    from assistant.tools.catalog import accelerators

    text = ex.normalise(question)
    sizing = next((c for c in calls if c.name == "select_accelerator"), None)
    memory = (sizing.result.get("memory") if sizing else None) or None
    if memory is None or not YES_NO.match(text):
        return None
    found = facts(question)
    named = found.get("accelerator")
    specs = accelerators()
    chip = _chip(str(named.value), text, specs) if named else None
    if chip is None:
        return None
    count = int(found["accelerator_count"].value) if "accelerator_count" in found else 1
    each = specs[chip].memory_gb
    usable = count * each * USABLE
    need = float(memory["total_gb"])
    doing = "train" if sizing and sizing.result["inputs"]["workload"] == "training" else "serve"
    held = f"{count} x {chip} can use {usable:,.0f} GB ({USABLE:.0%} of {each:g} GB each)"
    if need <= usable:
        return (
            f"Yes: about {need:,.0f} GB is needed to {doing} it in {memory['precision']}, "
            f"and {held}."
        )
    enough = math.ceil(need / (each * USABLE))
    return (f"No: about {need:,.0f} GB is needed to {doing} it in {memory['precision']}, more "
            f"than the {usable:,.0f} GB {held.split(' can use ')[0]} can use; it takes "
            f"{enough} x {chip}.")  # fmt: skip
