"""People already enrolled: the simulator's `seed` line, and `coachbot admin` set-up."""

from __future__ import annotations

from typing import Any

from bot import programme
from bot.errors import InputError
from bot.goals import MAX_GOALS, save_goals
from bot.isotime import parse_time
from bot.storage.models import Clinician, Group, GroupClinician, GroupSession, Patient
from bot.timeutil import is_valid_zone, parse_hhmm
from bot.work import Work


def _require(entry: dict[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if value is None or str(value).strip() == "":
        raise InputError(f"{what} needs an {key!r}")
    return str(value)


def _entries(seed: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = seed.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f'seed "{key}" must be a list of objects')
    return entries


def check_seed(seed: dict[str, Any]) -> None:
    """Every mistake a seed can hold, found before anything is written: duplicate ids, and
    references to clinicians or groups the seed does not define."""
    known: dict[str, set[str]] = {}
    for key, what in (("clinicians", "clinician"), ("groups", "group"), ("patients", "patient")):
        ids: set[str] = set()
        for entry in _entries(seed, key):
            ident = _require(entry, "id", f"a {what}")
            if ident in ids:
                raise InputError(f"{what} id {ident!r} appears twice in the seed")
            ids.add(ident)
        known[key] = ids
    for group in _entries(seed, "groups"):
        named = group.get("clinicians") or []
        if not isinstance(named, list):
            raise InputError(f'group {group["id"]}: "clinicians" must be a list of clinician ids')
        for cid in [*map(str, named), *([str(group["backup"])] if group.get("backup") else [])]:
            if cid not in known["clinicians"]:
                raise InputError(f"group {group['id']}: clinician {cid!r} is not in the seed's clinicians")
        sessions = group.get("sessions") or []
        if not isinstance(sessions, list):
            raise InputError(f'group {group["id"]}: "sessions" must be a list of ISO times')
        for when in sessions:
            parse_time(str(when))
    for patient in _entries(seed, "patients"):
        if patient.get("group") is not None and str(patient["group"]) not in known["groups"]:
            raise InputError(f"patient {patient['id']}: group {patient['group']!r} is not in the seed's groups")
        goals = patient.get("goals") or []
        if not isinstance(goals, list) or len(goals) > MAX_GOALS or not all(isinstance(g, str) and g for g in goals):
            raise InputError(f'patient {patient["id"]}: "goals" must be a list of one to {MAX_GOALS} texts')


async def apply_seed(work: Work, seed: dict[str, Any], chat_prefix: bool = True) -> None:
    """Create clinicians, groups (with sessions) and patients past onboarding."""
    check_seed(seed)
    for model, key in ((Clinician, "clinicians"), (Group, "groups"), (Patient, "patients")):
        for entry in seed.get(key) or []:
            if await work.session.get(model, str(entry["id"])) is not None:
                raise InputError(f"{key[:-1]} {entry['id']!r} is already in the database; "
                                 "seed a fresh one, or leave the seed out to go on with it")
    for entry in seed.get("clinicians") or []:
        cid = _require(entry, "id", "a clinician")
        work.session.add(Clinician(
            id=cid, name=str(entry.get("name") or cid),
            chat_key=f"clinician:{cid}" if chat_prefix and entry.get("linked", True) is not False else None,
            timezone=str(entry.get("timezone") or "UTC"), quiet_start=entry.get("quiet_start"),
            quiet_end=entry.get("quiet_end"), created_at=work.now,
        ))
    await work.session.flush()
    groups = []
    for entry in seed.get("groups") or []:
        gid = _require(entry, "id", "a group")
        group = Group(id=gid, name=str(entry.get("name") or gid), backup_clinician_id=entry.get("backup"),
                      encouragement=bool(entry.get("encouragement", False)), programme="default",
                      created_at=work.now)
        work.session.add(group)
        groups.append(group)
        await work.session.flush()
        for cid in entry.get("clinicians") or []:
            work.session.add(GroupClinician(group_id=gid, clinician_id=str(cid)))
        for when in entry.get("sessions") or []:
            work.session.add(GroupSession(group_id=gid, starts_at=parse_time(str(when))))
    await work.session.flush()
    for entry in seed.get("patients") or []:
        pid = _require(entry, "id", "a patient")
        timezone = str(entry.get("timezone") or "UTC")
        if not is_valid_zone(timezone):
            raise InputError(f"patient {pid}: unknown time zone {timezone!r} (use e.g. Europe/Berlin)")
        checkin = str(entry.get("checkin_time") or "09:00")
        if parse_hhmm(checkin) is None:
            raise InputError(f"patient {pid}: checkin_time {checkin!r} is not HH:MM")
        patient = Patient(
            id=pid, chat_key=f"patient:{pid}" if chat_prefix else None,
            name=str(entry.get("name") or pid), group_id=entry.get("group"), timezone=timezone,
            checkin_time=checkin, locale=str(entry.get("locale") or "en"), status="active",
            crisis_open=False, blocked=False, enrolled_at=work.now,
        )
        work.session.add(patient)
        await work.session.flush()
        if entry.get("goals"):  # their own goals, as if set in onboarding
            await save_goals(work, patient, {f"goal_{n}": text for n, text in enumerate(entry["goals"], 1)})
        await programme.schedule_daily(work, patient)
    for group in groups:
        await programme.schedule_group_sessions(work, group)
