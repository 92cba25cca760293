"""DialogueStatePolicy: states of the conversation that the intent classifier must not decide.

- The confirm step (SPEC 10.1): while a quote waits for its answer (slot `pending_quote_id` set, no form
  active), every message goes to `action_confirm_step`, which decides from the words what it means and
  executes only on the quote's own button or a plain yes (actions/confirm_step.py). A message that starts
  another service request (a service intent that is another service, or names one of its form's inputs) is
  left to the rules: they start that request, and `action_start_request` says the open offer was closed.
- Buttons act on what they were shown for, whatever is open: an owner's approve / decline button (entity
  `approval_id`) goes to `action_decide_approval`, a quote's button (entity `quote_id`) to
  `action_confirm_step`; a form in progress then asks its question again.
- After an eligibility answer (SPEC 10.2), a yes or the service's inputs without a worker ("تمام طلعها
  مفردة شهرين", "ok do it, multiple 3 months") start the service that was checked, for the worker in focus
  (slot `focus`, with its `service`): `action_start_request`, then that service's form.

The policy learns nothing; it outranks the RulePolicy (priority 5 > 4) where it predicts, and abstains
elsewhere.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

CONFIRM_STEP = "action_confirm_step"
START_REQUEST = "action_start_request"
DECIDE_APPROVAL = "action_decide_approval"
# Button payload entities (never extracted by the NLU): what the button was shown for.
APPROVAL_ENTITY = "approval_id"
QUOTE_ENTITY = "quote_id"
FORM_SUFFIX = "_form"
# The worker in focus (actions/common.py): how long it holds, and the entities that name another worker.
FOCUS_SECONDS = 30 * 60
PERSON_ENTITIES = {"iqama_number", "visa_number", "border_number", "person_name", "resident_group"}
FOLLOW_UP_INTENTS = ("affirm", "inform")


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


def checked_service(tracker: DialogueStateTracker, domain: Domain, now: Optional[float] = None) -> Optional[str]:
    """The service of the eligibility answer this message follows up ("تمام طلعها مفردة شهرين"): a yes, or
    values without a worker, right after it (the worker in focus still holds its service)."""
    focus = tracker.get_slot("focus")
    if not isinstance(focus, dict) or f"{focus.get('service')}{FORM_SUFFIX}" not in domain.forms:
        return None
    try:
        fresh = (time.time() if now is None else now) - float(focus.get("at") or 0) <= FOCUS_SECONDS
    except (TypeError, ValueError):
        return None
    intent = tracker.latest_message.intent.get("name")
    if not fresh or intent not in FOLLOW_UP_INTENTS or PERSON_ENTITIES & set(_entities(tracker)):
        return None
    return focus["service"]


def next_action(tracker: DialogueStateTracker, domain: Domain) -> Optional[str]:
    """The action this policy predicts, or None to leave the turn to the other policies."""
    latest = tracker.latest_action_name
    if latest in (CONFIRM_STEP, DECIDE_APPROVAL):
        return tracker.active_loop_name or ACTION_LISTEN_NAME
    if latest == START_REQUEST and tracker.active_loop_name is None:
        service = checked_service(tracker, domain)  # the rules start the forms of service intents
        return f"{service}{FORM_SUFFIX}" if service else None
    if latest != ACTION_LISTEN_NAME or not tracker.latest_message:
        return None
    entities = _entities(tracker)
    if APPROVAL_ENTITY in entities:
        return DECIDE_APPROVAL
    if QUOTE_ENTITY in entities:
        return CONFIRM_STEP
    if tracker.active_loop_name is not None:
        return None
    if tracker.get_slot("pending_quote_id"):
        return None if starts_another_request(tracker, domain) else CONFIRM_STEP
    return START_REQUEST if checked_service(tracker, domain) else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class DialogueStatePolicy(Policy):
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
