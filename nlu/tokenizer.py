"""ArabicTokenizer: normalised tokens with offsets into the user's original text, attached clitics split.

Token text is the matching-normalised form (no diacritics or tatweel, one alef, ي/ه/و for ى/ة/ؤ,
ASCII digits, lower-case Latin), which is what the featurizers read; token start/end point into the
text exactly as the user wrote it, so entities extracted from tokens point there too.
Invisible and direction characters (RLM, right-to-left override, zero-width space, ...) are dropped
by the normalisation like diacritics: "266392<U+202E>3320" is one token "2663923320" whose start/end
cover the mark; a mark before or after a word is outside its token.

Clitic splitting is conservative. A leading و/ف (and) and then ب/ل/ك (with, for, like) are split
off only when what is left is a word seen in the training data or lookup tables (at least three
letters) and the word is not itself one the annotators kept whole inside an entity. "لل" + word is
split into "ل" + "ال"-word. A leading "ل" is also split from a word never seen in training ("لرحيم"
-> "ل" "رحيم"), because "for <name>" is the commonest way users attach a clitic to an entity;
a short list of everyday ل-words (لازم, ليش, ...) and ل-initial names is never split. Letters and
digits are separate tokens ("ل٢١٨..." -> "ل" "218...").

In an Arabizi message ("tajdeed e8ama 2XXX sana", nlu.arabizi) the Latin words are spelt in Arabic
letters ("تجديد اقمه 2XXX سنه"), numbers and identifiers left as they are; offsets still point at what
the user wrote.

Each token also carries, for CRFEntityExtractor's "pattern" feature, whether its word was seen
outside any entity in training: a word that never was is most likely a name. On the training data
itself this is computed leave-one-out (see `process_training_data`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import rasa.shared.utils.io

from nlu.arabizi import is_arabizi, is_spelt_word, to_arabic
from nlu.components import read_stored_json
from nlu.normalize import normalize, normalize_with_offsets

# On normalised text: Latin letters and digits together (passport "a1234567"), Arabic-script letters
# together, anything else that is a word character.
_WORD = re.compile(r"[a-z0-9]+|[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]+|[^\W_]+")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]+")

_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")
_MIN_STEM = 3

# Everyday words and names that start with a clitic letter but are one word (normalised spelling).
NEVER_SPLIT = frozenset(
    normalize(w)
    for w in """
    لازم لازمه لسه لسا لين لما لكن لان لانه لاني لانها لقيت لقيته ليه ليش ليس ليست لحين لحد لغايه
    لعند لطفا لاعب لبنان لبناني لبنانيه ليبيا ليبي ليلى ليلي لطيفه لؤي لوي لبنى لمى لينا لجين لقمان
    لطفي لؤلؤه لولو ليث لميس لبيب
    واحد واحده وين ولا والله وليد وفاء وائل وديع وصل وصلت وصول وقت ولد وزير وكيل وكاله وظيفه
    بس بدي بعد بكره باسم بلال بدر بشير بكر بسام بندر باقي بطاقه برا بره
    فيصل فهد فواز فارس فاطمه فتحي فيزا فقط فاتوره
    كامل كريم كمال كفاله كيف كذا كمان كلها كل
    """.split()
)

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ArabicTokenizer(Tokenizer):
    """Tokenizer for Arabic (any dialect) mixed with English; see the module docstring."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Split clitics off words (see the module docstring).
            "split_clitics": True,
            # Spell the Latin words of an Arabizi message in Arabic letters (nlu.arabizi).
            "spell_arabizi": True,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        vocabulary: Iterable[str] = (),
        protected: Iterable[str] = (),
        context_words: Iterable[str] = (),
    ) -> None:
        """Creates the tokenizer with the known vocabulary, the words never to split and the words seen
        outside entities."""
        super().__init__({**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Set[str] = set(vocabulary)
        self.protected: Set[str] = set(protected)
        self.context_words: Set[str] = set(context_words)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ArabicTokenizer":
        """Creates a new, untrained tokenizer."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ArabicTokenizer":
        """Loads the vocabulary learnt in training (an untrained tokenizer if there is none)."""
        stored = read_stored_json(model_storage, resource, VOCABULARY_FILE)
        if stored is None:
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, stored["vocabulary"], stored["protected"], stored["context_words"])

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the known words (training texts, lookup tables) and the words kept whole in entities."""
        self.vocabulary, self.protected = learn_vocabulary(training_data)
        self.context_words = self._words_outside_entities(training_data)
        if self._model_storage is not None and self._resource is not None:
            with self._model_storage.write_to(self._resource) as directory:
                rasa.shared.utils.io.dump_obj_as_json_to_file(
                    directory / VOCABULARY_FILE,
                    {
                        "vocabulary": sorted(self.vocabulary),
                        "protected": sorted(self.protected),
                        "context_words": sorted(self.context_words),
                    },
                )
        return self._resource

    def _words_outside_entities(self, training_data: TrainingData) -> Set[str]:
        """Token texts (clitics split) that occur somewhere in training outside every entity."""
        words: Set[str] = set()
        for example in training_data.training_examples:
            words |= self._example_context_words(example)
        return words

    def _example_context_words(self, example: Message) -> Set[str]:
        if not example.get(TEXT):
            return set()
        entities = example.get("entities") or []
        return {
            token.text
            for token in self.tokenize(example, TEXT)
            if not any(e["start"] < token.end and token.start < e["end"] for e in entities)
        }

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Tokenizes the training data; the "seen outside entities" feature is leave-one-out.

        A word counts as seen for a training example only when some OTHER example has it outside an
        entity. Otherwise every non-entity word would be "seen" in training and CRF would learn that
        an unseen word is always a name, which at prediction time (typos, new words) it is not.
        """
        training_data = super().process_training_data(training_data)
        counts: Counter = Counter()
        own_words = {}
        for example in training_data.training_examples:
            own_words[id(example)] = self._example_context_words(example)
            counts.update(own_words[id(example)])
        for example in training_data.training_examples:
            own = own_words[id(example)]
            for token in example.get(TOKENS_NAMES[TEXT]) or []:
                others = counts[token.text] - (1 if token.text in own else 0)
                token.set("pattern", {"seen_outside_entities": others > 0})
        return training_data

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Normalised tokens with original-text offsets."""
        text = message.get(attribute)
        normalized = normalize_with_offsets(text)
        arabizi = self._config["spell_arabizi"] and is_arabizi(normalized.text)
        tokens: List[Token] = []
        for match in _WORD.finditer(normalized.text):
            word = match.group()
            if arabizi and is_spelt_word(word):
                pieces = [(to_arabic(word), match.start(), match.end())]
            else:
                pieces = self._pieces(word, match.start())
            for piece, start, end in pieces:
                original_start, original_end = normalized.span(start, end)
                token = Token(piece, original_start, original_end)
                # CRF's "pattern" feature: a word never seen outside an entity is likely a name.
                token.set("pattern", {"seen_outside_entities": piece in self.context_words})
                tokens.append(token)
        if not tokens:
            return [Token(text, 0)] if text else []
        return self._apply_token_pattern(tokens)

    def _pieces(self, word: str, offset: int) -> List[Tuple[str, int, int]]:
        """The word split into (text, start, end) pieces, offsets in the normalised text."""
        if not self._config["split_clitics"] or not _ARABIC_WORD.fullmatch(word):
            return [(word, offset, offset + len(word))]
        return [(text, offset + start, offset + end) for text, start, end in self._split(word, 0)]

    def _known(self, stem: str) -> bool:
        return len(stem) >= _MIN_STEM and stem in self.vocabulary

    def _split(self, word: str, start: int) -> List[Tuple[str, int, int]]:
        whole = [(word, start, start + len(word))]
        if len(word) <= _MIN_STEM or word in NEVER_SPLIT or word in self.protected:
            return whole
        head, rest = word[0], word[1:]
        if head in _CONJUNCTIONS and (self._known(rest) or self._preposition_split(rest)):
            return [(head, start, start + 1)] + self._split(rest, start + 1)
        stem = self._preposition_split(word)
        if stem is not None:
            return [(head, start, start + 1), (stem, start + 1, start + len(word))]
        if head == "ل" and word not in self.vocabulary and not rest.startswith("ل"):
            return [(head, start, start + 1), (rest, start + 1, start + len(word))]
        return whole

    def _preposition_split(self, word: str) -> Optional[str]:
        """The stem's text when `word` is a preposition + a known word, else None."""
        head, rest = word[0], word[1:]
        if head not in _PREPOSITIONS or word in NEVER_SPLIT or word in self.protected:
            return None
        if head == "ل" and rest.startswith("ل"):
            # لل = ل + ال: "للعامل" -> "ل" + "العامل".
            with_article = "ا" + rest
            if self._known(with_article) or self._known(rest[1:]):
                return with_article
            return None
        return rest if self._known(rest) else None


def learn_vocabulary(training_data: TrainingData) -> Tuple[Set[str], Set[str]]:
    """(known words, words to keep whole) from the training data.

    Known words come from the examples, their entities and the lookup tables. A word is kept whole
    when an annotated entity starts where the word starts (the annotator did not split a clitic off
    it, e.g. "[فيصل](person_name)").
    """
    vocabulary: Set[str] = set()
    protected: Set[str] = set()
    for example in training_data.training_examples:
        text = example.get(TEXT)
        if not text:
            continue
        normalized = normalize_with_offsets(text)
        entities = example.get("entities") or []
        entity_starts = {entity["start"] for entity in entities}
        for entity in entities:
            # Entity words are known words, also when written with a clitic: "ل[محمد]".
            vocabulary.update(_WORD.findall(normalize(text[entity["start"] : entity["end"]])))
        for match in _WORD.finditer(normalized.text):
            vocabulary.add(match.group())
            if normalized.span(match.start(), match.end())[0] in entity_starts:
                protected.add(match.group())
    for table in training_data.lookup_tables:
        for element in table.get("elements", []):
            vocabulary.update(_WORD.findall(normalize(str(element))))
    return vocabulary, protected
