"""What both front ends need to send a passport photo: the size limit, its refusal, and the payload that
carries the zone read here to Rasa."""

from __future__ import annotations

import json

from replies import N_

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PASSPORT_INTENT = "/passport_photo"

TOO_LARGE = N_(
    "The file is too large (over 10 MB), so I did not open it. Send the passport's data page as an ordinary photo, "
    "or an image file under 10 MB."
)


def passport_payload(zone: str) -> str:
    """The intent payload carrying the zone (Rasa reads `/intent{json}` as an intent with entities)."""
    return PASSPORT_INTENT + json.dumps({"mrz": zone})
