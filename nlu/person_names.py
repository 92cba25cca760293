"""PersonNameExtractor: workers' names from a list of given and family names, beside CRF.

CRF learns person_name from context and misses names after an attached preposition or alone
("ابي خروج وعودة متعددة لمحمد ٣ شهور", "راجيش كومار"). Workers' names come from a fairly closed
set, so a run of listed names (nlu/person_names.txt) is a name: the first word may carry a clitic
(ل ب و ف ك), connectors join parts ("عبد القيوم", "رحيم الدين", "سيف الإسلام", "bin"), a connector
alone is no name, and the preposition «على» is never the name «علي». Matching is on normalised text;
spans point into the user's text.

Merging with CRF: where a run overlaps CRF names, the name is the union of both spans (CRF often
has the unlisted family name, the list the clitic-attached given name). A run CRF did not see is
added only when it is strong evidence: two name words or more, a name after «ل» ("لمحمد"), a name
right after a search cue ("ابحث عن محمد", "دور لي على محمد", "فين راجيش", "search for Juan",
"find Ali"; SEARCH_CUES, a word or two back), or the whole message; a lone listed word inside a
sentence ("نهارك سعيد") is left to CRF.

A name's value is its text with invisible and direction characters removed
(residency.text_safety.strip_controls; its span still covers them), for every person_name this
extractor leaves in the message, CRF's included: a name typed with an RLM or a right-to-left
override reaches the slots and the search clean.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import RuleBasedExtractor, make_entity, replace_entities
from nlu.normalize import normalize, normalize_with_offsets
from residency.text_safety import strip_controls

NAMES_PATH = Path(__file__).with_name("person_names.txt")
# Join name parts; a name may end on one of the second group but never consist of them alone.
LEADING_CONNECTORS = {"عبد", "ابو", "ابن", "بن", "بنت", "abd", "abdul", "abu", "bin", "bint", "ibn"}
TRAILING_CONNECTORS = {
    "الدين",
    "الله",
    "الرحمن",
    "الحق",
    "الاسلام",
    "النور",
    "الزمان",
    "uddin",
    "ud",
    "ul",
    "din",
    "ullah",
    "islam",
    "haq",
    "rahman",
}
CLITICS = ("لل", "ل", "ب", "و", "ف", "ك")
# Normalised words right before a name that make a lone listed name a person_name: search verbs,
# their prepositions (على normalises to علي; the name itself is guarded by _is_preposition), "where"
# (فين، وين) and "named" (اسمه، named).
SEARCH_CUES = {
    "عن",
    "علي",
    "فين",
    "وين",
    "اين",
    "ابحث",
    "ابحثلي",
    "دور",
    "دورلي",
    "فتش",
    "فتشلي",
    "شوف",
    "شوفلي",
    "شف",
    "طلعلي",
    "لقي",
    "اسمه",
    "اسمها",
    "اسمو",
    "باسم",
    "for",
    "find",
    "search",
    "locate",
    "named",
    "called",
    "name",
    # the owner's verbs on a user ("block Imran", "what has Imran done", «شو اشتغل خالد»)
    "block",
    "unblock",
    "suspend",
    "remove",
    "reactivate",
    "has",
    "did",
    "اشتغل",
}
# Worker and user nouns before a name ("ابحث عن العامل سانتوش"); «علي» after them is usually «على» typed with
# ي ("جدد اقامه العامل علي طول"), so it does not count there.
NOUN_CUES = {
    "العامل",
    "الموظف",
    "المقيم",
    "العامله",
    "الشغال",
    "الشغاله",
    "السواق",
    "الزول",
    "worker",
    "employee",
    "resident",
    # the owner's tools: agents and users by name («وقف المندوب خالد», "remove agent Imran")
    "المندوب",
    "مندوب",
    "المستخدم",
    "agent",
    "user",
}
# Two-word cues ending right before the name.
SEARCH_CUE_PAIRS = {("where", "is"), ("look", "up"), ("who", "is"), ("info", "on"), ("details", "of")}
_WORD = re.compile(r"\w+")
# Normalised words that only join a name to the rest of the sentence (prepositions, "please", "and").
EDGE_WORDS = {"to", "as", "for", "of", "from", "into", "with", "and", "pls", "please", "الي", "من", "حق", "مال"}


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    lines = NAMES_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(normalize(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


def _is_name(word: str) -> bool:
    # Only listed forms: "ال" + a given name is usually a place or a word (الرياض، السلام).
    return word in known_names()


def _name_start(word: str) -> int | None:
    """Where the name begins inside a run's first word (after a clitic), or None."""
    if _is_name(word) or word in LEADING_CONNECTORS:
        return 0
    for clitic in CLITICS:
        rest = word[len(clitic) :]
        if word.startswith(clitic) and len(rest) > 1 and (_is_name(rest) or rest in LEADING_CONNECTORS):
            return len(clitic)
    return None


def find_person_names(text: str) -> List[Dict[str, Any]]:
    """person_name entities for every run of listed names in `text`."""
    normalized = normalize_with_offsets(text)
    words = list(_WORD.finditer(normalized.text))
    entities, i = [], 0
    while i < len(words):
        first = words[i]
        start = first.start() + (_name_start(first.group()) or 0)
        if _name_start(first.group()) is None or _is_preposition(text, normalized, first):
            i += 1
            continue
        parts = [first.group()[start - first.start() :]]
        end, j = first.end(), i + 1
        while j < len(words) and words[j].start() - end <= 1:
            word = words[j].group()
            connects = word in LEADING_CONNECTORS or word in TRAILING_CONNECTORS or parts[-1] in LEADING_CONNECTORS
            if not (_is_name(word) or connects):
                break
            parts.append(word)
            end, j = words[j].end(), j + 1
        while parts and parts[-1] in LEADING_CONNECTORS:  # "ابو" at the end names nobody
            parts.pop()
            end = words[i + len(parts) - 1].end() if parts else start
        if any(_is_name(p) for p in parts if p not in LEADING_CONNECTORS | TRAILING_CONNECTORS) or (
            len(parts) > 1 and parts[0] in LEADING_CONNECTORS
        ):
            span = normalized.span(start, end)
            entity = make_entity(
                "person_name", strip_controls(text[span[0] : span[1]]), *span, text, PersonNameExtractor.__name__
            )
            name_words = [p for p in parts if p not in LEADING_CONNECTORS | TRAILING_CONNECTORS]
            after_li = first.group().startswith("ل") and start > first.start()
            whole = not strip_controls(text[: span[0]]).strip() and not strip_controls(text[span[1] :]).strip(" ؟?.!،")
            entity["strong"] = len(name_words) > 1 or after_li or whole or _after_search_cue(words, i, start)
            entities.append(entity)
        i = max(j, i + 1)
    return entities


def _after_search_cue(words: List[re.Match], i: int, start: int) -> bool:
    """The name (starting in words[i], at `start`) follows a search cue: «ابحث عن», «فين», "find"."""
    if start > words[i].start() or i == 0:  # a clitic-attached name ("وسانتوش") is not right after a cue
        return False
    previous = words[i - 1].group()
    if previous in SEARCH_CUES or (previous in NOUN_CUES and words[i].group() != "علي"):
        return True
    return i >= 2 and (words[i - 2].group(), previous) in SEARCH_CUE_PAIRS


def _is_preposition(text: str, normalized, word: re.Match) -> bool:
    """The user wrote «على» (on), which normalises like the name «علي»."""
    start, end = normalized.span(word.start(), word.end())
    return text[start:end].strip().endswith("ى") and word.group() in ("علي", "لعلي", "وعلي")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PersonNameExtractor(RuleBasedExtractor):
    """Name-list extractor of `person_name` that corrects CRF where they overlap (module docstring)."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Merges the listed-name runs with CRF's names (module docstring)."""
        for message in messages:
            text = message.get(TEXT)
            if text:
                merged = merge_with_crf(text, message.get(ENTITIES, []), find_person_names(text))
                replace_entities(message, (), merged)
                for entity in message.get(ENTITIES, []):
                    if entity[ENTITY_ATTRIBUTE_TYPE] == "person_name" and isinstance(entity.get("value"), str):
                        trim_edge_words(text, entity)
                        entity["value"] = strip_controls(entity["value"])
        return messages


def trim_edge_words(text: str, entity: Dict[str, Any]) -> None:
    """Words that are never a name's first or last part (EDGE_WORDS) taken off a name's span: CRF sometimes
    runs a name into the word after it ("change occupation of rajesh to accountant" -> "rajesh to")."""
    words = list(_WORD.finditer(text, entity["start"], entity["end"]))
    while words and normalize(words[-1].group()).lower() in EDGE_WORDS:
        words.pop()
    while words and normalize(words[0].group()).lower() in EDGE_WORDS:
        words.pop(0)
    if words and (words[0].start(), words[-1].end()) != (entity["start"], entity["end"]):
        entity["start"], entity["end"] = words[0].start(), words[-1].end()
        entity["value"] = text[entity["start"] : entity["end"]]
        if "text" in entity:
            entity["text"] = entity["value"]


def merge_with_crf(text: str, earlier: List[Dict[str, Any]], runs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The person names to keep: each run widened by the CRF names it overlaps, or alone if strong."""
    crf_names = [e for e in earlier if e[ENTITY_ATTRIBUTE_TYPE] == "person_name"]
    merged = []
    for run in runs:
        strong = run.pop("strong")
        overlapping = [e for e in crf_names if e["start"] < run["end"] and run["start"] < e["end"]]
        if not overlapping and not strong:
            continue
        start = min([run["start"], *(e["start"] for e in overlapping)])
        end = max([run["end"], *(e["end"] for e in overlapping)])
        merged.append(
            make_entity("person_name", strip_controls(text[start:end]), start, end, text, PersonNameExtractor.__name__)
        )
    return merged
