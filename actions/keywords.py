"""Words the actions look for in users' messages, in Arabic and English: data matched against input, not
replies (tests/replies exempts this file from the reply catalogue check)."""

from __future__ import annotations

import re

# The Latin and the Arabic question mark (U+061F).
ARABIC_QUESTION_MARK = chr(0x061F)
QUESTION_MARKS = ("?", ARABIC_QUESTION_MARK)

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

# What an owner asks about users ("وقف المندوب يوسف", "ضيف مندوب ..."), the first that matches; else a list.
USER_ACTIONS = (
    ("suspend", re.compile(r"وقف|اوقف|أوقف|علق|عل[ّ]?ق|suspend|block|disable", re.IGNORECASE)),
    ("reactivate", re.compile(r"رجع|رجّع|فعل|فعّل|reactivate|enable|unblock", re.IGNORECASE)),
    ("remove", re.compile(r"احذف|حذف|شيل|امسح|remove|delete", re.IGNORECASE)),
    ("edit", re.compile(r"صلاحي|(?<!\w)خل(?:ي|ه)? |بعد$|permission|(?<!\w)let |change|edit", re.IGNORECASE)),
    ("add", re.compile(r"ضيف|اضف|أضف|اضافة|إضافة|اضافه|حساب|جديد|add|create|new", re.IGNORECASE)),
)
# The period of an activity question ("وش سوى أحمد اليوم؟", "activity this week").
ACTIVITY_PERIODS = (
    ("today", re.compile(r"اليوم|النهارده|النهاردة|الليلة|هاليوم|today", re.IGNORECASE)),
    ("week", re.compile(r"الاسبوع|الأسبوع|هالاسبوع|الجمعة|week", re.IGNORECASE)),
    ("month", re.compile(r"الشهر|هالشهر|month", re.IGNORECASE)),
)
# Words before the establishment an account chooses ("اشتغل على مؤسسة النور", "switch to Al Noor"): dropped
# from the front of the message, what is left names the establishment.
ESTABLISHMENT_CUES = frozenset(
    """ابي ابغى ابغا عايز بدي ودي اريد أريد اشتغل اعمل حولني حوّلني انتقل بدل بدّل غير غيّر على علي ل الى إلى لـ
    المنشأة المنشاة switch change work to on please pls i want""".split()
)
# A place in the list of the account's establishments, written as a word.
ORDINALS = {
    "الاولى": 1, "الأولى": 1, "الاولي": 1, "first": 1, "الثانية": 2, "الثانيه": 2, "التانية": 2, "second": 2,
    "الثالثة": 3, "الثالثه": 3, "التالتة": 3, "third": 3, "الرابعة": 4, "fourth": 4,
}  # fmt: skip

# A place in the latest list shown (SPEC 10.2: «جدد اقامة اول واحد», «الثاني», "the 2nd one", "the last one"):
# an ordinal with its article or followed by "one" (a bare «اول» or "last" says too little), on text
# normalised by residency.names.normalize_name; a clitic ل / لل / ب before the article is allowed.
_ARABIC_PLACES = {
    1: "اول|اولي",
    2: "ثاني|ثانيه|تاني|تانيه",
    3: "ثالث|ثالثه|تالت|تالته",
    4: "رابع|رابعه",
    5: "خامس|خامسه",
    6: "سادس|سادسه",
    7: "سابع|سابعه",
    8: "ثامن|ثامنه|تامن|تامنه",
    9: "تاسع|تاسعه",
    10: "عاشر|عاشره",
    -1: "اخر|اخير|اخيره",
}
_ENGLISH_PLACES = {
    1: "first|1st",
    2: "second|2nd",
    3: "third|3rd",
    **{
        place: f"{word}|{place}th"
        for place, word in enumerate(("fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"), 4)
    },
    -1: "last",
}
ARABIC_PLACE = {
    place: re.compile(rf"(?:^|\s)(?:(?:(?:ل|ب)?ال|لل)(?:{words})(?=\s|$)|(?:{words}) (?:واحد|وحده))")
    for place, words in _ARABIC_PLACES.items()
}
ENGLISH_PLACE = {
    place: re.compile(rf"\b(?:the (?:{words})\b|(?:{words}) one\b)", re.IGNORECASE)
    for place, words in _ENGLISH_PLACES.items()
}
