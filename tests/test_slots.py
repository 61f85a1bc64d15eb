"""The slot extractor, table-driven: what is understood from the way clinicians type."""

from __future__ import annotations

import pytest

from bot.core import knowledge_base
from bot.slots import LB_TO_KG, extract


@pytest.fixture(scope="module")
def lexicon():
    return knowledge_base().lexicon


# (text, expected fields) — only the fields named are checked.
TABLE = [
    # prednisone: units, phrasings, steroid words
    ("flare on 5 mg pred with MTX", {"prednisone": 5.0, "current": ("methotrexate",), "situation": "flare"}),
    ("relapse at pred 15 + aza", {"prednisone": 15.0, "current": ("azathioprine",)}),
    ("flare on 7.5 mg/d prednisone", {"prednisone": 7.5}),
    ("flare, prednisone 20 mg daily", {"prednisone": 20.0}),
    ("flare on 5mg prednisolone", {"prednisone": 5.0, "steroid_word": "prednisolone"}),
    ("flare on steroids 12.5 mg", {"prednisone": 12.5, "steroid_word": "steroids"}),
    ("flare on glucocorticoids 30mg/day", {"prednisone": 30.0, "steroid_word": "glucocorticoids"}),
    ("flare on 0.5 mg/kg pred, 60 kg", {"prednisone": 30.0, "prednisone_mg_per_kg": 0.5, "weight_kg": 60.0}),
    ("flare on 0.5 mg/kg pred", {"prednisone": None, "prednisone_mg_per_kg": 0.5}),
    ("flare at 15 mg", {"prednisone": 15.0}),
    ("flare >10mg pred", {"prednisone": 10.0, "prednisone_cmp": ">"}),
    ("flare on less than 10 mg prednisone", {"prednisone": 10.0, "prednisone_cmp": "<"}),
    ("flare on 7,5 mg pred", {"prednisone": 7.5}),
    ("flare on pred 5 and methotrexate 25mg weekly", {"prednisone": 5.0, "current": ("methotrexate",)}),
    ("stopped pred 3 months ago, flaring on MTX", {"prednisone": "off", "current": ("methotrexate",)}),
    ("flare off pred", {"prednisone": "off"}),
    ("flare, not on steroids", {"prednisone": "off"}),
    ("relapse after stopping prednisone", {"prednisone": "off"}),
    ("flare, hasn't come off the prednisone", {"prednisone": None}),
    ("flare, pred never tapered to zero, 5 mg now", {"prednisone": 5.0}),
    ("flare: steroid-free for 8 months", {"prednisone": "off"}),
    ("flare, pred tapered to zero last year", {"prednisone": "off"}),
    ("relapse, prednisone nil, on MTX", {"prednisone": "off", "current": ("methotrexate",)}),
    ("flare 3 months after finishing the pred taper", {"prednisone": "off"}),
    ("relapse off prednisone, has failed both azathioprine and methotrexate", {"prednisone": "off"}),
    ("completed her treatment, now flaring", {"off_all": True, "prednisone": "off"}),
    ("DM flare after she weaned off everything", {"off_all": True, "prednisone": "off"}),
    ("relapsed DM, no current immunosuppressants", {"off_all": True, "prednisone": "off"}),
    ("flare, before stopping treatment what dose of pred?", {"off_all": False, "prednisone": None}),
    ("flare, should I stop treatment?", {"off_all": False}),
    ("flare, off all immunosuppression", {"prednisone": "off", "off_all": True, "current": ()}),
    ("flare, no DMARD, pred 20", {"prednisone": 20.0, "sparing_unknown_negated": True}),
    ("flare on prednisone 20mg/day, not on any steroid sparing", {"prednisone": 20.0, "off_all": False}),
    ("relapse on azathioprine", {"prednisone": None, "current": ("azathioprine",)}),
    # a dose's time (knowledge/context.toml): only the current one decides
    ("flare, was on 40 mg pred a year ago, currently 5 mg", {"prednisone": 5.0}),
    ("DM flare: was on 40 last year, now 5 mg prednisone", {"prednisone": 5.0}),
    ("flare on pred 10 mg, previously 30 mg", {"prednisone": 10.0}),
    ("relapse on 10 mg prednisone; initially 60 mg", {"prednisone": 10.0}),
    ("had 5 mg prednisolone until she quit, now flaring", {"prednisone": "off"}),
    ("flare, pred 20 mg stopped in May", {"prednisone": "off"}),
    ("pred 7.5 mg until last month, flare", {"prednisone": None}),
    ("flare on prednisone 20 mg and 5 mg", {"prednisone": None}),  # two current doses: ask
    # drugs: history, negation, lists, brands, typos
    ("refractory DM after RTX", {"failed": ("rituximab",), "disease": "DM", "situation": "resistant"}),
    ("failed MTX, AZA and rituximab", {"failed": ("methotrexate", "azathioprine", "rituximab")}),
    ("MTX and AZA both failed", {"failed": ("methotrexate", "azathioprine")}),
    ("rituximab didn't work", {"failed": ("rituximab",)}),
    ("not responding to IVIG", {"failed": ("ivig",)}),
    ("despite rituxan", {"failed": ("rituximab",)}),
    ("refractory to cellcept", {"failed": ("mycophenolate",)}),
    ("PM not better on MabThera", {"failed": ("rituximab",), "disease": "PM"}),
    ("IVIG after rituximab failure", {"failed": ("rituximab",), "mentioned": ("ivig", "rituximab")}),
    ("polymyositis failed rituximab, IVIG?", {"failed": ("rituximab",)}),
    ("not on MTX", {"stopped": ("methotrexate",)}),
    ("never had rituximab", {"stopped": ("rituximab",)}),
    ("stopped azathioprine", {"stopped": ("azathioprine",)}),
    ("flare on imuran", {"current": ("azathioprine",)}),
    ("flare on azathiprine", {"current": ("azathioprine",)}),
    ("flare on methotrexat", {"current": ("methotrexate",)}),
    ("tacrolimis dose", {"mentioned": ("tacrolimus",)}),
    ("ciclosporin", {"mentioned": ("cyclosporine",)}),
    ("Neoral", {"mentioned": ("cyclosporine",)}),
    ("mycophenolate mofetil", {"mentioned": ("mycophenolate",)}),
    ("tumour necrosis factor inhibitors", {"mentioned": ("tnf",)}),
    ("anti-TNF", {"mentioned": ("tnf",)}),
    ("Remicade", {"mentioned": ("infliximab",)}),
    ("failed CNIs", {"failed": ("calcineurin",)}),
    # drug status from the cue rows of knowledge/context.toml
    ("MTX held because of raised LFTs", {"stopped": ("methotrexate",), "current": ()}),
    ("relapse, MTX held for raised LFTs, on pred 10", {"stopped": ("methotrexate",), "prednisone": 10.0}),
    ("azathioprine tapered off last year, relapse", {"stopped": ("azathioprine",), "current": ()}),
    ("suppose rituximab gives no response in resistant DM", {"failed": ("rituximab",)}),
    ("if rituximab doesn't work, what next?", {"failed": ("rituximab",)}),
    ("MTX stopped for non-response", {"failed": ("methotrexate",)}),
    ("RTX x2, still weak", {"failed": ("rituximab",)}),
    ("flare, prednisone discontinued, MTX alone", {"prednisone": "off", "current": ("methotrexate",), "stopped": ()}),
    ("failed MTX, what about AZA?", {"failed": ("methotrexate",)}),
    ("on MTX, considering rituximab", {"current": ("methotrexate",)}),
    ("no response to MTX or AZA, now on rituximab",
     {"failed": ("methotrexate", "azathioprine"), "current": ("rituximab",)}),
    ("hasn't failed anything except MTX", {"failed": ()}),
    # guards against short-string false matches
    ("I'll see the patient at 3 pm", {"mentioned": ()}),
    ("the gc content of the sample", {"mentioned": ()}),  # "GC" is glucocorticoid only in capitals
    ("the context (ctx) of the question", {"mentioned": ()}),
    ("predict the weather", {"mentioned": ()}),
    ("metro station", {"mentioned": ()}),
    ("ritual", {"mentioned": ()}),
    ("tactics", {"mentioned": ()}),
    ("a rash decision", {"rash": False}),  # rash counts only when called refractory or persistent
    # disease, ILD, rash, severity, weight, BSA
    ("dermatomyositis", {"disease": "DM"}),
    ("polymyositis", {"disease": "PM"}),
    ("DM and PM", {"disease": None}),
    ("ILD in DM", {"ild": True}),
    ("interstitial lung disease", {"ild": True}),
    # rash: only a rash its clause calls refractory or persistent (DESIGN.md, "Refractory rash")
    ("Gottron papules", {"rash": False}),
    ("DM on MTX 20, rash back and CK up", {"rash": False}),
    ("the rash is better but deltoids still weak", {"rash": False}),
    ("persistent Gottron papules despite MTX", {"rash": True}),
    ("refractory DM, failed rituximab, no rash", {"rash": False}),
    ("DM flare on pred 5, rash not refractory", {"rash": False}),
    # ILD: only ILD that is present (DESIGN.md: "no ILD", "HRCT clear", "lungs fine" are not ILD)
    ("DM flare on pred 20, no ILD", {"ild": False}),
    ("flare at 5 mg pred with MTX, lungs fine", {"ild": False}),
    ("relapse on pred 8, no lung involvement", {"ild": False}),
    ("flare at 20 mg with worsening ILD", {"ild": True}),
    ("myositis-associated ILD, not improving on pred & aza", {"ild": True}),
    ("refractory rash in DM", {"rash": True}),
    ("the heliotrope rash just won't settle", {"rash": True}),
    ("skin still angry though strength is back", {"rash": True}),
    # the combination question and reference look-ups are read here, so decide() needs no text
    ("can I combine azathioprine and methotrexate", {"combination_asked": True}),
    ("aza and mtx both failed", {"combination_asked": False}),
    ("methotrexate dose", {"combination_asked": False}),
    ("reference 6", {"reference_numbers": (6,)}),
    ("The Noss paper from 2006", {"reference_words": ("the", "noss"), "reference_years": (2006,)}),
    ("flare on 5 mg pred in 2006", {"reference_years": ()}),
    # negated conditions are not present (knowledge/context.toml)
    ("no ILD on HRCT", {"ild": False}),
    ("ILD excluded on HRCT", {"ild": False}),
    ("ILD has been ruled out, failed RTX", {"ild": False, "failed": ("rituximab",)}),
    ("lungs fine, resistant DM", {"ild": False}),
    ("DM, lungs OK, failed RTX", {"ild": False}),
    ("negative for ILD", {"ild": False}),
    ("ILD not excluded", {"ild": True}),
    ("no ILD but refractory rash", {"ild": False, "rash": True}),
    ("rash resolved, weakness back", {"rash": False}),
    ("DM rash persisting, muscles fine", {"rash": True}),
    # a status in brackets belongs to the drug, or the + joined list, right before it
    ("azathioprine, methotrexate (failed), flare off pred", {"failed": ("methotrexate",)}),
    ("MTX + RTX + IVIG (failed), still active", {"failed": ("methotrexate", "rituximab", "ivig")}),
    # a flare word beside ILD is the lungs' ("worsening ILD"), not a flare of the disease
    ("refractory DM after RTX, worsening ILD despite this", {"situation": "resistant", "ild": True}),
    ("DM flare on pred 20, ILD worsening too", {"situation": "flare", "ild": True}),
    ("severe flare", {"severity": "severe"}),
    ("mild relapse", {"severity": "mild"}),
    ("IVIG for 72 kg", {"weight_kg": 72.0, "mentioned": ("ivig",)}),
    ("IVIG 72kg", {"weight_kg": 72.0}),
    ("weight 65", {"weight_kg": 65.0}),
    ("IVIG for 154 lb", {"weight_kg": round(154 * LB_TO_KG, 1), "weight_lb": 154.0}),
    ("rituximab BSA 1.8", {"bsa_m2": 1.8}),
    ("cyclophosphamide 1.6 m2", {"bsa_m2": 1.6}),
    ("cyclophosphamide 1.7 m²", {"bsa_m2": 1.7}),
    ("tacrolimus 0.2 mg/kg", {"weight_kg": None}),
    ("IVIG 2 g/kg", {"weight_kg": None}),
    # intents, grades, definitions, uncovered topics
    ("what does 2C mean", {"grades_asked": ("2C",)}),
    ("grade 1 vs 2", {"grades_asked": ("1", "2")}),
    ("everything has failed", {"everything_failed": True}),
    ("refractory to multiple treatments", {"multiple_failed": True}),
    ("what is recurrent disease", {"definition_of": ("recurrent",)}),
    ("scleroderma", {"uncovered": ("scleroderma",)}),
    ("hydroxychloroquine", {"uncovered": ("other_drugs",)}),
    # a comparison asks only in a sentence that asks
    ("failed AZA; we have not used rituximab, IVIG or anything else. next?",
     {"failed": ("azathioprine",), "stopped": ("rituximab",), "drugs_asked": ()}),
    ("cyclosporine or tacrolimus for resistant PM?", {"drugs_asked": ("cyclosporine", "tacrolimus")}),
    # a pronoun's failure is its drug's; a hypothetical failure of a planned drug is read as failed
    ("rituximab given in May. It made no difference. next?", {"failed": ("rituximab",)}),
    ("planning RTX for refractory PM; what next should it not work?", {"failed": ("rituximab",)}),
    ("MMF planned if RTX and IVIG fail", {"failed": ("rituximab", "ivig")}),
    # the past dose in brackets is not the current one
    ("flare, pred 7.5 mg (was 30 mg at diagnosis), on AZA", {"prednisone": 7.5}),
    # a co-medication the patient is on is background; one asked about is the question
    ("next step for resistant PM after MTX and RTX, also on hydroxychloroquine 400 mg daily?",
     {"uncovered": ("other_drugs",), "uncovered_asked": ()}),
    ("DM on MTX; should she be on Bactrim?", {"uncovered_asked": ("other_drugs",)}),
    ("DM on MTX; can she stay on HCQ?", {"uncovered_asked": ("other_drugs",)}),
    # two live doses that differ are asked about; one dose written two ways is one dose
    ("DM flare. On pred 5 mg daily. Her prednisone is 20 mg/day per the chart. Next?",
     {"prednisone": None, "conflicts": ("prednisone",)}),
    ("flare on prednisone 0.3 mg/kg/d (80 kg, so 24 mg)", {"prednisone": 24.0, "conflicts": ()}),
    ("PM flare, pred 6, plan pred 20", {"prednisone": 6.0, "conflicts": ()}),
    # a dose no drug owns, in a flare, is prednisone's, whatever else is named later
    ("Previously on 20 mg, on 2.5 mg since Christmas; aza 150. flare", {"prednisone": 2.5}),
    ("has not taken any prednisone for a year, still on Azasan; relapsing now", {"prednisone": "off"}),
    # "above or below 10?" asks about the scenarios; it is no bound on the patient's dose
    ("flare on prednisone 10 mg a day - above or below 10?", {"prednisone": 10.0, "prednisone_cmp": None}),
    # never taken and failed: the nearer cue decides
    ("haven't tried rituximab, IVIG failed, DM refractory", {"failed": ("ivig",), "stopped": ("rituximab",)}),
    ("never had rituximab, AZA didn't help. resistant DM", {"failed": ("azathioprine",), "stopped": ("rituximab",)}),
    # a message that describes no situation asks with all its words
    ("IVIG 2 g/kg dose for my adult patient, weight 70 kg?", {"intents": ("dose",)}),
    # with no failing disease named, "after" is when
    ("After a rituximab infusion, how long before the B cells are gone?", {"failed": ()}),
    ("refractory DM after RTX", {"failed": ("rituximab",)}),
    # words of any alphabet, accents dropped: colleagues sometimes write in French, German or Spanish
    ("Rechute de DM sous prednisone 30 mg/j et méthotrexate 20 mg/sem",
     {"situation": "flare", "prednisone": 30.0, "current": ("methotrexate",)}),
    ("Poussée de PM, prednisone arrêtée il y a 6 mois, toujours sous azathioprine",
     {"situation": "flare", "prednisone": "off", "current": ("azathioprine",)}),
    ("DM-Rezidiv unter Prednison 17,5 mg täglich plus Azathioprin", {"situation": "flare", "prednisone": 17.5}),
    # off everything yet on a drug: asked about, not guessed
    ("Off all immunosuppression; on MTX 15 mg weekly. Relapsing DM.", {"conflicts": ("methotrexate",)}),
    # one dose or another: asked about
    ("recurrence, pred 7.5 or 12.5, can't remember which, + AZA", {"prednisone": None, "conflicts": ("prednisone",)}),
    # the closing "?" of a question opened earlier does not ask about the vignette's last item
    ("How should I manage a PM flare, on AZA 100 mg daily, calcium 500 mg bd with vitamin D?",
     {"uncovered": ("other_drugs",), "uncovered_asked": ()}),
    ("Bone protection for long-term prednisone in myositis?", {"uncovered_asked": ("bone_health",)}),
    # "20 of prednisone"; a drug never tried after it is named
    ("Flaring on 20 of prednisone daily, MTX maxed at 25/wk, azathioprine never tried",
     {"prednisone": 20.0, "current": ("methotrexate",), "stopped": ("azathioprine",)}),
    # a condition said to be absent
    ("Tacrolimus dose for myositis in a patient with no lung involvement?", {"ild": False, "absent": ("ild",)}),
    # a stop in another drug's clause does not stop the prednisone whose dose follows the comma
    ("relapse of DM, came off Trexall in September, pred reduced from 40 mg to 20 mg, on azathioprine 150",
     {"prednisone": 20.0, "stopped": ("methotrexate",)}),
    ("DM flare, off MTX, pred and AZA", {"prednisone": "off"}),
    # a past said of the steroid is the past when a dose is taken now
    ("DM, ILD excluded, previously on pred 40 mg, currently 12.5 mg with MTX 25 weekly. Weakness is back.",
     {"prednisone": 12.5, "ild": False}),
    ("she was on 20 mg prednisolone until March and has been off it since; on MTX; flare", {"prednisone": "off"}),
    ("PM flare. Prednisone: 25 mg last autumn, 10 mg now. No DMARD.", {"prednisone": 10.0, "conflicts": ()}),
    ("resistant PM, ILD? no. failed aza.", {"ild": False, "absent": ("ild",)}),
    ("never went into remission on pred 20 + MTX 25; DM; what next?", {"situation": "resistant"}),
    # a drug written with its dose is its own item: a failure after the next comma is the next drug's
    ("DM, AZA 150 mg/day, methotrexate: no effect, pred weaned off, flare",
     {"current": ("azathioprine",), "failed": ("methotrexate",)}),
    ("failed MTX 25 mg, AZA 150 mg, refractory DM", {"failed": ("methotrexate", "azathioprine")}),
    # several reference numbers
    ("Give me references 1 and 12 please", {"reference_numbers": (1, 12)}),
    ("refs 3, 4 & 9", {"reference_numbers": (3, 4, 9)}),
    # twice a day doubles the dose, however it is written ("b.d." ends in a full stop)
    ("5 mg b.d. pred, flare", {"prednisone": 10.0}),
    ("flare, 5 mg bd", {"prednisone": 10.0}),
    # a planned drug is neither current nor the question
    ("PM flare on pred 15 and AZA; considering CellCept",
     {"current": ("azathioprine",), "planned": ("mycophenolate",)}),
    # a sign that changes again is a flare
    ("DM on MTX, CK rising again with new weakness, off pred", {"situation": "flare"}),
    # a stop said after another drug, in its own clause, is that drug's
    ("myositis flare, AZA was discontinued in November, pred 17.5 mg",
     {"prednisone": 17.5, "stopped": ("azathioprine",)}),
    # the last item of a list, with a question mark after it, is asked about, not failed
    ("DM failed MTX, rituximab next?", {"failed": ("methotrexate",), "drugs_asked": ("rituximab",)}),
    ("refractory PM: failed MTX, rituximab then?", {"failed": ("methotrexate",)}),
    ("resistant DM, failed MTX, RTX and IVIG?", {"failed": ("methotrexate", "rituximab", "ivig")}),
    ("DM, failed MTX, AZA didn't help?", {"failed": ("methotrexate", "azathioprine")}),
    # a sequence after a failure: "then" carries it on to a bare drug, not to one with a cue of its own
    ("refractory DM: failed pred/MTX, then rituximab, then IVIG. next step?",
     {"failed": ("methotrexate", "rituximab", "ivig")}),
    ("failed MTX -> RTX -> IVIG; options?", {"failed": ("methotrexate", "rituximab", "ivig")}),
    ("failed MTX, then RTX x2, then 5 months of monthly IVIG. next?",
     {"failed": ("methotrexate", "rituximab", "ivig")}),
    ("failed MTX, then RTX, then IVIG?", {"failed": ("methotrexate", "rituximab"), "drugs_asked": ("ivig",)}),
    ("DM: failed MTX, then started RTX 3 months ago, weak again",
     {"failed": ("methotrexate",), "current": ("rituximab",)}),
    # a drug a sequence moves on from was tried: "then RTX, then IVIG" replaced rituximab
    ("MTX failed, then RTX, then IVIG, what now?", {"failed": ("methotrexate", "rituximab")}),
    ("Tried AZA then rituximab. Still weak. What now?", {"failed": ("azathioprine", "rituximab")}),
    ("refractory PM: RTX, then IVIG x5, none worked", {"failed": ("rituximab", "ivig"),
                                                        "everything_failed": False}),
    ("refractory PM: failed MTX and AZA; nothing else has worked", {"everything_failed": True}),
    ("weight 80kg => 160 mg of AZA", {"failed": ()}),
    # a list after a colon or in brackets says what "everything" was
    ("nothing has worked: MTX, AZA, RTX, IVIG, MMF",
     {"failed": ("methotrexate", "azathioprine", "rituximab", "ivig", "mycophenolate"), "everything_failed": False}),
    ("failed pretty much everything (RTX, IVIG, MMF). next?",
     {"failed": ("rituximab", "ivig", "mycophenolate"), "everything_failed": False}),
    ("everything has failed, what now?", {"everything_failed": True}),
    # a bare later dose after a few words of time and a comma is the dose now
    ("flare. was on pred 40 last year, now 5. MTX ongoing", {"prednisone": 5.0}),
    ("pred 40 at diagnosis, currently 7.5, flare, on AZA", {"prednisone": 7.5}),
    ("pred 40, plan to go to 60, flare", {"prednisone": 40.0}),
    # not taken now, said with "has not been on"; a stop supposed after "after we", not a failure
    ("relapsed DM; she hasn't been on any immunosuppression since 2022", {"prednisone": "off", "off_all": True}),
    ("flare, has not been taking her methotrexate, pred 5", {"stopped": ("methotrexate",), "prednisone": 5.0}),
    ("if she flares after we stop everything, what dose of pred?", {"off_all": True, "failed": ()}),
    ("DM flared after we stopped MTX; on pred 5", {"stopped": ("methotrexate",), "failed": ()}),
    # a flare that names no steroid: bare numbers after a dose word are prednisone's (the reply says so)
    ("Was on 40 last year, now 5. DM flaring. Next?", {"prednisone": 5.0}),
    ("DM flare, tapered to 5, MTX 20", {"prednisone": 5.0, "current": ("methotrexate",)}),
    ("relapse; CK from 300 to 8000; on MTX", {"prednisone": None}),
    ("flare, MTX 20 now, CK 3000", {"prednisone": None}),
    # a bare number after "on", right before the steroid, is its dose
    ("my DM patient (on 7.5 pred and 15 MTX) has relapsed", {"prednisone": 7.5, "current": ("methotrexate",)}),
    # "on all of this", "worse on this": the treatment so far, not a question about every drug before it
    ("72M, PM, + azathioprine, prednisolone 60->12.5, calcium 500, flare (CK 7000), ILD worse on this, what next?",
     {"uncovered_asked": (), "ild": True, "prednisone": 12.5}),
    ("DM, 17.5 mg pred a day, azathioprine, amlodipine 5, calcium 500, refractory ILD on all of this. next step?",
     {"uncovered_asked": (), "ild": True}),
    # a bare dose beside a planned "N mg" one is the dose now; two live ones are asked about
    ("DM flare. Planning to increase Deltasone to 30 mg. Maintained on steroids 15.", {"prednisone": 15.0}),
    ("DM flare, continues on pred 6, pred 30 mg is planned", {"prednisone": 6.0}),
    ("flare, pred 20 mg, pred 5", {"prednisone": None, "conflicts": ("prednisone",)}),
    # a drug with a cue of its own before the question mark is not asked about
    ("Best approach to a polymyositis flare, weaned off prednisone 3 months ago, azathioprine discontinued?",
     {"stopped": ("azathioprine",), "current": ()}),
    # a failure said as a noun or adjective after the drugs
    ("DM, RTX & IVIG non-responder", {"failed": ("rituximab", "ivig")}),
    # a glucocorticoid stronger per mg than prednisone: at or below 10 mg no prednisone dose (the bot asks)
    ("DM flare on Medrol 8 mg + MTX", {"prednisone": None, "steroid_word": "medrol", "current": ("methotrexate",)}),
    ("flare on methylprednisolone 16 mg daily", {"prednisone": 16.0}),  # above 10 either way
    ("flare on Medrol 10 mg", {"prednisone": None}),
    ("flare on prednisolone 15 mg", {"prednisone": 15.0}),
    ("flare, off Medrol, on MTX", {"prednisone": "off"}),
    # drugs named after "after" in a question for the next step failed; otherwise "after" is when
    ("after RTX, IVIG and MMF: are calcineurin inhibitors next?",
     {"failed": ("rituximab", "ivig", "mycophenolate"), "drugs_asked": ("calcineurin",)}),
    ("After a rituximab infusion, how long before the B cells are gone?", {"failed": ()}),
    # the one drug taken ("alone", "monotherapy") is not prednisone; a steroid's withdrawal is a stop
    ("relapse on MTX monotherapy", {"prednisone": "off", "current": ("methotrexate",)}),
    ("flare of DM while on methotrexate alone", {"prednisone": "off"}),
    ("flare, on AZA only, pred 5", {"prednisone": 5.0}),
    ("flare after steroid withdrawal, maintained on mycophenolate", {"prednisone": "off"}),
    ("third-line after RTX and IVIG?", {"failed": ("rituximab", "ivig")}),
    # what follows a condition's colon is said of it; a label the clause names again only heads it
    ("resistant DM after RTX; lungs: clear", {"ild": False, "absent": ("ild",)}),
    ("resistant DM after RTX; ILD: none", {"ild": False}),
    ("DM, refractory to steroids, MTX and rituximab; lungs: no ILD on CT; what is the next agent?",
     {"ild": False, "conflicts": ()}),
    ("DM flare on pred 15; ILD: worsening", {"ild": True}),
    # two neighbouring letters swapped are a typo; one letter off a brand in an ordinary word is not
    ("PM, refractory to Rituaxn, IVIG failed", {"failed": ("rituximab", "ivig")}),
    ("DM: still weak despite Turxima (2 x 1 g) after AZA", {"failed": ("rituximab", "azathioprine")}),
    ("home program of exercises, DM flare on pred 5", {"mentioned": ("prednisone",)}),
    # a drug stopped by its own cue is not failed by the next drug's failure across a comma
    ("Refractory DM, not on IVIG, Rituan didn't help, what next?", {"failed": ("rituximab",), "stopped": ("ivig",)}),
    ("off MTX and AZA, no response", {"failed": ("methotrexate", "azathioprine")}),
    # a dose of a year named is the past
    ("she had pred 40 mg in 2023; now 7.5 mg daily with MTX; flare", {"prednisone": 7.5, "conflicts": ()}),
    # a failure said of the ILD itself, and a drug a question is about right after a list of failures
    ("If tacrolimus doesn't help the ILD, what after that?", {"failed": ("tacrolimus",), "side_failures_only": True}),
    ("76M, Dermatomyositis, RTX failed, refractory, skin refractory, what next?", {"side_failures_only": False}),
    ("ILD in DM failing steroids and methotrexate, tacrolimus dose for 55 kg", {"failed": ("methotrexate",)}),
    ("DM failed everything in the ladder up to MMF (RTX, IVIG, MMF)",
     {"everything_failed": False, "failed": ("mycophenolate", "rituximab", "ivig")}),
    # starting, restarting or resuming is a plan; "at" after it is the planned dose
    ("PM flare off all meds, ok to resume prednisone at 15 mg?", {"prednisone": "off"}),
    ("MTX failed; considering we start rituximab next month, regimen?", {"failed": ("methotrexate",),
                                                                         "planned": ("rituximab",)}),
    # said of treatment in general, not of her: no status, not asked
    ("refractory PM after AZA. which first? (I'm aware MMF is used if IVIG fails)",
     {"failed": ("azathioprine",), "drugs_asked": ()}),
    # already given is tried; did not improve on what she takes; a contrast that states the failure
    ("MMF now failing too (already received Rituxan and IVIg). next?",
     {"failed": ("mycophenolate", "rituximab", "ivig")}),
    ("weakness hasn't improved on prednisone 40 and azathioprine 150", {"failed": ("azathioprine",)}),
    ("tried IVIG for 6 months, yet no meaningful improvement", {"failed": ("ivig",)}),
    ("relapse on a steroid holiday, still on Imuran", {"prednisone": "off", "current": ("azathioprine",)}),
    ("PM flare on pred 10... or maybe 20, will check", {"prednisone": None, "conflicts": ("prednisone",)}),
    # a dose changed to is the dose since, whatever dates the change; a bracket restating a dose has its time
    ("PM relapse; pred reduced from 15 to 7.5 mg in March", {"prednisone": 7.5}),
    ("flaring again after we went back up to 12.5 mg in the autumn", {"prednisone": 12.5}),
    ("pred 0.5 mg/kg initially (35 mg), tapered to 5 mg, now weak again", {"prednisone": 5.0, "conflicts": ()}),
    ("relapse on pred 7.5 (was 20 mg in May)", {"prednisone": 7.5, "conflicts": ()}),
    ("flare on pred 15; she had been down to 5 in the summer", {"prednisone": 15.0}),
    ("prednisolone was tapered from 25 to 10 and she is relapsing", {"prednisone": 10.0}),
    # a dose replaced later in its sentence is past; two doses side by side with no change stay a conflict
    ("DM relapse. Course: pred 60 -> cut to 30 -> 15 -> now 7.5 mg", {"prednisone": 7.5, "conflicts": ()}),
    ("chart says pred 10 mg, patient says 20 mg; flaring", {"prednisone": None, "conflicts": ("prednisone",)}),
    # a bracket listing what a stopped "all meds" was: its doses are stopped too
    ("she quit all her treatment last year (pred 7.5 and AZA); flaring now", {"prednisone": "off"}),
    # a dash turns the clause: a stop after it does not reach a dose before it
    ("flare (on prednisone 20 mg/day) - AZA was stopped a year ago", {"prednisone": 20.0}),
    ("refractory DM, what next? no ILD", {"ild": False, "absent": ("ild",)}),
    ("DM flare, MTX pneumonitis last year, pred 5", {"ild": False}),
    # a chain of doses: the last is now; "tapering" leads a steroid's dose; a bracket after a stopped
    # "everything" lists what was stopped, not what failed
    ("PM flaring; steroids: tapering 50 -> 25 -> 15, on 15 now", {"prednisone": 15.0}),
    ("came off everything last year (pred, MTX); now CK 5000 and weak", {"stopped": ("methotrexate",),
                                                                        "failed": (), "prednisone": "off"}),
    # a bracket holding a drug keeps its cues; a dose considered is not taken; glued doses; bare doses beside mg
    ("DM flare on pred 12.5 mg (AZA stopped for cytopenia in June)", {"prednisone": 12.5}),
    ("off all immunosuppression for a year, mild flare: could I get away with pred 15?", {"prednisone": "off"}),
    ("PM flare pred7.5 aza", {"prednisone": 7.5}),
    ("flare; was on 5 mg in 2023, went up to 20 in spring, flaring on that", {"prednisone": 20.0}),
    ("skin still won't clear despite MTX", {"rash": True}),
    ("PM, rituximab failed: is IVIG any good in PM?", {"failed": ("rituximab",), "drugs_asked": ("ivig",)}),
    ("still weak after 3 months of pred 60 + AZA 150", {"failed": ("azathioprine",)}),
    # a dose excepted from "all" is still taken; a dose planned ("get away with") is not; "no other" beside
    # a dose taken leaves that dose
    ("relapse; off all immunosuppressants apart from pred 7.5", {"prednisone": 7.5}),
    ("off all immunosuppression, mild flare: can I get away with pred 10?", {"prednisone": "off"}),
    ("DM flare. pred 15. no other immunosuppressants", {"prednisone": 15.0}),
    # a question after a comma is about the drug it names; a taper after a past dose is now; taking nothing
    ("DM failed Rituxan, should IVIG be next?", {"failed": ("rituximab",), "drugs_asked": ("ivig",)}),
    ("she was on pred 30 mg in 2022, weaned to 7.5 since, weak again", {"prednisone": 7.5}),
    ("has taken nothing for a year, DM flaring", {"off_all": True, "prednisone": "off"}),
    ("flare; used to be on 25 mg of pred, stopped it all in spring, now nothing", {"prednisone": "off",
                                                                                   "off_all": True}),
    ("flare on pred 7.5, currently nothing else", {"prednisone": 7.5, "off_all": False}),
    ("RTX, then IVIG x5, then MMF 1 g bd - nothing worked", {"everything_failed": False,
                                                              "failed": ("rituximab", "ivig", "mycophenolate")}),
    # "still weak" says the disease is active: it fails a drug taken or named, not one said not to be taken
    ("refractory DM, not on MMF, still weak despite rituximab and IVIG", {"stopped": ("mycophenolate",),
                                                                           "failed": ("rituximab", "ivig")}),
    ("on MTX, still weak", {"failed": ("methotrexate",)}),
    # a drug being started has not failed; a per-kg dose "for 62 kg" is to compute; IS in capitals is all
    ("DM failed RTX and IVIG, starting MMF next week", {"failed": ("rituximab", "ivig"),
                                                         "planned": ("mycophenolate",)}),
    ("1 mg/kg pred for 62 kg, flaring on pred 15", {"prednisone": 15.0, "conflicts": ()}),
    ("flare off all IS", {"off_all": True}),
    # a choice in a question is asked about, not failed by the failure said before it
    ("failed AZA: IVIG or rituximab first?", {"failed": ("azathioprine",), "drugs_asked": ("ivig", "rituximab")}),
    # "ok" or "fine" says so of the condition right before it, not across a drug taken
    ("lactation on methotrexate fine?", {"uncovered_asked": ("pregnancy",)}),
    ("DM flare on pred 5, chest CT fine", {"ild": False}),
    # a refractory cue a drug follows after a comma is the drug's
    ("DM, heliotrope rash, refractory to MTX", {"rash": False, "failed": ("methotrexate",)}),
    ("heliotrope rash refractory to MTX", {"rash": True}),
    ("the rash keeps coming back despite HCQ and MTX, muscles fine", {"rash": True}),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t for t, _ in TABLE])
def test_extract(lexicon, text: str, expected: dict) -> None:
    slots = extract(text, lexicon)
    for field, value in expected.items():
        got = getattr(slots, field)
        if isinstance(value, float):
            assert got == pytest.approx(value), field
        else:
            assert got == value, field


@pytest.mark.parametrize(("text", "intent"), [
    ("IVIG dose", "dose"), ("how much rituximab", "dose"), ("rituximab regimen", "dose"),
    ("how strong is the evidence", "grade"), ("what grade", "grade"), ("studies of IVIG", "evidence"),
    ("how does rituximab work", "mechanism"), ("side effects of MMF", "caution"), ("is IVIG expensive", "cost"),
    ("references for IVIG", "reference"), ("define resistant", "definition"), ("what does 2B mean", "legend"),
    ("treatment ladder", "ladder"), ("help", "help"), ("what can you do?", "help"),
    ("does rituximab need repeating or is it one-time?", "continuation"), ("MMF long-term?", "continuation"),
    ("what does a vial of IVIG cost?", "price"), ("whose article is this?", "review"),
    ("rituximab 1 g x2, what interval?", "dose"), ("MMF is not graded but IVIG is 2B; what does that mean?", "legend"),
    ("taper: how low do we go?", "taper"), ("she'd like to come off all her meds", "discontinuation"),
])
def test_intents(lexicon, text: str, intent: str) -> None:
    assert intent in extract(text, lexicon).intents


def test_long_text_is_read_up_to_the_token_cap(lexicon) -> None:
    slots = extract("flare on 5 mg pred " + "blah " * 5000 + " rituximab", lexicon)
    assert slots.prednisone == 5.0
    assert "rituximab" not in slots.mentioned
