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

# A receipt or transaction asked for by its number ("ايصال رقم 12", "receipt no. 12", "العملية 7"): a few
# digits, never an identifier's ten.
RECEIPT_NUMBER = re.compile(
    r"(?:رقم|number|no\.?|#|العملية|عملية|المعاملة|معاملة|receipt|transaction)\s*(\d{1,7})(?!\d)", re.IGNORECASE
)
# The latest transaction ("ايصال آخر عملية", "last transaction's receipt").
LAST_TRANSACTION = re.compile(r"(?:آخر|اخر|أخر|الأخيرة|الاخيرة|last|latest)", re.IGNORECASE)
# How many transactions are asked for ("آخر ٥ عمليات", "last 3 transactions", "آخر خمس عمليات").
COUNT_WORDS = {
    "عمليتين": 2,
    "معاملتين": 2,
    "ثلاث": 3,
    "ثلاثة": 3,
    "تلات": 3,
    "اربع": 4,
    "أربع": 4,
    "خمس": 5,
    "خمسة": 5,
    "ست": 6,
    "ستة": 6,
    "سبع": 7,
    "ثمان": 8,
    "تسع": 9,
    "عشر": 10,
    "عشرة": 10,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
}
COUNT = re.compile(r"(?<!\d)(\d{1,3})(?!\d)|(\w+)")

# Greetings answered in kind (SPEC 10.3), matched on the message: the kind names the answer
# (actions/conversation.py GREETING_ANSWERS).
GREETINGS = (
    ("peace", re.compile(r"سلام|salam|salaam|assalam", re.IGNORECASE)),
    ("morning", re.compile(r"صباح|sabah|good morning|morning", re.IGNORECASE)),
    ("evening", re.compile(r"مساء|masa|good evening|evening", re.IGNORECASE)),
)
