"""Slots in and out of Telegram's 64-byte `callback_data`, so buttons need no server state.

Format: a one-letter action, a colon, then `|`-separated fields, each a
one-letter key and a value. Drug lists use the two-letter codes of the lexicon
(`code` in knowledge/lexicon.toml, validated unique at build time) joined by `.`.
Example: `q:sf|p15|caz.mt|w72` = flare, prednisone 15 mg/day, on AZA and MTX,
weight 72 kg. Anything malformed decodes to None, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.intents import INTENT_NAMES
from bot.reply import CALLBACK_DATA_MAX_BYTES
from bot.slots import Slots

INTENT_CODES = {
    "dose": "d", "grade": "g", "evidence": "e", "mechanism": "m", "caution": "c", "cost": "$",
    "reference": "r", "definition": "f", "legend": "l", "ladder": "L", "help": "h", "recommendation": "R",
    "discontinuation": "D", "taper": "T", "author": "a", "by_grade": "b", "review": "A", "price": "p",
    "continuation": "C", "overview": "O", "availability": "v", "adjustment": "j",
}
CODE_INTENTS = {v: k for k, v in INTENT_CODES.items()}
if set(INTENT_CODES) != INTENT_NAMES or len(CODE_INTENTS) != len(INTENT_CODES):  # every intent travels,
    raise RuntimeError("bot.callback's intent codes and bot.intents.INTENT_NAMES disagree")  # each by its own code
_DRUG_LISTS = {"c": "current", "x": "failed", "n": "stopped", "m": "mentioned"}
_FLAGS = {"a": "off_all", "i": "ild", "r": "rash", "e": "everything_failed", "u": "multiple_failed",
          "g": "sparing_unknown_negated", "o": "sparing_current", "M": "muscle", "j": "combination_asked"}
_NUMBERS = {"w": "weight_kg", "b": "bsa_m2", "l": "weight_lb"}


def _number(value: float) -> str:
    return f"{value:g}"


def encode_slots(action: str, slots: Slots, codes: Mapping[str, str]) -> str | None:
    """`action:fields` for these slots, or None if it cannot fit in 64 bytes.

    `codes` maps each drug concept to its lexicon code; a drug without one cannot travel,
    so the slots do not encode (the caller leaves the button out) rather than raise.
    """
    parts = []
    if slots.disease:
        parts.append("d" + slots.disease[0])
    if slots.situation:
        parts.append("s" + slots.situation[0])
    if slots.prednisone == "off":
        parts.append("po")
    elif slots.prednisone is not None:
        parts.append("p" + (slots.prednisone_cmp or "") + _number(slots.prednisone))
    for key, name in _DRUG_LISTS.items():
        drugs = getattr(slots, name)
        if drugs:
            if any(d not in codes for d in drugs):
                return None
            parts.append(key + ".".join(codes[d] for d in drugs))
    parts += [key for key, name in _FLAGS.items() if getattr(slots, name)]
    for key, name in _NUMBERS.items():
        if getattr(slots, name):
            parts.append(key + _number(getattr(slots, name)))
    if slots.severity:
        parts.append("v" + slots.severity[0])
    if slots.intents:
        parts.append("t" + "".join(INTENT_CODES[i] for i in slots.intents))
    if slots.grades_asked:
        parts.append("k" + ".".join(slots.grades_asked))
    data = f"{action}:" + "|".join(parts)
    return data if len(data.encode()) <= CALLBACK_DATA_MAX_BYTES else None


def decode_slots(data: str, codes: Mapping[str, str]) -> tuple[str, Slots] | None:
    """(action, slots) from callback data; None if it is not ours, malformed or empty."""
    action, sep, body = data.partition(":")
    if not sep or len(action) != 1 or not body or len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
        return None
    code_drugs = {code: drug for drug, code in codes.items()}
    values: dict = {}
    try:
        for part in filter(None, body.split("|")):
            key, value = part[0], part[1:]
            if key == "d":
                values["disease"] = {"D": "DM", "P": "PM"}[value]
            elif key == "s":
                values["situation"] = {"f": "flare", "r": "resistant"}[value]
            elif key == "p":
                if value[:1] in ("<", ">"):
                    values["prednisone_cmp"], value = value[0], value[1:]
                values["prednisone"] = "off" if value == "o" else _finite(value)
            elif key in _DRUG_LISTS:
                values[_DRUG_LISTS[key]] = tuple(code_drugs[c] for c in value.split("."))
            elif key in _FLAGS and not value:
                values[_FLAGS[key]] = True
            elif key in _NUMBERS:
                values[_NUMBERS[key]] = _finite(value)
            elif key == "v":
                values["severity"] = {"s": "severe", "m": "mild"}[value]
            elif key == "t":
                values["intents"] = tuple(CODE_INTENTS[c] for c in value)
            elif key == "k":
                values["grades_asked"] = tuple(g for g in value.split(".") if g in _GRADES)
            else:
                return None
    except (KeyError, ValueError, IndexError):
        return None
    known = set(Slots._fields)
    return action, Slots(**{k: v for k, v in values.items() if k in known})


_GRADES = {f"{n}{q}" for n in "12" for q in "ABC"}


def _finite(value: str) -> float:
    number = float(value)
    if not 0 <= number < 10_000:
        raise ValueError(value)
    return number
