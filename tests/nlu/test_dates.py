"""DateExtractor: Gregorian and Hijri numeric dates -> ISO Gregorian."""

import pytest

from nlu.dates import DateExtractor
from tests.nlu.support import found, message


def extract(text, entities=None):
    msg = message(text, entities)
    DateExtractor().process([msg])
    return found(msg, "date")


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("ينتهي 2031-05-01", "2031-05-01", "2031-05-01"),
        ("ينتهي ٢٠٣١/٥/١", "2031-05-01", "٢٠٣١/٥/١"),
        ("ينتهي 1/5/2031", "2031-05-01", "1/5/2031"),
        ("ينتهي 01-05-2031", "2031-05-01", "01-05-2031"),
        ("ينتهي 1452/07/10 هـ", "2030-11-06", "1452/07/10 هـ"),
        ("ينتهي 10/7/1452هـ", "2030-11-06", "10/7/1452هـ"),
        ("ينتهي ١٤٥٢/٠٧/١٠", "2030-11-06", "١٤٥٢/٠٧/١٠"),
        ("ينتهي في 12 مايو 2030", "2030-05-12", "12 مايو 2030"),
        ("ينتهي ١ أيار ٢٠٣١", "2031-05-01", "١ أيار ٢٠٣١"),
        ("expires May 12, 2030", "2030-05-12", "May 12, 2030"),
    ],
)
def test_dates(text, value, span):
    assert extract(text) == [("date", value, span)]


@pytest.mark.parametrize("text", ["31/2/2031", "اقامة 2180967925", "2031"])
def test_not_dates(text):
    assert extract(text) == []
