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
    return list(RULES["occupations"])


def domestic_occupations() -> set[str]:
    return set(RULES["domestic_occupations"])
