"""Look-ups and small talk end to end through `bot.core.answer`, one table per class of question:
thanks and acknowledgements, references named by journal, surname, organisation or number, drugs
compared under "the author", and recommendations looked up by their grade.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import core, store
from bot.knowledge import KnowledgeError

# --- small talk: thanks, acknowledgements, greetings (knowledge/intents.toml [chat.NAME]) -------------


@pytest.mark.parametrize(("text", "line"), [
    ("thanks a lot, that was useful", "You're welcome."),
    ("Many thanks 🙏", "You're welcome."),
    ("cheers!!", "You're welcome."),
    ("much appreciated", "You're welcome."),
    ("ty, super helpful", "You're welcome."),
    ("thank you again :)", "You're welcome."),
    ("got it, thanks", "Good."),
    ("okay great 👌", "Good."),
    ("alright, makes sense", "Good."),
    ("hello there", "Hello."),
    ("Good evening, I am a rheumatology registrar", "Hello."),
])
def test_thanks_and_acknowledgements_get_a_short_friendly_line(text: str, line: str) -> None:
    reply = core.answer(text)
    assert reply.kind == "help" and reply.text.startswith(line) and len(reply.text) < 120
    assert reply.references == () and reply.grades == ()


@pytest.mark.parametrize("text", [
    "thanks - and tacrolimus for the lungs?",
    "ok so she flared on 5 mg pred with aza",
    "cheers, what does grade 2B mean",
    "great, refractory PM after rituximab",
    "thanks " * 12 + "IVIG",  # longer than small talk ever is
])
def test_thanks_beside_a_question_is_the_question(text: str) -> None:
    assert core.answer(text).kind != "help"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('"much appreciated",', '"much appreciated, what next?",',
     "intents.toml [chat.thanks]: example 'much appreciated, what next?' is not small talk"),
    ('reply = "Good. Ask another question whenever you like; /new starts afresh."\n', "",
     "intents.toml [chat.acknowledgement]: needs a reply"),
    ("[intent.cost]\n", "[intent.prognosis]\n",
     "intents.toml [intent.prognosis]: the engine reads no intent of that name"),
    ('overrides = ["cost", "dose"]', 'overrides = ["costs", "dose"]',
     "intents.toml [intent.price]: overrides an intent the engine does not read: 'costs'"),
    ('overrides = ["cost", "dose"]', 'overrides = ["price", "dose"]', "intents.toml [intent.price]: overrides itself"),
    ('gate = ["cost", "much", "price",', 'gate = ["costs", "much", "price",',
     "intents.toml [intent.price]: pattern '\\\\bcost\\\\s+per\\\\b' names none of the gate's strings"),
    ('gate = ["cost", "much", "price",', 'gate = ["Cost", "much", "price",',
     "intents.toml [intent.price]: gate must be a list of non-empty lower-case strings"),
])
def test_the_build_names_a_broken_small_talk_or_intent_entry(knowledge_copy: Path, tmp_path: Path, old: str,
                                                            new: str, message: str) -> None:
    path = knowledge_copy / "intents.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        store.build(tmp_path / "k.db", knowledge_copy)


# --- references by journal, surname in any case, organisation, and combinations ---------------------

def _titles(numbers: tuple[int, ...]) -> list[str]:
    references = core.knowledge_base().catalog.references
    return [references[n].title for n in numbers]


@pytest.mark.parametrize(("question", "numbers"), [
    # the journal, abbreviated as the reference prints it or in full, any case
    ("which works were published in the Annals of Neurology?", (11,)),
    ("papers in ARTHRITIS RHEUM", (4, 9)),
    ("arthritis and rheumatism references", (4, 9)),
    ("any citation from the journal of rheumatology?", (1, 5)),
    ("Clinical and Experimental Rheumatology reference", (6,)),
    ("ann rheum dis paper", (13,)),
    # a surname typed in capitals or in lower case
    ("reference by EFTHIMIOU", (13,)),
    ("the sinoway citation", (9,)),
    # an organisation the title names, in full or by its initials
    ("the American Academy of Neurology guideline reference", (3,)),
    ("citation for the AAN report", (3,)),
    # combinations: a name narrows the references of a drug, a journal those of a drug
    ("CHERIN ivig paper", (4,)),
    ("ROWIN reference for MMF", (7,)),
    ("the rheumatology paper on infliximab", (12,)),
    ("the Neurology paper on mycophenolate", (7,)),
    ("refs for the 2007 Rheumatology paper", (8, 10)),
])
def test_only_the_references_a_question_names_are_listed(question: str, numbers: tuple[int, ...]) -> None:
    reply = core.answer(question)
    assert (reply.kind, reply.rule, reply.references) == ("answer", "lookup.reference", numbers), reply.text
    others = tuple(n for n in range(1, 14) if n not in numbers)
    assert all(title in reply.text for title in _titles(numbers))
    assert not any(title in reply.text for title in _titles(others))


@pytest.mark.parametrize("question", ["reference 15", "ref #20", "/ref 14", "citation 0"])
def test_a_reference_number_the_source_does_not_list_is_out_of_scope(question: str) -> None:
    reply = core.answer(question)
    assert reply.kind == "out_of_scope" and reply.references == ()
    assert "the source lists 13, numbered 1 to 13" in reply.text
    assert not any(title in reply.text for title in _titles(tuple(range(1, 14))))


# --- "the author" beside drugs compared is a drug question, not a reference look-up ------------------

@pytest.mark.parametrize(("question", "says"), [
    ("does the author favour tacrolimus over cyclosporine for resistant PM?",
     "tacrolimus offers some advantage over cyclosporine in efficacy"),
    ("author's view: Prograf or Neoral?", "tacrolimus offers some advantage over cyclosporine in efficacy"),
    ("after rituximab has failed in DM, which does the author prefer: IVIG or mycophenolate?",
     "we suggest IVIG as the second-line agent for the treatment of resistant DM"),
])
def test_drugs_compared_under_the_author_get_the_reviews_words(question: str, says: str) -> None:
    reply = core.answer(question)
    assert reply.kind == "answer" and reply.rule != "lookup.reference"
    assert says in reply.text and "the bot has not read them" not in reply.text


@pytest.mark.parametrize(("question", "numbers"), [
    ("author of the Pisoni paper?", (8,)),
    ("the author of ref 6", (6,)),
    ("which author wrote the etanercept trial?", (11,)),
    ("IVIG author?", (3, 4)),  # one drug, nothing compared: its references
])
def test_the_author_of_a_work_is_still_a_reference_look_up(question: str, numbers: tuple[int, ...]) -> None:
    reply = core.answer(question)
    assert (reply.rule, reply.references) == ("lookup.reference", numbers)


# --- recommendations looked up by their grade, and a drug's grade with what it means -----------------

ALKYLATING = "we suggest reserving alkylating agents (cyclophosphamide and chlorambucil)"
IVIG = "we suggest IVIG as the second-line agent for the treatment of resistant DM"
TNF = "We suggest not using tumor necrosis factor inhibitors in DM or PM"
ILD_TACROLIMUS = "we use tacrolimus (0.2 mg/kg per day in divided doses) as the next agent"
FLARE_ABOVE_10 = "For disease flares at > 10 mg/day of prednisone"
LEGEND_1 = "1 = strong recommendation"
LEGEND_2 = "2 = weak recommendation"
LEGEND_B = "B = moderate-quality evidence"
LEGEND_C = "C = low-quality evidence"


@pytest.mark.parametrize(("question", "grades", "references", "says", "not_says"), [
    ("which recommendation carries a 1C?", ("1C",), (9, 10), (ALKYLATING, LEGEND_1, LEGEND_C), (TNF, IVIG)),
    ("which drugs have a grade 1 recommendation?", ("1C",), (9, 10), (ALKYLATING, LEGEND_1), (TNF, IVIG)),
    ("anything graded 2B?", ("2B",), (3, 4), (IVIG, LEGEND_2, LEGEND_B), (ALKYLATING, TNF)),
    ("show me the grade 2C statements", ("2C",), (6, 11, 12, 13), (TNF, ILD_TACROLIMUS, FLARE_ABOVE_10, LEGEND_C),
     (IVIG, ALKYLATING)),
    ("2C recommendations on ILD?", ("2C",), (6,), (ILD_TACROLIMUS,), (TNF, FLARE_ABOVE_10, IVIG)),
    # a drug's grade and, asked beside it, what the grade means
    ("what grade does tacrolimus get for the lungs, and what does that mean?", ("2C",), (6,),
     (ILD_TACROLIMUS, LEGEND_2, LEGEND_C), (TNF, LEGEND_1)),
    ("cyclophosphamide: grade and meaning of the grade?", ("1C",), (9, 10), (ALKYLATING, LEGEND_1, LEGEND_C),
     (LEGEND_2,)),
    ("IVIG's grade, and what does 2B stand for?", ("2B",), (3, 4), (IVIG, LEGEND_B), (ALKYLATING,)),
])
def test_recommendations_are_found_by_their_grade(question, grades, references, says, not_says) -> None:
    reply = core.answer(question)
    assert reply.kind == "answer" and reply.rule == "lookup.grade", reply.text
    assert reply.grades == grades and reply.references == references
    assert all(s in reply.text for s in says), reply.text
    assert not any(s in reply.text for s in not_says), reply.text
    assert "this legend is not part of the source" in reply.text  # the legend is labelled as such


@pytest.mark.parametrize(("question", "says"), [
    ("is any recommendation grade 1A?", "No recommendation in the source is graded 1A."),
    ("any grade A recommendations?", "No recommendation in the source is graded A."),
    ("which ILD recommendation is graded 1C?", "No recommendation on ILD in the source is graded 1C."),
])
def test_a_grade_no_recommendation_carries_is_said_and_explained(question: str, says: str) -> None:
    reply = core.answer(question)
    assert reply.kind == "answer" and says in reply.text and "this legend is not part of the source" in reply.text
    assert reply.passages == () and reply.references == () and "(Grade" not in reply.text


@pytest.mark.parametrize("question", ["what does grade 1 mean?", "is a 2B weaker than a 1C?", "what is a 2C rec"])
def test_what_a_grade_means_is_still_the_legend_alone(question: str) -> None:
    reply = core.answer(question)
    assert reply.rule == "lookup.legend" and reply.passages == ()


@pytest.mark.parametrize("follow_up", ["author?", "who's the author?", "refs?"])
def test_the_author_asked_after_an_answer_is_that_answers_references(follow_up: str) -> None:
    _, context = core.answer_in_context("refractory DM after RTX")
    reply, _ = core.answer_in_context(follow_up, context)
    assert (reply.rule, reply.references) == ("lookup.reference", (3, 4))
