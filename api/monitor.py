"""Prompt and response monitoring: cheap pattern screens whose flags are counted and audited.

A flag never changes what the caller may see (the access filter already decided that); it is a
signal for operators. Flags: `prompt_injection`, `cross_tenant` (asks for other tenants' or all
data), `toxicity`, `ungrounded` (an answer that is not a refusal and cites nothing).
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (all |any |the )?(previous|prior|above|earlier) (instructions|rules|prompts?)"
    r"|disregard (the |all |your )?(instructions|rules|system prompt)"
    r"|\bsystem prompt\b|\byou are now\b|\bact as\b|\bjailbreak\b|\bdeveloper mode\b"
    r"|reveal (your|the) (instructions|prompt|secrets?)|\bprint (the )?(api )?keys?\b",
    re.IGNORECASE,
)
_CROSS_TENANT = re.compile(
    r"\b(other|another|all|every) (tenants?|customers?|companies|organisations?|organizations?)'?s?\b"
    r"|\btenant\s*[:=]|\bconfidential\b|\bsecret\b|\bpassword\b|\bapi[ _-]?key\b",
    re.IGNORECASE,
)
_TOXIC = re.compile(r"\b(idiot|stupid|moron|kill yourself|hate you|shut up)\b", re.IGNORECASE)


def screen_question(text: str) -> list[str]:
    flags = []
    if _INJECTION.search(text):
        flags.append("prompt_injection")
    if _CROSS_TENANT.search(text):
        flags.append("cross_tenant")
    if _TOXIC.search(text):
        flags.append("toxicity")
    return flags


def screen_answer(answer: str, *, citations: int, refused: bool) -> list[str]:
    flags = []
    if not refused and citations == 0:
        flags.append("ungrounded")
    if _TOXIC.search(answer):
        flags.append("toxicity")
    return flags
