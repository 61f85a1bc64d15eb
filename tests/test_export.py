"""`python -m bot export --fhir`: a FHIR R5 Bundle that fhir.resources validates, holding every graded
recommendation of the source verbatim with its grade, its references and when it applies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.core import knowledge_base
from bot.fhir import QUALITY_URL, STRENGTH_URL, bundle
from bot.table import load_table

fhir_bundle = pytest.importorskip("fhir.resources.bundle", reason="fhir.resources is in the [test] extra")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported() -> dict:
    run = subprocess.run([sys.executable, "-m", "bot", "export", "--fhir"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _actions(exported: dict) -> list[dict]:
    return [a for e in exported["entry"] for a in e["resource"]["action"]]


def test_the_bundle_validates_as_fhir(exported: dict) -> None:
    parsed = fhir_bundle.Bundle.model_validate(exported)
    assert parsed.type == "collection"
    assert {e.resource.get_resource_type() for e in parsed.entry} == {"PlanDefinition"}


def test_one_plan_definition_per_answering_rule(exported: dict) -> None:
    answering = [r.id for r in load_table().rows if r.kind == "answer"]
    assert [e["resource"]["id"] for e in exported["entry"]] == answering


def _grade_of(action: dict) -> tuple[str, str, str] | None:
    for doc in action.get("documentation", ()):
        if doc["type"] == "justification":
            ext = {x["url"]: x["valueCodeableConcept"]["coding"][0]["code"] for x in doc["document"]["extension"]}
            return doc["label"], ext[STRENGTH_URL], ext[QUALITY_URL]
    return None


def test_every_graded_recommendation_is_there_verbatim_with_its_grade(exported: dict) -> None:
    catalog = knowledge_base().catalog
    graded = {}
    for action in _actions(exported):
        passage = catalog.passages[action["id"]]
        assert action["textEquivalent"] == passage.text  # verbatim
        grade = _grade_of(action)
        assert (grade[0] if grade else None) == (f"Grade {passage.grade}" if passage.grade else None)
        if grade:
            graded[passage.id] = grade
    assert set(graded) == {p.id for p in catalog.passages.values() if p.grade}
    assert Counter(g[0] for g in graded.values()) == {"Grade 2C": 6, "Grade 2B": 1, "Grade 1C": 1}
    assert graded["ivig.second-line"] == ("Grade 2B", "weak", "moderate")
    assert graded["alkylating.reserve"] == ("Grade 1C", "strong", "low")


def test_references_are_citations_and_conditions_are_readable(exported: dict) -> None:
    catalog = knowledge_base().catalog
    for action in _actions(exported):
        cited = [int(d["label"]) for d in action.get("documentation", ()) if d["type"] == "citation"]
        assert cited == list(catalog.passages[action["id"]].references)
        (condition,) = action["condition"]
        assert condition["kind"] == "applicability"
        assert "_" not in condition["expression"]["description"]
    ivig = next(e["resource"] for e in exported["entry"] if e["resource"]["id"] == "resistant.ivig")
    assert ivig["usage"].startswith("Applies when: resistant disease")
    assert {(a["type"], a["label"]) for a in ivig["relatedArtifact"] if a["type"] == "citation"} == {
        ("citation", "3"), ("citation", "4")}


def test_the_export_does_not_need_fhir_resources() -> None:
    code = ("import sys, io, contextlib; import bot.cli; "
            "f = io.StringIO(); contextlib.redirect_stdout(f).__enter__(); bot.cli.main(['export', '--fhir']); "
            "sys.stdout = sys.__stdout__; print('BAD' if 'fhir' in sys.modules else 'CLEAN')")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout.strip().endswith("CLEAN"), run.stdout + run.stderr


def test_the_export_is_the_same_whatever_the_hash_seed() -> None:
    outputs = {subprocess.run([sys.executable, "-m", "bot", "export", "--fhir"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}).stdout
               for seed in ("0", "1", "4242")}
    assert len(outputs) == 1


def test_bundle_is_built_from_the_table() -> None:
    kb = knowledge_base()
    assert bundle(load_table(), kb.catalog, "t")["entry"][0]["resource"]["relatedArtifact"][0]["display"] == "t"
