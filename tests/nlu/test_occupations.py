"""OccupationExtractor: canonical occupations from the lookup table, tolerant matching."""

import pytest
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.occupations import OccupationExtractor
from tests.nlu.support import found, message

OCCUPATIONS = ["محاسب", "مهندس مدني", "حارس أمن", "عامل", "عامل نظافة", "ممرض", "مربية أطفال"]


@pytest.fixture
def extractor(model_storage, context):
    """Trained on a lookup table, then loaded back from storage as a served model would be."""
    resource = Resource("occupations")
    data = TrainingData(lookup_tables=[{"name": "occupation", "elements": OCCUPATIONS}])
    OccupationExtractor.create({}, model_storage, resource, context).train(data)
    return OccupationExtractor.load({}, model_storage, resource, context)


def extract(extractor, text, entities=None):
    msg = message(text, entities)
    extractor.process([msg])
    return found(msg, "occupation")


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("غير مهنته الى محاسب", "محاسب", "محاسب"),
        ("غير مهنته ل مهندس مدني", "مهندس مدني", "مهندس مدني"),
        ("نبي نغير مهنته لمهندس مدني", "مهندس مدني", "مهندس مدني"),
        ("غيرها للمحاسب", "محاسب", "لمحاسب"),
        ("الى المهندس المدني", "مهندس مدني", "المهندس المدني"),
        ("مهنته حارس امن", "حارس أمن", "حارس امن"),
        ("مهنتها ممرضة", "ممرض", "ممرضة"),
        ("مربيه اطفال", "مربية أطفال", "مربيه اطفال"),
        ("مهنته عامل نظافه", "عامل نظافة", "عامل نظافه"),
    ],
)
def test_canonical_values(extractor, text, value, span):
    assert extract(extractor, text) == [("occupation", value, span)]


def test_everyday_word_needs_occupation_context(extractor):
    assert extract(extractor, "جدد اقامة العامل 2180967925") == []
    assert extract(extractor, "غير المهنة الى عامل") == [("occupation", "عامل", "عامل")]
    assert extract(extractor, "عامل") == [("occupation", "عامل", "عامل")]


def test_ml_occupation_is_mapped_to_the_list_or_kept_when_confident(extractor):
    typo = {"entity": "occupation", "start": 10, "end": 16, "value": "محاسيب", "confidence_entity": 0.9}
    assert extract(extractor, "غير مهنته محاسيب", [typo]) == [("occupation", "محاسب", "محاسيب")]
    unknown = {"entity": "occupation", "start": 10, "end": 14, "value": "طيار", "confidence_entity": 0.9}
    assert extract(extractor, "غير مهنته طيار", [unknown]) == [("occupation", "طيار", "طيار")]
    unsure = {"entity": "occupation", "start": 22, "end": 26, "value": "محمد", "confidence_entity": 0.3}
    assert extract(extractor, "خروج وعودة متعددة لمحمد", [unsure]) == []
