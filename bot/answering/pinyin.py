"""Toneless pinyin for Chinese characters and for pinyin typed in Latin letters."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin.pinyin_dict import pinyin_dict

_MAX_SYLLABLE = 6


def _strip_tone(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "u")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    chars: dict[str, str] = {}
    for code, readings in pinyin_dict.items():
        # The first reading is the most common one; homophone slips mostly keep it.
        chars[chr(code)] = _strip_tone(readings.split(",", 1)[0])
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
