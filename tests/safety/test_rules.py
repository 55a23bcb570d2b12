"""The deterministic safety layer: what must escalate, what must not, and that it never breaks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import rules
from bot.safety.rules import assess, normalise
from bot.safety.verdict import RISK_LEVELS, RUPTURE_KINDS

# Every red flag of DOMAIN.md, in the ways patients type it (typos, slang, unicode, caps).
MUST_ESCALATE = [
    # suicidal ideation / intent
    "I want to die",
    "i wanna die",
    "I WANT TO DIE",
    "i want to diiiiie",
    "I w4nt to d1e",
    "I don’t want to live anymore",
    "dont want to be alive",
    "i dont want to be here anymore",
    "kms",
    "honestly might just kms tonight",
    "I want to unalive myself",
    "thinking about unaliving",
    "I'm going to kill myself",
    "want to kil myself",
    "I've been having suicidal thoughts",
    "feeling sucidal",
    "I want to end it all",
    "I'm going to end it tonight",
    "I cant go on",
    "I can't go on like this",
    "I can't take it anymore",
    "there's no reason to live",
    "life isn't worth living",
    "everyone would be better off without me",
    "I wish I was dead",
    "I hope I don't wake up tomorrow",
    "I've made a plan to end my life",
    "I've been saving up my pills",
    "I took too many pills",
    "nobody would miss me if I was gone",
    "I'm not sure I want to be alive",
    "ngl i want to die",
    "No, I want to die",
    "𝐈 𝐰𝐚𝐧𝐭 𝐭𝐨 𝐝𝐢𝐞",
    "I want to\u200b die",
    # German
    "ich möchte nicht mehr leben",
    "Ich will sterben",
    "ich bringe mich um",
    "ich habe mich wieder geritzt",
    "Schmerzen in der Brust seit der Übung",
    # self-harm
    "I cut myself again last night",
    "I've started self-harming again",
    "I really want to hurt myself",
    "having urges to cut",
    "I burned myself on purpose",
    # violence to others
    "I'm going to kill him",
    "I want to hurt someone",
    "I keep having thoughts of hurting my baby",
    # abuse / unsafe at home
    "my husband hits me",
    "I don't feel safe at home",
    "I'm scared to go home",
    "my partner threatened to kill me",
    # substance relapse
    "I relapsed last night",
    "started drinking again",
    "I'm using again",
    "fell off the wagon",
    # acute medical symptoms (physio groups)
    "I've got chest pain since the exercise",
    "my chest feels tight and my left arm hurts",
    "my left arm went numb during the stretch",
    "new numbness in my leg",
    "I can't feel my foot",
    "the pain is unbearable",
    "pain is 10/10",
    "I can't breathe properly",
    "I fainted after the exercise",
    "my face is drooping on one side",
    # stopping prescribed medication
    "I stopped taking my antidepressants",
    "I'm off my meds",
    "haven't taken my medication for two weeks",
    "flushed all my pills down the toilet",
]

# Idioms and everyday talk that must not raise anything.
EVERYDAY = [
    "this stretch is killing me",
    "my hamstrings are killing me after yesterday",
    "I could kill for a coffee",
    "dying to try the new balance exercise",
    "my legs are dead after that walk",
    "I'm dead tired but I did the exercises",
    "killed it at the gym!",
    "I'd rather die than do another plank 😂",
    "I cut myself shaving this morning",
    "I nearly died of embarrassment",
    "my wife will kill me if I'm late",
    "I'm gonna hit the gym later",
    "I'll hit you up later",
    "passed out on the couch watching tv",
    "I've started drinking more water like the physio said",
    "my GP told me to stop taking the painkillers",
    "my doctor stopped my meds",
    "I take all my meds every morning",
    "I'm done",
    "I'm done with the exercises for today",
    "whatever time works for you is fine",
    "I'd rather not do the walk in the rain, can I do the indoor one?",
    "I can't go on the walk today, it's pouring",
    "mood is a 10 out of 10 today!",
    "Did all three sets this morning",
    "yes",
    "",
    "   ",
]

NEGATED = [
    "I'm not suicidal",
    "i would never hurt myself",
    "I'd never kill myself",
    "no chest pain today, just a bit stiff",
    "No chest pain, no numbness, just tired legs",
    "I haven't stopped my meds",
    "he doesn't hit me, don't worry",
    "I don't want to die",
]


@pytest.mark.parametrize("text", MUST_ESCALATE)
def test_red_flags_are_a_crisis(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk == "crisis", (text, verdict.reasons)
    assert verdict.reasons and all(reason.startswith("rule: ") for reason in verdict.reasons)


@pytest.mark.parametrize("text", EVERYDAY)
def test_idioms_and_everyday_talk_raise_nothing(text: str) -> None:
    verdict = assess(text)
    assert (verdict.risk, verdict.rupture) == ("none", "none"), (text, verdict.reasons)


@pytest.mark.parametrize("text", NEGATED)
def test_negated_red_flags_are_not_a_crisis(text: str) -> None:
    assert assess(text).risk != "crisis"


def test_a_negated_suicide_mention_still_reaches_a_human_as_a_concern() -> None:
    verdict = assess("I'm not suicidal, just exhausted")
    assert verdict.risk == "concern"
    assert verdict.reasons == ["rule: suicidal ideation, negated ('suicidal')"]


def test_a_negation_inside_the_phrase_is_part_of_the_red_flag() -> None:
    assert assess("I don't want to live").risk == "crisis"
    assert assess("I do not want to be here anymore").risk == "crisis"


def test_a_negation_in_another_clause_does_not_cancel() -> None:
    assert assess("I'm not ok. I want to die").risk == "crisis"
    assert assess("not going to lie, i want to die").risk == "crisis"


def test_history_is_a_concern_not_a_crisis() -> None:
    verdict = assess("I used to cut myself when I was a teenager")
    assert verdict.risk == "concern"
    assert "in the past" in verdict.reasons[0]


@pytest.mark.parametrize(("text", "risk"), [
    ("I've been feeling really low all week", "concern"),
    ("couldn't sleep again last night", "concern"),
    ("my knee pain is getting worse every day", "concern"),
    ("I feel hopeless", "concern"),
    ("dizzy but it went away after a minute", "none"),
])
def test_concern(text: str, risk: str) -> None:
    assert assess(text).risk == risk


@pytest.mark.parametrize(("text", "rupture"), [
    ("this is pointless", "confrontation"),
    ("you don't listen", "confrontation"),
    ("stupid bot", "confrontation"),
    ("I'd rather not talk about it", "withdrawal"),
    ("whatever", "withdrawal"),
    ("leave me alone", "withdrawal"),
    ("I'm thinking of quitting the programme", "withdrawal"),
    ("this app is useless, I'm quitting the programme", "confrontation"),
    ("you're not useless", "none"),
])
def test_ruptures(text: str, rupture: str) -> None:
    assert assess(text).rupture == rupture


def test_risk_and_rupture_are_independent() -> None:
    verdict = assess("this app is useless, I want to die")
    assert (verdict.risk, verdict.rupture) == ("crisis", "confrontation")


def test_reasons_quote_the_words_matched_short_and_readable() -> None:
    assert assess("I wanna die").reasons == ["rule: suicidal ideation ('want to die')"]
    long = "I want to die " + "and " * 100
    assert all(len(reason) < 120 for reason in assess(long).reasons)


def test_each_call_returns_its_own_reasons_list() -> None:
    first = assess("I want to die")
    first.reasons.append("changed by the caller")
    assert assess("I want to die").reasons == ["rule: suicidal ideation ('want to die')"]


@pytest.mark.parametrize(("text", "reading"), [
    ("I don’t want to", "i do not want to"),
    ("cant wont im", "can not will not i am"),
    ("k1ll mys3lf", "kill myself"),
    ("wanna die!!", "want to die ."),
    ("u r useless", "you are useless"),
    ("Ｉ ＷＡＮＴ", "i want"),
    ("naïve", "naive"),
])
def test_normalise(text: str, reading: str) -> None:
    assert normalise(text)[0] == reading


def test_stretched_letters_are_read_both_ways() -> None:
    assert normalise("killlll me sooo") == ["kill me soo", "kil me so"]


def test_every_pattern_compiles_and_every_rule_says_what_it_raises() -> None:
    for rule in rules.RULES:
        assert rule.risk in RISK_LEVELS and rule.rupture in RUPTURE_KINDS and rule.negated in RISK_LEVELS
        assert (rule.risk != "none") != (rule.rupture != "none"), rule.name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_never_raises_and_always_returns_valid_levels(text: str) -> None:
    verdict = assess(text)
    assert verdict.risk in RISK_LEVELS and verdict.rupture in RUPTURE_KINDS
    assert all(isinstance(reason, str) and reason for reason in verdict.reasons)


WORDS = ["i", "not", "no", "never", "want", "to", "die", "kill", "myself", "so", "really", "pain",
         "chest", "numb", "used", "years", "ago", ".", ",", "!!!", "’", "dont", "can't", "go", "on", "meds",
         "stopped", "him", "whatever", "pointless", "you", "😂", "\u200b", "lol", "sooooo"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_never_raises_on_risky_word_salad(words: list[str]) -> None:
    verdict = assess(" ".join(words))
    assert verdict.risk in RISK_LEVELS and verdict.rupture in RUPTURE_KINDS


@pytest.mark.parametrize("text", [
    "so " * 2000, "not " * 2000, "a" * 5000, "i am " * 1000 + "suicidal", ". " * 3000, "really " * 1500 + "low",
])
def test_long_and_repetitive_messages_are_handled(text: str) -> None:
    assert assess(text).risk in RISK_LEVELS


def test_the_end_of_a_long_message_still_counts() -> None:
    assert assess("I did my walk and the weather was fine. " * 100 + "I want to die").risk == "crisis"


def test_not_a_string_is_no_risk() -> None:
    assert assess(None).risk == "none"  # type: ignore[arg-type]
