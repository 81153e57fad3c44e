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

_POSSESSIVE = r"(?:his|her|its|their|my|the)"

# Danger, by kind. Each entry names a situation, not the wording of any one message.
DANGER = re.compile(
    "|".join(
        [
            # risk in so many words
            r"\b(?:immediate|imminent|serious|grave|real)\s+(?:danger|risk|harm)\b",
            r"\bin danger\b",
            r"\b(?:not|isn'?t|aren'?t|doesn'?t feel)\s+safe\b",
            r"\bunsafe\b",
            r"\brisk to (?:\w+\s){0,2}life\b",
            # violence and threats
            r"\b(?:hit|hits|hitting|beat|beats|beating|beaten|punch\w*|kick(?:s|ed|ing)?|"
            r"slapp?\w*|strangl\w*|throttl\w*|chok(?:e|ed|es|ing)|stabb?\w*|shook|"
            r"shak(?:e|es|en|ing)\s+(?:the|a|her|him|them|my|his)\b|hurt(?:s|ing)?|assault\w*|"
            r"attack\w*|violen\w*|threat\w*|smack\w*|belt(?:ed)?|whipp?\w*|thr(?:ew|own) "
            r"(?:him|her|them|it|the)|punched|fighting|smashing)\b",
            r"\b(?:knife|knives|gun|weapon|machete|blade)\b",
            r"\b(?:kill|murder)\w*\b",
            # abuse, sexual harm, exploitation
            r"\b(?:rap(?:e|ed|ing)|molest\w*|groom(?:ed|ing)|sexual(?:ly)?\s+\w+|"
            r"touch(?:ed|ing|es)?\s+(?:her|him|them|me)\b)",
            r"\babus(?:e|ed|es|ing|ive)\b",
            r"\bneglect(?:ed)?\b",
            r"\bdisclos\w*\b",
            r"\b(?:trafficked|exploited|exploiting|county lines|deliver(?:ing)? drugs)\b",
            # self-harm and suicide
            r"\b(?:suicid\w*|overdos\w*|self[- ]?harm\w*|ligature)\b",
            r"\b(?:kill|hurt|harm|cut)(?:s|ing)?\s+(?:him|her|them|my)sel(?:f|ves)\b",
            r"\bcut(?:s|ting)?\s+(?:his|her|their|my)\s+(?:arms?|wrists?|legs?)\b",
            r"\b(?:end|take)\s+(?:(?:his|her|their|my)\s+(?:own\s+)?life|it all|it)\b",
            r"\b(?:wants?|want(?:ed|ing)) to die\b|\bdo(?:es)?n'?t want to (?:live|be here)\b",
            r"\b(?:taken|took|swallowed|had)\s+(?:\w+\s){0,3}(?:tablets|pills|paracetamol)\b",
            r"\b(?:swallowed|ingested|poison\w*|bleach)\b",
            r"\bcan'?t (?:do this|go on|cope|take (?:it|this)) any ?more\b|\bcan'?t go on\b|"
            r"\b(?:no point (?:in )?(?:living|going on)|better off without (?:me|her|him)|"
            r"say(?:ing)? goodbye|jump(?:ing)? (?:off|in front))\b",
            r"\bon (?:the|a) (?:bridge|roof|ledge|railway|train tracks?|motorway)\b",
            # medical emergency
            r"\b(?:not|isn'?t|stopped|can'?t|cannot)\s+breath\w*\b|"
            r"\b(?:struggling|trouble|difficulty|fighting)\s+(?:to\s+|with\s+)?breath\w*\b",
            r"\b(?:unconscious|unresponsive|floppy|limp|collaps\w*|seizures?|fitting|"
            r"(?:turning|turned|gone|going) blue|won'?t wake|bleeding|head injury|swelling)\b",
            r"\b(?:bruis\w*|fractur\w*|injur\w*|burns?|burnt|scald\w*|marks on|broken (?:arm|"
            r"leg|bone|ribs?|wrist))\b",
            # missing, abandoned, alone, taken
            r"\b(?:missing|abandoned|absconded|ran away|run(?:ning)? away|whereabouts)\b",
            r"\b(?:has|have|had)n'?t\s+(?:come|gone|got|returned|been)\s+(?:back|home)\b|"
            r"\bnot (?:come|returned|gone|been) (?:back|home)\b|\bdidn'?t come (?:back|home)\b",
            r"\bcan'?t (?:find|reach|locate|contact|get hold of)\b",
            rf"\b(?:on {_POSSESSIVE} own|alone|by (?:him|her|them)sel(?:f|ves)|unsupervised|"
            r"unattended)\b",
            r"\bno (?:adults?|one|parents?|grown[- ]?ups?|carers?)\s+"
            r"(?:at home|in|here|there|around|anywhere|present|with)\b",
            r"\blocked (?:in|out)\b|\blocked the doors?\b",
            r"\b(?:take|taking|took|snatch\w*|grab\w*|abduct\w*)\s+(?:the|a|her|his|my|their)?\s*"
            r"(?:child|baby|kid|kids|children|son|daughter|him|her|them)\s+(?:off|away)\b|"
            r"\b(?:drove|driven|ran|run|gone|went|made) off with\b",
            r"\babduct\w*\b",
            # danger from carers' state or surroundings
            r"\b(?:drunk|intoxicated|high on|passed out|off (?:his|her|their) face)\b",
            r"\b(?:fire|smoke|flames|gas leak)\b",
            r"\b(?:scared|afraid|frightened|terrified|refus\w+|won'?t|doesn'?t want)"
            r"\s+to go (?:back )?home\b",
        ]
    ),
    re.IGNORECASE,
)

IMMEDIATE = re.compile(
    r"\b(?:right now|now|tonight|today|this (?:morning|afternoon|evening)|just|currently|"
    r"at the moment|as we speak|at this minute|still|urgent(?:ly)?|asap|emergency|"
    r"since (?:this morning|last night|yesterday)|in an hour|\d{1,2}(?::\d\d)?\s?(?:am|pm))\b",
    re.IGNORECASE,
)

SITUATION = re.compile(
    "|".join(
        [
            r"\b(?:i'?m|i am|we'?re|we are)\s+(?:at|with|in|on|outside|sitting|stood|standing)\b",
            r"\b(?:on|at) (?:a|the|my) (?:home |school |hospital )?visit\b|\bi'?m visiting\b",
            r"\b(?:home|school|hospital|house) visit\b|\bturned up\b",
            r"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+)?(?:found|seen|arrived|noticed|heard|"
            r"been told|got a call)\b",
            r"\bcan (?:hear|see)\b",
            r"\b(?:told|disclosed to|confided in|admitted to|rang|called|phoned|texted|messaged)"
            r" (?:me|us)\b|\b(?:texted|messaged|rang|phoned|called) (?:saying|to say)\b",
            r"\b(?:neighbour|school|teacher|police|nurse|gp|carer|foster carer|mum|dad)\s+"
            r"(?:says|said|rang|called|reported|told|found)\b",
            r"\b\d{1,2}\s?(?:yo|y/o|yrs?|years?|months?)(?:[- ]old)?\b",
            rf"(?:^|\b(?:a|an|the|this|my|our|one of my)\s+)(?:\w+[- ])?{_CHILD}\s+"
            r"(?:is|was|has|had|says|said|told|tells|just|keeps|won'?t|can'?t|doesn'?t|isn'?t|"
            r"hasn'?t|seems|looks|appears|came|went|disclosed|discloses|mentioned|with)\b",
            rf"\b{_CHILD}\s+(?:with|has|have|is|are)\s+(?:\w+\s){{0,2}}(?:bruis|injur|burn|mark)",
            rf"(?:^|\b(?:the|her|his|their|my client'?s|a|an)\s+){_ADULT}'?s?\s+"
            r"(?:is|was|has|had|keeps|just|says|said|hit|hits|hurt|threatened|left|won'?t|"
            r"outside|here)\b",
            rf"\b{_ADULT}\s+(?:is|was|has been|keeps)\s+(?:drunk|violent|shouting|high)\b",
            rf"\b{_PRONOUN}(?:'s|'re| is| are| has| have| was| were| said| says| told| just)\b",
            r"\b(?:on my caseload|my case|my client|my young person|i'?m working with|"
            r"i work with|on duty)\b",
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
# A question ("what…", "how long…", "is there…?") rather than an account of what is happening.
_QUESTION = re.compile(
    r"^\s*(?:what|how|when|who|whom|which|why|where|is|are|does|do|did|can|could|should|"
    r"must|would|will|has|have|explain|define|describe|tell me|remind me|any)\b|\?\s*$",
    re.IGNORECASE,
)
# A question about something that happened in a named year is history, not an emergency.
_PAST = re.compile(r"\b(?:in|back in|since|during|from)\s+(?:19|20)\d\d\b", re.IGNORECASE)
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
    question = bool(_QUESTION.search(message))  # asking, rather than reporting what happens
    general = not now and bool(
        (GENERIC.search(message) and not _FIRST_PERSON_NOW.search(message))
        or (question and _PAST.search(message))
    )
    urgent = bool(situation or now or not question) and not general
    reasons = (
        *(f"danger: {d}" for d in danger),
        *(f"now: {n}" for n in now),
        *(f"situation: {s}" for s in situation),
    )
    return UrgencyAssessment(urgent, reasons if urgent else ())
