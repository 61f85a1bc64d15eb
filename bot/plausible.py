"""Numbers the bot refuses to compute with: named, with the reason, never used and never dropped silently.

Pure. The reader (`bot.slots`) reads what was typed; this checks it is plausible
for an adult before any dose is computed from it.
"""

from __future__ import annotations

import re

from bot.slots import LB_TO_KG, Slots

WEIGHT_KG = (25.0, 300.0)  # a plausible adult weight
BSA_M2 = (0.5, 3.0)  # a plausible adult body surface area
PREDNISONE_MAX_MG_DAY = 1000.0  # a daily glucocorticoid dose above an intravenous pulse's gram is a misreading

# A BSA as typed, whatever its value (the reader keeps only values it can use, and drops the rest).
_BSA_ANY_RE = re.compile(r"\bBSA\s*(?:is|of|=|:)?\s*(\d{1,6}(?:[.,]\d{1,6})?)"
                         r"|(?<![\w/.])(\d{1,6}(?:[.,]\d{1,6})?)\s*(?:m2|m²|m\^2)(?!\w)", re.IGNORECASE)


def _fmt(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _number(text: str) -> float:
    """'1,000' is one thousand (a group of three digits after the comma); '1,5' is one and a half."""
    if re.fullmatch(r"\d{1,3},\d{3}", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def range_numbers() -> set[str]:
    """Every number the refusals print of their own: the ranges' bounds, in kg, lb and m²."""
    low, high = WEIGHT_KG
    return ({_fmt(v) for v in (low, high, low / LB_TO_KG, high / LB_TO_KG)} | {str(v) for v in BSA_M2}
            | {_fmt(PREDNISONE_MAX_MG_DAY)})


def refuse_implausible(text: str, slots: Slots) -> tuple[Slots, tuple[str, ...]]:
    """`slots` without any weight or BSA outside the plausible adult range or an impossible prednisone dose, and
    a note for each one refused."""
    notes = []
    if slots.weight_kg is not None and not WEIGHT_KG[0] <= slots.weight_kg <= WEIGHT_KG[1]:
        low, high = WEIGHT_KG
        typed = (f"{_fmt(slots.weight_lb)} lb" if slots.weight_lb else f"{_fmt(slots.weight_kg)} kg")
        notes.append(f"I did not use the weight of {typed}: it is outside the plausible adult range "
                     f"({_fmt(low)}–{_fmt(high)} kg, {_fmt(low / LB_TO_KG)}–{_fmt(high / LB_TO_KG)} lb), "
                     "so no dose is computed from it. Please check it and send it again.")
        slots = slots.with_(weight_kg=None, weight_lb=None)
    for m in _BSA_ANY_RE.finditer(text):
        typed = m.group(1) or m.group(2)
        value = _number(typed)
        if not BSA_M2[0] <= value <= BSA_M2[1]:
            notes.append(f"I did not use the body surface area of {typed} m²: it is outside the plausible "
                         f"adult range ({BSA_M2[0]}–{BSA_M2[1]} m²), so no dose is computed from it. "
                         "Please check it and send it again.")
            slots = slots.with_(bsa_m2=None)
            break
    if notes and "dose" not in slots.intents:  # "IVIG 2 g/kg for a 700 kg pt": the dose line, refused number named
        slots = slots.with_(intents=(*slots.intents, "dose"))
    if isinstance(slots.prednisone, float) and slots.prednisone > PREDNISONE_MAX_MG_DAY:
        notes.append(f"I did not use the prednisone dose of {_fmt(slots.prednisone)} mg/day: it is above any "
                     f"plausible daily dose (more than {_fmt(PREDNISONE_MAX_MG_DAY)} mg). Please check it and send "
                     "it again.")
        slots = slots.with_(prednisone=None, prednisone_cmp=None)
    return slots, tuple(notes)
