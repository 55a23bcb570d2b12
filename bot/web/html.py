"""Server-rendered HTML for the dashboard: a layout, and helpers that escape every value.

No templates engine, no scripts, no external assets: one inline stylesheet that reads on a
phone (viewport meta, a single column), with visible keyboard focus and high contrast.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff}
a{color:#0645ad}a:visited{color:#4b2a85}
a:focus,button:focus,input:focus,textarea:focus,select:focus{outline:3px solid #c25400;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
header{background:#12355b;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
header a{color:#fff;font-weight:600}header a:visited{color:#fff}
header form{margin:0 0 0 auto}
main{max-width:60rem;margin:0 auto;padding:12px 16px 48px}
h1{font-size:1.5rem;margin:.6em 0}h2{font-size:1.2rem;margin:1.2em 0 .4em}
ul.cards{list-style:none;padding:0;margin:0}
ul.cards>li{border:1px solid #767676;border-radius:6px;padding:10px 12px;margin:0 0 10px}
li.crisis{border-left:8px solid #b00020!important}li.concern{border-left:8px solid #b35900!important}
li.rupture{border-left:8px solid #7a6a00!important}
.tag{display:inline-block;font-weight:700;padding:0 6px;border-radius:4px;border:1px solid currentColor}
.tag.crisis{color:#b00020}.tag.concern{color:#8a4500}.tag.rupture{color:#5c5000}
.muted{color:#555}
button{font:inherit;padding:6px 12px;border:2px solid #12355b;border-radius:6px;background:#12355b;color:#fff;
cursor:pointer;margin:4px 4px 4px 0}
button.secondary{background:#fff;color:#12355b}
header button{background:#fff;color:#12355b;border-color:#fff}
label{display:block;font-weight:600;margin-top:6px}
textarea,input[type=text]{width:100%;font:inherit;padding:6px;border:1px solid #555;border-radius:4px}
.notice{background:#e8f1fb;border:1px solid #12355b;padding:8px 12px;border-radius:6px}
.problem{background:#fdecea;border:1px solid #b00020;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #ccc;
vertical-align:top}
nav.pages{display:flex;gap:16px;margin-top:12px}
svg.spark{display:block;margin:4px 0}figure.chart{margin:0 0 16px}figure.chart svg{display:block;height:auto}
"""


def e(value: Any) -> str:
    """Any value as HTML text (None as an en dash)."""
    return "–" if value is None else escape(str(value), quote=True)


def url(*parts: Any, **query: Any) -> str:
    """A path whose parts are percent-encoded, with an optional query."""
    path = "/" + "/".join(quote(str(p), safe="") for p in parts)
    pairs = [f"{quote(k)}={quote(str(v), safe='')}" for k, v in query.items() if v is not None]
    return path + ("?" + "&".join(pairs) if pairs else "")


def link(href: str, text: Any) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>'


def hidden_csrf(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{e(csrf)}">'


def page(title: str, body: str, *, signed_in: str | None = None, csrf: str | None = None,
         open_alerts: int | None = None) -> str:
    """A whole page; `signed_in` (the clinician's name) adds the navigation and sign-out."""
    nav = ""
    if signed_in is not None and csrf is not None:
        alerts = "Alert queue" + (f" ({open_alerts})" if open_alerts else "")
        nav = (f'<header><a href="/">Your groups</a><a href="/alerts">{e(alerts)}</a>'
               f'<span>Signed in as {e(signed_in)}</span>'
               f'<form method="post" action="/logout">{hidden_csrf(csrf)}'
               '<button type="submit">Sign out</button></form></header>')
    else:
        nav = "<header><span>Coachbot dashboard</span></header>"
    return ("<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)} – Coachbot</title><style>{STYLE}</style></head><body>"
            '<a class="skip" href="#main">Skip to content</a>'
            f'{nav}<main id="main"><h1>{e(title)}</h1>{body}</main></body></html>')
