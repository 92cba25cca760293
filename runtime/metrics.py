"""Prometheus metrics of the REST channel (in the Rasa server) and of the action server: the operator's
view (issue 24). Each server answers GET on its /metrics path with its own registry, behind the same
secret as its other routes (frontends/hop_secret.py: MUQEEM_CHANNEL_TOKEN, else the kept hop token).

- REST channel: messages by outcome (answered; busy: past the bound; refused: empty, too long or a control
  payload, answered by the channel itself; failed: Rasa answered nothing), reply items, the time from a
  message reaching the channel to its answer, messages in Rasa at the moment.
- Action server: runs and their duration by action, services executed (transactions committed) by
  service, refusals by the domain's rule (its error code), failures (an apology instead of an answer) by
  where they were logged.
"""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sanic import response

from frontends.hop_secret import hop_token_given, presented_token, token_matches

SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30.0, 60.0, 120.0)

CHANNEL = CollectorRegistry()
MESSAGES = Counter(
    "muqeem_messages", "Messages received over the REST channel, by outcome", ["outcome"], registry=CHANNEL
)
REPLIES = Counter("muqeem_replies", "Reply items sent back over the REST channel", registry=CHANNEL)
TURN_SECONDS = Histogram(
    "muqeem_turn_seconds",
    "From a message reaching the REST channel to its answer",
    buckets=SECONDS_BUCKETS,
    registry=CHANNEL,
)
IN_FLIGHT = Gauge("muqeem_messages_in_flight", "Messages in Rasa at this moment", registry=CHANNEL)

ACTIONS = CollectorRegistry()
ACTION_SECONDS = Histogram(
    "muqeem_action_seconds",
    "Action runs and their duration, by action",
    ["action"],
    buckets=SECONDS_BUCKETS,
    registry=ACTIONS,
)
EXECUTIONS = Counter("muqeem_executions", "Services executed (transactions committed)", ["service"], registry=ACTIONS)
REFUSALS = Counter(
    "muqeem_refusals", "Requests the domain refused, by its rule (error code)", ["rule"], registry=ACTIONS
)
FAILURES = Counter(
    "muqeem_failures", "Failures answered with an apology, by the logger that told", ["where"], registry=ACTIONS
)


def metrics_response(registry: CollectorRegistry, request) -> response.HTTPResponse:
    """The registry in Prometheus' text format, for a request carrying the secret (else HTTP 401)."""
    if not token_matches(hop_token_given(), presented_token(request.headers, request.args)):
        return response.json({"error": "unauthorized"}, status=401)
    return response.raw(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class FailureCounter(logging.Handler):
    """Counts the errors logged under the loggers it is added to (a failure each)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        FAILURES.labels(record.name).inc()
