"""Words the actions look for in users' messages, in Arabic and English: data matched against input, not
replies (tests/replies exempts this file from the reply catalogue check)."""

from __future__ import annotations

import re

# A stated horizon of a group of iqamas ("خلال 60 يوم", "within 2 months"): the count and its unit.
HORIZON = re.compile(
    r"(?:خلال|في|بعد|within|in|next)\s+(?:ال)?(\d+)\s*(يوم|أيام|ايام|days?|شهر|شهور|أشهر|اشهر|months?)",
    re.IGNORECASE,
)
# How a HORIZON unit that means months begins (else it means days).
MONTH_UNIT_STARTS = ("ش", "أ", "ا", "month")

# An owner turning approvals off ("بدون موافقات", "no approvals").
APPROVALS_OFF = re.compile(r"بدون|الغ|إلغ|ألغ|اوقف|أوقف|وقف|شيل|off|disable|stop|remove|no approvals?", re.IGNORECASE)
# Digits of an amount, with the Latin or the Arabic thousands separator ("5,000", "5٬000").
AMOUNT = re.compile(r"(\d[\d,٬]*)")
THOUSANDS_SEPARATORS = re.compile(r"[,٬]")
