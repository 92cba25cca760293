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
    data = TrainingData(
        lookup_tables=[{"name": "occupation", "elements": OCCUPATIONS}],
        entity_synonyms={"accountant": "محاسب", "mister": "Mr"},
    )
    OccupationExtractor.create({}, model_storage, resource, context).train(data)
    return OccupationExtractor.load({}, model_storage, resource, context)


def extract(extractor, text, entities=None, intent="change_occupation"):
    msg = message(text, entities, intent)
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


def test_everyday_word_only_as_a_whole_message(extractor):
    assert extract(extractor, "غير مهنة العامل 2180967925 الى محاسب") == [("occupation", "محاسب", "محاسب")]
    assert extract(extractor, "بدي غير مهنة عامل") == []
    assert extract(extractor, "عامل", intent="inform") == [("occupation", "عامل", "عامل")]


def test_english_spelling_from_the_training_synonyms(extractor):
    assert extract(extractor, "change occupation to Accountant") == [("occupation", "محاسب", "Accountant")]


def test_only_for_intents_where_occupation_is_a_slot(extractor):
    crf = [{"entity": "occupation", "start": 0, "end": 4, "value": "طيار", "confidence_entity": 0.9}]
    assert extract(extractor, "طيار خروج نهائي للممرضة", crf, intent="issue_final_exit") == []
    assert extract(extractor, "ممرضة", intent="help") == [("occupation", "ممرض", "ممرضة")]


def test_ml_occupation_is_mapped_to_the_list_or_kept_when_confident(extractor):
    typo = {"entity": "occupation", "start": 10, "end": 16, "value": "محاسيب", "confidence_entity": 0.9}
    assert extract(extractor, "غير مهنته محاسيب", [typo]) == [("occupation", "محاسب", "محاسيب")]
    unknown = {"entity": "occupation", "start": 10, "end": 14, "value": "طيار", "confidence_entity": 0.9}
    assert extract(extractor, "غير مهنته طيار", [unknown]) == [("occupation", "طيار", "طيار")]
    unsure = {"entity": "occupation", "start": 22, "end": 26, "value": "محمد", "confidence_entity": 0.3}
    assert extract(extractor, "خروج وعودة متعددة لمحمد", [unsure]) == []


def test_occupation_kept_as_written_loses_its_direction_characters(extractor):
    text = "غير مهنته \u202eطيا\u200bر"
    unknown = {
        "entity": "occupation",
        "start": 10,
        "end": len(text),
        "value": "\u202eطيا\u200bر",
        "confidence_entity": 0.9,
    }
    assert extract(extractor, text, [unknown]) == [("occupation", "طيار", "\u202eطيا\u200bر")]


@pytest.fixture(scope="module")
def classification_extractor(tmp_path_factory):
    """Trained on the generated data/nlu/lookups.yml: the classification's titles and aliases."""
    from pathlib import Path

    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.shared.nlu.training_data.loading import load_data

    storage = LocalModelStorage(tmp_path_factory.mktemp("occupations"))
    context = ExecutionContext(graph_schema=None, node_name="test")
    resource = Resource("classification")
    data = load_data(str(Path(__file__).resolve().parents[2] / "data" / "nlu" / "lookups.yml"))
    OccupationExtractor.create({}, storage, resource, context).train(data)
    return OccupationExtractor.load({}, storage, resource, context)


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("غير مهنته الى كهربائي", "فني كهرباء", "كهربائي"),
        ("غير مهنته لكهربجي", "فني كهرباء", "كهربجي"),
        ("عامل مباني", "عامل بناء", "عامل مباني"),
        ("غيرها لعامل بناء", "عامل بناء", "عامل بناء"),
        ("مهنته الجديدة سواق خاص", "سائق خاص", "سواق خاص"),
        ("change occupation to electrician", "فني كهرباء", "electrician"),
        ("غير مهنته الى سباك", "سباك", "سباك"),
        ("للمحاسب", "محاسب", "لمحاسب"),
        ("مهنتها ممرضة", "ممرض", "ممرضة"),
    ],
)
def test_classification_titles_and_aliases_give_canonical_titles(classification_extractor, text, value, span):
    from residency.occupations import titles

    assert extract(classification_extractor, text) == [("occupation", value, span)]
    assert value in titles()


def test_everyday_words_of_the_classification_only_as_a_whole_message(classification_extractor):
    assert extract(classification_extractor, "غير مهنة المقيم الى محاسب وهي قابلة للتغيير") == [
        ("occupation", "محاسب", "محاسب")
    ]
    assert extract(classification_extractor, "قابلة", intent="inform") == [("occupation", "قابلة", "قابلة")]
