"""EligibilityCue: a service asked about as a question of whether it is possible is `check_eligibility`.

"اقدر اجدد اقامة 2XXX؟", "ينفع نلغي الخروج والعودة حقه؟", "فيه مانع ننقل كفالته؟", "is 2XXX eligible for a
final exit?": the classifier often takes such a message for the service itself, whose words it shares (in
5-fold cross-validation 32 of the eligibility questions went to a service intent). When the classifier
chose a service intent and the message asks whether it can be done (the cues below, on normalised text),
the intent becomes check_eligibility with the classifier's confidence. A plain request ("جدد اقامة
2XXX", "ممكن تجدد اقامة 2XXX" — «ممكن» is how requests are softened, so it is not a cue) is left alone, and
so is "how can I ...", a question of how, not whether. Runs after the classifier and before
ServiceNameMapper (which then values the `service` entity).
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.intent_rules import RuleBasedIntent, set_intent
from nlu.normalize import normalize
from nlu.services import SERVICE_NAMES

ELIGIBILITY_INTENT = "check_eligibility"
# Normalised (one alef, ه for ة): "can I / can we / is it allowed / is there anything against / conditions /
# eligibility" in the dialects, and the English ones.
_CUES = re.compile(
    r"(?:^|[\s،,؟?])(?:هل )?(?:اقدر|نقدر|بقدر|بنقدر|فيني|فينا|ينفع|بينفع|يحقله|بيحقله|يحق له|يحق لي|مسموح|يجوز"
    r"|فيه مانع|في مانع|اي مانع|ما عندو مانع|ما عنده مانع|شروط|اهليه|اهليته|مؤهل|موهل)(?=$|[\s،,؟?])"
    r"|(?<!how )\bcan (?:i|we)\b|\bis it possible\b|\bam i allowed\b|\beligib\w*|\bqualif\w*"
)


def asks_whether_possible(text: str) -> bool:
    """The message asks whether something can be done (see the module docstring)."""
    return bool(_CUES.search(normalize(text).lower()))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EligibilityCue(RuleBasedIntent):
    """Turns a service intent into check_eligibility on a question of whether it is possible."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) not in SERVICE_NAMES or not asks_whether_possible(message.get(TEXT) or ""):
                continue
            set_intent(message, ELIGIBILITY_INTENT, intent.get(PREDICTED_CONFIDENCE_KEY))
        return messages
