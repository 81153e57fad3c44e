"""Urgent: danger and a real, current situation. Not urgent: the same words asked in general."""

from __future__ import annotations

import pytest

from bot.safety.urgency import assess_urgency

URGENT = [
    "I'm on a home visit and dad is drunk and waving a knife, the kids are in the house",
    "a 14 year old just told me her uncle has been abusing her and she goes back there tonight",
    "Baby has unexplained bruising and mum wants to take him home now",
    "young person I work with says she is going to kill herself tonight",
    "A boy at school says his stepdad hit him with a belt this morning and he's scared to go home",
    "There's a 4 year old on his own in the flat, no adults here, what do I do?",
    "one of my children has gone missing and mum says she was with an older man last night",
    "My client's partner has threatened to stab her and the children are with him right now",
    "A girl has disclosed that her dad touched her, she is at school now",
    "The toddler is unresponsive and mum is passed out on the sofa",
    "what should I do, a child has just told me her dad hits her",
    "Teenager just disclosed sexual abuse by her stepfather",
    "15 year old has swallowed a handful of pills",
    "the baby is struggling to breathe and has gone blue",
    "mum's partner grabbed the baby and drove off with her",
    "young person messaged me saying she can't go on anymore",
    "kids left home alone since yesterday, neighbour called it in",
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
    "",
]


@pytest.mark.parametrize("message", URGENT)
def test_a_child_at_risk_now_is_urgent(message: str) -> None:
    assessment = assess_urgency(message)
    assert assessment.urgent, message
    assert any(reason.startswith("danger:") for reason in assessment.reasons)


@pytest.mark.parametrize("message", NOT_URGENT)
def test_general_questions_with_alarming_words_are_not_urgent(message: str) -> None:
    assert not assess_urgency(message).urgent, assess_urgency(message)
