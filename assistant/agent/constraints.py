"""Constraints a question states about the company: compliance regimes and data
residency, custom security controls, whether data may go to a managed cloud service, one
cloud or several. Rules as data (`assistant.agent.rules`) over the normalised text.

Every regime named is kept ("HIPAA applies and data must stay in the EU" is both), in the
order named; the other slots take the longest phrase that states them.
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, collect, const, read, readings

REGIMES = {
    "hipaa": "HIPAA", "pci": "PCI", "pci-dss": "PCI", "pci dss": "PCI", "soc 2": "SOC2",
    "soc2": "SOC2", "soc-2": "SOC2", "gdpr": "GDPR", "fedramp": "FedRAMP",
    "iso 27001": "ISO 27001", "iso27001": "ISO 27001", "itar": "ITAR", "dora": "DORA",
    "irap": "IRAP", "hitrust": "HITRUST", "nis2": "NIS2",
}  # fmt: skip
RESIDENCY_PLACES = (
    "eu|europe|us|usa|uk|germany|france|canada|india|australia|japan|singapore|switzerland|"
    "brazil|korea|country|region|jurisdiction"
)
CLOUD = r"(?:aws|gcp|google cloud|azure)"


def _regime(m: re.Match[str], text: str) -> str:
    return REGIMES[m.group(1)]


def _residency(m: re.Match[str], text: str) -> str:
    place = m.group(1)
    if place in ("country", "region", "jurisdiction"):
        return "data residency (in-country)"
    return f"data residency ({'US' if place == 'usa' else place.upper()})"


COMPLIANCE: tuple[Rule, ...] = (
    Rule("compliance.regime", "compliance",
         r"\b(" + "|".join(map(re.escape, sorted(REGIMES, key=len, reverse=True))) + r")\b",
         _regime, priority=1,
         examples=(("we are under hipaa", "HIPAA"), ("pci-dss scope", "PCI"),
                   ("a soc 2 audit next quarter", "SOC2"))),
    Rule("compliance.residency", "compliance",
         r"\b(?:data|records|scans|images|files|everything)\s+(?:must |has to |have to |needs to |"
         r"need to |should |can only )?(?:stay|remain|reside|be stored|live|be kept)s?\s+"
         r"(?:in|within|inside)\s+(?:the\s+)?(" + RESIDENCY_PLACES + r")\b",
         _residency, priority=1,
         examples=(("data must stay in the eu", "data residency (EU)"),
                   ("scans have to remain in australia", "data residency (AUSTRALIA)"),
                   ("records must be stored in country", "data residency (in-country)"))),
    Rule("compliance.cannot_leave", "compliance",
         r"\b(?:can(?:'t|not)|must(?:n't| not)|may not|is not allowed to) leave (?:the )?("
         + RESIDENCY_PLACES + r")\b",
         _residency, priority=1,
         examples=(("patient data can't leave the country", "data residency (in-country)"),
                   ("it may not leave germany", "data residency (GERMANY)"))),
    Rule("compliance.regulated", "compliance",
         r"\b(?:a |an )?regulated (?:bank|insurer|lender|industry|sector|financial institution|"
         r"fintech|healthcare provider|hospital)\b|\bwe(?:'re| are) regulated\b",
         const("regulated industry"),
         examples=(("we are a regulated bank", "regulated industry"),
                   ("as a regulated insurer", "regulated industry"))),
    Rule("compliance.none", "compliance",
         r"\b(?:no (?:compliance|regulatory) (?:requirements?|needs?|constraints?)|unregulated|"
         r"not regulated)\b", const("none"),
         examples=(("no compliance requirements", "none"), ("we are unregulated", "none"))),
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    Rule("controls.none", "requires_custom_controls",
         r"\bno (?:need for )?custom (?:security )?controls?\b|\bstandard controls\b",
         const(False), priority=1,
         examples=(("no custom controls needed", False), ("standard controls are fine", False))),
    Rule("controls.custom", "requires_custom_controls",
         r"\b(?:custom (?:security |network |compliance |access )?(?:controls?|policies|"
         r"network(?:ing)?|encryption)|our own (?:encryption|security controls?|network policies|"
         r"keys)|air[- ]gapped|fine[- ]grained (?:network|security) control|bespoke controls?|"
         r"control over the (?:network|os|kernel))\b", const(True),
         examples=(("we need custom network policies", True), ("an air-gapped cluster", True),
                   ("we bring our own keys", True))),
    Rule("data.on_premises", "data_stays_in_cloud",
         r"\b(?:on[- ]prem(?:ise|ises)?|own data ?cent(?:er|re)s?|can(?:'t|not) leave our|"
         r"must(?:n't| not) leave our|may not leave our|must stay (?:in|on|inside) our|"
         r"stay in our own|data[^.?!]{0,40}\bour own (?:hardware|servers|infrastructure)|"
         r"can(?:'t|not) (?:go|be sent) to (?:a )?managed|not allowed (?:on|in) managed|"
         r"self-hosted data|(?:never|not) (?:leave|leaves) (?:the |our )?(?:building|premises|"
         r"hospital|site))", const(False),
         examples=(("our records may not leave our premises", False),
                   ("the data sits in our own data center", False),
                   ("scans never leave the hospital", False))),
    Rule("data.in_cloud", "data_stays_in_cloud",
         r"\bdata (?:is|lives|already lives|sits|stays) (?:in|on) (?:the )?"
         r"(?:cloud|s3|gcs|aws|gcp|bigquery|azure|blob storage)\b", const(True),
         examples=(("our data already lives in s3", True), ("data is in bigquery", True))),
    Rule("clouds.several", "multi_cloud",
         r"\b(?:multi[- ]?cloud|several clouds|multiple clouds|more than one cloud|two clouds|"
         r"across clouds|cloud[- ]agnostic|portable across|avoid (?:vendor )?lock[- ]?in|"
         r"both " + CLOUD + " and " + CLOUD + r")\b", const(True),
         examples=(("we are multi-cloud", True), ("both aws and azure", True),
                   ("we want to avoid vendor lock-in", True))),
    Rule("clouds.one", "multi_cloud",
         r"\b(?:single cloud|one cloud|only (?:on )?(?:aws|gcp|azure)|all[- ]in on \w+|"
         r"(?:must|have to|need to) stay on (?:aws|gcp|azure))\b", const(False),
         examples=(("we're all-in on gcp", False), ("only on aws", False),
                   ("we must stay on azure", False))),
)  # fmt: skip


def compliance(text: str) -> tuple[str, str] | None:
    """(the regimes named, joined, the words read) or None; "none" only when no regime is."""
    found = collect(text, COMPLIANCE, "compliance")
    named = [c for c in found if c.value != "none"]
    chosen = named or found
    if not chosen:
        return None
    values = list(dict.fromkeys(str(c.value) for c in chosen))
    return ", ".join(values), "; ".join(text[c.start : c.end] for c in chosen)


def constraints(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value, the words read) for every constraint the text states."""
    out = readings(text, read(text, RULES))
    regimes = compliance(text)
    if regimes is not None:
        out["compliance"] = regimes
    return out
