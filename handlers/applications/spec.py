"""An application described as data: its fields with their checks, the documents to prepare,
the consent, who reviews it and whether it pays out. One TOML file per kind, beside this."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
FIELD_TYPES = ("text", "number", "amount", "date", "choice", "yesno")


class SpecError(ValueError):
    """An application file that does not describe a usable application."""


@dataclass(frozen=True, slots=True)
class Text:
    """Words in each language the union writes them in; Chinese is the fallback."""

    zh: str
    en: str = ""

    def get(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.zh


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    type: str
    question: Text
    options: tuple[Option, ...] = ()
    minimum: int = 0
    maximum: int = 0  # numbers: the largest; amounts: the most in fen; text: most characters
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Spec:
    kind: str
    prefix: str  # the application number's letters, e.g. KN for 困难帮扶
    name: Text
    intro: Text
    fields: tuple[Field, ...]
    documents: tuple[Text, ...] = ()
    consent: Text | None = None
    consent_version: str = ""
    reviewer: str = "staff"  # "staff" (any staff member) or "admin"
    pays_out: bool = True
    amount_field: str = ""  # the field holding the amount asked for, if the member asks one
    default_fen: int = 0  # the amount offered to staff when the member asks none
    handled_by: str = ""  # an older flow that files this kind (mutual-aid claims: "claim")
    aliases: tuple[str, ...] = ()  # what members type after /apply: 困难帮扶, hardship


def _text(value: object, where: str) -> Text:
    if isinstance(value, str):
        return Text(value)
    if isinstance(value, dict) and isinstance(value.get("zh"), str):
        return Text(value["zh"], str(value.get("en", "")))
    raise SpecError(f"{where}: needs zh = \"...\" (and en = \"...\")")


def _list(raw: dict[str, object], key: str) -> list[object]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise SpecError(f"{key}: must be a list")
    return value


def _int(raw: dict[str, object], key: str) -> int:
    value = raw.get(key, 0)
    if not isinstance(value, int):
        raise SpecError(f"{key}: must be a whole number")
    return value


def _field(raw: dict[str, object], where: str) -> Field:
    kind = str(raw.get("type", ""))
    if kind not in FIELD_TYPES:
        raise SpecError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
    options = tuple(Option(str(o["id"]), _text(o.get("label"), f"{where}.options"))
                    for o in _list(raw, "options") if isinstance(o, dict))
    if kind == "choice" and not options:
        raise SpecError(f"{where}: a choice needs [[options]]")
    return Field(id=str(raw.get("id", "")), type=kind,
                 question=_text(raw.get("question"), f"{where}.question"), options=options,
                 minimum=_int(raw, "min"), maximum=_int(raw, "max"),
                 optional=bool(raw.get("optional", False)))


def parse_spec(raw: dict[str, object], where: str) -> Spec:
    """One application file's table as a Spec; SpecError names the key at fault."""
    fields = tuple(_field(f, f"{where}: fields[{n}]")
                   for n, f in enumerate(_list(raw, "fields")) if isinstance(f, dict))
    documents = tuple(_text(d, f"{where}: documents") for d in _list(raw, "documents"))
    consent = _text(raw["consent"], f"{where}: consent") if "consent" in raw else None
    if documents and consent is None:
        raise SpecError(f"{where}: an application that takes documents needs a consent text")
    spec = Spec(
        kind=str(raw.get("kind", "")), prefix=str(raw.get("prefix", "SQ")),
        name=_text(raw.get("name"), f"{where}: name"),
        intro=_text(raw.get("intro", raw.get("name")), f"{where}: intro"), fields=fields,
        documents=documents, consent=consent, consent_version=str(raw.get("consent_version", "")),
        reviewer=str(raw.get("reviewer", "staff")), pays_out=bool(raw.get("pays_out", True)),
        amount_field=str(raw.get("amount_field", "")),
        default_fen=_int(raw, "default_yuan") * 100,
        handled_by=str(raw.get("handled_by", "")),
        aliases=tuple(str(a) for a in _list(raw, "aliases")),
    )
    if not spec.kind or (not spec.fields and not spec.handled_by):
        raise SpecError(f"{where}: needs kind and at least one [[fields]]")
    if spec.amount_field and spec.amount_field not in {f.id for f in fields}:
        raise SpecError(f"{where}: amount_field {spec.amount_field!r} is not a field")
    return spec


@cache
def load_specs(folder: Path = FOLDER) -> tuple[Spec, ...]:
    """Every application file in the folder, in file-name order."""
    specs = []
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            specs.append(parse_spec(tomllib.load(handle), path.name))
    return tuple(specs)


def find_spec(kind: str) -> Spec | None:
    return next((spec for spec in load_specs() if spec.kind == kind), None)
