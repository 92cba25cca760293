"""EligibilityCue: a service asked about as a question of whether it is possible is `check_eligibility`.

"اقدر اجدد اقامة 2XXX؟", "ينفع نلغي الخروج والعودة حقه؟", "فيه مانع ننقل كفالته؟", "is 2XXX eligible for a
final exit?": the classifier often takes such a message for the service itself, whose words it shares (in
5-fold cross-validation 32 of the eligibility questions went to a service intent). When the classifier
chose a service intent and the message asks whether it can be done (the cues below, on normalised text),
the intent becomes check_eligibility with the classifier's confidence. A plain request ("جدد اقامة
2XXX", "ممكن تجدد اقامة 2XXX" — «ممكن» is how requests are softened, so it is not a cue) is left alone, and
so is "how can I ...", a question of how, not whether.

Only a message that asks and asks for nothing is a check: a question followed by its own request
("ينفع اجدد اقامته وهو برا؟ جددها ٦ اشهر", "can I renew him? pls do it for 1 yr") is the request, so the
cue leaves it alone, and a check_eligibility the classifier chose for such a message becomes the service
it ranked highest, with the classifier's confidence. A question about another country's or another platform's service ("رسوم الاقامة في
الكويت", a Musaned recruitment visa, "my husband is in the military, may he travel") is out of scope:
the cue does not turn it into a check. Runs after the classifier and before ServiceNameMapper (which then
values the `service` entity).
"""

from __future__ import annotations

import re
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.intent_rules import RuleBasedIntent, set_intent
from nlu.normalize import normalize
from nlu.services import SERVICE_NAMES

ELIGIBILITY_INTENT = "check_eligibility"
# Normalised (one alef, ه for ة): "can I / can we / is it allowed / is there anything against / conditions /
# eligibility" in the dialects, and the English ones.
_CUES = re.compile(
    r"(?:^|[\s،,؟?])(?:هل )?(?:اقدر|نقدر|بقدر|بنقدر|فيني|فينا|ينفع|بينفع|يمدي|يمديه|يمديني|يمدينا|يمديك|يحقله|بيحقله|يحق له|يحق لي|مسموح|يجوز"
    r"|فيه مانع|في مانع|اي مانع|ما عندو مانع|ما عنده مانع|شروط|اهليه|اهليته|مؤهل|موهل)(?=$|[\s،,؟?])"
    r"|(?<!how )\bcan (?:i|we)\b|\bis it possible\b|\bam i allowed\b|\beligib\w*|\bqualif\w*"
)


# After the question: an imperative of a service's verb (with clitics and pronouns: "فجددها", "مدد له",
# "طلعله"), a wish that is not one to know ("ابي اجدد", not "ابي اعرف"), or an English request word.
_REQUEST = re.compile(
    r"(?:^|[\s,.!])(?:[وف]?(?:جدد|مدد|اصدر|طلع|الغ|حول|انقل|عدل|نفذ|سو|سوي|امش)\w*"
    r"|(?:ابي|ابغى|ابغي|بغيت|بدي|ودي|عايز|عاوز|نبي|نبغى|اريد|نريد|داير)(?! (?:اعرف|اتاكد|اسال|افهم|استفسر))"
    r"|please|pls|plz|kindly|go ahead|do it|(?:renew|issue|cancel|extend|transfer|change|update)\w*)(?=$|[\s,.!])"
)
# Another country's or platform's residency matters, and people outside the establishment's workforce.
_ELSEWHERE = re.compile(
    r"مساند|musaned|استقدام|recruit\w*|عسكري|military|army|جيش"
    r"|(?:اقام\w*|رسوم|فيز\w*|تاشير\w*|visa|iqama|fees?)(?: \S+){0,2} (?:في|ب|بال|in) ?"
    r"(?:ال)?(?:كويت|قطر|بحرين|امارات|دبي|عمان|kuwait|qatar|bahrain|uae|emirates|dubai|oman)"
)


def asks_whether_possible(text: str) -> bool:
    """The message asks whether something can be done (see the module docstring)."""
    return bool(_CUES.search(normalize(text).lower()))


def request_follows_question(text: str) -> bool:
    """After its first question mark, the message asks for something to be done."""
    _, mark, after = normalize(text).lower().partition("?")
    return bool(mark) and bool(_REQUEST.search(after))


def about_elsewhere(text: str) -> bool:
    """The message is about another country's or platform's services (out of scope)."""
    return bool(_ELSEWHERE.search(normalize(text).lower()))


def asks_only_whether_possible(text: str) -> bool:
    """The message asks whether one of our services can be done, and asks for nothing."""
    return asks_whether_possible(text) and not request_follows_question(text) and not about_elsewhere(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EligibilityCue(RuleBasedIntent):
    """Turns a service intent into check_eligibility on a question of whether it is possible that asks
    for nothing, and check_eligibility into the service on a question followed by its request."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name, text = intent.get(INTENT_NAME_KEY), message.get(TEXT) or ""
            if name in SERVICE_NAMES and asks_only_whether_possible(text):
                set_intent(message, ELIGIBILITY_INTENT, intent.get(PREDICTED_CONFIDENCE_KEY))
            elif name == ELIGIBILITY_INTENT and request_follows_question(text):
                service = _top_ranked_service(message)
                if service:
                    set_intent(message, service, intent.get(PREDICTED_CONFIDENCE_KEY))
        return messages


def _top_ranked_service(message: Message) -> Optional[str]:
    """The service intent the classifier ranked highest, if it ranked any."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    return next((r[INTENT_NAME_KEY] for r in ranking if r.get(INTENT_NAME_KEY) in SERVICE_NAMES), None)
