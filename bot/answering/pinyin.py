"""Toneless pinyin for Chinese characters and for pinyin typed in Latin letters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

_MAX_SYLLABLE = 6
_FIRST_READING = re.compile(r'"(\d+)": "([^",]*)')  # a line of pinyin_dict.json


def _strip_tone(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "u")


def _pinyin_dict_path() -> Path:
    # Only pypinyin's character table, read as data: importing the package loads its phrase
    # dictionary too (about 55 MB of RSS), which the engine never uses.
    spec = find_spec("pypinyin")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pypinyin")
    return Path(spec.origin).parent / "pinyin_dict.json"


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    chars: dict[str, str] = {}
    toneless: dict[str, str] = {}  # one string per syllable, shared by its characters
    text = _pinyin_dict_path().read_text(encoding="utf-8")
    # The first reading is the most common one; homophone slips mostly keep it.
    for match in _FIRST_READING.finditer(text):
        reading = match[2]
        syllable = toneless.get(reading)
        if syllable is None:
            syllable = toneless[reading] = _strip_tone(reading)
        chars[chr(int(match[1]))] = syllable
    syllables = frozenset(s for s in chars.values() if s.isascii() and s.isalpha())
    return chars, syllables


def syllable_table() -> dict[str, str]:
    """Character -> toneless pinyin, for every character that has a reading."""
    return _tables()[0]


def char_syllable(char: str) -> str | None:
    """The toneless pinyin of one character, or None if it has none."""
    return _tables()[0].get(char)


@lru_cache(maxsize=4096)
def split_latin(word: str) -> tuple[str, ...] | None:
    """Split a Latin word typed as pinyin ("jingka") into syllables; None if it is not pinyin."""
    syllables = _tables()[1]
    word = word.replace("v", "u")  # "nv", "lv": the usual way to type ü
    n = len(word)
    if n < 2 or n > 30 or not word.isascii() or not word.isalpha():
        return None
    # best[i]: fewest syllables covering word[:i]
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        prefix = best[i]
        if prefix is None:
            continue
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            piece = word[i:j]
            if piece in syllables:
                cand = (*prefix, piece)
                current = best[j]
                if current is None or len(cand) < len(current):
                    best[j] = cand
    return best[n]
