"""The decision table as FHIR R5: a Bundle with one PlanDefinition per answering rule.

For clinical informatics: each rule of knowledge/rules.toml that answers
becomes a PlanDefinition (type eca-rule). Each passage it quotes is an action
whose text is the source's words verbatim; a graded passage carries its grade
as strength of recommendation and quality of evidence (the core extensions
cqf-strengthOfRecommendation and cqf-qualityOfEvidence, on a "justification"
documentation artifact, as HL7's clinical reasoning module and CPG-on-FHIR
do). References are relatedArtifact citations; when the rule applies is an
applicability condition in readable form. Plain dicts: no FHIR library at run
time (tests validate the output with fhir.resources).
"""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge import Catalog, Passage
from bot.rules import condition_text, when_text
from bot.table import Row, Table

FHIR_VERSION = "5.0.0"
STRENGTH_URL = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
QUALITY_URL = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
STRENGTH_SYSTEM = "http://terminology.hl7.org/CodeSystem/recommendation-strength"
QUALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/evidence-quality"
PLAN_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
# GRADE, as the source uses it (UpToDate's system; the legend is in DESIGN.md).
STRENGTH = {"1": ("strong", "Strong recommendation"), "2": ("weak", "Weak recommendation")}
QUALITY = {"A": ("high", "High quality evidence"), "B": ("moderate", "Moderate quality evidence"),
           "C": ("low", "Low quality evidence")}


def bundle(table: Table, catalog: Catalog, source_title: str) -> dict[str, Any]:
    """A collection Bundle of the table's answering rules, in table order."""
    plans = [plan_definition(row, table, catalog, source_title) for row in table.rows if row.kind == "answer"]
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:dmpm-{p['id']}", "resource": p} for p in plans]}


def plan_definition(row: Row, table: Table, catalog: Catalog, source_title: str) -> dict[str, Any]:
    """One rule: its title, what the source says, when it applies, and one action per quoted passage."""
    passages = [catalog.passages[pid] for pid in row.quote]
    numbers = sorted({n for p in passages for n in p.references})
    applies = when_text(row, table)
    if row.then:
        applies += f"; then also the {row.then.branch} rules, with " + condition_text(
            {k: (v,) for k, v in row.then.facts.items()}, table)
    return {
        "resourceType": "PlanDefinition",
        "id": _fhir_id(row.id),
        "name": _computable_name(row.id),
        "title": row.title,
        "status": "draft",
        "type": {"coding": [{"system": PLAN_TYPE_SYSTEM, "code": "eca-rule", "display": "ECA Rule"}]},
        "description": row.says,
        "usage": "Applies when: " + applies,
        "relatedArtifact": [
            {"type": "derived-from", "display": source_title,
             "citation": "A.-A. M. Alhefny, Treatment of Recurrent & Resistant Dermatomyositis / Polymyositis"},
            *(_citation(catalog, n) for n in numbers)],
        "action": [_action(p, row, applies, catalog) for p in passages],
    }


def _action(passage: Passage, row: Row, applies: str, catalog: Catalog) -> dict[str, Any]:
    action: dict[str, Any] = {
        "id": _fhir_id(passage.id),
        "title": passage.section,
        "description": passage.text,
        "textEquivalent": passage.text,
        "condition": [{"kind": "applicability",
                       "expression": {"description": applies, "name": _computable_name(row.id),
                                      "expression": _machine_condition(row)}}],
    }
    documentation = [_citation(catalog, n) for n in passage.references]
    if passage.grade:
        documentation.insert(0, grade_artifact(passage.grade))
    if documentation:
        action["documentation"] = documentation
    return action


def grade_artifact(grade: str) -> dict[str, Any]:
    """The grade printed in the passage, as strength of recommendation and quality of evidence."""
    strength, strength_text = STRENGTH[grade[0]]
    quality, quality_text = QUALITY[grade[1]]
    return {
        "type": "justification",
        "label": f"Grade {grade}",
        "display": f"Grade {grade}: {strength_text.lower()}, {quality_text.lower()} (GRADE, as printed in the source)",
        "document": {
            "title": f"Grade {grade}",
            "extension": [
                {"url": STRENGTH_URL, "valueCodeableConcept": {
                    "coding": [{"system": STRENGTH_SYSTEM, "code": strength, "display": strength_text}],
                    "text": grade[0]}},
                {"url": QUALITY_URL, "valueCodeableConcept": {
                    "coding": [{"system": QUALITY_SYSTEM, "code": quality, "display": quality_text}],
                    "text": grade[1]}},
            ]},
    }


def _citation(catalog: Catalog, number: int) -> dict[str, Any]:
    ref = catalog.references[number]
    return {"type": "citation", "label": str(number), "display": f"[{number}] {ref.authors.split(',')[0]} {ref.year}",
            "citation": ref.text}


def _machine_condition(row: Row) -> str:
    """The condition in the table's own vocabulary (knowledge/rules.toml [slot.*])."""
    def conj(condition) -> str:
        return " and ".join(f"{k} in ({', '.join(v)})" for k, v in condition.items())

    text = conj(row.when)
    for u in row.unless:
        text += f" and not ({conj(u)})"
    return text


def _fhir_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-.]", "-", text)[:64]


def _computable_name(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)
