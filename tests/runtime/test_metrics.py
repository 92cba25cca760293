"""The operator's view (issue 24): what the REST channel, the action server and the bot count, and their
/metrics pages behind the hops' secret."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from aiohttp.test_utils import make_mocked_request

from frontends.telegram_bot import metrics as bot_metrics
from residency.errors import Refusal
from residency.models import Transaction
from runtime import action_metrics, metrics
from runtime.rest_channel import InFlight, bounded


def value(registry, name: str, **labels) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def _message(text: str):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    return UserMessage(text, CollectingOutputChannel(), "42")


def test_the_rest_channel_counts_each_message_by_outcome_its_replies_and_its_time():
    before = {
        outcome: value(metrics.CHANNEL, "muqeem_messages_total", outcome=outcome)
        for outcome in ("answered", "busy", "failed")
    }
    replies, turns = value(metrics.CHANNEL, "muqeem_replies_total"), value(metrics.CHANNEL, "muqeem_turn_seconds_count")

    async def two_replies(message) -> None:
        await message.output_channel.send_text_message("42", "أهلًا")
        await message.output_channel.send_text_message("42", "كيف أخدمك؟")

    async def nothing(message) -> None:
        return None

    async def scenario():
        await bounded(two_replies, InFlight(always=1, bound=1))(_message("مرحبا"))
        await bounded(nothing, InFlight(always=1, bound=1))(
            _message("مرحبا")
        )  # Rasa swallowed an error: an empty answer
        await bounded(two_replies, InFlight(always=0, bound=0))(_message("مرحبا"))  # no slot: busy

    asyncio.run(scenario())
    for outcome in ("answered", "busy", "failed"):
        assert value(metrics.CHANNEL, "muqeem_messages_total", outcome=outcome) == before[outcome] + 1
    assert value(metrics.CHANNEL, "muqeem_replies_total") == replies + 2
    assert value(metrics.CHANNEL, "muqeem_turn_seconds_count") == turns + 2


def test_the_action_server_counts_refusals_by_rule_and_executions_committed_by_service():
    refused = value(metrics.ACTIONS, "muqeem_refusals_total", rule="passport_number_taken")
    action_metrics.answer_error(SimpleNamespace(utter_message=lambda **_: None), Refusal("passport_number_taken", "x"))
    assert value(metrics.ACTIONS, "muqeem_refusals_total", rule="passport_number_taken") == refused + 1

    executed = value(metrics.ACTIONS, "muqeem_executions_total", service="renew_iqama")
    session = SimpleNamespace(info={}, new=[Transaction(service="renew_iqama"), object()])
    action_metrics.note_executions(session, None, None)
    action_metrics.forget_executions(session)  # rolled back: nothing executed
    action_metrics.count_executions(session)
    assert value(metrics.ACTIONS, "muqeem_executions_total", service="renew_iqama") == executed
    action_metrics.note_executions(session, None, None)
    action_metrics.count_executions(session)  # committed
    assert value(metrics.ACTIONS, "muqeem_executions_total", service="renew_iqama") == executed + 1


def test_failures_are_counted_from_the_errors_logged():
    import logging

    logger = logging.getLogger("actions.metrics_test")
    counter = metrics.FailureCounter()
    logger.addHandler(counter)
    try:
        before = value(metrics.ACTIONS, "muqeem_failures_total", where="actions.metrics_test")
        logger.error("unexpected failure in %s", "action_x")
        logger.warning("not a failure")
        assert value(metrics.ACTIONS, "muqeem_failures_total", where="actions.metrics_test") == before + 1
    finally:
        logger.removeHandler(counter)


def test_a_metrics_page_needs_the_secret(monkeypatch):
    monkeypatch.setenv("MUQEEM_HOP_TOKEN", "s3cret")
    anonymous = SimpleNamespace(headers={}, args={})
    with_token = SimpleNamespace(headers={"Authorization": "Bearer s3cret"}, args={})
    assert metrics.metrics_response(metrics.CHANNEL, anonymous).status == 401
    page = metrics.metrics_response(metrics.CHANNEL, with_token)
    assert page.status == 200 and b"muqeem_messages_total" in page.body

    async def bot_pages():
        refused = await bot_metrics.metrics(make_mocked_request("GET", "/metrics"))
        served = await bot_metrics.metrics(
            make_mocked_request("GET", "/metrics", headers={"Authorization": "Bearer s3cret"})
        )
        return refused, served

    refused, served = asyncio.run(bot_pages())
    assert refused.status == 401
    assert served.status == 200 and b"muqeem_bot_updates_total" in served.body


def test_the_bot_tells_updates_apart():
    assert bot_metrics.update_kind("جدد اقامة", button=False, upload=False) == "text"
    assert bot_metrics.update_kind("/start ABC", button=False, upload=False) == "command"
    assert bot_metrics.update_kind(None, button=True, upload=False) == "button"
    assert bot_metrics.update_kind(None, button=False, upload=True) == "upload"
