"""BareValueIntent: a message that is nothing but values is `inform` (SPEC 5: "a bare value").

"راجيش", "2057237741", "٣ شهور", "متعددة", "طباخ", "محمد خان ٢٠٥٧٢٣٧٧٤١": when the extracted entities of
the types a form asks for cover every word of the message (punctuation, «و» and a few fillers aside),
the intent is `inform` with full confidence, whatever the classifier said. The classifier alone sent an
unlisted-looking lone name to nlu_fallback (0.40) and a lone name in the middle of a name search had no
intent the dialogue could act on. Runs after the extractors and before the FallbackClassifier.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu.intent_rules import RuleBasedIntent, set_intent
from nlu.normalize import normalize
from residency.services import INPUT_SLOTS

INFORM = "inform"
# The values a form asks for (the services' inputs, and a name for a number); a message made of a service or
# document name alone is a request, not a value.
VALUE_TYPES = {*INPUT_SLOTS, "person_name"}
# Words around values that do not make a request of them (normalised): "and", "number", "please".
FILLERS = {"و", "رقم", "رقمه", "الرقم", "لو", "سمحت", "سمحتي", "بليز", "please", "pls", "number", "no", "and", "&"}
_WORD = re.compile(r"\w+")


def is_bare_values(text: str, entities: List[Dict[str, Any]]) -> bool:
    """Every word of `text` lies inside an entity of VALUE_TYPES or is a filler, and there is one. CRF's
    guesses do not count (a lone unknown word is not a name because CRF said so): only the rule-based and
    list-based extractors' entities, CRF's names the name list confirmed included."""
    values = [e for e in entities if e.get("entity") in VALUE_TYPES and e.get("extractor") != "CRFEntityExtractor"]
    if not values:
        return False
    covered = [False] * len(text)
    for entity in values:
        for i in range(max(0, entity["start"]), min(len(text), entity["end"])):
            covered[i] = True
    rest = "".join(" " if covered[i] else ch for i, ch in enumerate(text))
    return all(word in FILLERS for word in _WORD.findall(normalize(rest).lower()))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BareValueIntent(RuleBasedIntent):
    """Sets `inform` on messages made only of values (module docstring)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not is_bare_values(text, message.get(ENTITIES) or []):
                continue
            set_intent(message, INFORM, 1.0)
        return messages
