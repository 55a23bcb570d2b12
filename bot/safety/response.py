"""The fixed safety responses: crisis lines for the patient's region, never dependent on content.

Two of them: `safety_response` for suicidal, self-harm, violence and abuse disclosures (crisis
lines first), and `emergency_response` for an acute medical emergency, where the emergency
number comes first and then what to do while waiting (a crisis line is the wrong number for
chest pain).

Content authors keep `content/crisis/*.yaml` (per region and locale); if those files are
missing or broken, the built-in text below is sent instead. Nothing here touches the database.
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
        "Your care team has been told too. I'm a bot, so I can't help in an emergency myself."
    ),
    "de": (
        "Das klingt nach einem medizinischen Notfall. Bitte rufen Sie jetzt {emergency} an oder bitten "
        "Sie jemanden in Ihrer Nähe darum. Warten Sie nicht auf eine Antwort von mir oder Ihrem "
        "Behandlungsteam.\n\n"
        "Bis Hilfe kommt: Hören Sie mit dem auf, was Sie gerade tun, und setzen oder legen Sie sich hin; "
        "schließen Sie wenn möglich die Tür auf und behalten Sie Ihr Telefon bei sich; nichts essen, "
        "trinken oder selbst fahren; legen Sie Ihre Medikamente oder den Medikamentenplan für den "
        "Rettungsdienst bereit; sagen Sie Menschen in der Nähe, was los ist.\n\n"
        "Ihr Behandlungsteam ist ebenfalls informiert. Ich bin ein Bot und kann im Notfall selbst nicht helfen."
    ),
}
"""Built in, not content: the first thing a person with stroke signs reads must not depend on a
content author's file. Only the number comes from content/crisis (`emergency`)."""


def emergency_response(bundle: Bundle | None, timezone: str | None, locale: str) -> str:
    """The medical emergency response: the region's emergency number first, in the patient's
    language (English where we have no text for it)."""
    language = locale if locale in EMERGENCY_RESPONSE else "en"
    try:
        region = region_for(bundle, timezone) if bundle is not None else None
        number = str((region or {}).get("emergency") or "").strip()
    except Exception:
        number = ""
    return EMERGENCY_RESPONSE[language].replace("{emergency}", number or DEFAULT_EMERGENCY[language])


def crisis_response(bundle: Bundle | None, timezone: str | None, locale: str, *, medical: bool) -> str:
    """What a crisis gets first: the emergency response for a medical emergency, else the
    safety response."""
    return (emergency_response if medical else safety_response)(bundle, timezone, locale)
