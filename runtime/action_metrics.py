"""What the action server counts (runtime/metrics.py), observed from outside the actions and the domain:
each action run timed (rasa_sdk's executor), each refusal the actions answer (actions.common.answer_error
with the domain's error code), each service executed (a Transaction row committed, from SQLAlchemy's
session events) and each failure the actions or rasa_sdk log as an error."""

from __future__ import annotations

import logging

from rasa_sdk.executor import ActionExecutor
from sqlalchemy import event
from sqlalchemy.orm import Session

import actions.common
from residency.errors import ResidencyError
from residency.models import Transaction
from runtime.metrics import ACTION_SECONDS, EXECUTIONS, REFUSALS, FailureCounter

_run = ActionExecutor.run
_answer_error = actions.common.answer_error
EXECUTED = "muqeem_executed_services"  # Session.info key: services of the transactions not committed yet


async def timed_run(self: ActionExecutor, action_call: dict):
    """ActionExecutor.run, timed under the action's name (an unknown name under "unknown")."""
    name = action_call.get("next_action")
    with ACTION_SECONDS.labels(name if name in self.actions else "unknown").time():
        return await _run(self, action_call)


def answer_error(dispatcher, error: Exception) -> None:
    """actions.common.answer_error, counting a refusal by its rule."""
    if isinstance(error, ResidencyError):
        REFUSALS.labels(error.code).inc()
    _answer_error(dispatcher, error)


def note_executions(session: Session, flush_context, instances) -> None:
    session.info.setdefault(EXECUTED, []).extend(item.service for item in session.new if isinstance(item, Transaction))


def count_executions(session: Session) -> None:
    for service in session.info.pop(EXECUTED, ()):
        EXECUTIONS.labels(service).inc()


def forget_executions(session: Session) -> None:
    session.info.pop(EXECUTED, None)


def install() -> None:
    ActionExecutor.run = timed_run
    actions.common.answer_error = answer_error  # DomainAction._run calls it by this module-level name
    event.listen(Session, "before_flush", note_executions)
    event.listen(Session, "after_commit", count_executions)
    event.listen(Session, "after_rollback", forget_executions)
    failures = FailureCounter()
    for logger_name in ("actions", "rasa_sdk"):
        logging.getLogger(logger_name).addHandler(failures)
