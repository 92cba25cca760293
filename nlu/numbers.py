"""Ten-digit numbers as users write them: any digit form, groups joined by spaces or dashes.

Rasa-free (nlu.identifiers builds its entities on it; nlu.limits and the front end use it without
loading Rasa). A number is a run of digit groups ("٢١٨ ٠٩٦ ٧٩٢٥", "2180-967-925") joined by one or
two spaces, or a dash with optional spaces around it; consecutive groups adding up to exactly ten
digits are one ten-digit number. Invisible and direction characters (RLM, zero-width space, ...:
residency.text_safety.is_control, and ZWNJ) are ignored, also inside a number.
"""

from __future__ import annotations

import re
from typing import List, Tuple

from nlu.normalize import DIGIT_CLASS, without_controls

_GROUP = re.compile(f"[{DIGIT_CLASS}]+")
# Separator allowed inside one number: spaces, or a dash with optional spaces around it.
_SEPARATOR = re.compile(r"[ \u00a0]{1,2}|[ \u00a0]?[-\u2010\u2011\u2012\u2013\u2014][ \u00a0]?")


def digit_runs(text: str, excluded: List[Tuple[int, int]]) -> List[List[Tuple[int, int]]]:
    """Runs of digit groups joined by number separators, as lists of (start, end) groups."""
    runs: List[List[Tuple[int, int]]] = []
    for match in _GROUP.finditer(text):
        if any(start <= match.start() < end for start, end in excluded):
            continue
        if runs:
            previous_end = runs[-1][-1][1]
            if _SEPARATOR.fullmatch(text[previous_end : match.start()]):
                runs[-1].append(match.span())
                continue
        runs.append([match.span()])
    return runs


def ten_digit_spans(run: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Spans of consecutive groups of the run that together have exactly ten digits, left to right."""
    found = []
    index = 0
    while index < len(run):
        digits = 0
        for last in range(index, len(run)):
            digits += run[last][1] - run[last][0]
            if digits >= 10:
                break
        if digits == 10:
            found.append((run[index][0], run[last][1]))
            index = last + 1
        else:
            index += 1
    return found


def ten_digit_numbers(text: str) -> List[Tuple[int, int]]:
    """(start, end) in `text` of every ten-digit number (any first digit, any digit form, spaces or
    dashes inside, invisible characters ignored), whether or not it is an identifier."""
    view = without_controls(text)
    return [view.span(start, end) for run in digit_runs(view.text, []) for start, end in ten_digit_spans(run)]
