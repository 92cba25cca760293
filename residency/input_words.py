"""Words that users and imported files write and the domain reads: data matched against input, not
replies (tests/replies exempts this file from the reply catalogue check)."""

# The location column of a residents' CSV: the word written -> Resident.location.
LOCATIONS = {
    "inside": "inside",
    "outside": "outside",
    "داخل": "inside",
    "داخل المملكة": "inside",
    "خارج": "outside",
    "خارج المملكة": "outside",
}
