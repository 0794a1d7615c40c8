"""Toneless pinyin for Chinese characters and for pinyin typed in Latin letters.

The table (`pinyin_table.txt`, written by bench/make_pinyin_table.py from pypinyin) covers the
GB2312 characters and every character of the knowledge base: about 7,000 entries instead of
pypinyin's 40,000, so the running bot stays small."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("pinyin_table.txt")
_MAX_SYLLABLE = 6


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    chars: dict[str, str] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        syllable, _, members = line.partition(" ")
        for char in members:
            chars[char] = syllable
    syllables = frozenset(chars.values()) | {"n", "m", "ng"}
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
