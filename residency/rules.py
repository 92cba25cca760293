"""Loads residency/rules.yml: every fee, duration and limit of the services, as data.

`RULES` is the parsed file; the small helpers below only look values up, they hold no figures.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).with_name("rules.yml")


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Any]:
    with RULES_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


RULES: dict[str, Any] = load_rules()


def occupations() -> list[str]:
    """The canonical occupation titles: the classification of residency/occupations.yml."""
    from residency.occupations import titles

    return titles()


def domestic_occupations() -> set[str]:
    """Occupations without expat levy: the `domestic` flag of residency/occupations.yml."""
    from residency.occupations import domestic_titles

    return domestic_titles()
