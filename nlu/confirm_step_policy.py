"""ConfirmStepPolicy: the confirm step as a state of the dialogue, not a guess of the intent classifier.

While a quote waits for its answer (slot `pending_quote_id` set, no form active), every message goes to
`action_confirm_step`, which decides from the words what it means and executes only on the quote's own
button or a plain yes (actions/confirm_step.py). A message that starts another service request (a service
intent that is another service, or names one of its form's inputs) is left to the rules: they start that
request, and `action_start_request` says the open offer was closed.

Buttons act on what they were shown for, whatever is open: an owner's approve / decline button
(entity `approval_id`) goes to `action_decide_approval`, a quote's button (entity `quote_id`) to
`action_confirm_step`; a form in progress then asks its question again.

The policy learns nothing; it outranks the RulePolicy (priority 5 > 4) where it predicts, and abstains
elsewhere.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

CONFIRM_STEP = "action_confirm_step"
DECIDE_APPROVAL = "action_decide_approval"
# Button payload entities (never extracted by the NLU): what the button was shown for.
APPROVAL_ENTITY = "approval_id"
QUOTE_ENTITY = "quote_id"
FORM_SUFFIX = "_form"


def _entities(tracker: DialogueStateTracker) -> Dict[str, Any]:
    return {e.get("entity"): e.get("value") for e in tracker.latest_message.entities or []}


def starts_another_request(tracker: DialogueStateTracker, domain: Domain) -> bool:
    """The message is a service request the rules start: another service than the open quote's, or the
    same one naming one of its form's inputs (a correction the form quotes again)."""
    intent = tracker.latest_message.intent.get("name")
    form = domain.forms.get(f"{intent}{FORM_SUFFIX}")
    if form is None:
        return False
    quote = tracker.get_slot("pending_quote")
    if not isinstance(quote, dict) or quote.get("service") != intent:
        return True
    return bool(set(form.get("required_slots") or []) & set(_entities(tracker)))


def next_action(tracker: DialogueStateTracker, domain: Domain) -> Optional[str]:
    """The action this policy predicts, or None to leave the turn to the other policies."""
    latest = tracker.latest_action_name
    if latest in (CONFIRM_STEP, DECIDE_APPROVAL):
        return tracker.active_loop_name or ACTION_LISTEN_NAME
    if latest != ACTION_LISTEN_NAME or not tracker.latest_message:
        return None
    entities = _entities(tracker)
    if APPROVAL_ENTITY in entities:
        return DECIDE_APPROVAL
    if QUOTE_ENTITY in entities:
        return CONFIRM_STEP
    at_confirm_step = tracker.active_loop_name is None and tracker.get_slot("pending_quote_id")
    if at_confirm_step and not starts_another_request(tracker, domain):
        return CONFIRM_STEP
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ConfirmStepPolicy(Policy):
    """See the module docstring."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 5}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_action(tracker, domain)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
