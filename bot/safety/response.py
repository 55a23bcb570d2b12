"""The fixed safety responses: crisis lines for the patient's region, never dependent on content.

Two of them: `safety_response` for suicidal, self-harm, violence and abuse disclosures (crisis
lines first), and `emergency_response` for an acute medical emergency, where the emergency
number comes first and then what to do while waiting (a crisis line is the wrong number for
chest pain).

Content authors keep `content/crisis/*.yaml` (per region and locale); if those files are
missing or broken, the built-in text below is sent instead. Nothing here touches the database.

Both say that the care team has been told. When nobody can be told (the patient's group has no
clinician reachable on Telegram and no backup), `crisis_response(..., team_reached=False)` gives
the same help without that promise: a patient is never told that someone knows when nobody does.
"""

from __future__ import annotations

from typing import Any

from bot.content.bundle import Bundle

BUILT_IN_RESPONSE = (
    "I'm really glad you told me, and I'm worried about your safety.\n\n"
    "If you are in danger right now, call your local emergency number (112 in Europe, "
    "911 in the US, 999 in the UK) or go to the nearest emergency department.\n\n"
    "You can also talk to someone now:\n{lines}\n\n"
    "Your care team has been told and a person will contact you as soon as they can. "
    "I'm a bot, so I can't help in an emergency myself."
)
BUILT_IN_LINES = "• Find a free, confidential helpline in your country: https://findahelpline.com"


def region_for(bundle: Bundle, timezone: str | None) -> dict[str, Any] | None:
    """The crisis file whose `timezones` list the patient's zone, else `default`."""
    for entry in bundle.crisis.values():
        zones = entry.get("timezones") or []
        if timezone and timezone in zones:
            return dict(entry)
    default = bundle.crisis.get("default")
    return dict(default) if default else None


def format_lines(region: dict[str, Any] | None) -> str:
    if not region or not region.get("lines"):
        return BUILT_IN_LINES
    out = []
    for line in region.get("lines") or []:
        if not isinstance(line, dict):
            continue
        parts = [str(line.get("name", "")).strip(), str(line.get("phone", "")).strip()]
        hours = str(line.get("hours", "")).strip()
        text = " – ".join(p for p in parts if p)
        out.append(f"• {text}" + (f" ({hours})" if hours else ""))
    return "\n".join(out) or BUILT_IN_LINES


def safety_response(bundle: Bundle | None, timezone: str | None, locale: str) -> str:
    """Always returns a usable text, whatever state the content is in."""
    try:
        region = region_for(bundle, timezone) if bundle is not None else None
        lines = format_lines(region)
        template = None
        if region:
            response = region.get("response") or {}
            if isinstance(response, dict):
                template = response.get(locale) or response.get("en")
        if not template:
            default: dict[str, Any] = dict(bundle.crisis.get("default") or {}) if bundle else {}
            response = default.get("response") or {}
            if isinstance(response, dict):
                template = response.get(locale) or response.get("en")
        template = str(template or BUILT_IN_RESPONSE)
        if "{lines}" not in template:
            template += "\n\n{lines}"
        return template.replace("{lines}", lines)
    except Exception:
        return BUILT_IN_RESPONSE.replace("{lines}", BUILT_IN_LINES)


DEFAULT_EMERGENCY = {"en": "your local emergency number (112 in Europe, 911 in North America, 999 in the UK, 000 in "
                           "Australia)",
                     "de": "den Notruf (112 in Europa)"}
EMERGENCY_RESPONSE = {
    "en": (
        "This sounds like it could be a medical emergency. Please call {emergency} now, or ask "
        "someone near you to call. Don't wait for a reply from me or your care team.\n\n"
        "While you wait: stop what you are doing and sit or lie down; if you can, unlock the door and "
        "keep your phone with you; don't eat, drink or drive; have your medicines or their list ready "
        "for the paramedics; if someone is nearby, tell them what is happening.\n\n"
        "{team}"
    ),
    "de": (
        "Das klingt nach einem medizinischen Notfall. Bitte rufen Sie jetzt {emergency} an oder bitten "
        "Sie jemanden in Ihrer Nähe darum. Warten Sie nicht auf eine Antwort von mir oder Ihrem "
        "Behandlungsteam.\n\n"
        "Bis Hilfe kommt: Hören Sie mit dem auf, was Sie gerade tun, und setzen oder legen Sie sich hin; "
        "schließen Sie wenn möglich die Tür auf und behalten Sie Ihr Telefon bei sich; nichts essen, "
        "trinken oder selbst fahren; legen Sie Ihre Medikamente oder den Medikamentenplan für den "
        "Rettungsdienst bereit; sagen Sie Menschen in der Nähe, was los ist.\n\n"
        "{team}"
    ),
}
EMERGENCY_TEAM_TOLD = {
    "en": "Your care team has been told too. I'm a bot, so I can't help in an emergency myself.",
    "de": "Ihr Behandlungsteam ist ebenfalls informiert. Ich bin ein Bot und kann im Notfall selbst nicht helfen.",
}
NOBODY_REACHED = {
    "en": "I'm a bot, and I could not reach anyone from your care team just now, so please don't wait "
          "for them: call one of these numbers now if you need help.",
    "de": "Ich bin ein Bot und konnte gerade niemanden aus Ihrem Behandlungsteam erreichen. Bitte warten "
          "Sie nicht darauf: Rufen Sie jetzt eine dieser Nummern an, wenn Sie Hilfe brauchen.",
}
"""The closing sentence when nobody can be told, instead of "your care team has been told"."""
SAFETY_RESPONSE_NOBODY_REACHED = {
    "en": "I'm really glad you told me, and I'm worried about your safety.\n\n"
          "If you are in danger right now, call {emergency} or go to the nearest emergency department.\n\n"
          "You can talk to someone now:\n{lines}\n\n",
    "de": "Danke, dass Sie mir das gesagt haben. Ich mache mir Sorgen um Ihre Sicherheit.\n\n"
          "Wenn Sie gerade in Gefahr sind, rufen Sie {emergency} an oder gehen Sie in die nächste "
          "Notaufnahme.\n\nSie können jetzt mit jemandem sprechen:\n{lines}\n\n",
}
FOLLOWUP_NOBODY_REACHED = {
    "en": "Thank you for telling me, {name}. I'm a bot, and I can't reach anyone from your care team "
          "right now. If you are in danger, please call {emergency} or one of the lines I sent you.",
    "de": "Danke, dass Sie mir das sagen, {name}. Ich bin ein Bot und kann gerade niemanden aus Ihrem "
          "Behandlungsteam erreichen. Wenn Sie in Gefahr sind, rufen Sie bitte {emergency} oder eine der "
          "Nummern an, die ich Ihnen geschickt habe.",
}
"""What the bot answers during an open crisis when nobody can be told (instead of "I've passed
this on to your care team")."""
"""Built in, not content: the first thing a person with stroke signs reads must not depend on a
content author's file. Only the number comes from content/crisis (`emergency`)."""


def emergency_response(bundle: Bundle | None, timezone: str | None, locale: str, team_reached: bool = True) -> str:
    """The medical emergency response: the region's emergency number first, in the patient's
    language (English where we have no text for it)."""
    language = _language(locale)
    closing = (EMERGENCY_TEAM_TOLD if team_reached else NOBODY_REACHED)[language]
    return (EMERGENCY_RESPONSE[language].replace("{emergency}", emergency_number(bundle, timezone, language))
            .replace("{team}", closing))


def emergency_number(bundle: Bundle | None, timezone: str | None, language: str) -> str:
    """The region's emergency number (content/crisis `emergency`), or a general one."""
    try:
        region = region_for(bundle, timezone) if bundle is not None else None
        number = str((region or {}).get("emergency") or "").strip()
    except Exception:
        number = ""
    return number or DEFAULT_EMERGENCY[language]


def _language(locale: str) -> str:
    """The built-in texts' language for `locale` (English where we have none)."""
    return locale if locale in EMERGENCY_RESPONSE else "en"


def followup_nobody_reached(bundle: Bundle | None, timezone: str | None, locale: str, name: str) -> str:
    language = _language(locale)
    return (FOLLOWUP_NOBODY_REACHED[language].replace("{name}", name)
            .replace("{emergency}", emergency_number(bundle, timezone, language)))


def crisis_response(bundle: Bundle | None, timezone: str | None, locale: str, *, medical: bool,
                    team_reached: bool = True) -> str:
    """What a crisis gets first: the emergency response for a medical emergency, else the
    safety response; without the promise that the care team knows when nobody could be told."""
    if medical:
        return emergency_response(bundle, timezone, locale, team_reached)
    if team_reached:
        return safety_response(bundle, timezone, locale)
    language = _language(locale)
    try:
        lines = format_lines(region_for(bundle, timezone) if bundle is not None else None)
    except Exception:
        lines = BUILT_IN_LINES
    return (SAFETY_RESPONSE_NOBODY_REACHED[language].replace("{lines}", lines)
            .replace("{emergency}", emergency_number(bundle, timezone, language)) + NOBODY_REACHED[language])
