"""Reading an answer as its reader does: plain text, its sentences, its lead, whole-word
mentions and dollar amounts."""

from __future__ import annotations

import re

from assistant.text import MARKER, split_sentences


def plain(text: str) -> str:
    """The answer as a reader sees it: no markdown emphasis, code marks or table rules."""
    text = MARKER.sub("", text)
    text = re.sub(r"[*`]{1,3}", "", text)
    return text


def sentences(text: str) -> list[str]:
    """Sentences in order. A line break ends one; a heading (`#`, or a line that is all
    bold), a table row and a rule are not sentences."""
    out: list[str] = []
    for raw in text.splitlines():
        raw = raw.strip()
        if raw.startswith(("#", "|")) or re.fullmatch(r"\*\*[^*]+\*\*:?", raw):
            continue
        line = plain(raw).strip().lstrip(">").strip()
        line = re.sub(r"^(?:[-•]|\d+\.)\s+", "", line)
        if not line or set(line) <= set("-: "):
            continue
        out += split_sentences(line)
    return out


def lead_of(text: str, n: int = 2) -> str:
    return " ".join(sentences(text)[:n])


def folded(text: str) -> str:
    return " ".join(re.sub(r"[-\u2010-\u2014]", " ", text.lower()).split())


def mentions(text: str, entry: str) -> bool:
    """`entry` (alternatives split by `|`) appears in `text` as a whole word or phrase."""
    haystack = folded(text)
    for alt in entry.split("|"):
        alt = folded(alt)
        if alt and re.search(rf"(?<!\w){re.escape(alt)}(?!\w)", haystack):
            return True
    return False


_USD = re.compile(
    r"(?:\$|USD\s?|US\$)\s?(\d[\d,]*(?:\.\d+)?)\s*(k|K|m|M|thousand|million|bn|billion)?(?![\w])"
    r"|(\d[\d,]*(?:\.\d+)?)\s*(k|K|thousand|million)?\s*(?:USD|dollars)\b"
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


def usd_amounts(text: str) -> list[float]:
    out = []
    for m in _USD.finditer(text):
        number, scale = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        out.append(value * _SCALE.get((scale or "").lower(), 1))
    return out
