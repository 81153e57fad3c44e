"""Question files load when valid and fail with every problem listed when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.questions import QuestionSetError, load_questions


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path: Path) -> None:
    write(
        tmp_path / "set.yaml",
        "- id: q1\n  question: What is an ICPC?\n  kind: answerable\n"
        "  must_include: [conference]\n  expected_sources: [glossary]\n"
        "- id: q2\n  question: What is my pay?\n  kind: out_of_scope\n",
    )
    questions = load_questions([tmp_path], known_documents={"glossary"}).questions
    assert [q.id for q in questions] == ["q1", "q2"]
    assert questions[0].must_include == ["conference"]


def test_every_problem_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        "- id: dup\n  question: One?\n  kind: answerable\n  must_include: [x]\n"
        "- id: dup\n  question: Two?\n  kind: answerable\n  must_include: [x]\n"
        "- id: kind\n  question: Three?\n  kind: maybe\n"
        "- id: empty\n  question: '   '\n  kind: out_of_scope\n"
        "- id: source\n  question: Four?\n  kind: answerable\n  must_include: [x]\n"
        "  expected_sources: [no-such-doc]\n"
        "- id: facts\n  question: Five?\n  kind: answerable\n",
    )
    with pytest.raises(QuestionSetError) as raised:
        load_questions([tmp_path], known_documents={"glossary"})
    message = str(raised.value)
    assert "dup: duplicate id" in message
    assert "kind: Input should be 'answerable', 'out_of_scope' or 'urgent'" in message
    assert "the question is empty" in message
    assert "unknown document id(s) no-such-doc" in message
    assert "facts: an answerable question needs must_include" in message


def test_unreadable_and_missing_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "broken.yaml", "- id: [unclosed\n")
    with pytest.raises(QuestionSetError, match=r"broken\.yaml: cannot read"):
        load_questions([tmp_path / "broken.yaml"])
    with pytest.raises(QuestionSetError, match="cannot read"):
        load_questions([tmp_path / "missing.yaml"])


def test_the_named_sets_load_and_have_every_kind() -> None:
    from eval.sets import SETS

    assert list(SETS) == ["shipped", "held-out", "blind", "blind-2", "blind-3"]
    for named in SETS.values():
        questions = load_questions(named.paths).questions
        kinds = {q.kind for q in questions}
        assert kinds == {"answerable", "out_of_scope", "urgent"}, named.name
        # Enough out-of-scope questions to bound the refusal threshold at the 5% level.
        assert sum(q.kind == "out_of_scope" for q in questions) >= 19, named.name
    for name in ("blind", "blind-2", "blind-3"):
        blind = load_questions(SETS[name].paths).questions
        assert len(blind) >= 150
        assert any(q.history for q in blind)  # follow-ups carry their conversation
