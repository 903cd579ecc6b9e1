"""Sorting people's names the Vietnamese way: by given name (the last word), then the rest,
in the Vietnamese alphabet (a ă â b c d đ e ê … ơ … ư …), tones after letters."""

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Combining marks that make a letter of its own (ă, â, ê, ô, ơ, ư) rather than a tone.
LETTER_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}
TONES = ["\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # huyền, hỏi, ngã, sắc, nặng


def letters_and_tones(word: str):
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in TONES:
            tones.append(TONES.index(char) + 1)
        elif unicodedata.combining(char) and letters:
            base = letters[-1]
            if char == "\u0306":
                letters[-1] = "ă"
            elif char == "\u0302":
                letters[-1] = {"a": "â", "e": "ê", "o": "ô"}.get(base, base)
            elif char == "\u031b":
                letters[-1] = {"o": "ơ", "u": "ư"}.get(base, base)
        elif char == "đ":
            letters.append("đ")
        else:
            letters.append(char)
    primary = tuple(ALPHABET.index(c) + 1 if c in ALPHABET else 100 + ord(c) for c in letters)
    return primary, tuple(tones)


def name_key(full_name: str):
    """Key for sorted(): 'Nguyễn Văn An' sorts under An, before 'Trần Thị Bình'."""
    words = full_name.split()
    if not words:
        return ((), ())
    ordered = [words[-1], *words[:-1]]
    keys = [letters_and_tones(word) for word in ordered]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)
