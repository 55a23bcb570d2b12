"""A content bundle: every dialogue and content file at one version, parsed but not compiled.

Files are recognised by their top-level key, not by their folder, so `coachbot validate`
works on a copy elsewhere or on a single file:

- `dialogue: ID`        a dialogue script (usually `dialogues/*.yaml`)
- `locale: xx` + `messages:`   message texts for one locale (`content/messages/xx.yaml`)
- `questionnaire: ID`   a questionnaire (`content/questionnaires/*.yaml`)
- `exercise: ID`        an exercise with steps (`content/exercises/*.yaml`)
- `crisis: REGION`      crisis lines and safety text for a region (`content/crisis/*.yaml`)
- `programme: ID`       what runs when for enrolled patients (`content/programme.yaml`)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.yamlio import LineDict, YamlSyntaxError, load_yaml

KINDS = ("dialogue", "questionnaire", "exercise", "crisis", "programme", "messages")
CONTENT_SUFFIXES = (".yaml", ".yml")
FALLBACK_LOCALE = "en"
"""The language every text has, and the one shown where a translation is missing."""


@dataclass
class SourceFile:
    """One parsed file; `data` is None when the YAML itself is broken (see `syntax_error`)."""

    path: str
    text: str
    data: Any = None
    kind: str | None = None
    syntax_error: YamlSyntaxError | None = None


@dataclass
class Bundle:
    """All files of one version. `version` is a hash of their text, so equal text, equal version."""

    version: str
    files: list[SourceFile]
    dialogues: dict[str, LineDict] = field(default_factory=dict)
    questionnaires: dict[str, LineDict] = field(default_factory=dict)
    exercises: dict[str, LineDict] = field(default_factory=dict)
    crisis: dict[str, LineDict] = field(default_factory=dict)
    programmes: dict[str, LineDict] = field(default_factory=dict)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    file_of: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, id) -> path of the file that defined it; for messages the kind is 'message:xx'."""

    def message(self, key: str, locale: str) -> str | None:
        """Text for `key` in `locale`, falling back to English; None when missing in both."""
        for loc in (locale, FALLBACK_LOCALE):
            text = self.messages.get(loc, {}).get(key)
            if text is not None:
                return text
        return None

    @property
    def locales(self) -> list[str]:
        return sorted(self.messages)

    def sources(self) -> dict[str, str]:
        return {f.path: f.text for f in self.files}


def classify(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if "locale" in data and "messages" in data:
        return "messages"
    for kind in KINDS:
        if kind in data:
            return kind
    return None


def flatten_messages(tree: Any, prefix: str = "") -> dict[str, str]:
    """`{checkin: {ask: "x"}}` -> `{"checkin.ask": "x"}`; authors may nest keys freely."""
    flat: dict[str, str] = {}
    if not isinstance(tree, dict):
        return flat
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_messages(value, full + "."))
        elif value is not None:
            flat[full] = str(value)
    return flat


def version_of(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.encode())
        digest.update(b"\0")
        digest.update(sources[path].encode())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def build_bundle(sources: dict[str, str]) -> Bundle:
    """Parse every file; broken files are kept (with their error) for the validator to report."""
    bundle = Bundle(version=version_of(sources), files=[])
    for path in sorted(sources):
        source = SourceFile(path=path, text=sources[path])
        bundle.files.append(source)
        try:
            source.data = load_yaml(source.text)
        except YamlSyntaxError as exc:
            source.syntax_error = exc
            continue
        source.kind = classify(source.data)
        data = source.data
        if source.kind == "messages":
            locale = str(data.get("locale"))
            bundle.messages.setdefault(locale, {}).update(flatten_messages(data.get("messages")))
            bundle.file_of[(f"messages:{locale}", "")] = path
        elif source.kind is not None:
            ident = str(data.get(source.kind))
            table: dict[str, LineDict] = getattr(bundle, _TABLES[source.kind])
            if ident not in table:
                table[ident] = data
                bundle.file_of[(source.kind, ident)] = path
    return bundle


_TABLES = {
    "dialogue": "dialogues",
    "questionnaire": "questionnaires",
    "exercise": "exercises",
    "crisis": "crisis",
    "programme": "programmes",
}


def collect_files(paths: Iterable[Path], relative_to: Path | None = None) -> dict[str, str]:
    """Read every YAML file under the given folders (or the given files) into path -> text."""
    sources: dict[str, str] = {}
    for root in paths:
        if root.is_file():
            files = [root]
        else:
            files = sorted(
                p for p in root.rglob("*")
                if p.suffix in CONTENT_SUFFIXES and p.is_file() and "nlu" not in p.parts
            )
        for file in files:
            name = str(file)
            if relative_to is not None:
                try:
                    name = str(file.resolve().relative_to(relative_to.resolve()))
                except ValueError:
                    name = str(file)
            sources[name] = file.read_text(encoding="utf-8")
    return sources
