"""ArabicTokenizer: normalised token text, offsets into the original, conservative clitic splitting."""

import pytest
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.tokenizer import ArabicTokenizer
from tests.nlu.support import message


@pytest.fixture
def tokenizer(model_storage, context):
    """A tokenizer trained on a few sentences and a lookup table, then loaded back from storage."""
    examples = [
        message("ابي خروج وعودة لمحمد", [{"entity": "person_name", "start": 16, "end": 20, "value": "محمد"}]),
        message("جدد اقامة العامل فيصل", [{"entity": "person_name", "start": 17, "end": 21, "value": "فيصل"}]),
        message("الغاء الخروج النهائي يصل"),
        message("لازم اجدد"),
    ]
    for example in examples:
        example.set("intent", "inform")
    data = TrainingData(
        training_examples=examples, lookup_tables=[{"name": "occupation", "elements": ["محاسب", "مهندس مدني"]}]
    )
    resource = Resource("tokenizer")
    ArabicTokenizer.create({}, model_storage, resource, context).train(data)
    return ArabicTokenizer.load({}, model_storage, resource, context)


def tokens(tokenizer, text):
    return [(t.text, text[t.start : t.end]) for t in tokenizer.tokenize(message(text), "text")]


def test_token_text_is_normalised_and_offsets_point_into_the_original(tokenizer):
    text = "جَدِّدْ إقامـــة ٢١٨٠٩٦٧٩٢٥"
    assert tokens(tokenizer, text) == [("جدد", "جَدِّدْ"), ("اقامه", "إقامـــة"), ("2180967925", "٢١٨٠٩٦٧٩٢٥")]


def test_english_is_lower_cased_and_passport_stays_one_token(tokenizer):
    assert tokens(tokenizer, "Renew A12345678") == [("renew", "Renew"), ("a12345678", "A12345678")]


def test_lam_before_a_digit_is_split(tokenizer):
    assert tokens(tokenizer, "ل٢١٨٠٩٦٧٩٢٥") == [("ل", "ل"), ("2180967925", "٢١٨٠٩٦٧٩٢٥")]


def test_lam_with_tatweel_before_a_known_word(tokenizer):
    assert tokens(tokenizer, "لـمحمد") == [("ل", "لـ"), ("محمد", "محمد")]


def test_lam_lam_becomes_lam_and_the_article(tokenizer):
    assert tokens(tokenizer, "للمحاسب") == [("ل", "ل"), ("المحاسب", "لمحاسب")]


def test_conjunction_then_known_word(tokenizer):
    assert tokens(tokenizer, "والخروج") == [("و", "و"), ("الخروج", "الخروج")]


def test_lam_before_an_unknown_name_is_split(tokenizer):
    assert tokens(tokenizer, "لرحيم") == [("ل", "ل"), ("رحيم", "رحيم")]


def test_words_kept_whole(tokenizer):
    # "فيصل" was annotated whole as a name although "يصل" is a known word; "لازم" is an everyday word;
    # "بيانات" is not ب + a known word.
    assert tokens(tokenizer, "فيصل لازم بيانات") == [("فيصل", "فيصل"), ("لازم", "لازم"), ("بيانات", "بيانات")]


def test_untrained_tokenizer_still_tokenizes(model_storage, context):
    untrained = ArabicTokenizer.load({}, model_storage, Resource("missing"), context)
    assert [t.text for t in untrained.tokenize(message("هلا والله"), "text")] == ["هلا", "والله"]


def test_message_of_only_symbols_gives_one_token(tokenizer):
    assert [t.text for t in tokenizer.tokenize(message("👍"), "text")] == ["👍"]


def test_tokens_tell_whether_the_word_was_seen_outside_entities(tokenizer):
    seen = {
        t.text: t.get("pattern")["seen_outside_entities"] for t in tokenizer.tokenize(message("ابي خروج لمحمد"), "text")
    }
    # "محمد" only ever appeared inside a person_name entity in training.
    assert seen == {"ابي": True, "خروج": True, "ل": True, "محمد": False}


def test_seen_feature_is_leave_one_out_on_training_data(model_storage, context):
    examples = [message("جدد اقامة فلان"), message("جدد اقامته"), message("هلا")]
    for example in examples:
        example.set("intent", "inform")
    data = TrainingData(training_examples=examples)
    tokenizer = ArabicTokenizer.create({}, model_storage, Resource("loo"), context)
    tokenizer.train(data)
    tokenizer.process_training_data(data)
    seen = {t.text: t.get("pattern")["seen_outside_entities"] for t in examples[0].get("text_tokens")}
    # "جدد" is in another example; "اقامة" and "فلان" only in this one.
    assert seen == {"جدد": True, "اقامه": False, "فلان": False}


@pytest.mark.parametrize("control", ["\u200f", "\u202e", "\u200b"])
def test_invisible_and_direction_characters_do_not_split_a_number(tokenizer, control):
    text = f"جدد اقامة 266392{control}3320 سنة"
    assert tokens(tokenizer, text) == [
        ("جدد", "جدد"),
        ("اقامه", "اقامة"),
        ("2663923320", f"266392{control}3320"),
        ("سنه", "سنة"),
    ]


def test_a_trailing_direction_mark_is_not_part_of_the_token(tokenizer):
    assert tokens(tokenizer, "\u202bمحمد\u200f\u202c") == [("محمد", "محمد")]
