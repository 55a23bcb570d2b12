"""Clinicians' sign-in to the web dashboard: one-time links and sessions, without passwords.

Both live in the `invites` table, which already holds one-time codes with an expiry, a use
and a revocation:
- a sign-in link is an invite of role LINK_ROLE for the clinician, valid LINK_MINUTES, used
  once (`used_at`); its row is locked while it is redeemed (`programme.redeem_invite`), so two
  tabs opening the same link cannot both sign in;
- a session is an invite of role SESSION_ROLE, valid SESSION_HOURS, revoked on sign-out.
Rows hold a SHA-256 of the secret, never the secret itself: whoever reads the database cannot
sign in with what they read. The CSRF token of a session is derived from the session's secret
(an HMAC), so it needs no storage and no server-wide key. Every step is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from bot import programme
from bot.storage.models import Clinician, Invite
from bot.work import Work

LINK_ROLE = "web_link"
SESSION_ROLE = "web_session"
"""Roles of the invites table (16 characters at most), beside "patient" and "clinician"."""
LINK_MINUTES = 10
SESSION_HOURS = 12
LOGIN_PATH = "/login/"


def digest(secret: str) -> str:
    """What the table keeps of a link's or session's secret (64 hex characters)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(session_secret: str) -> str:
    return hmac.new(session_secret.encode("utf-8"), b"coachbot-dashboard-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_secret: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(session_secret), str(given))


async def create_login_link(work: Work, clinician: Clinician, base_url: str, actor: str) -> str:
    """A one-time sign-in link for `clinician`, valid LINK_MINUTES."""
    secret = secrets.token_urlsafe(32)
    work.session.add(Invite(code=digest(secret), role=LINK_ROLE, clinician_id=clinician.id,
                            created_at=work.now, expires_at=work.now + timedelta(minutes=LINK_MINUTES),
                            revoked=False))
    work.audit(actor, "dashboard_link_created", clinician=clinician.id, minutes=LINK_MINUTES)
    return base_url.rstrip("/") + LOGIN_PATH + secret


async def link_clinician(work: Work, secret: str) -> Clinician | None:
    """Whom a link signs in, if it may still be used (it is not used up by asking)."""
    invite = await work.session.get(Invite, digest(secret)) if secret else None
    if invite is None or invite.role != LINK_ROLE or invite.revoked or invite.used_at is not None \
            or invite.expires_at <= work.now or not invite.clinician_id:
        return None
    return await work.session.get(Clinician, invite.clinician_id)


async def redeem_login_link(work: Work, secret: str) -> tuple[Clinician, str] | None:
    """Use a link up and open a session: the clinician and the session's secret (for the
    cookie), or None for a link that is unknown, used, expired or revoked (audited)."""
    invite = await programme.redeem_invite(work, digest(secret), LINK_ROLE) if secret else None
    clinician = await work.session.get(Clinician, invite.clinician_id) if invite and invite.clinician_id else None
    if invite is None or clinician is None:
        work.audit("dashboard", "dashboard_link_refused", reason="unknown, used or expired sign-in link")
        return None
    invite.used_at, invite.used_by = work.now, clinician.id
    session_secret = secrets.token_urlsafe(32)
    work.session.add(Invite(code=digest(session_secret), role=SESSION_ROLE, clinician_id=clinician.id,
                            created_at=work.now, expires_at=work.now + timedelta(hours=SESSION_HOURS),
                            used_at=work.now, used_by=clinician.id, revoked=False))
    work.audit(f"clinician:{clinician.id}", "dashboard_signed_in", hours=SESSION_HOURS)
    return clinician, session_secret


async def session_clinician(work: Work, session_secret: str | None) -> Clinician | None:
    """The clinician a session cookie belongs to, while the session is valid."""
    if not session_secret:
        return None
    invite = await work.session.get(Invite, digest(session_secret))
    if invite is None or invite.role != SESSION_ROLE or invite.revoked or invite.expires_at <= work.now \
            or not invite.clinician_id:
        return None
    return await work.session.get(Clinician, invite.clinician_id)


async def end_session(work: Work, session_secret: str) -> None:
    invite = await work.session.get(Invite, digest(session_secret))
    if invite is None or invite.role != SESSION_ROLE or invite.revoked:
        return
    invite.revoked = True
    work.audit(f"clinician:{invite.clinician_id}", "dashboard_signed_out")
