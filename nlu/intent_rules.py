"""The base of the rule-based intent components (nlu.bare_values, nlu.eligibility_cues): stateless, they
run after the classifier and may replace its intent."""

from __future__ import annotations

from typing import Optional

from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu.components import Stateless


class RuleBasedIntent(Stateless, IntentClassifier):
    """A component without training or configuration that sets intents by rule (see `set_intent`)."""


def set_intent(message: Message, name: str, confidence: Optional[float]) -> None:
    """Make `name` the message's intent with `confidence`, first in the ranking (its other entry dropped)."""
    chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)
