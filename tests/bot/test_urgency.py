"""Urgent: a kind of immediate risk, happening now or planned. Not urgent: the same words
asked in general, in the past, or for training. The real model, the shipped risk list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.embedding import Embedder
from bot.safety.learned_urgency import LearnedUrgency
from bot.safety.risk_lexicon import LexiconError, load_risk_lexicon
from bot.safety.urgency import UrgencyDetector, clauses


@pytest.fixture(scope="module")
def detector(embedder: Embedder) -> UrgencyDetector:
    """The detector as the bot runs it: all four layers, the shipped learned model."""
    detector = UrgencyDetector(load_risk_lexicon(), embedder, LearnedUrgency.load())
    detector.warm_up()
    return detector


@pytest.fixture(scope="module")
def rules(embedder: Embedder) -> UrgencyDetector:
    """Words, meaning and the cues about time, without the learned layer: how the cues decide."""
    detector = UrgencyDetector(load_risk_lexicon(), embedder)
    detector.warm_up()
    return detector


URGENT = [
    # abuse disclosed or seen now
    "I'm on a home visit and dad is drunk and waving a knife, the kids are in the house",
    "a 14 year old just told me her uncle has been abusing her and she goes back there tonight",
    "A boy at school says his stepdad hit him with a belt this morning and he's scared to go home",
    "A girl has disclosed that her dad touched her, she is at school now",
    "what should I do, a child has just told me her dad hits her",
    "Teenager just disclosed sexual abuse by her stepfather",
    "he said if dad finds out about his grades he'll get the belt again when he gets in",
    "the boy keeps wetting himself at school and says he can't tell anyone what the lodger does"
    " at bedtime",
    # babies and infants
    "Baby has unexplained bruising and mum wants to take him home now",
    "the baby is struggling to breathe and has gone blue",
    "The toddler is unresponsive and mum is passed out on the sofa",
    "nan says she's been giving the baby gin to get him off to sleep",
    # neglect, left alone
    "There's a 4 year old on his own in the flat, no adults here, what do I do?",
    "kids left home alone since yesterday, neighbour called it in",
    # carers, domestic abuse, threats
    "My client's partner has threatened to stab her and the children are with him right now",
    "mum's partner grabbed the baby and drove off with her",
    "mum says the new partner is moving in this weekend and he has a conviction for offences"
    " against kids",
    # FGM, forced marriage, honour-based abuse (from the issue, and new wording)
    "my yp's family are having her taken abroad next week to be cut",
    "worried mum is taking her to Pakistan to be married next week",
    "her older cousins said she'll be taught a lesson for bringing shame, she's hiding in the"
    " school toilets",
    # exploitation, missing, online harm
    "one of my children has gone missing and mum says she was with an older man last night",
    "he's got a big debt with the olders and they've told him to go to another city to sell",
    "my yp has been sent a train ticket by a guy she's never met and is leaving tonight",
    "teenager sent nudes and is being blackmailed",
    # self-harm and suicide
    "young person I work with says she is going to kill herself tonight",
    "15 year old has swallowed a handful of pills",
    "young person messaged me saying she can't go on anymore",
    "the 16 year old says she's going to swallow everything in the medicine cabinet tonight",
    # abduction, not returned
    "Dad has taken the kids and won't give them back",
    # ways of writing a risk that probes written blind found missing
    "neighbour says an older lady has flown in to do the girls at no 12, both off school",
    "he ran from the unit yesterday, says a man wants him to work it off, nobody has heard"
    " from him since",
]

NOT_URGENT = [
    "What is a strategy discussion?",
    "How should I respond if a child discloses abuse?",
    "What did the national review say about Star Hobson's death?",
    "What does risk of significant harm mean?",
    "How long can police protection last?",
    "What is an emergency protection order?",
    "Is there training on child sexual exploitation?",
    "What help is available for children who have been abused?",
    "What did Ofsted find about neglect and domestic abuse in 2020?",
    "Who do I tell if a teacher is accused of hurting a pupil?",
    "What are the four categories of abuse?",
    "When should a strategy discussion happen if a child is suffering significant harm?",
    "How do I record a disclosure in the case file?",
    "what's the timescale for an ICPC",
    "What should I do if a child goes missing from care?",
    "A child went missing from a children's home in 2022, what did Ofsted say about it?",
    "what is the procedure for FGM?",
    "for my training portfolio: what should I do if a baby has a bruise?",
    "in 2019 a girl on my caseload was groomed online, what did the review find?",
    "just wondering what the forced marriage unit does",
    "",
]


@pytest.mark.parametrize("message", URGENT)
def test_a_child_at_risk_now_is_urgent(detector: UrgencyDetector, message: str) -> None:
    assessment = detector.assess(message)
    assert assessment.urgent, message
    assert assessment.categories, assessment.reasons  # which kind of risk, for the audit


@pytest.mark.parametrize("message", NOT_URGENT)
def test_general_past_and_training_questions_are_not_urgent(
    detector: UrgencyDetector, message: str
) -> None:
    assessment = detector.assess(message)
    assert not assessment.urgent, assessment.reasons
    assert assessment.reasons == []


def test_every_example_of_a_risk_is_itself_urgent(detector: UrgencyDetector) -> None:
    """The time and situation rules must not quieten the very messages the list describes."""
    missed = [
        text
        for category in detector.lexicon.categories
        for text in category.exemplars
        if not detector.assess(text).urgent
    ]
    assert missed == []


def test_no_contrast_example_is_urgent(detector: UrgencyDetector) -> None:
    assert [t for t in detector.lexicon.contrast if detector.assess(t).urgent] == []


def test_meaning_catches_a_risk_that_no_pattern_names(rules: UrgencyDetector) -> None:
    message = "the lad has been told by the older boys to go and sell in another town"
    assessment = rules.assess(message)
    assert assessment.urgent
    layers = {signal.layer for signal in assessment.signals}
    assert "meaning" in layers and "words" not in layers
    (meaning,) = [s for s in assessment.signals if s.layer == "meaning"]
    assert meaning.category == "criminal-exploitation" and meaning.score is not None


def test_immediacy_outweighs_a_hypothetical(rules: UrgencyDetector) -> None:
    assert rules.assess("hypothetically, what if the baby isn't breathing right now").urgent
    assert not rules.assess("hypothetically, what if a baby wasn't breathing?").urgent


def test_a_date_is_the_risk_s_unless_it_is_a_session_s_or_the_young_person_is_safe(
    rules: UrgencyDetector,
) -> None:
    """A planned risk is urgent even asked as a question; a date in a training setting is the
    session's, and once the message says the young person is safe it is the next step's."""
    assert rules.assess(
        "a 13 yo told me her mum's partner gets into her bed, contact is tomorrow, what do i do?"
    ).urgent
    assert not rules.assess(
        "i'm running a role play tomorrow where a 13 yo says her mum's partner gets into her bed"
    ).urgent
    assert not rules.assess(
        "yp went missing last night, police found her at 3am and she's home safe, when is the"
        " return interview due?"
    ).urgent
    assert rules.assess(
        "she was found safe last week but she's gone off with the same men right now"
    ).urgent


@pytest.mark.parametrize(
    "message",
    [
        "dad says it's all fine but the 3 month old has a bruise on her face, what should i do?",
        "her stepdad was arrested last week but he's been released and is back living there,"
        " what do i do?",
        "she's in a refuge but he has found out where and is outside, what do i do?",
        # a word of safety, then a new account of risk
        "she's placed with her nan under s20, nan has rung to say dad is outside trying to get in",
        "the 8yo is under police protection at the station and mum's partner is in reception"
        " shouting that he'll take him",
        "dad was bailed not to contact, he's parked outside the school gates waiting for her",
        "safety plan signed yesterday, mum has let him back in the house and the kids are there"
        " with him",
        "baby placed with foster carers, carer says she's floppy and not feeding, what should she"
        " do",
        "he was arrested for the stabbing, his brother has messaged our lad saying he's next",
        # the risk only implied: the abuser knows where the refuge is
        "all sorted with the refuge, except her ex just messaged her a photo of the refuge front"
        " door",
    ],
)
def test_a_word_of_safety_never_quietens_a_report(rules: UrgencyDetector, message: str) -> None:
    """ "Safe", "arrested", "in a refuge" quieten a report only when it ends on them: a risk
    told after the word of safety, or reopened ("but he's been released"), stays urgent
    without any help from the learned layer."""
    assert rules.assess(message).urgent


def test_a_report_that_ends_with_the_young_person_safe_is_not_urgent(
    rules: UrgencyDetector,
) -> None:
    """A word of safety quietens a report when nothing after it reopens the risk; a cue of
    immediacy still wins."""
    handled = (
        "the 10 yo who came into school with a split lip says mum's partner did it, he's been"
        " arrested and she's placed with her gran under s20"
    )
    assert not rules.assess(f"{handled}. what paperwork do i do first?").urgent
    assert rules.assess(f"{handled} but he's been released and is outside the house").urgent
    assert rules.assess(f"{handled}, gran says he is outside right now").urgent


@pytest.mark.parametrize(
    "message",
    [
        "she told me her uncle abused her years ago and now he's moved back in with them, what"
        " should i do?",
        "mum disclosed dad beat the kids last year and he's back living there, do i need to do"
        " anything?",
        "a case from last year - dad strangled mum in front of the kids. he's just been released"
        " and she's let him back in, do we do anything?",
        # the past dates the offence; the access is now
        "historic allegation - grandad abused mum as a child, he's now babysitting her kids every"
        " day, what do I do?",
        "years ago he was convicted of sexual offences against kids, mum's partner now and living"
        " with her and the 2 girls. what do i do?",
    ],
)
def test_a_past_risk_that_is_back_is_not_history(rules: UrgencyDetector, message: str) -> None:
    """A word of the past quietens a question unless the account then says the risk is back
    (moved back in, released, again) or the adult has access now (living with, babysitting)."""
    assert rules.assess(message).urgent


@pytest.mark.parametrize(
    "message",
    [
        "what counts as neglect? the 2 little ones were on their own when i knocked, mum's not"
        " answering her phone",
        "hypothetical - if a yp told you her family were sending her to bangladesh to get married"
        " during half term what would you do. asking because mine just did",
    ],
)
def test_a_general_or_imagined_question_beside_what_the_writer_saw_is_urgent(
    rules: UrgencyDetector, message: str
) -> None:
    """What the writer saw ("when i knocked") makes a question about their case, and "mine
    just did" puts an imagined setting in the present."""
    assert rules.assess(message).urgent


def test_a_question_someone_asked_the_writer_stays_general(rules: UrgencyDetector) -> None:
    message = "is there an age kids can be left home alone? a dad at the group asked me, not sure"
    assert not rules.assess(message).urgent


def test_a_young_person_taken_from_where_they_were_kept_safe_is_urgent(
    rules: UrgencyDetector,
) -> None:
    message = (
        "she's under a police protection order but dad has taken her from the foster carers' house"
    )
    assessment = rules.assess(message)
    assert assessment.urgent and "abduction" in assessment.categories


def test_a_past_risk_that_stays_past_is_history(rules: UrgencyDetector) -> None:
    case = "a case from last year - dad strangled mum in front of the kids"
    assert not rules.assess(f"{case}. he's in prison till 2030, how do i write it up?").urgent


def test_a_risk_word_inside_the_word_of_safety_is_not_a_risk_told_after_it(
    rules: UrgencyDetector,
) -> None:
    """ "No injuries" says the young person is unhurt: its "injuries" reopens nothing."""
    found = "the 14yo who went missing was found by police at 2am"
    assert not rules.assess(f"{found}, no injuries. what do i need to record?").urgent
    assert rules.assess(f"{found}, no injuries, but she has a cut on her wrist").urgent


def test_a_date_a_word_from_a_meeting_is_the_meeting_s(rules: UrgencyDetector) -> None:
    """ "Review next week" dates the review, not the risk; a date on its own still counts."""
    past = "yp took an overdose over the summer and has been doing well with camhs"
    assert not rules.assess(f"{past}, her review is next week, how do i write about it?").urgent
    assert rules.assess(f"{past} but she says she'll take another next week, what do i do?").urgent


@pytest.mark.parametrize(
    "message",
    [
        "say I was on a home visit and dad started punching the walls, do i leave or stay with"
        " the kids?",
        "prepping for my first duty week. what would you do if a 2 month old came to clinic with"
        " a bruise on his ear?",
        "asking for a friend - can a 15 yo who's been sending nudes get in trouble with police?",
        "doing a team presentation on county lines, what are the signs a lad is being used to"
        " sell?",
    ],
)
def test_an_imagined_or_teaching_setting_said_in_chat_words_is_not_urgent(
    rules: UrgencyDetector, message: str
) -> None:
    assert not rules.assess(message).urgent


@pytest.mark.parametrize(
    "message",
    [
        "strat meeting today, dad's threatened to take her to pakistan on friday to marry her"
        " cousin",
        "what do i do if a dad is drunk and has the baby on his own? i'm on a visit and he's there"
        " now",
        "if a mum has passed out and the toddler's alone with her, do i call 999? that's what i'm"
        " looking at",
        "any good resources on fgm? the 8yo's mum says she's going to somalia for the holidays to"
        " have it done",
    ],
)
def test_a_meeting_a_question_or_a_request_beside_a_real_report_quietens_nothing(
    rules: UrgencyDetector, message: str
) -> None:
    assert rules.assess(message).urgent


@pytest.mark.parametrize(
    "message",
    [
        "hypothetically, is a dad too drunk to stand with a toddler a s47? ok not a hypothetical,"
        " the neighbour says he's collapsed in the hallway with the 3yo beside him",
        "can police protection last longer than 72 hrs? asking cos a 14yo has just rung me from a"
        " flat she doesnt know, says the men wont let her out",
        "what counts as modern slavery for an nrm? asking because our lad's just rung saying the"
        " boss keeps him locked in the back of the shop",
    ],
)
def test_a_setting_taken_back_or_a_question_asked_because_of_a_case_is_a_report(
    rules: UrgencyDetector, message: str
) -> None:
    """ "Not a hypothetical", "asking because…", "has just rung", "won't let her out": the
    general question in front of them does not quieten what follows."""
    assert rules.assess(message).urgent


@pytest.mark.parametrize(
    "message",
    [
        "for my asye log i want a physical abuse example. funnily enough the 6yo showed me fresh"
        " belt marks on the visit and dad is due home soon",
        "doing a presentation on online grooming. my 13yo has a man from snapchat picking her up"
        " from school, she thinks hes 16",
    ],
)
def test_a_setting_beside_the_writer_s_own_report_frames_nothing(
    rules: UrgencyDetector, message: str
) -> None:
    """A course or an essay named first is a preamble when the writer then tells what they
    saw or were told about their own case; a scenario told in the third person stays one."""
    assert rules.assess(message).urgent
    assert not rules.assess(
        "Scenario for the training session. A toddler is alone in the flat with no food and mum"
        " won't get out of bed. What would you do?"
    ).urgent


@pytest.mark.parametrize(
    "message",
    [
        "quick admin q, where do i log mileage? also my yp texted me a photo of a rope over the"
        " banister, no words",
        "where's the mileage form? and my care leaver messaged thanks for trying with me, then"
        " nothing, phone's off",
        "the welfare check came back, police say the 2 and 4yo have no food and there's no adult"
        " in the flat, who decides what happens?",
    ],
)
def test_a_risk_told_after_admin_chat_is_urgent(rules: UrgencyDetector, message: str) -> None:
    """A farewell or a rope is a risk without the word suicide; "my care leaver messaged" is a
    report; a check that "came back" is news, not a young person come home."""
    assert rules.assess(message).urgent


def test_a_learned_layer_for_another_embedding_model_is_dropped_not_the_meaning_layer(
    embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    other_model = LearnedUrgency(tuple(1.0 for _ in range(768)), 0.0, 0.7, {})
    detector = UrgencyDetector(load_risk_lexicon(), embedder, other_model)
    detector.warm_up()
    assert detector.learned is None and "bcft eval fit-urgency" in caplog.text
    told = detector.assess("the lad has been told by the older boys to go and sell in another town")
    assert told.urgent and "meaning" in {signal.layer for signal in told.signals}


def test_a_setting_frames_a_risk_only_where_it_is_written(rules: UrgencyDetector) -> None:
    """A training or hypothetical setting counts in the first sentence or beside the risk; a
    course mentioned in passing later, or "sorry for the essay", frames nothing."""
    report = (
        "Visit today: no food in the flat, the toddler's nappy looks days old and mum is in bed"
        " and won't get up. I left them there."
    )
    assert rules.assess(
        f"{report} Can I swap my duty day? I'm on a training course Wednesday."
    ).urgent
    assert rules.assess(f"{report} Sorry for the essay, still new here.").urgent
    assert not rules.assess(
        "Scenario for the training session. A toddler is alone in the flat with no food and mum"
        " won't get out of bed. What would you do?"
    ).urgent


def test_chat_questions_and_asides_are_read_as_questions(rules: UrgencyDetector) -> None:
    """A question typed after a situation, without a question mark, and "just" as in "just
    wondering", do not make a general question a report of something happening now."""
    assert not rules.assess(
        "doing the dv module for asye, whats the difference between coercive control and dv"
    ).urgent
    assert not rules.assess(
        "whats the law on fgm, is it mandatory reporting for us or just teachers"
    ).urgent
    assert rules.assess("she just told me they are taking her to get cut in the summer").urgent


def test_the_words_layer_decides_alone_when_the_model_fails(embedder: Embedder) -> None:
    class BrokenEmbedder(Embedder):
        def embed(self, texts: list[str]) -> np.ndarray:
            raise RuntimeError("model unavailable")

    detector = UrgencyDetector(load_risk_lexicon(), BrokenEmbedder())
    assert detector.assess("teenager sent nudes and is being blackmailed").urgent
    assert not detector.assess("what is the procedure for FGM?").urgent


def test_a_long_message_is_assessed_to_its_end(detector: UrgencyDetector) -> None:
    message = "Some background about the family and the plan. " * 420
    message += "Now she says her dad hit her and she is scared to go home tonight."
    assert len(message) > 19_000
    assert len(clauses(message)) <= 48
    assert detector.assess(message).urgent


def test_local_additions_extend_the_built_in_list(tmp_path: Path) -> None:
    (tmp_path / "urgent-risks.yaml").write_text(
        "categories:\n"
        "  local-words:\n"
        "    label: A local word for a risk\n"
        "    patterns: ['\\bzorbing\\b']\n"
        "  fgm:\n"
        "    label: ignored (the built-in label stays)\n"
        "    patterns: ['\\bgudniin\\b']\n"
        "resolved: ['\\bsafe at the station\\b']\n",
        encoding="utf-8",
    )
    lexicon = load_risk_lexicon(tmp_path)
    detector = UrgencyDetector(lexicon)
    assert detector.assess("the boys are zorbing her tonight").categories == ("local-words",)
    # a local cue: once she is safe, a date is the next step's
    safe = "last year they were zorbing her, she is safe at the station, what happens on friday?"
    assert not detector.assess(safe).urgent
    assert detector.assess("they are zorbing her on friday, what now?").urgent
    without_cue = tmp_path / "without"
    without_cue.mkdir()
    local = (tmp_path / "urgent-risks.yaml").read_text(encoding="utf-8")
    (without_cue / "urgent-risks.yaml").write_text(local.split("resolved:")[0], encoding="utf-8")
    assert UrgencyDetector(load_risk_lexicon(without_cue)).assess(safe).urgent
    fgm = next(c for c in lexicon.categories if c.name == "fgm")
    assert fgm.label.startswith("Female genital") and fgm.pattern.search("gudniin")
    assert len(lexicon.categories) == len(load_risk_lexicon().categories) + 1


def test_a_broken_local_list_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "urgent-risks.yaml").write_text(
        "categories:\n  bad:\n    label: Bad\n    patterns: ['(unclosed']\n", encoding="utf-8"
    )
    with pytest.raises(LexiconError, match=r"urgent-risks\.yaml: categories\.bad\.patterns"):
        load_risk_lexicon(tmp_path)


def test_the_learned_layer_alarms_on_its_own_and_never_quietens(
    embedder: Embedder, tmp_path: Path
) -> None:
    """A message the learned model scores high is urgent though no rule names it; a model that
    scores nothing high leaves every urgent message urgent."""
    plain = "the weather in leeds is grey and wet again"
    (vector,) = embedder.embed([plain])
    sure_of_it = LearnedUrgency(tuple(float(w) * 40 for w in vector), -20.0, 0.7, {})
    alarmed = UrgencyDetector(load_risk_lexicon(), embedder, sure_of_it).assess(plain)
    assert alarmed.urgent and [s.layer for s in alarmed.signals] == ["learned"]
    assert alarmed.categories  # the kind of risk whose examples are closest, for the audit

    never = LearnedUrgency(tuple(0.0 for _ in vector), 0.0, 1.01, {})
    detector = UrgencyDetector(load_risk_lexicon(), embedder, never)
    assert all(detector.assess(message).urgent for message in URGENT)

    sure_of_it.save(tmp_path / "model.json")
    loaded = LearnedUrgency.load(tmp_path / "model.json")
    assert loaded is not None and loaded.threshold == 0.7
    assert loaded.probability(vector) == pytest.approx(sure_of_it.probability(vector))
    assert LearnedUrgency.load(tmp_path / "none.json") is None
