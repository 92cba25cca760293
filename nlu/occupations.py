"""OccupationExtractor: the known occupations (lookup table `occupation`) -> canonical `occupation`.

The lookup table and the synonyms of its occupations (English titles, Arabic and English aliases) are
generated from the classification residency/occupations.yml (scripts/gen_lookups.py), so the value is
always the canonical title of the classification ("حارس أمن", "فني كهرباء" for "كهربجي"), whatever the
user wrote: matching is on
normalised text (hamza forms, ة/ه, ى/ي, diacritics, tatweel), with an optional article on each
word ("المهندس المدني"), an optional feminine ه ("ممرضه" -> "ممرض") and an optional leading clitic
(و ف ب ل ك, "لل") kept outside the span: "ل[مهندس مدني]", "ل[لمحاسب]" in "للمحاسب".

Rasa's RegexEntityExtractor is not used: it wraps patterns in \\b (broken by diacritics) and does
not match "لمحاسب" or give canonical values.

Words that are also everyday words ("عامل" = the worker, "بناء" = based on) are only taken as an
occupation when the message is nothing but the occupation (a bare answer to "which occupation?").
Other spellings come from the training data's synonyms whose value is a known occupation (the
generated ones, and inline ones such as "[accountant]{"entity": "occupation", "value": "محاسب"}").
With a few thousand spellings, a message is only matched against those whose first word occurs in it. Occupations are not extracted for the
intents where they cannot be a slot value (config `skip_intents`): in "خروج نهائي للعاملة المنزلية"
the occupation names the worker.

An occupation found by an earlier ML extractor (CRF) that the list does not contain gets the closest
known occupation as its value when the spelling is close (typos); otherwise it is kept as written
only when the extractor was confident (so the dialogue can say the occupation is not in the list)
and dropped when not (CRF tends to guess names after "ل" as occupations). An occupation kept as written
loses its invisible and direction characters (residency.text_safety.strip_controls).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rapidfuzz import fuzz, process
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import rasa.shared.utils.io

from residency.text_safety import strip_controls

from nlu.components import read_stored_json
from nlu.entities import make_entity, replace_entities
from residency.services import ALL_SERVICES
from nlu.normalize import normalize, normalize_with_offsets

OCCUPATIONS_FILE = "occupations.json"
_FEMININE = "ه"


def _word_pattern(word: str, first: bool) -> str:
    article = "(?:ال|ل)?" if first else "(?:ال)?"  # "ل" = the article after the clitic ل ("للمحاسب")
    feminine = "" if word.endswith(_FEMININE) else f"{_FEMININE}?"
    return article + re.escape(word) + feminine


def _core(word: str) -> str:
    return word[:-1] if len(word) > 2 and word.endswith(_FEMININE) else word


@lru_cache(maxsize=4096)
def _compiled(alternatives: Tuple[str, ...]) -> "re.Pattern[str]":
    """One pattern for these alternatives (longest first, as given), an optional clitic in front."""
    return re.compile(r"(?<!\w)(?:[وف]?[بلك]|[وف])?(?:" + "|".join(alternatives) + r")(?!\w)")


class OccupationMatcher:
    """Finds known occupations in a text; see the module docstring."""

    def __init__(self, occupations: List[str], bare_only: List[str], synonyms: Optional[Dict[str, str]] = None) -> None:
        """`occupations` canonical names; `synonyms` other spellings -> canonical name ("accountant" -> "محاسب");
        `bare_only` names that are also everyday words, matched only when they are the whole message."""
        known = set(occupations)
        self.canonical_by_normalized = {normalize(o): o for o in occupations}
        for synonym, canonical in (synonyms or {}).items():
            if canonical in known:
                self.canonical_by_normalized.setdefault(normalize(synonym), canonical)
        self.bare_only = {normalize(o) for o in bare_only}
        self._groups: Dict[str, str] = {}
        self._alternatives: List[str] = []
        # First word (without a feminine ه) -> indexes of the alternatives starting with it.
        self._by_first_word: Dict[str, List[int]] = {}
        for index, normalized in enumerate(sorted(self.canonical_by_normalized, key=len, reverse=True)):
            group = f"o{index}"
            self._groups[group] = normalized
            words = normalized.split()
            if not words:
                continue
            body = r"\s+".join(_word_pattern(w, i == 0) for i, w in enumerate(words))
            self._by_first_word.setdefault(_core(words[0]), []).append(len(self._alternatives))
            self._alternatives.append(f"(?P<{group}>{body})")

    def _pattern(self, text: str) -> Optional["re.Pattern[str]"]:
        """The pattern of the alternatives whose first word occurs in `text` (normalised), or None."""
        indexes = set()
        for token in re.findall(r"\w+", text):
            # Clitics and article in front ("وبال", "لل"), a feminine ه at the end.
            for cut in range(min(len(token) - 1, 4) + 1):
                rest = token[cut:]
                for variant in (rest, rest[2:] if rest.startswith("ال") else ""):
                    if variant:
                        indexes.update(self._by_first_word.get(_core(variant), ()))
        return _compiled(tuple(self._alternatives[i] for i in sorted(indexes))) if indexes else None

    def find(self, text: str) -> List[Tuple[int, int, str]]:
        """(start, end, canonical occupation) in the original text."""
        normalized = normalize_with_offsets(text)
        pattern = self._pattern(normalized.text)
        if pattern is None:
            return []
        found = []
        for match in pattern.finditer(normalized.text):
            group = match.lastgroup
            occupation = self._groups[group]
            if occupation in self.bare_only and (
                normalized.text[: match.start()].strip() or normalized.text[match.end() :].strip(" .!؟?")
            ):
                continue
            start, end = normalized.span(*match.span(group))
            found.append((start, end, self.canonical_by_normalized[occupation]))
        return found

    def closest(self, written: str, cutoff: float) -> Optional[str]:
        """The canonical occupation closest to `written` when at least `cutoff` similar."""
        best = process.extractOne(
            normalize(written), list(self.canonical_by_normalized), scorer=fuzz.ratio, score_cutoff=cutoff
        )
        return self.canonical_by_normalized[best[0]] if best else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class OccupationExtractor(GraphComponent, EntityExtractorMixin):
    """Lookup-table extractor of `occupation` with canonical values (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            "lookup_table": "occupation",
            # Also everyday words ("العامل" = the worker, "بناء" = based on): only a whole message is an occupation.
            # Aliases of the classification that are everyday words too: "قابلة للتجديد", "مشتري", "كاتب".
            "bare_only": ["عامل", "بناء", "قابلة", "مشتري", "كاتب", "دكتور", "مستشار", "مراسل", "صراف"],
            # Intents where an occupation is never a slot value: "خروج نهائي للعاملة المنزلية" names the
            # worker, "اقرب صيدلية" is a pharmacy. Short bare answers misread as greet/help/... keep it.
            "skip_intents": [
                *(service for service in ALL_SERVICES if service != "change_occupation"),
                "out_of_scope",
                "request_document",
                "pending_approvals",
                # The owner's tools name agents and users («المندوب خالد»), never an occupation.
                "manage_users",
                "show_activity",
                "choose_establishment",
            ],
            # rapidfuzz ratio (0-100) for mapping an ML-extracted occupation to a known one.
            "fuzzy_cutoff": 85,
            # An ML-extracted occupation that is not in the list is kept only when this confident.
            "min_unknown_confidence": 0.6,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        occupations: List[str],
        synonyms: Optional[Dict[str, str]] = None,
    ) -> None:
        """Creates the extractor for the given canonical occupations and their other spellings."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.occupations = occupations
        self.synonyms = synonyms or {}
        self.matcher = OccupationMatcher(occupations, self._config["bare_only"], self.synonyms)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OccupationExtractor":
        """Creates an extractor that knows no occupation yet."""
        return cls(config, model_storage, resource, [])

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "OccupationExtractor":
        """Loads the occupations stored in training."""
        stored = read_stored_json(model_storage, resource, OCCUPATIONS_FILE)
        if stored is None:
            return cls(config, model_storage, resource, [])
        return cls(config, model_storage, resource, stored["occupations"], stored["synonyms"])

    def train(self, training_data: TrainingData) -> Resource:
        """Takes the occupations from the lookup table (warns when there is none) and their synonyms."""
        name = self._config["lookup_table"]
        occupations = [
            str(element)
            for table in training_data.lookup_tables
            if table.get("name") == name
            for element in table.get("elements", [])
        ]
        if not occupations:
            rasa.shared.utils.io.raise_warning(
                f"OccupationExtractor: no lookup table named '{name}' in the training data."
            )
        known = set(occupations)
        self.occupations = occupations
        self.synonyms = {k: v for k, v in training_data.entity_synonyms.items() if v in known}
        self.matcher = OccupationMatcher(occupations, self._config["bare_only"], self.synonyms)
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / OCCUPATIONS_FILE, {"occupations": occupations, "synonyms": self.synonyms}
            )
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds known occupations with canonical values; maps earlier ML occupations to the list."""
        skip_intents = set(self._config["skip_intents"])
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            if (message.get(INTENT) or {}).get("name") in skip_intents:
                replace_entities(message, ("occupation",), [])
                continue
            found = [
                make_entity("occupation", canonical, start, end, text, self.__class__.__name__)
                for start, end, canonical in self.matcher.find(text)
            ]
            for entity in message.get(ENTITIES, []):
                if entity["entity"] == "occupation" and not any(
                    entity["start"] < new["end"] and new["start"] < entity["end"] for new in found
                ):
                    closest = self.matcher.closest(str(entity.get("value", "")), self._config["fuzzy_cutoff"])
                    if closest:
                        found.append({**entity, "value": closest})
                    elif (entity.get("confidence_entity") or 0.0) >= self._config["min_unknown_confidence"]:
                        value = entity.get("value")
                        found.append({**entity, "value": strip_controls(value) if isinstance(value, str) else value})
            replace_entities(message, ("occupation",), found)
        return messages
