"""People's names the Vietnamese way: shown in full in their natural order (family name first,
"Nguyễn Thị Hồng Nhung"), and sorted by given name (the last word), then the full name, in
the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), tones
(ngang, huyền, hỏi, ngã, sắc, nặng) only where the letters are the same."""

import unicodedata

# f, j, w and z are not Vietnamese letters but occur in foreign names: they sort where the
# Latin alphabet puts them.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# The tone marks, in dictionary order; ngang (no mark) comes first.
TONES = ["\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # huyền, hỏi, ngã, sắc, nặng
# Marks that make a letter of their own (ă, â, ê, ô, ơ, ư) rather than a tone.
LETTER_MARKS = {
    "\u0306": {"a": "ă"},
    "\u0302": {"a": "â", "e": "ê", "o": "ô"},
    "\u031b": {"o": "ơ", "u": "ư"},
}
# Not the same letter as Đ, but typed for it (Icelandic Ð looks alike).
LOOKALIKES = {"ð": "đ"}


def letters_and_tones(word: str) -> tuple[tuple, int]:
    """A word's letters as their places in ALPHABET, and its tone (0 for ngang): a syllable
    has one tone, wherever the mark sits ("Hoà" and "Hòa" are the same name)."""
    letters, tone = [], 0
    for char in unicodedata.normalize("NFD", word.lower()):
        char = LOOKALIKES.get(char, char)
        if char in TONES:
            tone = TONES.index(char) + 1
        elif unicodedata.combining(char) and letters:
            letters[-1] = LETTER_MARKS.get(char, {}).get(letters[-1], letters[-1])
        else:
            letters.append(char)
    return tuple(ALPHABET.index(c) + 1 if c in ALPHABET else 100 + ord(c) for c in letters), tone


def name_key(full_name: str) -> tuple:
    """Key for sorted(): 'Nguyễn Văn An' sorts under An, before 'Trần Thị Bình'; two people
    with one given name by their full names; 'Đỗ' after every 'D…'; tones decide only
    between names spelled with the same letters ('Hòa' after 'Hoa', before 'Hóa')."""
    words = full_name.split()
    if not words:
        return ((), ())
    keys = [letters_and_tones(word) for word in [words[-1], *words]]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def agent_key(agent) -> tuple:
    """name_key of an agent (or anything with a full_name); for sorted(agents, key=agent_key)."""
    return name_key(agent.full_name)


def person_name(user) -> str:
    """How a signed-in person is named on pages and in messages: their agent record's full
    name when they have one, else their first and last names in Vietnamese order (the family
    name, Django's last_name, first), else their login."""
    if user is None:
        return ""
    agent = getattr(user, "agent", None) if user.pk else None
    if agent is not None and agent.full_name:
        return agent.full_name
    full = " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part)
    return full or user.get_username()
