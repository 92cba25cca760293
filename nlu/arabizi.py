"""Arabizi: Arabic written in Latin letters, digits standing for letters ("khoroj w 3awda", "e8ama",
"tajdeed", "abi ajaded e8amat 2XXX sana").

`is_arabizi(text)` says whether a message is written so; `to_arabic(word)` spells one of its words in
Arabic letters, the way nlu.normalize would spell the Arabic word ("tajdeed" -> "تجديد", "3awda" ->
"عوده", "5orooj" -> "خروج"), so that the featurisers see the words the Arabic training data has.
ArabicTokenizer uses both: a token keeps its offsets into what the user wrote, only its text changes.

Digits inside a Latin word are letters (2 = ء, written ا as normalised Arabic writes a hamza on alef, 3 = ع, 5 = خ, 6 = ط, 7 = ح, 8 and 9 = ق); a word made of
digits only (an iqama number, the 6 of "6 shhor") and an identifier ("a1234567") stay as they are.
Short vowels are dropped inside a word and long ones written ("ee", "oo", "i", "ay" -> ي / و); a word's
first vowel is an alef and its last "a"/"ah" a taa marbuta (written ه, as normalised). This is a
matching aid, not a spelling: it only has to agree with itself and come close to the Arabic word.

A message is Arabizi when its Arabizi signals (words with digits for letters, common Arabizi words)
outnumber its English function words ("naql kafala of 2XXX to 7XXX" stays English) and it has no more
Arabic-script words than Latin ones.
"""

from __future__ import annotations

import re
from typing import List

_LATIN_WORD = re.compile(r"[a-z0-9]+")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A]+")
# An identifier (passport "a1234567"), an ordinal ("2nd"), a number: never letters.
_NOT_LETTERS = re.compile(r"[0-9]+|[a-z]{1,2}[0-9]{6,9}|[0-9]+(?:st|nd|rd|th|s)")
_DIGIT_LETTER = re.compile(r"[a-z][2356789]|[2356789][a-z]")

# Common Arabizi words without a digit in them (not English words).
ARABIZI_WORDS = frozenset(
    """
    abi abgha abga abghi ab8a biddi bidi ana enta inta wesh wish weish shu shou sho eish kam kem kaif keef kif
    meen mneen elli elly illi ili yalli hal hatha hadha hada hadi law lau ya w wa la laa mesh mish msh mafi fi fih
    akeed aywa aiwa tamam shokran shukran mashkoor salam marhaba ahlan yalla khalas tajdeed tajdid jadded jaddid
    jadid jdeed khoroj khorooj khurooj khuruj khroog khoroog kharooj nehai nehaei nihai nehaey iqamat eqama eqamat
    iqamet rased raseed rasid rasidna kafala kafalat naql mehna mehnat tashira tasheera tamdeed tamdid madded
    elghi elgha ilgha alghi sana sanah shahr shahrain shhor ashhor esboo3 el al lel lil bta3 beta3 ta3
    dawwer dawer 3ala ala ayez 3ayez 3awez awez bas lissa lessa
    """.split()
)
# English words that mark a message as English even when it holds an Arabic word or two.
ENGLISH_WORDS = frozenset(
    """
    the a an of to for from in on at by with and or is are was were be been has have had do does did can could
    will would should pls plz please kindly need want send show list give what who which when where how why my
    our his her their your me we you he she it this that these those all any new not no yes ok dear sir team
    """.split()
)

# Longest first: digraphs, then single letters; digits are letters here.
_LETTERS = [
    ("kh", "خ"),
    ("sh", "ش"),
    ("ch", "ش"),
    ("th", "ث"),
    ("dh", "ذ"),
    ("gh", "غ"),
    ("ee", "ي"),
    ("ii", "ي"),
    ("ei", "ي"),
    ("ai", "ي"),
    ("ay", "ي"),
    ("ie", "ي"),
    ("oo", "و"),
    ("ou", "و"),
    ("uu", "و"),
    ("aa", "ا"),
    ("2", "ا"),
    ("3", "ع"),
    ("5", "خ"),
    ("6", "ط"),
    ("7", "ح"),
    ("8", "ق"),
    ("9", "ق"),
    ("b", "ب"),
    ("p", "ب"),
    ("t", "ت"),
    ("j", "ج"),
    ("g", "ج"),
    ("d", "د"),
    ("r", "ر"),
    ("z", "ز"),
    ("s", "س"),
    ("c", "ك"),
    ("f", "ف"),
    ("v", "ف"),
    ("q", "ق"),
    ("k", "ك"),
    ("l", "ل"),
    ("m", "م"),
    ("n", "ن"),
    ("h", "ه"),
    ("w", "و"),
    ("y", "ي"),
    ("x", "كس"),
    ("i", "ي"),
]
_VOWELS = "aeiou"


def _latin_words(text: str) -> List[str]:
    return [w for w in _LATIN_WORD.findall(text) if not w.isdigit()]


def is_arabizi(normalized: str) -> bool:
    """Whether a normalised message (nlu.normalize: lower case, ASCII digits) is Arabizi (module docstring)."""
    words = _latin_words(normalized)
    if not words or len(_ARABIC_WORD.findall(normalized)) > len(words):
        return False
    signals = sum(
        w in ARABIZI_WORDS or (_DIGIT_LETTER.search(w) is not None and not _NOT_LETTERS.fullmatch(w)) for w in words
    )
    return signals > sum(w in ENGLISH_WORDS for w in words)


def is_spelt_word(word: str) -> bool:
    """Whether a normalised Latin word of an Arabizi message is a word to spell in Arabic letters."""
    return bool(_LATIN_WORD.fullmatch(word)) and not _NOT_LETTERS.fullmatch(word)


def to_arabic(word: str) -> str:
    """The Arabic-letter spelling of a normalised Arabizi word (see the module docstring)."""
    letters: List[str] = []
    i = 0
    while i < len(word):
        if word[i] in _VOWELS and not word.startswith(("ee", "ii", "ei", "ai", "ay", "ie", "oo", "ou", "uu", "aa"), i):
            letters.append(_vowel(word, i))
            i += 1
            continue
        for latin, arabic in _LETTERS:
            if word.startswith(latin, i):
                if not (letters and letters[-1] == arabic and arabic not in "اوي"):  # a doubled consonant is one letter
                    letters.append(arabic)
                i += len(latin)
                break
        else:
            letters.append(word[i])
            i += 1
    return "".join(letters)


def _vowel(word: str, i: int) -> str:
    """A single short vowel: an alef first, a taa marbuta for a last a, i -> ي, otherwise nothing."""
    vowel = word[i]
    if i == 0:
        return "ا"
    last = i == len(word) - 1 or (i == len(word) - 2 and word[-1] == "h")
    if last and vowel == "a":
        return "ه" if word[-1] == "a" else ""
    if vowel == "i" or (last and vowel in "ey"):
        return "ي"
    if last and vowel in "ou":
        return "و"
    return ""
