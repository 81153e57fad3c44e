"""Does a message describe a child at immediate risk? Then the emergency route comes first.

A message is urgent when it speaks of danger (violence, abuse, a disclosure, self-harm, a
missing or abandoned child, a medical emergency) *and* describes a real, current situation
(something happening now, a specific child, the writer on a visit). A question about the
same subject in general — "what should happen if a child discloses abuse?" — is not urgent:
it gets a normal answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CHILD = (
    r"(?:child|children|kid|kids|boy|girl|baby|babies|toddler|infant|newborn|young person|"
    r"yp|teen|teenager|pupil|student|client|sibling|siblings|daughter|son|brother|sister|"
    r"\d{1,2}[- ]?(?:year|yr|month)s?[- ]?old|\d{1,2}\s?(?:yo|y/o))"
)
_ADULT = (
    r"(?:mum|mom|mother|dad|father|stepdad|step-dad|stepfather|stepmum|stepmother|parent|"
    r"parents|partner|boyfriend|girlfriend|uncle|aunt|grandad|grandfather|grandma|"
    r"grandmother|carer|carers|foster carer|foster carers|cousin|neighbour|man|woman|adult)"
)
_PRONOUN = r"(?:he|she|they|him|her|them)"

DANGER = re.compile(
    "|".join(
        [
            r"\b(?:immediate|imminent|serious|grave|real)\s+(?:danger|risk|harm)\b",
            r"\bin danger\b",
            r"\b(?:not|isn'?t|aren'?t|doesn'?t feel)\s+safe\b",
            r"\bunsafe\b",
            r"\brisk to (?:\w+\s){0,2}life\b",
            r"\b(?:hit|hits|hitting|beat|beats|beating|beaten|punch\w*|kick(?:s|ed|ing)?|"
            r"slapp?\w*|strangl\w*|chok(?:e|ed|es|ing)|stabb?\w*|shak(?:en|ing)|"
            r"hurt(?:s|ing)?|assault\w*|attack\w*|violen\w*|threaten\w*|smack\w*|"
            r"belt(?:ed)?|whipp?\w*)\b",
            r"\b(?:knife|knives|gun|weapon|machete|blade)\b",
            r"\b(?:rap(?:e|ed|ing)|molest\w*|groom(?:ed|ing)|sexual(?:ly)?\s+\w+|"
            r"touch(?:ed|ing|es)?\s+(?:her|him|them|me)\b)",
            r"\babus(?:e|ed|es|ing|ive)\b",
            r"\bneglect(?:ed)?\b",
            r"\b(?:suicid\w*|overdos\w*|self[- ]?harm\w*|hang(?:ing)? (?:him|her|them)sel\w*)\b",
            r"\b(?:kill|hurt|harm|cut)(?:s|ing)?\s+(?:him|her|them|my)sel(?:f|ves)\b",
            r"\b(?:end|take)\s+(?:his|her|their|my)\s+(?:own\s+)?life\b",
            r"\bwants? to die\b",
            r"\b(?:unconscious|not breathing|unresponsive|bleeding|collapsed|seizure)\b",
            r"\b(?:missing|abandoned|ran away|run(?:ning)? away|hasn'?t come home|"
            r"not come home|didn'?t come home)\b",
            r"\b(?:left|home|is|are|was|been)\s+(?:on (?:his|her|their) own|alone)\b",
            r"\bno (?:adults?|one|parents?) (?:at home|in the house|here|there|around)\b",
            r"\blocked (?:in|out)\b",
            r"\b(?:bruis\w*|fractur\w*|injur\w*|burns?|marks on)\b",
            r"\b(?:trafficked|exploited|county lines)\b",
            r"\b(?:scared|afraid|frightened|terrified|refus\w+|won'?t|doesn'?t want)"
            r"\s+to go home\b",
            r"\b(?:drunk|intoxicated|high on|passed out|off (?:his|her|their) face)\b",
            r"\b(?:kill|murder)\b",
            r"\bdisclos\w*\b",
        ]
    ),
    re.IGNORECASE,
)

IMMEDIATE = re.compile(
    r"\b(?:right now|now|tonight|today|this (?:morning|afternoon|evening)|just|currently|"
    r"at the moment|as we speak|at this minute|still|urgent(?:ly)?|asap)\b",
    re.IGNORECASE,
)

SITUATION = re.compile(
    "|".join(
        [
            r"\b(?:i'?m|i am|we'?re|we are)\s+(?:at|with|in|on|outside|sitting|stood|standing)\b",
            r"\b(?:home|school|hospital|house) visit\b",
            r"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+)?(?:found|seen|arrived|noticed|heard|"
            r"been told|got a call)\b",
            r"\bcan (?:hear|see)\b",
            r"\b(?:told|disclosed to|confided in|rang|called|phoned|texted|messaged) (?:me|us)\b",
            rf"\b(?:a|an|the|this|my|our|one of my)\s+(?:\w+[- ])?{_CHILD}\s+"
            r"(?:is|was|has|had|says|said|told|tells|just|keeps|won'?t|can'?t|doesn'?t|isn'?t|"
            r"hasn'?t|seems|looks|appears|came|went|disclosed|discloses|mentioned|with)\b",
            rf"\b{_CHILD}\s+(?:with|has|have|is|are)\s+(?:\w+\s){{0,2}}(?:bruis|injur|burn|mark)",
            rf"\b(?:the|her|his|their|my client'?s|a|an)\s+{_ADULT}\s+"
            r"(?:is|was|has|had|keeps|just|says|said|hit|hits|hurt|threatened|left|won'?t)\b",
            rf"\b{_ADULT}\s+(?:is|was|has been|keeps)\s+(?:drunk|violent|shouting|high)\b",
            rf"\b{_PRONOUN}(?:'s|'re| is| are| has| have| was| were| said| says| told| just)\b",
            r"\b(?:on my caseload|my case|my client|my young person|i'?m working with|"
            r"i work with)\b",
            r"\b(?:what do i do|what should i do|what do we do)\b",
        ]
    ),
    re.IGNORECASE,
)

GENERIC = re.compile(
    r"^\s*(?:what(?:'s| is| are| does| do| happens| should happen| must| counts)?|how|when|who|"
    r"which|why|where|is|are|does|do|can|could|should|must|explain|define|describe|"
    r"tell me about|remind me)\b.*"
    r"(?:\bif\b|\bwhen(?:ever)?\b|\bwhere\b|\bmean\b|\bmeaning\b|\bdefin\w*|\bthreshold\b|"
    r"\bprocedure\b|\bpolicy\b|\bguidance\b|\btimescale\w*|\btraining\b|\breview\b|\bprocess\b|"
    r"\bsteps\b|\bfound\b|\bsay\b|\bsaid about\b|\blaw\b|\bcount as\b|\bcategor\w*|\bexample)",
    re.IGNORECASE | re.DOTALL,
)
_FIRST_PERSON_NOW = re.compile(
    r"\b(?:i'?m|i am|we'?re|we are|i'?ve|i have|we'?ve)\b|\b(?:told|disclosed to) (?:me|us)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class UrgencyAssessment:
    """Whether a message is urgent, and the words that made it so (for audits and tests)."""

    urgent: bool
    reasons: tuple[str, ...] = ()


def assess_urgency(message: str) -> UrgencyAssessment:
    """Urgent = danger words + a real, current situation, and not a general question."""
    danger = [m.group(0) for m in DANGER.finditer(message)]
    if not danger:
        return UrgencyAssessment(False)
    now = [m.group(0) for m in IMMEDIATE.finditer(message)]
    situation = [m.group(0) for m in SITUATION.finditer(message)]
    general_question = bool(GENERIC.search(message)) and not now
    general_question = general_question and not _FIRST_PERSON_NOW.search(message)
    urgent = bool(situation or now) and not general_question
    reasons = (
        *(f"danger: {d}" for d in danger),
        *(f"now: {n}" for n in now),
        *(f"situation: {s}" for s in situation),
    )
    return UrgencyAssessment(urgent, reasons if urgent else ())
