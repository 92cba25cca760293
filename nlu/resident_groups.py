"""ResidentGroupExtractor: the group a bulk service request is about, entity `resident_group` (SPEC 9.4):
`expiring` ("اللي تخلص هالشهر"), `expired` ("المنتهية"), `abroad` ("اللي برا"), `all` ("كل العمال"); also in
English and Arabizi ("elli t5las", "elli bara").

A closed vocabulary: keywords serve it better than CRF. Only service requests get the entity (in a
report, "الإقامات المنتهية" is the report's subject, not a group to act on), so the extractor acts on
messages whose intent is a service. Matching is on normalised text; the most specific group first
("كل الاقامات اللي تخلص" is `expiring`, not `all`).
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import IntentScopedExtractor, compile_keyword_patterns, replace_entities
from nlu.normalize import normalize_with_offsets
from residency.services import SERVICES

SERVICE_INTENTS = frozenset(SERVICES)  # the services, as the domain registers them
_WHO = r"(?:(?:ال)?اقامات|(?:ال)?عمال|(?:ال)?عماله|(?:ال)?موظفين|(?:ال)?مقيمين|(?:ال)?شباب|(?:ال)?ناس|(?:ال)?عاملين)"
# Normalised spellings (ة -> ه, ى -> ي, no hamza on alef).
PATTERNS: Tuple[Tuple[str, str], ...] = (
    (
        "expired",
        r"(?:اللي|الي|التي|الذي|يلي) ?(?:[^\W\d]+ )?(?:قد )?(?:خلصت|انتهت|خلصو|انتهو|خالصه)\w*|(?:ال)?منتهيه|(?:ال)?منتهين"
        r"|(?:ال)?خلصانه|expired|lapsed|(?:that|which) (?:have )?(?:already )?(?:ended|run out)"
        r"|(?:elli|elly|illi|ili) (?:5|kh)als?a?t?|(?:elli|elly|illi|ili) (?:5|kh)elset|(?:el)?mentehya",
    ),
    (
        "expiring",
        r"(?:اللي|الي|التي|الذي|يلي) ?(?:[^\W\d]+ )?(?:راح |رح |بت|ب|هت|ه|حت|ح)?(?:تخلص|تنتهي|يخلص|ينتهي|خالص|قربت|قاربت|باقي)\w*"
        r"|(?:ال)?قريبه (?:من )?(?:ال)?انتهاء|على وشك (?:ال)?انتهاء|(?:ال)?قربت تخلص|(?:ال)?قاربت على (?:ال)?انتهاء"
        r"|expiring|about to expire|(?:that|which) expire|due (?:to expire|for renewal|this month|soon)|running out"
        r"|(?:elli|elly|illi|ili) (?:ra7 |rah |b|bt|ha)?(?:t(?:5|kh)a?la?s|tentehi|tantahi|8arrabat|8arabat)",
    ),
    (
        "abroad",
        r"(?:اللي|الي|التي|الذي|يلي) ?(?:هم |في |فيه )?(?:برا|بره|برى|خارج|مسافرين|مسافر|بالخارج)\w*"
        r"|خارج (?:ال)?(?:مملكه|سعوديه|بلد)|(?:ال)?مسافرين|abroad|outside the kingdom|out of the country|travell?ing"
        r"|(?:elli|elly|illi|ili) (?:bara|barra)|msafreen|msafrin|mesafreen",
    ),
    (
        "all",
        rf"(?:كل|جميع|كافه) {_WHO}|{_WHO} (?:كلهم|كلها|جميعهم)|(?:ال)?كل"
        r"|(?:all|every) (?:of )?(?:the |our |my )?(?:workers|residents|employees|iqamas|staff|worker|resident|employee)"
        r"|everyone|everybody",
    ),
)
_COMPILED = compile_keyword_patterns(PATTERNS)
RESIDENT_GROUPS = frozenset(value for value, _ in PATTERNS)
# The span covers the whole phrase naming the group: the people before the keyword ("المقيمين خارج
# المملكة", "the expired iqamas") and a time after it ("اللي تخلص هالشهر").
_NOUN = (
    r"(?:the |our |my |all )?(?:ال)?(?:اقامات|اقامه|عمال|عماله|موظفين|مقيمين|شباب|ناس|عاملين"
    r"|workers?|residents?|employees?|iqamas?|staff|people)"
)
# ... but a relative clause is the phrase by itself ("الناس [اللي اقامتهم تخلص]").
_RELATIVE = re.compile(r"[وفبل]?(?:اللي|الي|التي|الذي|يلي)(?!\w)")
_BEFORE = re.compile(rf"(?<!\w)(?:(?:all|every|كل|جميع) )?(?:{_NOUN}|the|our|my|all|every) $")
_AFTER = re.compile(
    rf"^ {_NOUN}(?!\w)|^ (?:هالشهر|الشهر (?:ده|دا|هذا|هاد|الجاي|القادم|الياي)|هذا الشهر|this month|next month"
    r"|(?:خلال|في|within|in the next) \d{1,3} ?(?:يوم|ايام|days?|شهر|شهور|اشهر|months?))(?!\w)"
)


def find_resident_group(text: str) -> Optional[Tuple[str, int, int]]:
    """(group, start, end) of the phrase naming a group in `text`, offsets into `text`."""
    normalized = normalize_with_offsets(text)
    lowered = normalized.text.lower()
    for value, pattern in _COMPILED:
        match = pattern.search(lowered)
        if match is None:
            continue
        start, end = match.span(1)
        before = None if _RELATIVE.match(lowered, start) else _BEFORE.search(lowered[:start])
        if before:
            start = before.start()
        while True:
            after = _AFTER.search(lowered[end:])
            if not after:
                break
            end += after.end()
        return (value, *normalized.span(start, end))
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ResidentGroupExtractor(IntentScopedExtractor):
    """Authoritative keyword extractor of `resident_group`, on service requests only."""

    entity, intents = "resident_group", SERVICE_INTENTS

    def find_span(self, text: str) -> Optional[Tuple[str, int, int]]:
        return find_resident_group(text)

    def process(self, messages: List[Message]) -> List[Message]:
        """As every intent-scoped extractor, but a message that names its residents by iqama number has no
        group ("حدث جواز 2XXX الى A1234567 ينتهي ...": «الى ... ينتهي» reads like «اللي تنتهي»)."""
        super().process(messages)
        for message in messages:
            entities = message.get(ENTITIES) or []
            if any(e.get("entity") == "iqama_number" for e in entities):
                replace_entities(message, self.owned_types, [])
        return messages
