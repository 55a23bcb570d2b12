"""Dialogue diagrams: the Mermaid text names every transition; the PNG is drawn and sized to fit."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.image import imread

from bot.content.bundle import Bundle, build_bundle, collect_files
from bot.content.diagram import graph, mermaid, render_png, short_condition
from bot.errors import ContentError

GOOD = Path(__file__).parent / "fixtures" / "good"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

BROKEN = """\
dialogue: broken
start: ask
states:
  ask:
    say: {en: "Hi"}
    buttons:
      - {label: {en: "Fine"}, goto: thanks}
      - {label: {en: "Bad; \\"really\\""}, goto: thank}
      - {label: {en: "Later"}, goto: later-on}
    next: [{if: {var: mood, le: 3}, goto: ask}]
  later-on:
    buttons: [{label: {en: Back}, goto: ask}]
  thanks: {say: {en: Bye}, end: true}
  orphan: {say: {en: Lost}, next: thanks}
"""


@pytest.fixture(scope="module")
def good() -> Bundle:
    return build_bundle(collect_files([GOOD / "dialogues", GOOD / "content"]))


@pytest.fixture(scope="module")
def broken() -> Bundle:
    return build_bundle({"dialogues/broken.yaml": BROKEN})


def test_mermaid_shows_every_kind_of_transition(good: Bundle) -> None:
    text = mermaid(good, "checkin")
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    for expected in [
        "    [*] --> ask",
        "    ask --> sort : Low, Good",                        # buttons, by their English label
        "    ask --> questions : intent: mood_low",
        "    ask --> ask : intent: help",
        "    sort --> questions : auto [mood ≤ 3]",            # next:, with the condition in short
        "    sort --> practise : auto",
        "    questions --> note : then [mood3.band = high & not (mood…] +flag",
        "    practise --> note : then",
        "    note --> thanks : Nothing to add",                 # inline label
        "    note --> thanks : text",
        "    thanks --> [*]",
        '    state "questions · questionnaire mood3" as questions',
        '    state "practise · exercise #123;exercise#125;" as practise',
    ]:
        assert expected in lines, expected


def test_mermaid_merges_many_buttons_to_one_state() -> None:
    buttons = "\n".join(f"      - {{label: {{en: '{n}'}}, goto: b}}" for n in range(11))
    bundle = build_bundle({"d.yaml": f"dialogue: d\nstart: a\nstates:\n  a:\n    buttons:\n{buttons}\n"
                                     "  b: {end: true}\n"})
    assert "    a --> b : 0 … 10 (11 buttons)" in mermaid(bundle, "d").splitlines()


def test_mermaid_marks_missing_states_and_makes_safe_ids(broken: Bundle) -> None:
    lines = mermaid(broken, "broken").splitlines()
    assert '    state "thank · missing state" as thank' in lines
    assert "    class thank missing" in lines
    assert '    state "later-on" as later_on' in lines
    assert "    ask --> thank : Bad#59; #34;really#34;" in lines
    assert "    ask --> later_on : Later" in lines
    assert "    thanks --> [*]" in lines and "    later_on --> [*]" not in lines


@pytest.mark.parametrize(("condition", "short"), [
    ({"var": "mood", "le": 3}, "mood ≤ 3"),
    ({"var": "mood", "ne": 3}, "mood ≠ 3"),
    ({"var": "phq9.band", "in": ["severe", "moderately severe"]}, "phq9.band in severe, moderate…"),
    ({"var": "note", "exists": True}, "note set"),
    ({"var": "note", "exists": False}, "no note"),
    ({"any": [{"var": "a", "eq": 1}, {"var": "b", "gt": 2}]}, "a = 1 or b > 2"),
    ({"not": {"var": "a", "eq": 1}}, "not (a = 1)"),
])
def test_conditions_are_shortened(condition: object, short: str) -> None:
    assert short_condition(condition) == short


def test_graph_knows_starts_ends_and_unknown_targets(broken: Bundle) -> None:
    g = graph(broken, "broken")
    assert g.nodes["ask"].start and not g.nodes["ask"].end
    assert g.nodes["thanks"].end
    assert g.nodes["thank"].kind == "missing"
    assert g.nodes["orphan"].kind == "auto"


def test_unknown_dialogue_is_a_content_error(good: Bundle) -> None:
    with pytest.raises(ContentError, match="known: checkin, followup"):
        mermaid(good, "nope")


def test_png_is_written_and_grows_with_the_dialogue(good: Bundle, broken: Bundle, tmp_path: Path) -> None:
    big = render_png(good, "checkin", tmp_path / "out" / "checkin.png")
    small = render_png(good, "followup", tmp_path / "followup.png")
    assert big.read_bytes().startswith(PNG_MAGIC)
    big_height, big_width = imread(big).shape[:2]
    small_height = imread(small).shape[0]
    assert big_height > small_height  # checkin has more rows of states
    assert big_width >= 900
    mess = render_png(broken, "broken", tmp_path / "broken.png")  # missing, unreachable, loops
    assert mess.read_bytes().startswith(PNG_MAGIC)


def test_png_of_every_good_dialogue(good: Bundle, tmp_path: Path) -> None:
    for dialogue in good.dialogues:
        assert render_png(good, dialogue, tmp_path / f"{dialogue}.png").stat().st_size > 10_000
