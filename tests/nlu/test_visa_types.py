"""VisaTypeExtractor: spellings -> single / multiple."""

import pytest

from nlu.visa_types import VisaTypeExtractor, find_visa_types
from tests.nlu.support import found, message


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("خروج وعوده مفرده", "single", "مفرده"),
        ("خروج وعودة مُفردة", "single", "مُفردة"),
        ("Single exit re-entry", "single", "Single"),
        ("تأشيرة متعددة", "multiple", "متعددة"),
        ("الخروج والعودة المتعدده", "multiple", "المتعدده"),
        ("ومتعدده", "multiple", "متعدده"),
        ("exit re-entry multiple", "multiple", "multiple"),
        ("مرة وحدة بس", "single", "مرة وحدة"),
    ],
)
def test_visa_types(text, value, span):
    msg = message(text)
    VisaTypeExtractor().process([msg])
    assert found(msg) == [("visa_type", value, span)]


@pytest.mark.parametrize(("text", "value"), [("5orooj w 3awda mofrada", "single"), ("ta2shira mota3adida", "multiple")])
def test_arabizi_visa_types(text, value):
    assert [e["value"] for e in find_visa_types(text)] == [value]
