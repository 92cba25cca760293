"""`python -m runtime.action_server --actions actions -p PORT`: rasa_sdk's action server that refuses
(HTTP 401) every request without the hop token (runtime.hops), except its /health check, keeps its
memory bounded (runtime.memory: a few action threads, freed memory given back) and serves its metrics at
/metrics (runtime.metrics, runtime.action_metrics).

rasa_sdk authenticates nobody: any local process could POST /webhook and run action_confirm_step
for any sender. Rasa sends the token as the `token` query parameter of its action endpoint
(endpoints: `token: ${MUQEEM_HOP_TOKEN}`).
"""

from __future__ import annotations

import gc
import logging
import os

import rasa_sdk.endpoint
from sanic import response

from runtime import action_metrics, memory
from runtime.hops import HOP_TOKEN_VARIABLE, presented_token, token_matches
from runtime.metrics import ACTIONS, metrics_response

logger = logging.getLogger(__name__)
OPEN_PATHS = ("/health",)
_original_create_app = rasa_sdk.endpoint.create_app


def create_app(*args, **kwargs):
    """rasa_sdk's app with the token check in front of every route but /health."""
    app = _original_create_app(*args, **kwargs)
    expected = os.environ.get(HOP_TOKEN_VARIABLE) or None
    if expected is None:
        logger.warning("%s is not set: the action server accepts every caller", HOP_TOKEN_VARIABLE)

    @app.middleware("request")
    async def require_token(request):
        if request.path in OPEN_PATHS:
            return None
        if not token_matches(expected, presented_token(request.headers, request.args)):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.get("/metrics")
    async def metrics(request):
        return metrics_response(ACTIONS, request)

    @app.listener("before_server_start")
    async def keep_memory_bounded(app, loop):
        memory.bound_action_threads(loop)
        app.add_task(memory.trim_periodically())
        gc.collect()
        gc.freeze()  # what start-up loaded stays out of the full collections' pauses (runtime/rasa_server.py)

    return app


def main() -> None:
    action_metrics.install()
    rasa_sdk.endpoint.create_app = create_app
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
