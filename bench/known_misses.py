"""The questions of the tuned sets that the bot still fails, each with why.

Kept apart from `bench.evalset` because the writers of blind batches read that module's
format and validator, and these notes describe the bot's behaviour: a writer must not see it.
"""

# Questions of a tuned set the bot still fails, with why; a wrong answer says "WRONG" first. The CI test
# expects them to fail (strict): fixing one fails it until it leaves this list, so the list stays true.
KNOWN_MISSES = {
    "holdout4.jsonl:h4-res-rtx-02": "'not used rituximab, IVIG or anything else': a negation does not cross the "
                                    "comma to IVIG, so the dose intent looks IVIG up",
    "holdout4.jsonl:h4-rec-lt10-01": "'on Medrol 4 mg/d': methylprednisolone is stronger per mg than prednisone "
                                     "and the source gives no conversion, so a dose of it at or below 10 mg is "
                                     "asked for in prednisone (Medrol 8 mg, prednisone 10, was answered as under 10)",
    "holdout4.jsonl:h4-oos-04": "refused (fertility), then quotes what the source says of cyclophosphamide, "
                                "as DESIGN.md allows; the item forbids any grade in the reply",
    "holdout6.jsonl:h6-legend-02": "'what do the 1 and the C mean?' with a drug: the drug's passage, not the legend",
    "holdout7.jsonl:h7-def-03": "'is that recurrent or resistant?' after a described failure gets the ladder, "
                                "not the definitions",
    "holdout12.jsonl:h12-rec-lt10-07": "'on Medrol 4 mg/d': asked in prednisone on purpose, as h4-rec-lt10-01",
    "holdout13.jsonl:h13-flare-lt10-07": "'on Medrol 4mg': asked in prednisone on purpose, as h4-rec-lt10-01",
    "holdout12.jsonl:h12-res-rtx-06": "'necrotizing-looking PM': the hedge is not read, so the necrotizing "
                                      "myopathy term puts the question outside the source",
    "holdout12.jsonl:h12-res-after-mmf-04": "'mycophenolate stopped after 3 weeks for severe diarrhoea': a drug "
                                            "stopped for intolerance is read as stopped, not as a rung passed, so "
                                            "mycophenolate is quoted",
    "holdout11.jsonl:h11-flare-lt10-07": "'Medrol 4 mg qd': asked in prednisone on purpose, as h4-rec-lt10-01",
    "holdout14.jsonl:h14-flare-lt10-06": "'Medrol 4 mg and MTX': asked in prednisone on purpose, as h4-rec-lt10-01",
    "holdout15.jsonl:h15-flare-gt10-12": "'67F overlap myositis, anti-PL-12': 'overlap' names another rheumatic "
                                         "disease, so the flare question is refused",
    "holdout15.jsonl:h15-broad-01": "'list all options for resistant DM/PM': the resistant row is quoted (the "
                                    "eight options, rituximab first), not every option's passage",
    "holdout19.jsonl:h19-flare-lt10-05": "'Medrol 4 mg and MTX': asked in prednisone on purpose, as h4-rec-lt10-01",
    "holdout19.jsonl:h19-flare-off-all-09": "'discontinued prednisolone and methotrexate before trying to conceive, "
                                            "delivered 8 months ago': the pregnancy is over, but nothing dates the "
                                            "'trying to conceive' as past, so the population scope refuses",
    "holdout20.jsonl:h20-flare-lt10-02": "'on 7.5 since the taper finished in May': a bare dose opening the message "
                                         "with no steroid word is not read, so the bot asks",
    "holdout20.jsonl:h20-flare-off-all-04": "'off prednisone. MTX planned but not started yet': a drug only planned is "
                                            "not read as 'on no glucocorticoid-sparing drug', so the bot asks",
    "holdout20.jsonl:h20-flare-off-all-10": "'Meds: levothyroxine, salbutamol ... Nothing else.': a list of drugs the "
                                            "source does not discuss is not read as off all immunosuppression",
    "holdout20.jsonl:h20-after-mmf-04": "'Truly refractory PM (pred+AZA, MTX, rituximab, IVIG, CellCept)': a "
                                        "bracket after 'refractory' is not read as the drugs that failed",
    "holdout20.jsonl:h20-ild-09": "WRONG: 'ILD: yes per this month's HRCT, no per the pulmonology letter': the 'no' "
                                  "does not reach back to the ILD label, so ILD is read as present and tacrolimus "
                                  "answered instead of asking",
    "holdout20.jsonl:h20-dose-13": "two questions of two drugs ('what dose of MMF, and what grade does IVIG "
                                   "carry?'): the grade look-up answers first and alone",
    "holdout20.jsonl:h20-dose-14": "'Rituximab regimen? and if that fails, what next?': the regimen is looked up; the "
                                   "hypothetical next step is not added",
    "holdout21.jsonl:h21-resistant-remaining-03": "'refractory to everything up to and including mycophenolate': 'up "
                                                  "to and including' is not read as every rung before it failed",
    "holdout21.jsonl:h21-broad-03": "'has anything been tested in a randomized trial?' gets the resistant row, not "
                                    "the passage naming IVIG as the one trial",
    "holdout22.jsonl:h22-flare-gt10-03": "'went back up to 20, and she's been on 20 since ... on the 20': 'the 20' is"
                                         " not read as a dose, so the bot asks",
    "holdout22.jsonl:h22-flare-gt10-11": "'reduced to 7.5 in May, but we had to put it back up to 15 in July': 'put "
                                         "it back up to' is no change phrase, so the bot asks",
    "holdout22.jsonl:h22-flare-gt10-13": "'kept in remission on azathioprine ... weaker again': remission read as the"
                                         " drug working and weakness as its failure, so the bot asks which",
    "holdout22.jsonl:h22-flare-gt10-16": "'Plan: taper pred 20 -> 10 ... still on the 20': the plan's doses are "
                                         "planned, but 'the 20' is not read, so the bot asks",
    "holdout22.jsonl:h22-flare-lt10-15": "'7.5 mg one day and 5 mg the next': an alternating dose is read as two "
                                         "doses, so the bot asks",
    "holdout22.jsonl:h22-flare-lt10-17": "a long history ('pred back at 30, then tapered to 5 by 2021 ... still on "
                                         "pred 5'): two doses stay current, so the bot asks",
    "holdout22.jsonl:h22-resistant-after-rituximab-05": "'Rituximab - given. Outcome - no improvement.': the outcome "
                                                        "in its own clause does not fail rituximab",
    "holdout22.jsonl:h22-resistant-after-rituximab-07": "'flared at pred 20 + MTX and was treated as resistant: "
                                                        "rituximab 4 months ago, no effect': the flare wins over the "
                                                        "failure told after it",
    "holdout22.jsonl:h22-flare-lt10-19": "'It isn't true that she's off steroids - she never stopped her 5 mg': a "
                                         "negated stop is read as a stop",
    "holdout23.jsonl:h23-flare-gt10-09": "'flare under 11mg pred': a bound of 11 may be under 10 or between 10 and "
                                         "11, so the bot asks",
    "holdout23.jsonl:h23-resistant-rtx-failed-07": "'Rituximab failed, IVIG never given. Is CellCept the next step?':"
                                                   " the IVIG row is quoted with MMF's passage beside it, which the "
                                                   "item forbids",
    "holdout23.jsonl:h23-rash-01": "'Refractory cutaneous DM while the muscle is in remission on MTX': remission on "
                                   "MTX and the refractoriness are read as MTX working and failing, so the bot asks",
    "holdout23.jsonl:h23-dose-16": "WRONG by the item's kind: an implausible weight (700 kg) is named and refused and"
                                   " the source's dose line quoted (kind answer, as the other batches expect); this "
                                   "item wants a question back",
    "holdout23.jsonl:h23-dose-17": "WRONG by the item's kind: an implausible BSA is refused with the dose line quoted"
                                   " (kind answer); this item wants a question back, as h23-dose-16",
    "holdout23.jsonl:h23-dose-18": "WRONG by the item's kind: an implausible weight and BSA are refused with the dose"
                                   " line quoted (kind answer); this item wants a question back, as h23-dose-16",
    "holdout23.jsonl:h23-vignette-03": "'may want a pregnancy in a few years (not now)': a pregnancy wished for later"
                                       " still puts the question outside the source (population scope)",
    "holdout24.jsonl:h24-resistant-first-03": "a note ('PMH: ... Current meds: ... Issue: ...') over several lines: "
                                              "its question is read as the combination look-up",
    "holdout24.jsonl:h24-resistant-post-rtx-02": "a note over several lines with the rituximab course under 'Rx:': "
                                                 "the failure is not read, so the first rung is quoted",
    "holdout24.jsonl:h24-resistant-post-rtx-08": "'Rituximab given 2022 ... B cells depleted but still weak': 'still "
                                                 "weak' after 'but' does not fail rituximab",
    "holdout26.jsonl:h26-flare-gt10-08": "'Was on 5 mg for months, bumped to 15 mg two weeks ago ... worse on the "
                                         "15': no flare word, so the worsening is read as a ladder question, not a "
                                         "flare on 15 mg",
    "holdout26.jsonl:h26-evidence-02": "'has any treatment for resistant myositis been tested in an RCT?': the "
                                       "resistant row is quoted, not the passage naming IVIG as the one treatment "
                                       "tested in a randomized trial",
    "holdout27.jsonl:h27-resistant-mmf-05": "'Starting mycophenolate for refractory DM - what does the source warn "
                                            "about?': a drug being started is not what is asked, so the first rung is"
                                            " quoted",
    "holdout27.jsonl:h27-general-08": "two questions in one message ('what prednisone dose? And if it turns out "
                                      "resistant, what is the rituximab regimen?'): only the first is answered",
    "holdout28.jsonl:h28-flare-lt10-09": "'a mild heliotrope rash is flaring on prednisone 6 mg': the flare word "
                                         "beside the rash is read as the rash's alone, and no rule answers",
    "holdout28.jsonl:h28-ild-03": "'Refractory ILD in DM after pred + MTX. What does the author use?': 'author' asks "
                                  "for a citation, not the ILD advice",
    "holdout28.jsonl:h28-dose-14": "'dose for 70 kg?' names no drug: refused as outside the source where the item "
                                   "wants a question back",
    "holdout28.jsonl:h28-grade-04": "'Why is the alkylating-agent recommendation a 1 when the evidence is only C?': "
                                    "the drug is looked up, without the legend",
    "holdout28.jsonl:h28-broad-06": "'Do most DM/PM patients respond to initial therapy?': 'initial therapy' is the "
                                    "newly diagnosed population topic, so it is refused",
    "holdout28.jsonl:h28-vignette-06": "'on pred 15 mg ... what would 1 mg/kg of prednisone be?': the asked 1 mg/kg "
                                       "is read as a second dose, so the bot asks",
    "holdout29.jsonl:h29-flare-gt10-06": "'I was going to cut her pred from 15 to 5 next week but she flared': the "
                                         "planned cut hides the current 15, so the bot asks",
    "holdout29.jsonl:h29-flare-eq10-03": "'She was on 10 mg when she flared (we'd come down from 30 over the "
                                         "spring)': the 10 is read as past, so the bot asks",
    "holdout29.jsonl:h29-flare-off-pred-03": "'We were planning to stop the azathioprine as well but haven't yet': "
                                             "the planned stop is not read as still taken, so the bot asks",
    "holdout29.jsonl:h29-flare-off-all-07": "'Azathioprine was stopped in 2022 and prednisone in 2023': the gapped "
                                            "'and prednisone in 2023' is not read as stopped, so the bot asks",
    "holdout29.jsonl:h29-clarify-09": "WRONG by the item's kind: 'IVIG dose in grams for my patient?' quotes the dose"
                                      " lines and asks for the weight in a line, where the item wants a question back",
    "holdout29.jsonl:h29-clarify-10": "WRONG by the item's kind: 'rituximab 375 mg/m2 - dose per infusion for her?' "
                                      "quotes the regimens and asks for the BSA in a line, as h29-clarify-09",
    "holdout29.jsonl:h29-out-of-scope-14": "'How do I tell steroid myopathy from a DM flare?': the differential is "
                                           "not read as a topic outside the source, so the flare dose is asked",
    "holdout29.jsonl:h29-resistant-first-02": "'Is that recurrent or resistant disease, and what then?': the ladder "
                                              "is quoted without the definitions",
    "holdout29.jsonl:h29-after-rituximab-03": "'We haven't given IVIG: the insurer refused it': the insurer reads as "
                                              "a price question, so it is refused",
    "holdout29.jsonl:h29-after-rituximab-08": "'IVIG worked but she needs it every month. Is that usual?': the "
                                              "continuation passage is not chosen",
    "holdout30.jsonl:h30-evidence-03": "'Has any treatment for resistant myositis been tested in a randomized "
                                       "trial?': the first rung is quoted, not the passage that calls IVIG the only "
                                       "treatment tested in one",
    "holdout32.jsonl:h32-flare-gt10-07": "'we got him down to 12.5 from 60 mg, now flaring' names no steroid: "
                                         "'down to' after no steroid word is not read as its dose, so the bot asks",
    "holdout32.jsonl:h32-flare-lt10-04": "'methylprednisolone 4 mg/day': stronger per mg than prednisone, with no "
                                         "conversion in the source, so the prednisone dose is asked (as "
                                         "h4-rec-lt10-01)",
    "holdout33.jsonl:h33-flare-lt10-10": "'not sure if I should just bump her pred up from 4 mg': 'from' dates the "
                                         "4 mg as past, so the bot asks for the dose now",
    "holdout34.jsonl:h34-flare-gt10-07": "'Presenting a 70-year-old man with PM. We got him from 60 mg of ...': a "
                                         "dose history the reader cannot put in order, so the bot asks for the dose "
                                         "now",
    "holdout34.jsonl:h34-flare-lt10-10": "'Background: DM diagnosed at 44, now 51. The first course (prednisone ...': "
                                         "a dose history the reader cannot put in order, so the bot asks for the dose "
                                         "now",
    "holdout34.jsonl:h34-flare-off-sparing-10": "'She had a flare off everything in 2021, when we restarted "
                                                "prednisone ...': a dose history the reader cannot put in order, so "
                                                "the bot asks for the dose now",
    "holdout34.jsonl:h34-flare-off-all-07": "'He had a flare last year while off prednisone but on azathioprine; we "
                                            "...': a drug's earlier and later states are both read as now, so the bot "
                                            "asks",
    "holdout34.jsonl:h34-flare-off-all-11": "'I'm presenting a 57-year-old man with PM. Diagnosed 2018 and treated "
                                            "...': a drug's earlier and later states are both read as now, so the bot "
                                            "asks",
    "holdout34.jsonl:h34-resistant-ritux-03": "'She responded well to rituximab in 2022, relapsed in 2024, and a "
                                              "...': the dose now is not read from the history, so the bot asks for "
                                              "it",
    "holdout34.jsonl:h34-resistant-ritux-09": "'This began as a flare at 5 mg of prednisone in 2023. We raised the "
                                              "...': the dose now is not read from the history, so the bot asks for "
                                              "it",
    "holdout34.jsonl:h34-ild-tacrolimus-03": "'Her ILD resolved ... but this year's HRCT shows progression again': "
                                             "the progression is not read as ILD now, so the muscle ladder is quoted",
    "holdout34.jsonl:h34-rash-cleared-01": "'The heliotrope rash cleared within three months on prednisone; the ...': "
                                           "a cleared rash beside ongoing weakness is read as a flare off treatment",
    "holdout34.jsonl:h34-rash-cleared-05": "'did not respond to IVIG nor, before that, to rituximab': rituximab's "
                                           "failure across 'nor, before that,' is not read, so the first rung is "
                                           "quoted",
    "holdout35.jsonl:h35-rtx-vs-ivig-04": "'favour RTX bc works in SLE/RA?': lupus and RA are read as the diseases "
                                          "asked about, not the passage that names them as reasons",
    "holdout35.jsonl:h35-csa-03": "'CsA steroid sparing effect?': the drug is looked up, not the passage the question "
                                  "asks for",
    "holdout35.jsonl:h35-tac-03": "'tac CK response?': the drug is looked up, not the passage the question asks for",
    "holdout35.jsonl:h35-tac-04": "'tac in anti-SRP?': the drug is looked up, not the passage the question asks for",
    "holdout35.jsonl:h35-combo-02": "'combo AZA MTX safe?': 'safe' is read as a cautions question on azathioprine "
                                    "alone, which the source leaves out, not the combination's caution",
    "holdout36.jsonl:h36-flare-lt10-03": "'relapse when prednisone reduce to 4 mg': 'reduce to' is read as a planned "
                                         "dose, so the bot asks for the dose now",
    "holdout36.jsonl:h36-flare-off-sparing-05": "'Patient stop the cortisone since 2 month ...': 'cortisone' is not "
                                                "read as a steroid word (it is another glucocorticoid, weaker per "
                                                "mg), so the bot asks for the prednisone dose",
    "holdout36.jsonl:h36-resistant-first-03": "'not response to cortisone and methotrexate, which biologic ...': "
                                              "'cortisone' is not read as the glucocorticoid, so no resistance is "
                                              "read and the drug is looked up",
    "holdout36.jsonl:h36-resistant-last-03": "'Patient fail rituximab, IVIG, mycophenolat. Which drug is next, ...': "
                                             "the drug is looked up, not the passage the question asks for",
    "holdout36.jsonl:h36-broad-03": "'Maintenance prednisone dose after a recurrence?': read as a flare with no dose, "
                                    "so the bot asks instead of quoting the maintenance sentence",
    "holdout37.jsonl:h37-flare-gt10-02": "'Prednisone was restarted at 15 mg after being stopped completely in ...': "
                                         "the steroid-sparing drug's state now is not read, so the bot asks",
    "holdout37.jsonl:h37-flare-gt10-09": "'Relapsing DM: the 40 mg burst from January was tapered to 5, but she ...': "
                                         "a dose history the reader cannot put in order, so the bot asks for the dose "
                                         "now",
    "holdout37.jsonl:h37-flare-gt10-10": "'She was on 5 mg - no longer; we raised it to 25 mg six weeks ago and ...': "
                                         "the dose now is not read from the history, so the bot asks for it",
    "holdout37.jsonl:h37-flare-gt10-15": "'pred two 10 mg tabs every morning': the tablet count is not read with the "
                                         "steroid word before it, so the bot asks",
    "holdout37.jsonl:h37-flare-lt10-02": "'DM flare. Prednisone was tapered off completely in March but ...': the "
                                         "dose now is not read from the history, so the bot asks for it",
    "holdout37.jsonl:h37-flare-lt10-09": "'She says she has 'basically stopped' prednisone, but she still takes 3 "
                                         "mg': the quoted stop is read, not the dose still taken, so the bot asks for "
                                         "the sparing drug",
    "holdout37.jsonl:h37-flare-lt10-14": "'Relapse after control with prednisone 6 mg. When she is controlled ...': "
                                         "the taper passage is quoted without the flare scenario of the dose given",
    "holdout37.jsonl:h37-flare-lt10-15": "'He restarted prednisone at 5 mg after stopping it for his hip ...': the "
                                         "steroid-sparing drug's state now is not read, so the bot asks",
    "holdout37.jsonl:h37-flare-off-pred-02": "'Off steroids since Christmas apart from a 3-day burst for asthma': "
                                             "asthma is read as another illness asked about, so it is refused",
    "holdout37.jsonl:h37-flare-off-pred-14": "'Relapse in PM. Prednisone was tapered off, briefly restarted for one "
                                             "...': the dose now is not read from the history, so the bot asks for it",
    "holdout37.jsonl:h37-flare-off-all-03": "'Azathioprine stopped for pancreatitis, not for failure; prednisone "
                                            "...': the steroid-sparing drug's state now is not read, so the bot asks",
    "holdout37.jsonl:h37-resistant-08": "'PM not controlled on prednisone 30 and MTX 25; no rituximab so far. ...': "
                                        "the drug is looked up, not the passage the question asks for",
    "holdout37.jsonl:h37-resistant-10": "'rituximab is planned for next month. How quickly does it deplete B cells?': "
                                        "the first rung is quoted, not the source's rituximab passages",
    "holdout37.jsonl:h37-ivig-12": "'Refractory DM, rituximab ineffective. Cost worries me with IVIG - ...': the rung "
                                   "is quoted without the passage the question also asks for",
    "holdout37.jsonl:h37-ild-12": "'PM-ILD worse on HRCT despite prednisone and azathioprine. Which ...': the "
                                  "reference is listed without the passage that the question also asks for",
    "holdout37.jsonl:h37-ild-13": "'Lung function keeps getting worse on glucocorticoids plus azathioprine. Is "
                                  "tacrolimus ...': the ILD failure is read, but tacrolimus is looked up without the "
                                  "ILD row first",
    "holdout37.jsonl:h37-rash-03": "'The skin is refractory while the muscles are in remission on ...': the rash's "
                                   "refractoriness is read as the drug failing beside it working, so the bot asks",
    "holdout37.jsonl:h37-grade-04": "'Which reference supports IVIG in chronic refractory PM? His rituximab ...': the "
                                    "reference is listed without the passage that the question also asks for",
    "holdout37.jsonl:h37-grade-08": "'Which paper is behind the cyclosporine 3.5 mg/kg data? She stopped ...': the "
                                    "reference is listed without the passage that the question also asks for",
    "holdout31.jsonl:h31-flare-lt10-05": "'Medrol 4 mg daily, DM flare, also on Imuran 100': methylprednisolone is "
                                         "stronger per mg and the source gives no conversion, so the prednisone dose "
                                         "is asked (as h4-rec-lt10-01)",
    "holdout38.jsonl:h38-flare-lt10-06": "'Medrol 4 mg daily + MTX, muscle flare': methylprednisolone is stronger per "
                                         "mg and the source gives no conversion, so the prednisone dose is asked",
    "holdout40.jsonl:h40-recurrent-gt10-13": "'... on prednisolone 35 mg daily. She restarted it at 60 mg a month ago "
                                             "after stopping it herself ...': the restart is told through a pronoun "
                                             "before the stop it follows, so the bot asks for the dose",
    "holdout40.jsonl:h40-recurrent-lt10-13": "'She came down to 5 mg per day in June ... 60 mg at diagnosis in 2021 "
                                             "and 35 mg at her last flare in 2023': every dose is dated and no date "
                                             "order is read, so the bot asks for the dose now",
    "holdout40.jsonl:h40-resistant-after-rituximab-11": "'Rituximab worked for 18 months, then she relapsed and a "
                                                        "second course did not help ... on prednisone 12.5': read "
                                                        "as a flare at 12.5 mg (the source's > 10 scenario, which "
                                                        "says to treat as resistant), not as rituximab failed",
    "holdout41.jsonl:h41-rec-lt10-10": "'flared while on pred 5 mg; ED already bumped him to 20 mg yesterday': the "
                                       "dose at the flare and the dose now differ, and the bot asks which",
    "holdout41.jsonl:h41-rec-lt10-15": "'pred was increased from 5 to 7.5 last week by the GP': bare numbers after "
                                       "'from ... to' dated last week are not read as the dose now, so it is asked",
    "holdout41.jsonl:h41-rec-eq10-05": "'pred 12.5 — sorry, 10 — and MTX 20': the number taken back is dropped, but "
                                       "the bare '10' between dashes is not read as a dose, so it is asked",
    "holdout41.jsonl:h41-rec-off-all-06": "'MTX stopped when she became pregnant; she has since delivered and is not "
                                          "breastfeeding': the pregnancy is past, but read as the patient's now, so "
                                          "the question is refused as outside the source",
    "holdout42.jsonl:h42-recurrent-lt10-06": "'Medrol 4 mg and MTX, DM flare': methylprednisolone is stronger per mg "
                                             "and the source gives no conversion, so the prednisone dose is asked",
    "holdout43.jsonl:h43-flare-lt10-06": "'medrol 4 mg qd, relapse of DM': methylprednisolone is stronger per mg and "
                                         "the source gives no conversion, so the prednisone dose is asked",
    "holdout43.jsonl:h43-flare-lt10-12": "'her sister (also DM) flared on 20 mg, but MY patient is on 5 mg': the "
                                         "sister's dose is read as a second dose of the patient's, so it is asked",
    "holdout43.jsonl:h43-flare-off-sparing-09": "'not off MTX ... prednisone, however, was stopped': the stop after "
                                                "'however,' does not reach back to prednisone, so the dose is asked",
    "holdout43.jsonl:h43-broad-10": "'do IVIG responders need repeated infusions?': 'repeated infusions' is read as "
                                    "the redosing the source does not discuss, so the continuation sentence it "
                                    "does have is not quoted and the question is refused",
    "holdout39.jsonl:h39-flare-gt10-05": "'current pred 30 mg qd (last year she was down to 5)': the time inside the "
                                         "bracket reaches back to the 30 mg, so the dose now is asked",
    "holdout39.jsonl:h39-flare-lt10-07": "'Medrol 4 mg daily, flare of DM': methylprednisolone is stronger per mg and "
                                         "the source gives no conversion, so the prednisone dose is asked",
    "holdout39.jsonl:h39-flare-off-sparing-06": "'Was on prednisone 40 mg last year, stopped in January': the stop "
                                                "after the comma does not reach the dose (a row that did stopped "
                                                "'on pred 10 mg, MTX stopped' too), so the dose is asked",
    "holdout45.jsonl:h45-flare-lt10-05": "'Medrol 4 mg daily, DM flare': methylprednisolone is stronger per mg and "
                                         "the source gives no conversion, so the prednisone dose is asked",
    "holdout45.jsonl:h45-resistant-first-05": "WRONG by the item's must_not: 'Rituximab was planned but never given. "
                                              "Should we go straight to IVIG?' quotes the IVIG suggestion, whose own "
                                              "words make it conditional on rituximab not being effective, beside "
                                              "the ladder's order; the item forbids the IVIG passage",
    "holdout44.jsonl:h44-flare-lt10-06": "'Flare on Medrol 4 mg': methylprednisolone is stronger per mg and the "
                                         "source gives no conversion, so the prednisone dose is asked",
    "holdout44.jsonl:h44-flare-off-sparing-10": "'Off prednisone (stopped 2 months ago after a slow taper from 60), "
                                                "methotrexate 25 mg weekly': the stop and its date reach the "
                                                "methotrexate past the bracket, so the sparing drug is asked",
    "holdout44.jsonl:h44-resistant-first-06": "'PM refractory to glucocorticoids + MTX in a 70 year old with CKD stage "
                                              "3': the question's reach takes in the kidney disease, so it is "
                                              "refused as an aspect the source does not cover",
    "holdout44.jsonl:h44-grade-07": "'how strong is the evidence for IVIG in PM?': the grade is shown, not the "
                                    "AAN's finding that the evidence in PM is insufficient",
}
