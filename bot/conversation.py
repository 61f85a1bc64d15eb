"""Follow-ups in context: what a chat's last exchange understood, and how a fragment merges onto it.

Pure: no Telegram, no I/O. What is kept is a `Context`: slot values (never message
text) and which detail the bot last asked for. `ContextStore` is the interface a
front end keeps contexts behind; `MemoryContextStore` holds them in this process,
per chat, for `IDLE_SECONDS` of idle time. A shared store (Redis, a database) can
implement the same three methods.

Merge rules (`is_complete`, `is_fragment`, `merge`):
- a message that names a situation (flare, resistant disease), ILD, a refractory
  rash, or the disease with facts of its own (a drug's status, a prednisone dose)
  is a new, complete question: it replaces the context;
- a message with only details (the disease alone, a weight, a BSA, a prednisone
  dose, a drug that failed or is taken, a question about a dose or the source) is
  a fragment: its slots are laid over the context's;
- anything else (a definition, a grade, small talk) is answered alone and leaves
  the context as it was.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Literal, NamedTuple, Protocol

from bot.slots import Slots

IDLE_SECONDS = 300.0  # a context unused this long is gone: follow-ups come within minutes
MAX_CHATS = 10_000  # contexts held at most; the least recently used goes first

Asked = Literal["prednisone", "weight", "bsa", "sparing"]

# The slots a context keeps: the clinical facts. What a message asks (intents, drugs
# asked, grades, definitions, references) belongs to that message only.
KEPT = ("disease", "situation", "prednisone", "prednisone_cmp", "steroid_word", "prednisone_mg_per_kg",
        "current", "failed", "stopped", "off_all", "sparing_unknown_negated", "sparing_current", "ild",
        "rash", "muscle", "severity", "weight_kg", "weight_lb", "bsa_m2", "mentioned",
        "everything_failed", "multiple_failed", "side_failures_only")
_DETAILS = ("disease", "weight_kg", "weight_lb", "bsa_m2", "prednisone", "current", "failed", "stopped",
            "sparing_current", "sparing_unknown_negated", "off_all", "everything_failed", "drugs_asked")
_FRAGMENT_INTENTS = frozenset({"dose", "reference", "author", "evidence", "grade", "caution", "mechanism",
                               "recommendation", "discontinuation"})


class Context(NamedTuple):
    """What a follow-up is read against: slot values and the detail last asked for."""

    slots: Slots
    asked: Asked | None = None


class ContextStore(Protocol):
    """Where a front end keeps each chat's context."""

    def get(self, key: Hashable) -> Context | None:
        """The chat's context, or None if there is none or it has expired."""

    def put(self, key: Hashable, context: Context) -> None:
        """Keep `context` for the chat (replacing any), restarting its idle time."""

    def expire(self, key: Hashable) -> None:
        """Forget the chat's context (`/new`)."""


class MemoryContextStore:
    """Contexts in this process's memory, each gone after `idle` seconds unused; thread-safe."""

    def __init__(self, idle: float = IDLE_SECONDS, max_chats: int = MAX_CHATS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.max_chats = max_chats
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, Context]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Context | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self._clock() - item[0] > self.idle:
                del self._items[key]
                return None
            return item[1]

    def put(self, key: Hashable, context: Context) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self._clock(), context)
            while len(self._items) > self.max_chats:
                self._items.popitem(last=False)

    def expire(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


def kept(slots: Slots) -> Slots:
    """Only the clinical facts of `slots`: what a context may hold."""
    return Slots(**{name: getattr(slots, name) for name in KEPT})


def is_empty(slots: Slots) -> bool:
    """True when `slots` holds no clinical fact."""
    return kept(slots) == Slots()


def is_complete(slots: Slots) -> bool:
    """A new question of its own: a situation, ILD or a refractory rash, or the disease with its own facts.

    The disease alone ("and in PM?") is a detail: it is laid over the context.
    """
    facts = slots.failed or slots.current or slots.stopped or slots.prednisone is not None or slots.off_all
    return bool(slots.situation or slots.ild or slots.rash or (slots.disease and facts))


def is_fragment(slots: Slots, asked: Asked | None = None) -> bool:
    """Details only, to be read against the context: a number, a drug's status, a dose or source question."""
    if is_complete(slots):
        return False
    if any(getattr(slots, name) not in (None, (), False) for name in _DETAILS):
        return True
    return bool(set(slots.intents) & _FRAGMENT_INTENTS) and not (
        slots.reference_numbers or slots.reference_words or slots.reference_years or slots.grades_asked
        or slots.definition_of)


def _union(*lists: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(d for lst in lists for d in lst))


def merge(context: Slots, new: Slots) -> Slots:
    """The context's facts with the fragment's laid over them; the fragment's question."""
    failed = _union(context.failed, new.failed)
    stopped = tuple(d for d in _union(context.stopped, new.stopped) if d not in failed)
    current = tuple(d for d in _union(context.current, new.current) if d not in failed and d not in stopped)
    changes: dict[str, object] = {name: getattr(new, name) for name in
                                  ("intents", "asks", "grades_asked", "definition_of", "uncovered",
                                   "uncovered_asked", "combination_asked", "reference_numbers",
                                   "reference_words", "reference_years")}
    changes.update(failed=failed, stopped=stopped, current=current,
                   mentioned=_union(context.mentioned, new.mentioned),
                   drugs_asked=tuple(d for d in new.drugs_asked if d not in new.failed))
    if new.disease:
        changes["disease"] = new.disease
    if new.prednisone is not None:
        changes.update(prednisone=new.prednisone, prednisone_cmp=new.prednisone_cmp,
                       steroid_word=new.steroid_word or context.steroid_word)
    if new.weight_kg or new.bsa_m2:
        changes.update(weight_kg=new.weight_kg, weight_lb=new.weight_lb, bsa_m2=new.bsa_m2)
    for flag in ("off_all", "sparing_current", "sparing_unknown_negated", "everything_failed",
                 "multiple_failed", "muscle"):
        if getattr(new, flag):
            changes[flag] = True
    if new.current or new.failed:
        changes["sparing_unknown_negated"] = bool(new.sparing_unknown_negated)
    return context.with_(**changes)


_BARE_MG_RE = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d+)?)\s*(?:mg)?\b(?!\s*(?:kg|lb|g\b|m2|m²))", re.IGNORECASE)
_NO_STEROID_RE = re.compile(r"\b(?:none|off|no|zero|nothing|stopped)\b", re.IGNORECASE)


_BARE_NUMBER_RE = re.compile(r"\s*(\d{1,4}(?:\.\d{1,2})?)\s*[.!]?\s*")


def typed_answer(text: str, slots: Slots, asked: Asked | None) -> Slots:
    """`slots` completed by what a typed answer to the bot's question says ("she's on 5 mg", "64").

    The reader needs a drug's name to know whose dose a bare "5 mg" is, and a unit to
    know a bare "64" is a weight; here the bot's own question supplies them. A weight
    or BSA with its unit, or a sparing drug, the reader finds by itself.
    """
    if slots.prednisone is not None or slots.weight_kg or slots.bsa_m2:
        return slots
    if asked in ("weight", "bsa") and (bare := _BARE_NUMBER_RE.fullmatch(text)):
        value = float(bare.group(1))
        return slots.with_(weight_kg=value) if asked == "weight" else slots.with_(bsa_m2=value)
    if asked != "prednisone":
        return slots
    numbers = _BARE_MG_RE.findall(text)
    if len(numbers) == 1:
        return slots.with_(prednisone=float(numbers[0]))
    if not numbers and _NO_STEROID_RE.search(text):
        return slots.with_(prednisone="off")
    return slots


def carried_fields(context: Slots, new: Slots | None = None) -> Slots:
    """The context's facts that a follow-up kept, as named in "Carried over: ...": not those it replaced."""
    carried = kept(context).with_(mentioned=())
    if new is None:
        return carried
    if new.disease:
        carried = carried.with_(disease=None)
    if new.prednisone is not None:
        carried = carried.with_(prednisone=None, prednisone_cmp=None)
    if new.weight_kg or new.bsa_m2:
        carried = carried.with_(weight_kg=None, weight_lb=None, bsa_m2=None)
    return carried.with_(current=tuple(d for d in carried.current if d not in new.failed + new.stopped))


def slot_names() -> tuple[str, ...]:
    """Every slot a context may hold (for the README and tests)."""
    return tuple(name for name in Slots._fields if name in KEPT)
