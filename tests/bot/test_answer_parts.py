"""The small pieces the extractive answerer is built from, checked on their own."""

from __future__ import annotations

from bot.answering.concepts import answer_type
from bot.retrieval.informal import spell_out
from bot.text import split_sentences


def test_a_line_that_introduces_a_list_is_joined_to_its_items() -> None:
    text = "The plan has two priorities:\n\n- earlier help;\n- more foster carers.\n\nNext line."
    assert split_sentences(text) == [
        "The plan has two priorities: earlier help; more foster carers.",
        "earlier help;",
        "more foster carers.",
        "Next line.",
    ]


def test_wrapped_prose_is_rejoined_but_paragraphs_stay_apart() -> None:
    assert split_sentences("One line\nwrapped here.\n\nA new paragraph.") == [
        "One line wrapped here.",
        "A new paragraph.",
    ]


def test_chat_shorthand_is_spelled_out_as_whole_words_only() -> None:
    assert (
        spell_out("kids' strat in Feb, 3 yr old")
        == "kids' strategy discussion in February, 3 year old"
    )
    assert spell_out("who is the CEO?") == "who is the chief executive?"
    assert spell_out("a febrile kidney") == "a febrile kidney"


def test_answer_kinds_follow_the_question() -> None:
    assert answer_type("how long do I have for an assessment?").name == "duration"
    assert answer_type("when did the Trust go live?").name == "date"
    assert answer_type("what number do I ring?").name == "phone"
    assert answer_type("who chairs the board?").name == "person"
    assert answer_type("what is a core group?") is None


def test_an_answer_of_the_right_kind_must_add_to_the_question() -> None:
    when = answer_type("when did the 2018 inspection happen?")
    assert when.fits("It took place in September 2018.", "when did the 2018 inspection happen?")
    assert not when.fits("The 2018 inspection was bad.", "when did the 2018 inspection happen?")
