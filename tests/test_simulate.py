"""The simulator contract, end to end through engine, scheduler, triage, escalation, storage."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Transcript


async def test_daily_checkin_arrives_at_local_time_and_buttons_work(scenario: Any, seed: dict[str, Any]) -> None:
    t: Transcript = await scenario([
        {"seed": seed},
        {"advance": "PT3H"},  # 07:00Z -> 10:00Z; Maria (Berlin) at 09:00 local = 08:00Z
        {"as": "patient:p1", "press": "Good"},
        {"as": "patient:p1", "text": "Slept well for once"},
    ])
    assert t.status == 0, t.errors
    maria = t.to("patient:p1")
    assert maria[0]["at"] == "2026-03-02T08:00:00Z"
    assert maria[0]["text"] == "Good morning Maria! How are you feeling today?"
    assert maria[0]["buttons"] == [["Low", "Okay", "Good"]]
    assert maria[1]["text"] == "Anything you'd like to add?"
    assert maria[-1]["text"] == "Thank you, Maria."
    assert t.to("patient:p2") == []  # Tom's 08:30 in New York is 13:30Z


async def test_output_lines_have_the_contract_keys(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"advance": "PT2H"}])
    line = t.lines[0]
    assert set(line) == {"at", "to", "kind", "text", "buttons"}
    assert line["kind"] == "message"


async def test_crisis_message_gets_safety_response_and_alerts_only_own_group(
    scenario: Any, seed: dict[str, Any]
) -> None:
    t = await scenario([
        {"seed": seed},
        {"advance": "PT2H"},
        {"as": "patient:p1", "text": "I want to kill myself"},
    ])
    maria = t.texts("patient:p1")
    assert any("FIXTURE SAFETY RESPONSE" in text for text in maria)
    alerts = t.alerts()
    assert [a["to"] for a in alerts] == ["clinician:c1"]
    assert alerts[0]["severity"] == "crisis" and alerts[0]["patient"] == "p1"
    assert "I want to kill myself" in alerts[0]["text"]
    assert t.to("clinician:c3") == []


async def test_crisis_words_after_a_command_are_triaged_too(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "/pause 3 I want to kill myself"},
    ])
    assert any("FIXTURE SAFETY RESPONSE" in text for text in t.texts("patient:p1"))
    [alert] = t.alerts()
    assert (alert["to"], alert["severity"], alert["patient"]) == ("clinician:c1", "crisis", "p1")


async def test_a_nul_character_in_a_message_is_dropped_not_fatal(scenario: Any, seed: dict[str, Any]) -> None:
    """PostgreSQL text cannot hold NUL: the message is still stored, answered and escalated."""
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p2", "text": "hello\u0000 there"},
        {"as": "patient:p1", "text": "I want to kill\u0000 myself"},
    ])
    assert t.status == 0 and t.texts("patient:p2")
    assert any("FIXTURE SAFETY RESPONSE" in text for text in t.texts("patient:p1"))
    [alert] = t.alerts()
    assert alert["to"] == "clinician:c1" and "I want to kill myself" in alert["text"]


async def test_unacknowledged_crisis_goes_to_backup(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "i want to end it all tonight"},
        {"advance": "PT16M"},
    ])
    recipients = [a["to"] for a in t.alerts()]
    assert recipients.count("clinician:c1") == 2  # first alert, then the reminder
    assert "clinician:c2" in recipients  # the group's backup
    assert "clinician:c3" not in recipients


async def test_acknowledged_crisis_does_not_escalate(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "i want to end it all tonight"},
        {"as": "clinician:c1", "press": "I'm on it"},
        {"advance": "PT1H"},
    ])
    assert "clinician:c2" not in [a["to"] for a in t.alerts()]


async def test_patient_cannot_close_crisis_with_one_tap(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "I want to die"},
        {"as": "patient:p1", "press": "I'm safe right now"},
        {"as": "patient:p1", "press": "I'm safe right now"},
        {"advance": "P1D"},
    ])
    maria = t.to("patient:p1")
    assert any("I want to be sure" in m["text"] for m in maria)
    assert any("says twice they are safe" in a["text"] for a in t.alerts("clinician:c1"))
    # the programme stays paused: no check-in arrives the next day
    assert not any("How are you feeling" in m["text"] for m in maria)


async def test_message_fitting_nothing_keeps_the_place(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"advance": "PT2H"},
        {"as": "patient:p1", "text": "what is this"},
        {"as": "patient:p1", "press": "Okay"},
    ])
    texts = t.texts("patient:p1")
    assert "Sorry, I didn't quite get that" in texts[1]
    assert texts[2].startswith("Good morning Maria")
    assert texts[3] == "Anything you'd like to add?"


async def test_stale_button_changes_nothing(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"advance": "PT2H"},
        {"as": "patient:p1", "press": "Okay"},
        {"as": "patient:p1", "press": "Nothing to add"},
        {"as": "patient:p1", "press": "Nothing to add"},
    ])
    assert t.texts("patient:p1").count("Thank you, Maria.") == 1


async def test_questionnaire_threshold_raises_crisis(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"advance": "PT2H"},
        {"as": "patient:p1", "press": "Low"},
        {"as": "patient:p1", "press": "Every day"},
        {"as": "patient:p1", "press": "Some days"},
    ])
    alerts = t.alerts("clinician:c1")
    assert {a["severity"] for a in alerts} == {"crisis", "concern"}
    assert any("mini item 2" in a["text"] for a in alerts)


async def test_stranger_needs_an_invite(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"as": "patient:zed", "text": "hello"}])
    assert "invite code" in t.texts("patient:zed")[0]


async def test_malformed_line_names_its_number(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"advance": "tomorrow"}])
    assert t.status == 2
    assert "line 2" in t.errors


async def test_every_safety_step_is_in_the_audit_log(scenario: Any, seed: dict[str, Any], database_url: str) -> None:
    from bot.storage.models import AuditEntry
    from tests.test_patient_data import rows

    await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "i want to end it all tonight"},
        {"advance": "PT16M"},
        {"as": "clinician:c1", "press": "I'm on it"},
    ])
    steps = [(a.action, a.actor) for a in await rows(database_url, AuditEntry, AuditEntry.patient_id == "p1")]
    for step in [("detected", "coachbot"), ("alerted", "coachbot"), ("delivered", "coachbot"),
                 ("escalated", "coachbot"), ("acknowledged", "clinician:c1")]:
        assert step in steps, f"{step} missing from {steps}"


@pytest.mark.parametrize(("seed_line", "says"), [
    ({"seed": {"clinicians": "oops"}}, 'seed "clinicians" must be a list of objects'),
    ({"seed": {"clinicians": [{"id": "c1"}], "groups": [{"id": "g1", "clinicians": ["c9"]}]}},
     "clinician 'c9' is not in the seed's clinicians"),
    ({"seed": {"patients": [{"id": "p1", "group": "zz"}]}}, "group 'zz' is not in the seed's groups"),
    ({"seed": {"patients": [{"id": "p1"}, {"id": "p1"}]}}, "patient id 'p1' appears twice"),
    ({"advance": "soon"}, "is not an ISO-8601 duration"),
])
async def test_a_bad_first_line_is_malformed_with_its_number(
    scenario: Any, seed_line: dict[str, Any], says: str,
) -> None:
    t = await scenario([seed_line, {"advance": "PT1H"}])
    assert t.status == 2 and t.lines == []
    assert t.errors.startswith("line 1: ") and says in t.errors and "Traceback" not in t.errors


async def test_you_misunderstood_is_checked_once_more_and_the_whole_crisis_team_is_told(
    scenario: Any, seed: dict[str, Any],
) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "I want to kill myself"},
        {"as": "patient:p1", "text": "sorry you misunderstood me, I was only joking"},
        {"advance": "P1D"},
    ])
    maria = t.to("patient:p1")
    check = next(line for line in maria if "sorry if I got that wrong" in line["text"])
    assert check["buttons"] == [["I'm safe right now"], ["I need help now"]]
    told = [a["to"] for a in t.alerts() if "says the bot misunderstood them" in a["text"]]
    assert sorted(told) == ["clinician:c1", "clinician:c2"]  # the group's clinician and its backup
    assert not any(line["text"].startswith("Good morning") for line in maria), "programme stays paused"


async def test_an_unacknowledged_crisis_alert_is_never_dropped(scenario: Any, seed: dict[str, Any]) -> None:
    from bot.safety.escalation import ESCALATION_SLOW_MINUTES, MAX_ESCALATIONS

    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "I want to kill myself"},
        {"advance": "PT12H"},
    ])
    reminders = [a for a in t.alerts("clinician:c1") if "not yet acknowledged" in a["text"]]
    fast = MAX_ESCALATIONS * 15
    assert len(reminders) >= MAX_ESCALATIONS + (12 * 60 - fast) // ESCALATION_SLOW_MINUTES
    next_step = [a for a in reminders if "hand it to your on-call service" in a["text"]]
    assert next_step and all(f"reminder {n}" not in next_step[0]["text"] for n in range(1, MAX_ESCALATIONS))


async def test_safety_buttons_speak_the_patients_language(
    shipped_settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    from tests.conftest import run_scenario

    seed["patients"][0]["locale"] = "de"
    t = await run_scenario(shipped_settings, [{"seed": seed}, {"as": "patient:p1", "text": "I want to kill myself"}],
                           database_url)
    buttons = [line["buttons"] for line in t.to("patient:p1") if line["buttons"]]
    assert buttons[0] == [["Ich bin in Sicherheit"], ["Ich brauche jetzt Hilfe"]]


async def test_an_unfinished_conversation_gives_way_and_is_picked_up_after(
    shipped_settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    """A half-answered check-in does not hold up the session feedback, and the unanswered
    feedback does not hold up the next day's check-in; the feedback comes back after it."""
    from tests.conftest import run_scenario

    seed["groups"][0]["sessions"] = ["2026-03-02T17:00:00Z"]  # 18:00 in Berlin
    t = await run_scenario(shipped_settings, [
        {"seed": seed},
        {"advance": "PT1H5M"},
        {"as": "patient:p1", "press": "7"},  # ...and then Maria stops answering
        {"advance": "PT26H"},
        {"as": "patient:p1", "press": "7"},
        {"as": "patient:p1", "press": "Good sleep"},
        {"as": "patient:p1", "press": "Nothing to add"},
        {"as": "patient:p1", "press": "Skip today"},
        {"as": "patient:p1", "press": "No time"},
    ], database_url)
    maria = t.to("patient:p1")
    feedback = [line for line in maria if line["text"].startswith("Hi Maria, how was your last group session")]
    assert feedback[0]["at"] == "2026-03-02T18:00:00Z", "feedback one hour after the session"
    checkins = [line["at"] for line in maria if line["text"].startswith("Hi Maria! How are you feeling")]
    assert checkins == ["2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z"]
    texts = [line["text"] for line in maria]
    resumed = texts.index("Shall we pick up where we left off, Maria?")
    assert texts[resumed + 1] == feedback[0]["text"] and maria[resumed + 1]["buttons"] == feedback[0]["buttons"]


async def test_session_feedback_waits_for_the_end_of_quiet_hours(
    shipped_settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    from tests.conftest import run_scenario

    seed["groups"][0]["sessions"] = ["2026-03-02T19:30:00Z"]  # 20:30 in Berlin: feedback due 21:30
    t = await run_scenario(shipped_settings, [{"seed": seed}, {"advance": "P1D"}], database_url)
    feedback = [line["at"] for line in t.to("patient:p1")
                if line["text"].startswith("Hi Maria, how was your last group session")]
    assert feedback[0] == "2026-03-03T07:00:00Z"  # 08:00 in Berlin


async def test_two_silent_days_bring_one_nudge(scenario: Any, seed: dict[str, Any]) -> None:
    silent = await scenario([{"seed": seed}, {"advance": "P5D"}])
    withdrawn = [a for a in silent.alerts("clinician:c1") if "no check-in for 2 days" in a["text"]]
    assert len(withdrawn) == 1 and withdrawn[0]["at"] == "2026-03-04T08:00:00Z"


async def test_a_half_answered_day_is_not_a_silent_one(scenario: Any, seed: dict[str, Any]) -> None:
    steps: list[dict[str, Any]] = [{"seed": seed}]
    for _day in range(4):
        steps += [{"advance": "PT25H"} if steps[1:] else {"advance": "PT2H"}, {"as": "patient:p1", "press": "Good"}]
    answering = await scenario(steps)  # Maria taps her mood every day and never finishes the check-in
    assert not [a for a in answering.alerts("clinician:c1") if "no check-in" in a["text"]]
    assert [a for a in answering.alerts("clinician:c3") if "no check-in" in a["text"]], "silent Tom, for contrast"


async def test_a_crisis_with_rasa_down_still_gets_the_safety_response_and_the_alert(
    settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    import socket
    from dataclasses import replace

    from tests.conftest import run_scenario

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    t = await run_scenario(replace(settings, rasa_url=dead), [
        {"seed": seed},
        {"as": "patient:p1", "text": "hello there"},
        {"as": "patient:p1", "text": "I want to kill myself"},
    ], database_url)
    assert any("FIXTURE SAFETY RESPONSE" in text for text in t.texts("patient:p1"))
    assert [(a["to"], a["severity"]) for a in t.alerts()] == [("clinician:c1", "crisis")]
