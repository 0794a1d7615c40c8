"""gettext wiring: one translator per language, merged from every domain under locales/.

Each topic keeps its own domain (`locales/zh_CN/LC_MESSAGES/<topic>.po`), so catalogs stay
small and are edited independently. Message ids are English source text.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Marks a module-level label for extraction; it is translated where it is shown."""
    return message


class CatalogError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Translator:
    language: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


class Catalogs:
    """Compiled catalogs for each supported language; startup fails if one is missing."""

    def __init__(self, locales_dir: Path | None = None) -> None:
        self.dir = locales_dir or LOCALES_DIR
        self._translators = {lang: self._load(lang) for lang in LANGUAGES}

    def _load(self, language: str) -> Translator:
        folder = self.dir / language / "LC_MESSAGES"
        mo_files = sorted(folder.glob("*.mo"))
        if not mo_files:
            raise CatalogError(
                f"no compiled catalog for {language} in {folder} (run: unionbot i18n compile)"
            )
        merged: gettext.NullTranslations | None = None
        for mo in mo_files:
            with mo.open("rb") as handle:
                domain = gettext.GNUTranslations(handle)
            if merged is None:
                merged = domain
            else:
                merged.add_fallback(domain)
        assert merged is not None
        return Translator(language, merged)

    def get(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[LANGUAGES[0]]


def normalize_language(hint: str | None, default: str) -> str:
    """Telegram sends IETF tags (`zh-hans`, `en-US`); we keep zh_CN and en."""
    if not hint:
        return default
    tag = hint.lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh_CN"
    if tag.startswith("en"):
        return "en"
    return default


def compile_catalogs(locales_dir: Path | None = None) -> list[Path]:
    """Compile every .po under locales/ to .mo beside it; returns the files written."""
    written = []
    for po_path in sorted((locales_dir or LOCALES_DIR).glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written
