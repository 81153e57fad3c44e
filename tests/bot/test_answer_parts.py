"""The small pieces the extractive answerer is built from, checked on their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.concepts import answer_type, asks_name
from bot.answering.conversation import names_in, with_topic
from bot.answering.question_parts import question_parts, situation
from bot.retrieval.lexicon import QueryLexicon, TermsError, load_query_lexicon
from bot.retrieval.spelling import SpellingCorrector
from bot.text import split_sentences

LEXICON = Path(__file__).resolve().parents[2] / "knowledge_base" / "lexicon"


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
    lexicon = load_query_lexicon(LEXICON)
    assert (
        lexicon.spell_out("kids' strat in Feb, 3 yr old")
        == "kids' strategy discussion in February, 3 year old"
    )
    assert lexicon.spell_out("who is the CEO?") == "who is the chief executive?"
    assert lexicon.spell_out("a febrile kidney") == "a febrile kidney"
    # Everyday chat spellings too, before the spelling corrector could take "smth" for "smith".
    assert lexicon.spell_out("wat abt lvl 2 tho, smth") == "what about level 2 though, something"
    # Shorthand is matched in any case, so nothing that is also an acronym here is shorthand.
    assert lexicon.spell_out("ask HR, the RN or BC") == "ask HR, the RN or BC"


def test_a_number_typed_against_its_unit_is_split_from_it_first() -> None:
    lexicon = QueryLexicon(shorthand={"hrs": "hours", "yo": "year old"}, synonyms=())
    assert lexicon.spell_out("PP for 72hrs? she is 16yo") == "PP for 72 hours? she is 16 year old"
    # Ordinals, letters before digits and numbers standing alone are left as typed.
    assert lexicon.spell_out("1st review, his 18th, s47 at 3 hrs") == (
        "1st review, his 18th, s47 at 3 hours"
    )


def test_synonyms_become_entries_the_glossary_matches(tmp_path: Path) -> None:
    (tmp_path / "terms.yaml").write_text(
        "shorthand: {ppl: people}\nsynonyms:\n  - [care proceedings, taken into care]\n"
    )
    lexicon = load_query_lexicon(tmp_path)
    (entry,) = lexicon.entries()
    assert entry.names == ("care proceedings", "taken into care")
    assert load_query_lexicon(tmp_path / "nowhere").shorthand == {}  # no file, no terms


def test_a_broken_terms_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "terms.yaml").write_text("synonyms:\n  - [lonely]\n")
    with pytest.raises(TermsError, match=r"terms\.yaml: synonyms: .*two or more names"):
        load_query_lexicon(tmp_path)


def test_unknown_words_are_corrected_to_the_knowledge_bases_own() -> None:
    speller = SpellingCorrector.from_texts(
        [
            "The initial child protection conference follows the strategy discussion.",
            "A single assessment is safeguarding work.",
        ]
    )
    assert speller.correct("initail confrence after the stratergy discusion") == (
        "initial conference after the strategy discussion"
    )
    assert speller.correct("safegaurding assesment") == "safeguarding assessment"
    # Known English, short words, acronyms and numbers stay as typed.
    assert speller.correct("my pension and the ICPC in s47 cin") == (
        "my pension and the ICPC in s47 cin"
    )


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("When must the ICPC be held?", ["When must the ICPC be held?"]),
        (
            "new referral just landed at the front door, how long have we got to decide?",
            ["how long have we got to decide?"],
        ),
        (
            "how long does an EPO last and can it be extended?",
            ["how long does an EPO last", "can it be extended?"],
        ),
        ("whats a core group? and when does the first one meet", None),
        ("1) what is a PLO meeting 2) how long is pre-proceedings", None),
        ("I need the timescale for an ICPC", ["I need the timescale for an ICPC"]),
        # "when" opening a clause (the subject follows it) tells the situation, not a question
        (
            "when the police take a kid somewhere safe, how long can they keep them?",
            ["how long can they keep them?"],
        ),
        ("when does the ICPC happen, and who chairs it?", None),
    ],
)
def test_a_message_is_split_into_the_questions_it_asks(
    message: str, parts: list[str] | None
) -> None:
    found = question_parts(message)
    if parts is None:
        assert len(found) == 2, found
    else:
        assert found == parts


def test_the_situation_is_what_a_message_says_besides_its_questions() -> None:
    message = "private fostering visits - how often in year 1, and how often after that?"
    assert question_parts(message) == ["how often in year 1", "how often after that?"]
    assert situation(message) == "private fostering visits"
    assert situation("strat was this morning, how long have we got?") == "strat was this morning"
    assert situation("how long does an EPO last and can it be extended?") == ""


def test_a_follow_up_carries_the_topic_not_the_wording() -> None:
    rarity = {"icpc": 5.0, "held": 1.0, "long": 0.5}.get
    follow_up = with_topic("and who chairs it?", ["how long until the ICPC is held?"],
                           lambda t: rarity(t, 0.1))  # fmt: skip
    assert follow_up.startswith("and who chairs it?") and "icpc" in follow_up
    assert "how long" not in follow_up
    standalone = "what is a core group?"
    assert with_topic(standalone, ["how long until the ICPC?"], lambda t: 1.0) == standalone


def test_a_follow_up_about_a_person_carries_the_names_the_last_answer_gave() -> None:
    said = "In December 2021 Savannah Brockhill was convicted of murdering Star Hobson [1]."
    assert names_in(said) == ["Savannah Brockhill", "Star Hobson"]  # not "In December"
    earlier = ["who was convicted?"]
    follow_up = with_topic("what was her sentence?", earlier, lambda t: 1.0, said)
    assert "Savannah Brockhill" in follow_up and "convicted" in follow_up
    # "it" is not a person: the topic travels, the names do not.
    assert "Brockhill" not in with_topic("and when was it?", earlier, lambda t: 1.0, said)


def test_a_question_asking_what_something_is_called_is_told_apart() -> None:
    assert asks_name("the meeting where the family make a plan, what's it called?")
    assert asks_name("which panel reviews every child death in an area?")
    assert asks_name("the independent person who checks the plan - whats their job title")
    assert not asks_name("which one does the ICPC clock start from?")
    assert not asks_name("which authority does the s47?")
    assert not asks_name("how long does an EPO last?")


def test_answer_kinds_follow_the_question() -> None:
    assert answer_type("how long do I have for an assessment?").name == "duration"
    assert answer_type("when did the Trust go live?").name == "date"
    assert answer_type("what number do I ring?").name == "phone"
    assert answer_type("how often do core groups meet?").name == "frequency"
    assert answer_type("by what age must a pathway plan be in place?").name == "age"
    assert answer_type("what does PLO stand for?").name == "definition"
    assert answer_type("what is the timescale for an ICPC?").name == "duration"
    assert answer_type("how many areas did Ofsted list?").fits("10 areas", "")
    assert not answer_type("how many areas did Ofsted list?").fits("in 2018", "")
    assert answer_type("who chairs the board?").name == "person"
    assert answer_type("what is a core group?").name == "definition"


def test_an_answer_of_the_right_kind_must_add_to_the_question() -> None:
    when = answer_type("when did the 2018 inspection happen?")
    assert when.fits("It took place in September 2018.", "when did the 2018 inspection happen?")
    assert not when.fits("The 2018 inspection was bad.", "when did the 2018 inspection happen?")
