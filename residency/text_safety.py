"""Invisible and direction-changing characters in text that users or files supply: strip, then isolate.

A name imported with RIGHT-TO-LEFT OVERRIDE (U+202E) and shown as is reverses the rest of the line
it appears in (a report line, a quote header, a button); an RLM or a zero-width space typed inside an
iqama number splits it in two. Two pure functions handle this at the edges:

- `strip_controls(text)` removes every control and format character that has no business in a name,
  a number or a message (applied to what comes in: CSV fields, NLU matching, name search):
  - the bidirectional embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069, the marks
    U+200E (LRM), U+200F (RLM), U+061C (ALM);
  - the zero-width characters U+200B (ZWSP), U+200D (ZWJ), U+2060 (word joiner), U+FEFF (BOM);
  - every other character of Unicode category Cf (format: soft hyphen, Arabic number signs
    U+0600-U+0605, interlinear annotations, tag characters, ...), Cc (control: NUL, ESC, DEL, the C1
    controls, NEL) and Cs (lone surrogates, which a JSON body can carry and UTF-8 cannot encode);
  - except the ordinary whitespace "\\t", "\\n", "\\r", which are kept, and ZERO WIDTH NON-JOINER
    U+200C, which is kept on purpose: it has no effect on direction, and Persian and Urdu spelling
    (names of residents of those nationalities) needs it to keep a letter from joining the next one.
    Matching code that does not care about joining drops it itself (nlu.normalize, residency.names).
  LINE SEPARATOR U+2028 and PARAGRAPH SEPARATOR U+2029 become "\\n" (they are line breaks, and a
  renderer that does not know them would show them as boxes).
- `isolate(text)` is for showing a user-supplied value (a name, a search query) inside a line of our
  own: the value with its controls stripped and its line breaks and tabs turned into single spaces
  (an isolated value is one line: a name must not start a new, fake line of a report), wrapped in
  FIRST STRONG ISOLATE U+2068 ... POP DIRECTIONAL ISOLATE U+2069. Its direction then comes from its
  own first strong letter (Arabic or Latin) and nothing in it can affect the text around it. An empty
  value stays empty.

Pure functions of str, no dependencies: used by residency (CSV import, texts, names), nlu/ and the
front ends.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
ZWNJ = "\u200c"  # ZERO WIDTH NON-JOINER: kept (see the module docstring)
KEPT_WHITESPACE = frozenset("\t\n\r")
_LINE_SEPARATORS = {"\u2028": "\n", "\u2029": "\n"}
_LINE_BREAKS = re.compile(r"[\t\n\r]+")


@lru_cache(maxsize=4096)
def is_control(char: str) -> bool:
    """True for a character `strip_controls` removes (one character; see the module docstring)."""
    if char in KEPT_WHITESPACE or char == ZWNJ:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cs")


def strip_controls(text: str) -> str:
    """`text` without control, format and bidirectional characters (see the module docstring)."""
    if text.isprintable():
        # Fast path: a printable text has no Cc, Cf, Cs, Zl or Zp character (the space is printable).
        return text
    return "".join(_LINE_SEPARATORS.get(char, char) for char in text if not is_control(char))


def isolate(text: str) -> str:
    """A user-supplied value ready to be shown inside one of our lines: controls stripped, line breaks
    and tabs as single spaces, wrapped in FSI ... PDI. "" stays ""."""
    cleaned = _LINE_BREAKS.sub(" ", strip_controls(text))
    return f"{FSI}{cleaned}{PDI}" if cleaned else ""
