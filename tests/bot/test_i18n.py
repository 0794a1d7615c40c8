"""Every string a member can see has a Chinese translation, and the catalogs load."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, CatalogError, Catalogs, normalize_language

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                key = message if isinstance(message, str) else message[0]
                found[key] = f"{path.relative_to(ROOT)}:{lineno}"
    return found


def _translations(language: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    value = message.string
                    table[key] = value if isinstance(value, str) else value[0]
    return table


def test_every_member_visible_string_has_a_chinese_translation() -> None:
    chinese = _translations("zh_CN")
    missing = {msg: where for msg, where in _source_messages().items() if not chinese.get(msg)}
    assert missing == {}


def test_every_string_is_in_the_english_catalog_too() -> None:
    english = _translations("en")
    missing = {msg: where for msg, where in _source_messages().items() if msg not in english}
    assert missing == {}


def test_translations_keep_their_placeholders() -> None:
    import re

    field = re.compile(r"\{(\w+)\}")
    for msg, translated in _translations("zh_CN").items():
        assert set(field.findall(msg)) == set(field.findall(translated)), msg


def test_compiled_catalogs_translate() -> None:
    catalogs = Catalogs()
    assert catalogs.get("zh_CN").gettext("Main menu") == "主菜单"
    assert catalogs.get("en").gettext("Main menu") == "Main menu"


def test_startup_fails_without_a_compiled_catalog(tmp_path: Path) -> None:
    (tmp_path / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    with pytest.raises(CatalogError, match="zh_CN"):
        Catalogs(tmp_path)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("zh-hans", "zh_CN"), ("zh-TW", "zh_CN"), ("en-US", "en"), ("fr", "zh_CN"), (None, "zh_CN")],
)
def test_client_language_hints(hint: str | None, expected: str) -> None:
    assert normalize_language(hint, "zh_CN") == expected
