"""Follow-ups in context: the store, the merge rules, and the core reading a message against a context."""

from __future__ import annotations

import pytest

from bot import conversation, core
from bot.conversation import Context, MemoryContextStore
from bot.slots import Slots


class Clock:
    """A settable clock for the store's idle expiry."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_store_keeps_per_key_expires_when_idle_and_forgets_on_expire() -> None:
    clock = Clock()
    store = MemoryContextStore(idle=300, clock=clock)
    a, b = Context(Slots(disease="DM")), Context(Slots(disease="PM"))
    store.put(1, a)
    store.put(2, b)
    assert (store.get(1), store.get(2), store.get(3)) == (a, b, None)
    clock.now += 299
    assert store.get(1) == a  # a get does not refresh: only a put (a new exchange) does
    store.put(2, b)
    clock.now += 2
    assert (store.get(1), store.get(2)) == (None, b)  # 1 idle for 301 s; 2 put 2 s ago
    store.expire(2)
    assert store.get(2) is None and len(store) == 0


def test_store_is_bounded_least_recently_put_first() -> None:
    store = MemoryContextStore(max_chats=2)
    for key in (1, 2, 3):
        store.put(key, Context(Slots(disease="DM")))
    assert [store.get(k) is not None for k in (1, 2, 3)] == [False, True, True]


def test_kept_slots_are_clinical_facts_only() -> None:
    slots = Slots(disease="DM", failed=("rituximab",), intents=("dose",), asks=True, drugs_asked=("ivig",),
                  reference_words=("Noss",), weight_kg=70.0)
    assert conversation.kept(slots).as_dict() == {"disease": "DM", "failed": ["rituximab"], "weight_kg": 70.0}


@pytest.mark.parametrize(("text", "complete", "fragment"), [
    ("refractory DM, rituximab didn't work", True, False),
    ("relapse on methotrexate", True, False),
    ("ILD", True, False),
    ("DM, failed rituximab", True, False),
    ("and in PM?", False, True),
    ("dose for 70 kg?", False, True),
    ("and if IVIG fails too?", False, True),
    ("on aza", False, True),
    ("she's on 5 mg of pred", False, True),
    ("source?", False, True),
    ("what does 2C mean", False, False),
    ("/ref 4", False, False),
])
def test_complete_questions_replace_fragments_merge(text: str, complete: bool, fragment: bool) -> None:
    slots = core.extract(text, core.knowledge_base().lexicon)
    assert (conversation.is_complete(slots), conversation.is_fragment(slots)) == (complete, fragment)


def test_merge_moves_a_drug_that_failed_out_of_current() -> None:
    merged = conversation.merge(Slots(situation="flare", current=("methotrexate", "azathioprine")),
                                Slots(failed=("methotrexate",), intents=("dose",)))
    assert (merged.situation, merged.current, merged.failed, merged.intents) == (
        "flare", ("azathioprine",), ("methotrexate",), ("dose",))


@pytest.mark.parametrize(("asked", "text", "prednisone"), [
    ("prednisone", "she's on 5 mg", 5.0),
    ("prednisone", "15", 15.0),
    ("prednisone", "none now", "off"),
    ("prednisone", "5 or 10 mg", None),  # two numbers: not read, never guessed
    ("weight", "5 mg", None),  # a bare number answers only the prednisone question
    (None, "5 mg", None),
])
def test_a_typed_answer_to_the_prednisone_question(asked, text: str, prednisone) -> None:
    assert conversation.typed_answer(text, Slots(), asked).prednisone == prednisone


def converse(*messages: str) -> list[tuple[core.Reply, Context | None]]:
    """Each message read against the context the previous left."""
    out, context = [], None
    for text in messages:
        reply, context = core.answer_in_context(text, context)
        out.append((reply, context))
    return out


def formulas(reply: core.Reply) -> str:
    return " ".join(b.text for b in reply.blocks if b.kind == "formula")


@pytest.mark.parametrize(("messages", "rule", "carried", "says"), [
    (("refractory DM, rituximab didn't work", "dose for 70 kg?"), "resistant.ivig",
     "Carried over: DM · resistant disease · failed rituximab.", "2 g/kg × 70 kg = 140 g"),
    (("relapse on methotrexate", "she's on 5 mg of pred"), "recurrent.below-10",
     "Carried over: flare · on methotrexate.", "For disease flares at < 10 mg/day of prednisone"),
    (("relapse on methotrexate", "she's on 5 mg"), "recurrent.below-10",
     "Carried over: flare · on methotrexate.", "For disease flares at < 10 mg/day of prednisone"),
    (("relapse off prednisone", "on aza"), "recurrent.off-pred-on-sparing",
     "Carried over: flare · off prednisone.", "reinstituting prednisone"),
    (("DM, failed rituximab", "and if IVIG fails too?"), "resistant.mycophenolate",
     "Carried over: DM · failed rituximab.", "mycophenolate mofetil"),
    (("DM, failed rituximab", "64 kg"), "resistant.ivig",
     "Carried over: DM · failed rituximab.", "2 g/kg × 64 kg = 128 g"),
    (("flare on 20 mg pred with MTX", "she's on 5 mg of pred now"), "recurrent.below-10",
     "Carried over: flare · on methotrexate.", "Understood: flare · prednisone 5 mg/day · on methotrexate."),
    (("DM, failed rituximab", "and in PM?"), "resistant.ivig",
     "Carried over: failed rituximab.", "Understood: PM · failed rituximab."),
    (("DM, failed rituximab and IVIG", "source?"), "lookup.reference",
     "Carried over: DM · failed rituximab, IVIG.", "[7] Rowin J"),
])
def test_a_follow_up_is_read_against_the_context(messages, rule: str, carried: str, says: str) -> None:
    reply, _ = converse(*messages)[-1]
    assert reply.rule == rule
    assert reply.blocks[0].text == carried
    assert says in reply.text
    alone = core.answer(messages[-1])
    assert (alone.rule, alone.references) != (reply.rule, reply.references)  # alone, it meant something else
    assert not alone.text.startswith("Carried over")


def test_a_new_complete_question_replaces_the_context() -> None:
    (_, first), (reply, second) = converse("DM, failed rituximab", "relapse on methotrexate")
    assert not reply.text.startswith("Carried over")
    assert second is not None and second.slots.failed == () and second.slots.situation == "flare"
    assert first is not None and first.slots.failed == ("rituximab",)


def test_new_clears_and_what_is_not_a_fragment_leaves_the_context() -> None:
    (_, ctx), (legend, kept), (_, cleared), (alone, after) = converse(
        "DM, failed rituximab", "what does 2C mean", "/new", "dose for 70 kg?")
    assert kept == ctx and not legend.text.startswith("Carried over")
    assert cleared is None
    assert alone.kind == "out_of_scope" and not alone.text.startswith("Carried over")
    assert after == Context(Slots(weight_kg=70.0))  # only what this message said


def test_the_context_a_clarification_leaves_names_what_it_asked() -> None:
    [(_, ctx)] = converse("relapse on methotrexate")
    assert ctx == Context(Slots(situation="flare", current=("methotrexate",), mentioned=("methotrexate",)),
                          asked="prednisone")


@pytest.mark.parametrize("question", ["relapse on methotrexate", "DM, failed rituximab", "flare off prednisone"])
def test_the_context_on_a_messages_buttons_is_the_one_kept(question: str) -> None:
    [(reply, ctx)] = converse(question)
    datas = [c.data for c in (*reply.actions, *reply.choices)]
    assert core.context_of_buttons(datas) == ctx


def test_nothing_typed_is_kept() -> None:
    text = "refractory DM, rituximab didn't work, Jane Roe 1961"
    [(_, ctx)] = converse(text)
    assert ctx is not None
    assert "Jane" not in repr(ctx) and "1961" not in repr(ctx)


@pytest.mark.parametrize(("text", "line"), [
    ("thanks", "You're welcome."),
    ("Thank you so much!", "You're welcome."),
    ("ok", "Good."),
    ("ok thanks", "Good."),
    ("hi, I'm a rheumatologist", "Hello."),
    ("good morning", "Hello."),
])
def test_small_talk_gets_a_short_friendly_line_and_keeps_the_context(text: str, line: str) -> None:
    (_, ctx), (reply, after) = converse("DM, failed rituximab", text)
    assert reply.kind == "help" and reply.text.startswith(line) and len(reply.text) < 120
    assert after == ctx


@pytest.mark.parametrize("text", ["I'm on methotrexate", "ok, refractory DM after RTX", "thanks, and the IVIG dose?"])
def test_what_looks_like_small_talk_but_says_something_clinical_is_answered(text: str) -> None:
    assert core.answer(text).kind != "help"


@pytest.mark.parametrize(("asked", "text", "weight", "bsa"), [
    ("weight", "64", 64.0, None),
    ("weight", "64.5.", 64.5, None),
    ("bsa", "1.8", None, 1.8),
    ("prednisone", "64", None, None),  # the prednisone question takes it as mg, not kg
    ("weight", "about 64 I think", None, None),  # only a bare number is read without its unit
    (None, "64", None, None),
])
def test_a_bare_number_answers_the_weight_or_bsa_the_bot_asked_for(asked, text: str, weight, bsa) -> None:
    slots = conversation.typed_answer(text, Slots(), asked)
    assert (slots.weight_kg, slots.bsa_m2) == (weight, bsa)


def test_a_bare_weight_after_the_bot_asked_is_dosed_and_an_implausible_one_refused() -> None:
    _, context = core.answer_in_context("DM, failed rituximab")
    assert context is not None and context.asked == "weight"
    dosed, _ = core.answer_in_context("64", context)
    assert "2 g/kg × 64 kg = 128 g" in dosed.text
    refused, after = core.answer_in_context("640", context)
    assert "the weight of 640 kg" in refused.text and "× 640" not in refused.text
    assert after is not None and after.asked == "weight"
