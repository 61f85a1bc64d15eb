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
    ("[intent.cost]\n", "[intent.price]\n", "intents.toml [intent.price]: the engine reads no intent of that name"),
])
def test_the_build_names_a_broken_small_talk_or_intent_entry(knowledge_copy: Path, tmp_path: Path, old: str,
                                                            new: str, message: str) -> None:
    path = knowledge_copy / "intents.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        store.build(tmp_path / "k.db", knowledge_copy)
