"""Numbers the bot refuses: named with the reason, never computed, never dropped silently."""

from __future__ import annotations

import pytest

from bot import core


@pytest.mark.parametrize(("question", "named", "never"), [
    ("IVIG for 500 kg", "the weight of 500 kg", "× 500"),
    ("IVIG for 1,000 kg", "the weight of 1,000 kg", "× 1 kg"),
    ("IVIG for 20 kg", "the weight of 20 kg", "× 20"),
    ("IVIG for 20 lb", "the weight of 20 lb", "× 9.1"),
    ("IVIG for 800 lb", "the weight of 800 lb", "× 362"),
    ("rituximab 5 m2", "the body surface area of 5 m²", "× 5 m²"),
    ("rituximab BSA 0.2", "the body surface area of 0.2 m²", "× 0.2"),
])
def test_an_implausible_weight_or_bsa_is_named_and_refused(question: str, named: str, never: str) -> None:
    reply = core.answer(question)
    assert reply.blocks[0].kind == "note" and named in reply.blocks[0].text
    assert "outside the plausible adult range" in reply.blocks[0].text
    assert never not in reply.text
    assert "weight_kg" not in reply.slots and "bsa_m2" not in reply.slots


@pytest.mark.parametrize(("question", "formula"), [
    ("IVIG for 70 kg", "2 g/kg × 70 kg = 140 g"),
    ("IVIG for 154 lb", "× 69.9 kg"),
    ("rituximab 1,8 m2", "× 1.8 m²"),
    ("rituximab 1.8 m2", "× 1.8 m²"),
    ("IVIG dose: she was 80 kg at diagnosis and is 66 kg now", "2 g/kg × 66 kg = 132 g"),  # the weight now
    ("IVIG for a 70 kg woman (she was 85 kg before)", "× 70 kg"),  # not the past one
    ("IVIG for 80 kg now (was 92 kg)", "× 80 kg"),  # the now-word is the 80's, not the 92's
    ("IVIG for 58 kg, sorry, 68 kg", "× 68 kg"),  # a weight taken back
    ("IVIG for a seventy-two kilo woman", "× 72 kg"),  # a number in words, tens and units hyphenated
])
def test_a_plausible_number_is_computed(question: str, formula: str) -> None:
    reply = core.answer(question)
    assert formula in reply.text and "plausible" not in reply.text


def test_1000_with_a_thousands_comma_is_one_thousand() -> None:
    assert core.answer("flare on pred 1,000 mg").slots["prednisone"] == 1000.0


def test_a_refused_weight_in_a_follow_up_is_named_and_not_kept() -> None:
    _, context = core.answer_in_context("DM, failed rituximab")
    reply, after = core.answer_in_context("she weighs 500 kg", context)
    assert "the weight of 500 kg" in reply.text and "× 500" not in reply.text
    assert after is not None and after.slots.weight_kg is None


@pytest.mark.parametrize("question", ["flare on pred 5000 mg with MTX", "relapse, prednisone 1,500 mg/day, AZA"])
def test_an_impossible_prednisone_dose_is_named_and_the_dose_asked(question: str) -> None:
    reply = core.answer(question)
    assert reply.blocks[0].kind == "note" and "above any plausible daily dose" in reply.blocks[0].text
    assert (reply.kind, reply.rule) == ("clarify", "recurrent.ask-prednisone") and "prednisone" not in reply.slots


@pytest.mark.parametrize("question", [
    "Relapse. History: prednisone 2019-2022 and methotrexate 2019-2023, both stopped; nothing since.",
    "flare; pred 2020 to 2021, then off everything",
])
def test_a_year_beside_a_drug_is_no_dose(question: str) -> None:
    reply = core.answer(question)
    assert reply.slots.get("prednisone") == "off" and reply.rule == "recurrent.off-all"
