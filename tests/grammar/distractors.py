"""Vignette context that must not change the answer: who the patient is, and what else is going on.

Each entry is (long form, short form). Numbers here (age, CK, other drugs' doses,
units of alcohol) are traps for a reader looking for a prednisone dose.
"""

from __future__ import annotations

# Antibodies by disease, as they occur clinically (the DM-specific ones only with DM).
ANTIBODIES: dict[str, tuple[str, ...]] = {
    "DM": ("anti-Jo-1", "anti-MDA5", "anti-TIF1γ", "anti-Mi-2", "anti-NXP2"),
    "PM": ("anti-Jo-1",),
}
ANTIBODY_FORMS: tuple[str, ...] = ("{ab} positive {disease}", "{ab}+ {disease}", "{disease} ({ab})")

DEMOGRAPHICS: tuple[tuple[str, str], ...] = (
    ("A {age}-year-old {sexword}", "{age}{sexletter}"),
    ("{age}{sexletter}", "{age}{sexletter}"),
    ("{age} yo {sexword}", "{age}yo {sexletter}"),
    ("My patient, {age}{sexletter},", "{age}{sexletter}"),
)
HISTORY: tuple[str, ...] = ("diagnosed in {year}", "dx {year}", "{n2} years since diagnosis")

# Co-morbidities with their unrelated drugs and doses.
COMORBIDITIES: tuple[tuple[str, str], ...] = (
    ("type 2 diabetes on metformin 500 mg bd", "T2DM on metformin 500 bd"),
    ("T2DM on metformin 1 g twice daily", "T2DM (metformin 1g bd)"),
    ("reflux on omeprazole 20 mg", "GORD, omeprazole 20mg"),
    ("on a PPI (lansoprazole 30 mg)", "PPI"),
    ("hypertension on amlodipine 5 mg", "HTN, amlodipine 5"),
    ("bone protection with alendronate 70 mg weekly", "alendronate 70 weekly"),
    ("calcium 500 mg bd with vitamin D", "calcium + vit D"),
)
UNRELATED_DRUGS: tuple[tuple[str, str], ...] = (
    ("hydroxychloroquine 200 mg bd", "HCQ 200 bd"),
    ("hydroxychloroquine 400 mg daily", "HCQ 400"),
    ("calcium 500 mg bd", "calcium 500"),
    ("omeprazole 20 mg daily", "PPI"),
    ("metformin 500 mg bd", "metformin 500"),
    ("co-trimoxazole 480 mg three times a week", "septrin prophylaxis"),
)
FOLIC_ACID: tuple[str, str] = ("folic acid 5 mg weekly", "folic acid 5mg")  # only beside methotrexate
SOCIAL: tuple[tuple[str, str], ...] = (
    ("ex-smoker, 20 pack-years", "ex-smoker"),
    ("drinks about 10 units a week", "EtOH 10u/wk"),
    ("works as a nurse", "nurse"),
    ("non-smoker, lives with {pos} family", "non-smoker"),
    ("retired teacher", "retired"),
)
CK_FORMS: tuple[str, ...] = ("CK {ck} U/L", "CK {ck}", "CK up to {ck}")
WEIGHT_FORMS: dict[str, tuple[str, ...]] = {
    "weight_kg": ("weight {x} kg", "{x}kg", "weighs {x} kg"),
    "weight_lb": ("weight {x} lb", "{x} lbs", "weighs {x} lb"),
    "bsa_m2": ("BSA {x} m²", "BSA {x} m2", "BSA {x}"),
}
