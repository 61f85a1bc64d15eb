"""Slots in 64-byte callback data: round trips, and no exception on anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callback import decode_slots, encode_slots
from bot.core import answer, answer_callback, knowledge_base
from bot.slots import Slots

CODES = knowledge_base().catalog.drug_codes
EXPIRED = "That button is no longer valid. Please ask again."

ROUND_TRIPS = [
    Slots(situation="flare", prednisone=15.0, current=("azathioprine", "methotrexate")),
    Slots(situation="flare", prednisone=10.0, prednisone_cmp="<", disease="DM"),
    Slots(situation="flare", prednisone="off", off_all=True),
    Slots(situation="resistant", disease="PM", failed=("rituximab", "ivig"), ild=True, weight_kg=72.5),
    Slots(mentioned=("rituximab",), bsa_m2=1.8, intents=("dose", "grade")),
    Slots(grades_asked=("2C",), intents=("legend",)),
    Slots(failed=tuple(CODES)[:6], everything_failed=True, rash=True, severity="severe"),
    Slots(situation="resistant", mentioned=("azathioprine", "methotrexate"), combination_asked=True),
]


@pytest.mark.parametrize("slots", ROUND_TRIPS)
def test_round_trip(slots: Slots) -> None:
    data = encode_slots("q", slots, CODES)
    assert data is not None and len(data.encode()) <= 64
    assert decode_slots(data, CODES) == ("q", slots)


def test_too_many_slots_do_not_encode() -> None:
    slots = Slots(failed=tuple(CODES), current=tuple(CODES), weight_kg=72.123456)
    assert encode_slots("q", slots, CODES) is None


def test_a_drug_without_a_code_does_not_encode() -> None:
    assert encode_slots("q", Slots(failed=("abatacept",)), CODES) is None


def test_every_lexicon_drug_has_a_code() -> None:
    drugs = {t.concept for t in knowledge_base().lexicon.exact.values() if t.kind == "drug"}
    assert drugs == set(CODES)
    assert len(set(CODES.values())) == len(CODES)


@pytest.mark.parametrize("data", ["", "q", "q:", "w:", "x:zz", "q:p", "q:pabc", "q:d?", "q:c??", "q:tZ", "q:w-5",
                                  "q:w1e9", "q:czz", "r:", "r:99", "r:a.b", "w:" + "x" * 80, "l:", "😀", "q:\0"])
def test_garbage_callback_data_is_told_the_button_expired(data: str) -> None:
    reply = answer_callback(data)
    assert (reply.kind, reply.text) == ("help", EXPIRED)


@given(st.text(max_size=80))
def test_any_callback_data_gets_a_reply_and_never_an_internal_error(data: str) -> None:
    reply = answer_callback(data)
    assert reply.kind != "error" and reply.text


def test_button_round_trip_from_the_user_side() -> None:
    """'relapse on azathioprine' asks; pressing '< 10 mg/day' gives scenario 2 with AZA kept."""
    asked = answer("relapse on azathioprine")
    assert asked.kind == "clarify"
    choice = next(c for c in asked.choices if c.label == "< 10 mg/day")
    reply = answer_callback(choice.data)
    assert reply.kind == "answer" and reply.rule == "recurrent.below-10"
    assert reply.slots["current"] == ["azathioprine"]
    assert "increasing the azathioprine or methotrexate dose" in reply.text
    why = answer_callback(next(a for a in reply.actions if a.label == "Why this answer?").data)
    assert "recurrent.below-10" in why.text and "azathioprine" in why.text
    refs = answer_callback(next(a for a in answer("refractory DM after RTX").actions if a.label == "References").data)
    assert refs.references == (3, 4) and "Cherin P" in refs.text
    ladder = answer_callback("l")
    assert ladder.rule == "lookup.ladder"


@pytest.mark.parametrize(("question", "rules"), [
    ("can I combine azathioprine and methotrexate in resistant PM", ("lookup.combination",)),
    ("flare at 20 mg prednisone with worsening ILD", ("recurrent.above-10", "ild.tacrolimus")),
])
def test_why_explains_the_rules_that_answered(question: str, rules: tuple[str, ...]) -> None:
    """The "Why this answer?" button re-decides from its slots alone, and names every rule that answered."""
    reply = answer(question)
    why = answer_callback(next(a for a in reply.actions if a.label == "Why this answer?").data)
    assert why.rules == reply.rules == rules
    assert why.text.count("The source's rule for") == len(rules)
    assert "lookup.drug" not in why.text and "_" not in why.text.replace("rule_", "")


@pytest.mark.parametrize(("data", "numbers"), [
    ("r:1", [1]),
    ("r:1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", [1]),  # 63 bytes, one reference
    ("r:3.1.3.99.1", [3, 1]),
    ("r:" + ".".join(str(n % 14) for n in range(20)), list(range(1, 14))),  # never more than the 13
])
def test_forged_reference_data_is_deduplicated_and_capped(data: str, numbers: list[int]) -> None:
    reply = answer_callback(data)
    assert reply.kind != "error" and list(reply.references) == numbers


@pytest.mark.parametrize("data", ["r:" + "1." * 2000 + "1", "r:" + "9" * 5000, "q:" + "x" * 63])
def test_callback_data_over_64_bytes_is_an_expired_button(data: str) -> None:
    reply = answer_callback(data)
    assert (reply.kind, reply.text) == ("help", EXPIRED)
