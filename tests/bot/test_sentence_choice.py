"""Choosing the sentences of an answer, as a function: no padding from a second source."""

from __future__ import annotations

import numpy as np

from bot.answering.concepts import Concept
from bot.answering.extractive import Sentence, _choose
from bot.documents import Chunk, DocumentInfo
from bot.retrieval.retriever import Retrieved
from bot.text import content_terms


def passage(doc_id: str) -> Retrieved:
    info = DocumentInfo(doc_id=doc_id, title=doc_id, category="procedure")
    return Retrieved(Chunk(f"{doc_id}#0", info, "", 0, ""), score=1.0, dense=0.8)


def sentence(text: str, where: Retrieved, position: int, score: float) -> Sentence:
    return Sentence(text, where, position, meaning=score, words=0.0, score=score)


def concept(word: str) -> Concept:
    return Concept(word, frozenset(content_terms(word)), 1.0)


def test_a_second_source_joins_only_when_it_adds_to_the_answer() -> None:
    icpc, core, visits = passage("icpc"), passage("core-groups"), passage("visits")
    candidates = [
        sentence("The conference is held within 15 working days.", icpc, 0, 1.0),
        sentence("The conference is chaired by someone independent.", icpc, 1, 0.9),
        sentence("The core group meets within 10 working days of the conference.", core, 0, 0.95),
        sentence("Children on plans are seen at home by their worker.", visits, 0, 0.9),
    ]
    vectors = np.eye(len(candidates), dtype=np.float32)  # nothing repeats anything
    asked = [concept("conference"), concept("held"), concept("home")]
    chosen = [s.text for s in _choose(candidates, vectors, 4, asked, fitting=set(), typed=False)]
    assert candidates[0].text in chosen and candidates[1].text in chosen  # same document
    assert candidates[2].text not in chosen  # another document, adds nothing asked for
    assert candidates[3].text in chosen  # another document, states "home", which was asked


def test_an_opening_that_points_back_brings_the_sentence_before_it() -> None:
    where = passage("icpc")
    candidates = [
        sentence("A strategy discussion decides whether to start enquiries.", where, 0, 0.5),
        sentence("This must happen within 15 working days.", where, 1, 1.0),
    ]
    chosen = _choose(candidates, np.eye(2, dtype=np.float32), 1, [], fitting=set(), typed=False)
    assert [s.position for s in chosen] == [1, 0]


def test_a_sentence_announcing_a_list_brings_the_list_unless_it_lacks_what_is_asked() -> None:
    where = passage("contacts")
    candidates = [
        sentence("A contact can end in one of three ways.", where, 0, 1.0),
        sentence("It can be closed with advice.", where, 1, 0.3),
        sentence("It can lead to early help.", where, 2, 0.3),
        sentence("It can become a referral.", where, 3, 0.3),
        sentence("Contacts are recorded on the case system.", where, 5, 0.3),
    ]
    vectors = np.eye(len(candidates), dtype=np.float32)
    listed = _choose(candidates, vectors, 4, [], fitting=set(), typed=False)
    assert [s.position for s in listed] == [0, 1, 2, 3]
    # "how soon…?" wants a time, which the announcing sentence does not give
    timed = _choose(candidates, vectors, 4, [], fitting=set(), typed=True)
    assert [s.position for s in timed] == [0]
