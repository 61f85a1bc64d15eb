"""Look-ups that never miss: references by number, author (any case), year, journal, drug, the review's author."""

from __future__ import annotations

import pytest

from bot import core


@pytest.mark.parametrize(("question", "numbers"), [
    ("/ref 4", (4,)),
    ("/ref noss", (1,)),
    ("/ref NOSS", (1,)),
    ("/ref Noss", (1,)),
    ("/ref cherin", (4,)),
    ("/ref hausner-sypek", (1,)),  # not the first author
    ("/ref 2007", (8, 10)),
    ("/ref patwa 2012", (3,)),
    ("/ref rheumatology 2005", (12,)),
    ("/ref neurology", (3, 7)),
    ("/ref j rheumatol", (1, 5)),
    ("/ref muscle study group", (11,)),
    ("/ref rituximab", (1, 2)),
    ("/ref ivig", (3, 4)),
    ("the Neurology guideline", (3,)),
    ("Clin Exp Rheumatol", (6,)),
    ("the Noss paper", (1,)),
    ("Sinoway chlorambucil", (9,)),  # a cited author beside a drug: the work, not the drug
    ("muscle study group trial of etanercept", (11,)),
])
def test_a_reference_is_found_however_it_is_named(question: str, numbers: tuple[int, ...]) -> None:
    _, context = core.answer_in_context("IVIG for 1,000 kg")  # and in a conversation as on its own
    for reply in (core.answer(question), core.answer_in_context(question, context)[0]):
        assert (reply.rule, reply.references) == ("lookup.reference", numbers)
        assert "the bot has not read them" in reply.text  # said once, where references are listed


@pytest.mark.parametrize("question", ["/ref alhefny", "who is Alhefny?", "Ain Shams", "what's your source?"])
def test_the_reviews_own_author_and_affiliation(question: str) -> None:
    reply = core.answer(question)
    assert "Abdel-Azeim M. Alhefny" in reply.text and "Ain Shams University" in reply.text


@pytest.mark.parametrize(("question", "says"), [
    ("/ref 99", "There is no reference 99"),
    ("/ref 1850", "None of the works the source cites is from 1850: they date from 1993 to 2012."),
])
def test_a_reference_that_is_not_there_is_said_so(question: str, says: str) -> None:
    reply = core.answer(question)
    assert says in reply.text and reply.references == ()


@pytest.mark.parametrize("question", ["muscle weakness persists", "refractory DM after RTX", "flare on 5 mg pred"])
def test_clinical_text_is_not_taken_for_a_reference(question: str) -> None:
    assert core.answer(question).rule != "lookup.reference"
