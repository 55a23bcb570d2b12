"""The JSON Schemas authors' editors use: valid, complete enough to guide, and in step with the bot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from bot.content.bundle import classify
from bot.content.validate import SCHEMA_DIR, SCHEMA_FILES, schema_path
from bot.content.yamlio import load_yaml
from bot.engine.conditions import FORMATS
from bot.errors import InputError
from bot.isotime import parse_duration

FIXTURES = Path(__file__).parent / "fixtures"
GOOD_FILES = sorted((FIXTURES / "good").rglob("*.yaml")) + sorted(
    (Path(__file__).parent.parent / "fixtures" / "project").glob("*/**/*.yaml"))
ROOT = Path(__file__).parent.parent.parent


def schemas() -> dict[str, Any]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.schema.json")}


def validator(name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry()
    for file, contents in schemas().items():
        registry = registry.with_resource(file, Resource.from_contents(contents))
    return Draft202012Validator(schemas()[name], registry=registry)


def errors(name: str, document: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(document)]


@pytest.mark.parametrize("name", sorted(schemas()))
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = schemas()[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_kind_has_its_schema() -> None:
    assert set(SCHEMA_FILES) == {"dialogue", "messages", "questionnaire", "exercise", "crisis", "programme"}
    assert all(schema_path(kind).is_file() for kind in SCHEMA_FILES)


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: str(p.relative_to(FIXTURES.parent.parent)))
def test_good_files_are_accepted_by_their_schema_and_by_the_content_schema(path: Path) -> None:
    document = load_yaml(path.read_text(encoding="utf-8"))
    kind = classify(document)
    assert kind is not None
    assert errors(SCHEMA_FILES[kind], document) == []
    if kind != "dialogue":
        assert errors("content.schema.json", document) == []


BAD_DOCUMENTS = [
    ("dialogue", {"dialogue": "d", "states": {"a": {"end": True}}}),  # no start
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"sya": "x", "end": True}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"columns": "two", "end": True}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"buttons": [{"goto": "a"}]}}}),  # no label
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"next": [{"if": {"var": "x", "lte": 1},
                                                                            "goto": "a"}]}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"do": [{"record": {}, "say": "x"}],
                                                                  "end": True}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"do": [{"flag": {"severity": "urgent",
                                                                                    "reason": "x"}}]}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a": {"do": [{"schedule": {"dialogue": "d",
                                                                                        "after": "1 day"}}]}}}),
    ("dialogue", {"dialogue": "d", "start": "a", "states": {"a.2": {"end": True}}}),
    ("messages", {"locale": "English", "messages": {"a": "b"}}),
    ("messages", {"locale": "en", "messages": {"a": ["b"]}}),
    ("questionnaire", {"questionnaire": "q", "items": [], "scoring": {"method": "sum"}}),
    ("questionnaire", {"questionnaire": "q", "items": [{"id": "q1", "text": "t"}], "scoring": {"method": "median"}}),
    ("questionnaire", {"questionnaire": "q", "options": [{"label": "x"}], "items": [{"id": "q1", "text": "t"}],
                       "scoring": {"method": "sum"}}),
    ("questionnaire", {"questionnaire": "q", "items": [{"id": "q1", "text": "t"}], "scoring": {"method": "sum"},
                       "thresholds": [{"if": {"var": "score", "ge": 1}, "flag": "urgent"}]}),
    ("exercise", {"exercise": "e", "title": "t", "steps": []}),
    ("crisis", {"crisis": "GB", "lines": [], "response": {"en": "{lines}"}}),
    ("crisis", {"crisis": "GB", "lines": [{"name": "x"}], "response": {"en": "{lines}"}}),
    ("programme", {"programme": "p", "every": [{"dialogue": "d", "days": 0}]}),
    ("programme", {"programme": "p", "quiet_hours": {"start": "9pm"}}),
    ("programme", {"programme": "p", "sessions": {"reminder_before": "2 hours"}}),
]


@pytest.mark.parametrize(("kind", "document"), BAD_DOCUMENTS,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(BAD_DOCUMENTS)])
def test_bad_documents_are_rejected(kind: str, document: dict[str, Any]) -> None:
    assert errors(SCHEMA_FILES[kind], document)
    if kind != "dialogue":
        assert errors("content.schema.json", document)


def test_content_schema_rejects_a_file_of_no_known_kind() -> None:
    assert errors("content.schema.json", {"dialog": "x"})


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            found.append((f"{path}/{name}", sub))
        for key, value in node.items():
            found += _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _walk(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("name", sorted(schemas()))
def test_every_field_has_a_description_for_the_editor(name: str) -> None:
    undescribed = [path for path, sub in _walk(schemas()[name]) if "description" not in sub]
    assert undescribed == []


def test_every_fixed_choice_is_an_enum_the_editor_can_offer() -> None:
    common = schemas()["common.schema.json"]["$defs"]
    assert common["severity"]["enum"] == ["crisis", "concern", "rupture"]
    questionnaire = schemas()["questionnaire.schema.json"]
    assert questionnaire["properties"]["scoring"]["properties"]["method"]["enum"] == ["sum", "mean"]
    assert sorted(common["condition"]["properties"]["is"]["enum"]) == sorted(FORMATS)


def _duration_accepted(text: str) -> bool:
    return not list(Draft202012Validator(schemas()["common.schema.json"]["$defs"]["duration"]).iter_errors(text))


@given(st.one_of(
    st.from_regex(r"P(\d{1,2}W)?(\d{1,2}D)?(T(\d{1,2}H)?(\d{1,2}M)?(\d{1,2}S)?)?", fullmatch=True),
    st.text(alphabet="PTWDHMS0123456789. ", max_size=10),
))
def test_a_duration_the_schema_accepts_is_one_the_bot_understands(text: str) -> None:
    if _duration_accepted(text):
        parse_duration(text)  # must not raise


@pytest.mark.parametrize(("text", "ok"), [
    ("PT2H", True), ("P1D", True), ("P1DT12H", True), ("PT30M", True), ("P2W", True), ("PT1.5H", True),
    ("P", False), ("PT", False), ("P1DT", False), ("P1M", False), ("1 day", False), ("pt2h", False),
])
def test_duration_examples(text: str, ok: bool) -> None:
    assert _duration_accepted(text) is ok
    if not ok and text not in ("pt2h",):
        with pytest.raises(InputError):
            parse_duration(text)


def test_vscode_maps_the_schemas_to_the_authors_files() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert "dialogues/*.yaml" in mapping["./bot/content/schema/dialogue.schema.json"]
    assert "content/**/*.yaml" in mapping["./bot/content/schema/content.schema.json"]
    assert all((ROOT / path).is_file() for path in mapping)
