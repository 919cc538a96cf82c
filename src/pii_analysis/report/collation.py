"""Vietnamese alphabetical order (the order of a Vietnamese dictionary), for lists of province names.

Code-point order puts 'Đà Nẵng' after 'Vĩnh Long' and 'Ă' after 'Z'. Vietnamese collation has 29
letters in the order a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, so Đ sorts right
after D; tone marks only break ties (level 2), in the order none, grave, hook, tilde, acute, dot
below. `sort_key` gives that order with the standard library only (no ICU)."""
from __future__ import annotations

import unicodedata

_LETTERS = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô",
            "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
_RANK = {letter: i for i, letter in enumerate(_LETTERS)}
# combining marks that make a separate letter (breve, circumflex, horn) and tone marks (level 2)
_SHAPE = {"\u0306", "\u0302", "\u031b"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(word: str) -> list[tuple[str, int]]:
    """(letter with its shape marks, tone 0-5) for each base character of `word` (lower case)."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES and out:
            out[-1] = (out[-1][0], _TONES[ch])
        elif ch in _SHAPE and out:
            out[-1] = (unicodedata.normalize("NFC", out[-1][0] + ch), out[-1][1])
        elif not unicodedata.combining(ch):
            out.append((ch, 0))
    return out


def sort_key(name: str) -> tuple:
    """Key that sorts names in Vietnamese order: letters first (Đ after D, Ă/Â after A, Ư after U),
    then tones, then the name itself. Non-letters (space, '.', digits) sort before letters."""
    letters = _letters(name)
    primary = tuple(_RANK[c] + 100 if c in _RANK else ord(c) if ord(c) < 100 else 200 + ord(c) for c, _ in letters)
    tones = tuple(t for _, t in letters)
    return (primary, tones, name)


def sorted_vi(names) -> list[str]:
    """`names` in Vietnamese alphabetical order."""
    return sorted(names, key=sort_key)
