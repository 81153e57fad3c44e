"""Glossary parsing and expansion rules."""

from __future__ import annotations

from bot.documents import Chunk, DocumentInfo
from bot.retrieval.glossary import Glossary, widespread_terms

INFO = DocumentInfo(doc_id="glossary", title="Glossary", category="glossary")


def entry(position: int, heading: str, text: str) -> Chunk:
    return Chunk(f"c{position}", INFO, heading, position, text)


LADO = "Also called: designated officer, DO.\n\nA LADO manages allegations."
CIC = "Also called: CLA, LAC, looked-after child.\n\nA CIC is in care."
GLOSSARY = Glossary.from_chunks(
    [
        entry(0, "LADO — Local Authority Designated Officer", LADO),
        entry(1, "SEND — Special Educational Needs and Disability", "SEND means special needs."),
        entry(2, "CIC — Child in Care", CIC),
        entry(3, "Signs of Safety", "A practice framework."),
    ]
)


def test_entries_are_read_from_headings_and_also_called_lines() -> None:
    names = {e.term: e.names for e in GLOSSARY.entries}
    assert names["LADO"] == (
        "LADO",
        "Local Authority Designated Officer",
        "designated officer",
        "DO",
    )
    assert names["CIC"] == ("CIC", "Child in Care", "CLA", "LAC", "looked-after child")
    assert names["Signs of Safety"] == ("Signs of Safety",)


def test_any_name_expands_to_the_others() -> None:
    expanded = GLOSSARY.expand("when do I refer to the designated officer?")
    assert "LADO" in expanded and "Local Authority Designated Officer" in expanded
    assert "CIC" in GLOSSARY.expand("visits for a looked-after child")
    assert "Child in Care" in GLOSSARY.expand("how often are LACs reviewed")  # plural


def test_lower_case_acronyms_expand_unless_they_are_also_words() -> None:
    assert "Local Authority Designated Officer" in GLOSSARY.expand("whats a lado")
    assert GLOSSARY.expand("Where do I send a referral?") == "Where do I send a referral?"
    assert "Special Educational Needs" in GLOSSARY.expand("support for children with SEND")
    assert GLOSSARY.expand("what do I do first?") == "what do I do first?"


def test_terms_inside_other_words_do_not_match() -> None:
    assert GLOSSARY.expand("the cicada season") == "the cicada season"


def test_a_term_most_documents_mention_expands_only_when_its_meaning_is_asked() -> None:
    documents = [
        "A child in care (CIC) has a review.",
        "Visits to a looked-after child happen often.",
        "A LAC review is chaired by an IRO.",
        "Allegations go to the LADO.",
    ]
    glossary = Glossary(GLOSSARY.entries, widespread_terms(GLOSSARY.entries, documents))
    assert glossary.widespread == {"CIC"}  # three of four documents; LADO only one
    assert glossary.expand("how often are CICs visited?") == "how often are CICs visited?"
    assert "Child in Care" in glossary.expand("what does CIC mean?", defining=True)
    # asking what something of the term's is: the term is not what is being defined
    whose = "whats a CIC's care plan"
    assert glossary.expand(whose, defining=True) == whose
    assert "Local Authority Designated Officer" in glossary.expand("who do I tell, the LADO?")


def test_a_name_inside_another_word_of_the_question_is_still_added() -> None:
    # "lac" is inside "placement": the question does not say LAC, so the expansion does.
    expanded = GLOSSARY.expand("CLA just moved placement, when do I visit?")
    assert "LAC" in expanded.split("(", 1)[1]
