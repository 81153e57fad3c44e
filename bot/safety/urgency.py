"""Does a message describe a child at immediate risk? Then the emergency route comes first.

Four layers, combined so that recall comes from their union:

1. **Words.** Each kind of risk in the lexicon (`urgent_risks.yaml`) has patterns for the
   words people use for it ("to be cut", "won't give them back", "nudes").
2. **Meaning.** Each clause of the message is compared by embedding with short example
   messages of each kind of risk, so a risk described in words no pattern knows is still
   caught; it must be closer to those than to the contrast examples (the same subjects asked
   about in general, in the past or for training).
3. **Time and situation.** A risk is urgent when it is happening now ("tonight", "won't let
   her leave"), is on the calendar ("Friday", "flights booked"), or when the message reports
   a real situation rather than asking in general. Hypothetical, training, past-case and
   already-safe messages stay not urgent, unless something in them is happening now: a cue
   of immediacy always wins, because a false alarm costs a banner and a miss can cost a life.
   A past case stops being history when the account then says the risk is back ("…and now
   he's moved back in") or that the adult has access now ("…now babysitting her kids").
   A message that ends with the young person safe (found, placed, the adult arrested), with
   nothing after that reopening the risk, is not urgent either. A date wins over a general or
   past question, not over a training setting (the date is the session's) nor a message
   saying the young person is now safe (it is the next step's); a date beside a meeting
   ("review next week") is the meeting's. A training or hypothetical setting counts only where
   a framing is written: the first sentence, or a sentence where a risk was seen.
4. **Learned.** A model fitted on several hundred labelled messages scores the message as a
   whole (bot/safety/learned_urgency.py); a high score makes it urgent on its own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.safety.learned_urgency import LearnedUrgency
from bot.safety.risk_lexicon import RiskLexicon

if TYPE_CHECKING:
    from bot.embedding import Embedder

log = logging.getLogger(__name__)

_CHILD = (
    r"(?:child|children|kid|kids|boy|girl|baby|babies|toddler|infant|newborn|young person|"
    r"yp|teen|teenager|pupil|student|client|sibling|siblings|daughter|son|brother|sister|"
    r"\d{1,2}[- ]?(?:year|yr|month)s?[- ]?old|\d{1,2}\s?(?:yo|y/o))"
)
_ADULT = (
    r"(?:mum|mom|mother|dad|father|stepdad|step-dad|stepfather|stepmum|stepmother|parent|"
    r"parents|partner|boyfriend|girlfriend|uncle|aunt|grandad|grandfather|grandma|"
    r"grandmother|carer|carers|foster carer|foster carers|cousin|neighbour|man|woman|adult|"
    r"family|brothers?|ex)"
)
_PRONOUN = r"(?:he|she|they|him|her|them)"

# A real case in front of the writer: someone on a visit, a child who said something, a
# carer doing something. Grammar, not vocabulary: it applies to every kind of risk.
SITUATION = re.compile(
    "|".join(
        [
            r"\b(?:i'?m|i am|we[’']re|we are)\s+(?:at|with|in|on|outside|sitting|stood|standing)\b",
            r"\b(?:on|at) (?:a|the|my) (?:home |school |hospital )?visit\b|\bi'?m visiting\b",
            r"\b(?:home|school|hospital|house) visit\b|\bturned up\b",
            r"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+)?(?:found|seen|arrived|noticed|heard|"
            r"been told|got a call)\b",
            r"\bcan (?:hear|see)\b",
            r"\b(?:told|disclosed to|confided in|admitted to|rang|called|phoned|texted|messaged)"
            r" (?:me|us)\b|\b(?:texted|messaged|rang|phoned|called) (?:saying|to say)\b",
            r"\b(?:my|our) (?:\w+ ){0,2}(?:texted|messaged|rang|phoned|called|sent|posted)\b",
            r"\b(?:neighbour|school|teacher|police|nurse|gp|carer|foster carer|mum|dad)\s+"
            r"(?:says|said|rang|called|reported|told|found)\b",
            r"\b\d{1,2}\s?(?:yo|y/o|yrs?|years?|months?)(?:[- ]old)?\b",
            rf"(?:^|\b(?:a|an|the|this|my|our|one of my)\s+)(?:\w+[- ])?{_CHILD}\s+"
            r"(?:is|was|has|had|says|said|told|tells|just|keeps|won'?t|can'?t|doesn'?t|isn'?t|"
            r"hasn'?t|seems|looks|appears|came|went|disclosed|discloses|mentioned|with)\b",
            rf"\b{_CHILD}\s+(?:with|has|have|is|are)\s+(?:\w+\s){{0,2}}(?:bruis|injur|burn|mark)",
            rf"(?:^|\b(?:the|her|his|their|my client'?s|a|an)\s+){_ADULT}'?s?\s+"
            r"(?:is|was|has|had|have|keeps|just|says|said|hit|hits|hurt|threatened|left|won'?t|"
            r"outside|here|are|took|taken)\b",
            rf"\b{_ADULT}\s+(?:is|was|has been|keeps)\s+(?:drunk|violent|shouting|high)\b",
            rf"\b{_PRONOUN}(?:'s|'re| is| are| has| have| was| were| said| says| told| just)\b",
            r"\b(?:on my caseload|my case|my client|my young person|my yp|i'?m working with|"
            r"i work with|on duty)\b",
            r"\b(?:what do i do|what should i do|what do we do)\b",
        ]
    ),
    re.IGNORECASE,
)

# A question about a subject in general ("what should happen if…", "…the procedure?").
GENERIC = re.compile(
    r"^\s*(?:what(?:'s| is| are| does| do| happens| should happen| must| counts)?|whats|wats|"
    r"how|when|who|which|why|where|is|are|does|do|can|could|should|must|explain|define|describe|"
    r"tell me about|remind me)\b.*"
    r"(?:\bif\b|\bwhen(?:ever)?\b|\bwhere\b|\bmean\b|\bmeaning\b|\bdefin\w*|\bthreshold\b|"
    r"\bprocedure\b|\bpolicy\b|\bguidance\b|\btimescale\w*|\btraining\b|\breview\b|\bprocess\b|"
    r"\bsteps\b|\bfound\b|\bsay\b|\bsaid about\b|\blaw\b|\bcount as\b|\bcategor\w*|\bexample|"
    r"\bdifference between\b|\blegal(?:ly)?\b|\bprotocol\b)",
    re.IGNORECASE | re.DOTALL,
)
# Asking ("what…", "how long…", "is there…?") rather than reporting what is happening. Typed
# in chat, the question often follows a situation without a question mark ("doing my
# portfolio, how do i write up…"), so a question word may open any clause.
QUESTION = re.compile(
    r"(?:^|[.,;:!?\n]\s*|\s[-–—]\s*)(?:what|whats|wats|how|when|who|whom|which|why|where|is|"
    r"are|was|were|does|do|did|can|could|should|must|would|will|has|have|explain|define|describe|"
    r"tell me|remind me|any|write|draft|summari[sz]e|help|give me|list|show me|find|send|"
    r"please)\b|\?\s*$|"
    r"\b(?:wondering|wonder (?:what|if|how|who|when|whether)|(?:want|like|need)(?:ed)? to know|"
    r"asking (?:if|whether|about|what|how)|"
    r"any idea|quick q\w*|question about)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_NOW = re.compile(
    r"\b(?:i'?m|i am|we[’']re|we are|i'?ve|i have|we'?ve)\b|\b(?:told|disclosed to) (?:me|us)\b|"
    r"\bask(?:ing|ed)? (?:because|cos|coz|cause|as)\b",  # "asking because a yp has just rung"
    re.IGNORECASE,
)

# What the writer saw for themselves: beside it, a question is not a general one ("what
# counts as neglect? the little ones were on their own when i knocked").
_WITNESSED = (
    r"(?:on|at) (?:the|my) visit|i (?:saw|found|can (?:see|hear))|when (?:i|we) (?:knocked|"
    r"arrived|got there|visited|went round|called round|walked in)"
)
WITNESSED = re.compile(rf"\b(?:{_WITNESSED})\b", re.IGNORECASE)
# The writer's own case: what they saw or were told, about their young person. Beside it, a
# training or hypothetical setting is a preamble, not the subject.
OWN_REPORT = re.compile(
    r"\b(?:to me|told me|with me|asked me|showed me|disclosed to (?:me|us)|my (?:yp|young "
    rf"person|client|lad|girl|boy|\d{{1,2}}\s?(?:yo|y/o|year[- ]old))|{_WITNESSED})\b",
    re.IGNORECASE,
)

# A message is compared by meaning clause by clause, because a long account dilutes the
# risky part. Clauses end at sentence punctuation, line breaks, dashes and commas.
_CLAUSE_BREAK = re.compile(r"[.!?;\n]+|\s[-–—]\s|,\s")
_MIN_CLAUSE_WORDS = 3
MAX_CLAUSES = 48  # a 20,000-character message is still assessed, in bounded time
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")

Layer = Literal[
    "words", "meaning", "learned", "now", "planned", "present", "situation", "unassessed"
]


@dataclass(frozen=True)
class Signal:
    """One piece of evidence: which layer saw it, for which kind of risk, in which words."""

    layer: Layer
    evidence: str
    category: str | None = None
    score: float | None = None

    def describe(self) -> str:
        kind = f" {self.category}" if self.category else ""
        score = f" {self.score:.2f}" if self.score is not None else ""
        return f"{self.layer}{kind}{score}: {self.evidence}"


@dataclass(frozen=True)
class UrgencyAssessment:
    """Whether a message is urgent, and why (the signals go into the JSON and the audit)."""

    urgent: bool
    signals: tuple[Signal, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.category for s in self.signals if s.category))

    @property
    def reasons(self) -> list[str]:
        return [signal.describe() for signal in self.signals]


# The meaning layer fires when a clause is at least this close (cosine) to an example of
# an immediate risk, and closer by MEANING_MARGIN than to any contrast example. Chosen by
# sweeping the shipped and held-out question sets (never the blind ones) for urgent recall
# 1.0 first, then precision, as `bcft eval run` reports them.
MEANING_THRESHOLD = 0.50
MEANING_MARGIN = 0.02


# When the assessment itself fails, the message is treated as urgent: a needless emergency
# route costs a line of text, a missing one could cost a child.
UNASSESSED = UrgencyAssessment(
    True, (Signal("unassessed", "the urgency check failed; the emergency route is shown"),)
)


class UrgencyDetector:
    """Assesses messages against a risk lexicon, with or without the embedding model."""

    def __init__(
        self,
        lexicon: RiskLexicon,
        embedder: Embedder | None = None,
        learned: LearnedUrgency | None = None,
    ) -> None:
        """`learned` is the fitted model (`LearnedUrgency.load()`); without it, three layers."""
        self.lexicon = lexicon
        self.embedder = embedder
        self.learned = learned
        self._exemplars: np.ndarray | None = None
        self._owners: list[str] = []
        self._contrast: np.ndarray | None = None

    def warm_up(self) -> None:
        """Embed the example messages now rather than on the first question."""
        if self.embedder is not None and self._exemplars is None:
            categories = self.lexicon.categories
            texts = [text for c in categories for text in c.exemplars]
            self._owners = [c.name for c in categories for _ in c.exemplars]
            vectors = self.embedder.embed_fixed([*texts, *self.lexicon.contrast])
            self._exemplars, self._contrast = vectors[: len(texts)], vectors[len(texts) :]
            if self.learned is not None and len(self.learned.weights) != vectors.shape[1]:
                log.warning(
                    "the learned urgency layer was fitted on another embedding model's vectors;"
                    " it is off until `bcft eval fit-urgency` refits it (the other layers work)"
                )
                self.learned = None

    def assess(self, message: str) -> UrgencyAssessment:
        """Urgent = a kind of risk (words or meaning) + now or a real situation, not general.

        Never raises for a failure of the model: the words layer then decides alone.
        """
        try:
            by_meaning, risky_clauses, learned = self._by_model(message)
        except Exception:
            log.exception("urgency by meaning failed; assessing by words only")
            by_meaning, risky_clauses, learned = [], [], []
        risks = [*self._by_words(message), *by_meaning]
        if not risks and not learned:
            return UrgencyAssessment(False)
        lexicon = self.lexicon
        now = [Signal("now", m.group(0)) for m in lexicon.immediacy.finditer(message)]
        planned = [
            Signal("planned", m.group(0))
            for m in lexicon.planned.finditer(message)
            if not booked(lexicon.appointments, message, m)
        ]
        present = [Signal("present", m.group(0)) for m in lexicon.present.finditer(message)]
        situation = [Signal("situation", m.group(0)) for m in SITUATION.finditer(message)]
        asking = bool(QUESTION.search(message))
        general = bool(GENERIC.search(message)) and not (
            _FIRST_PERSON_NOW.search(message) or WITNESSED.search(message)
        )
        training = frames(lexicon.training, message, risks)
        imagined = training or frames(lexicon.hypothetical, message, risks)
        risky = [s.evidence for s in risks if s.layer == "words"] + risky_clauses
        resolved = settled(lexicon.resolved, message, risky)
        over = asking and (general or bygone(lexicon.past, message))
        current = bool(now or planned or present or situation or by_meaning or not asking)
        on_calendar = bool(planned) and not (training or resolved)
        urgent = bool(learned) or (
            bool(risks)
            and current
            and (bool(now) or on_calendar or not (imagined or over or resolved))
        )
        cues = (*now, *planned, *present, *situation)
        return UrgencyAssessment(urgent, (*risks, *learned, *cues) if urgent else ())

    def _by_words(self, message: str) -> list[Signal]:
        signals = []
        for category in self.lexicon.categories:
            match = category.pattern.search(message) if category.pattern else None
            if match:
                signals.append(Signal("words", match.group(0), category.name))
        return signals

    def _by_model(self, message: str) -> tuple[list[Signal], list[str], list[Signal]]:
        """The meaning layer's signal and every clause close to a risk, and the learned
        layer's signal (the whole message), from one call to the model."""
        self.warm_up()
        exemplars, contrast, whole = self._exemplars, self._contrast, whole_message(message)
        if exemplars is None or contrast is None or not len(exemplars) or not whole:
            return [], [], []
        units = clauses(message)
        texts = units if units[:1] == [whole] else [whole, *units]
        vectors = self.embedder.embed(texts)  # type: ignore[union-attr]
        risk = vectors @ exemplars.T
        against = (vectors @ contrast.T).max(axis=1) if len(contrast) else np.zeros(len(texts))
        first_unit = len(texts) - len(units)
        signals, fired = self._by_meaning(units, risk[first_unit:], against[first_unit:])
        return signals, [u for u in fired if u != whole], self._learned(vectors[0], risk[0])

    def _by_meaning(
        self, units: list[str], risk: np.ndarray, against: np.ndarray
    ) -> tuple[list[Signal], list[str]]:
        """The clause closest to an example of a risk, if close enough and closer to it than
        to the contrast examples, and every clause that is; `risk` and `against` hold each
        clause's cosines."""
        if not units:
            return [], []
        best = risk.max(axis=1)
        fires = (best >= MEANING_THRESHOLD) & (best - against >= MEANING_MARGIN)
        if not fires.any():
            return [], []
        unit = int(np.argmax(np.where(fires, best, -1.0)))
        owner = self._owners[int(np.argmax(risk[unit]))]
        fired = [text for text, fire in zip(units, fires, strict=True) if fire]
        return [Signal("meaning", units[unit], owner, round(float(best[unit]), 3))], fired

    def _learned(self, vector: np.ndarray, risk: np.ndarray) -> list[Signal]:
        """The learned model's alarm, with the kind of risk whose examples are closest."""
        if self.learned is None:
            return []
        probability = self.learned.probability(vector)
        if probability < self.learned.threshold:
            return []
        owner = self._owners[int(np.argmax(risk))]
        return [Signal("learned", "the message as a whole", owner, round(probability, 3))]


def frames(cue: re.Pattern[str], message: str, risks: list[Signal]) -> bool:
    """Does a training or hypothetical cue frame the risks? Only where a framing is written:
    the first sentence, or a sentence where a risk was seen. A course mentioned in passing
    after an account of a visit ("can i swap my duty day, i've got a course on wednesday")
    frames nothing, and neither does a frame beside the writer's own report ("for my
    portfolio i need a neglect example... well. 4yo answered the door to me in a nappy")."""
    sentences = [s for s in _SENTENCE_BREAK.split(message) if s.strip()]
    if len(sentences) <= 1:
        framed = bool(cue.search(message))
    else:
        seen = [whole_message(signal.evidence).lower() for signal in risks]
        framing = [sentences[0]] + [
            s for s in sentences[1:] if any(e and e in whole_message(s).lower() for e in seen)
        ]
        framed = any(cue.search(sentence) for sentence in framing)
    return framed and not any(
        OWN_REPORT.search(part) and not cue.search(part) for part in _CLAUSE_BREAK.split(message)
    )


# How near a meeting word must be to a date to make it the meeting's, in words either side.
_BOOKED_WORDS = 3


def booked(appointments: re.Pattern[str], message: str, date: re.Match[str]) -> bool:
    """Is this date a meeting's ("review next week", "supervision tomorrow")? Only when a
    meeting word is within _BOOKED_WORDS words of it, in the same clause."""
    before = _CLAUSE_BREAK.split(message[: date.start()])[-1].split()[-_BOOKED_WORDS:]
    after = _CLAUSE_BREAK.split(message[date.end() :])[0].split()[:_BOOKED_WORDS]
    return bool(appointments.search(" ".join([*before, "|", *after])))


# After a word of the past, these say the risk is back: "he hit them last year and has moved
# back in", "she went missing in july and has run again".
_BACK = (
    r"again|released|escaped|found out|turned up|broke in|came back|come back|back living|"
    r"back there|back at the|moved (?:back )?in|back in (?:the house|the home|with)|"
    r"let (?:him|her|them) (?:back )?in"
)
# … and these that the adult has access now, whatever the past dates ("convicted years ago,
# now living with her and the girls", "abused mum as a child, now babysitting her kids").
_ACCESS = r"living with|moving in|babysit\w*|looking after|staying (?:with|over)"
RETURNED = re.compile(rf"\b(?:{_BACK}|{_ACCESS})\b", re.IGNORECASE)
# After a word of safety, so do these and any turn of the account: "he was arrested but has
# been released", "she's in a refuge but he has found out where".
REOPENED = re.compile(rf"\b(?:but|however|though|although|yet|except|{_BACK})\b", re.IGNORECASE)


def bygone(past: re.Pattern[str], message: str) -> bool:
    """Is the risk in the past? A cue of the past counts unless something after it says the
    risk is back: "abused her years ago and now he's moved back in" is not history."""
    said = list(past.finditer(message))
    return bool(said) and not RETURNED.search(message, said[-1].end())


# What follows a word of safety is read clause by clause, "and" starting a new one.
_AFTER_SAFETY = re.compile(rf"{_CLAUSE_BREAK.pattern}|\s(?:and|then|so)\s", re.IGNORECASE)


def settled(cue: re.Pattern[str], message: str, risky: list[str]) -> bool:
    """Does the message end on the young person being safe? The last word of safety must
    come after every risk seen (`risky`: the words and clauses that named one; a risk word
    inside it, as in "no injuries", is its own), nothing after it may reopen the risk, and
    what follows its clause may only ask or add safety: "found safe last night, when is the
    return interview due?" settles it; "placed with her nan, nan has rung to say dad is
    outside" and "was arrested but has been released" do not."""
    text = whole_message(message)
    said = list(cue.finditer(text))
    if not said:
        return False
    last = said[-1]
    flat = text.lower()
    for risk in (whole_message(r).lower() for r in risky):
        at = flat.find(risk)
        if at > last.start() and at + len(risk) > last.end():  # not a word of the cue's own
            return False
    if REOPENED.search(text, last.end()):
        return False
    after = _AFTER_SAFETY.split(text[last.end() :])[1:]  # the first is the cue's own clause
    return all(
        len(part.split()) < _MIN_CLAUSE_WORDS or QUESTION.match(part) or cue.search(part)
        for part in (p.strip() for p in after)
    )


def whole_message(message: str) -> str:
    """The message as the learned layer reads it: whitespace collapsed."""
    return " ".join(message.split())


def clauses(message: str) -> list[str]:
    """The message whole (if short) and its clauses of three words or more, at most MAX_CLAUSES."""
    parts = [" ".join(p.split()) for p in _CLAUSE_BREAK.split(message)]
    whole = whole_message(message)
    units = [whole] if len(whole.split()) <= 60 else []
    units += [p for p in parts if len(p.split()) >= _MIN_CLAUSE_WORDS]
    return list(dict.fromkeys(units))[:MAX_CLAUSES]
