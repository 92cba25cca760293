"""The custom components together, in config.yml's order, on messages as a served model sees them."""

from pathlib import Path

import pytest
import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.dates import DateExtractor
from nlu.durations import DurationExtractor
from nlu.identifiers import IdentifierExtractor
from nlu.occupations import OccupationExtractor
from nlu.tokenizer import ArabicTokenizer
from nlu.visa_types import VisaTypeExtractor
from tests.nlu.support import found, message

ROOT = Path(__file__).resolve().parents[2]


def test_config_components_are_registered_and_ordered():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    assert config["language"] == "ar"
    names = [c["name"] for c in config["pipeline"]]
    for name in names:
        assert DefaultV1Recipe._from_registry(name).clazz is not None
    rule_extractors = [n for n in names if n.startswith("nlu.") and n.endswith("Extractor")]
    assert rule_extractors and all(names.index("CRFEntityExtractor") < names.index(n) for n in rule_extractors)
    assert names[-1] == "FallbackClassifier"


@pytest.fixture
def pipeline(model_storage, context):
    data = TrainingData(lookup_tables=[{"name": "occupation", "elements": ["مهندس مدني", "محاسب"]}])
    tokenizer = ArabicTokenizer.create({}, model_storage, Resource("tok"), context)
    tokenizer.train(data)
    occupations = OccupationExtractor.create({}, model_storage, Resource("occ"), context)
    occupations.train(data)
    return [tokenizer, IdentifierExtractor(), DurationExtractor(), DateExtractor(), VisaTypeExtractor(), occupations]


def run(pipeline, text, crf_entities, intent="inform"):
    msg = message(text, crf_entities, intent)
    for component in pipeline:
        component.process([msg])
    return msg


def test_one_line_request_with_everything(pipeline):
    text = "ابي خروج وعودة مُتعدّدة لـ٢١٨ ٠٩٦ ٧٩٢٥ ٣ شهور"
    # What a CRF might have guessed: a wrong duration span and the number cut in two.
    crf = [
        {"entity": "duration", "start": text.index("٣"), "end": text.index("٣") + 1, "value": "٣"},
        {"entity": "iqama_number", "start": text.index("٢١٨"), "end": text.index("٢١٨") + 3, "value": "٢١٨"},
    ]
    msg = run(pipeline, text, crf)
    assert found(msg) == [
        ("visa_type", "multiple", "مُتعدّدة"),
        ("iqama_number", "2180967925", "٢١٨ ٠٩٦ ٧٩٢٥"),
        ("duration", "P3M", "٣ شهور"),
    ]
    tokens = msg.get("text_tokens")
    assert [t.text for t in tokens][-6:] == ["ل", "218", "096", "7925", "3", "شهور"]
    assert all(0 <= t.start < t.end <= len(text) for t in tokens)


def test_update_passport_line(pipeline):
    msg = run(pipeline, "حدث جواز 2180967925 الرقم الجديد A12345678 ينتهي 10/7/1452هـ", [])
    assert found(msg) == [
        ("iqama_number", "2180967925", "2180967925"),
        ("passport_number", "A12345678", "A12345678"),
        ("date", "2030-11-06", "10/7/1452هـ"),
    ]


def test_change_occupation_line(pipeline):
    msg = run(pipeline, "غير مهنة ٢١٨٠٩٦٧٩٢٥ للمهندس المدني", [], "change_occupation")
    assert found(msg) == [("iqama_number", "2180967925", "٢١٨٠٩٦٧٩٢٥"), ("occupation", "مهندس مدني", "لمهندس المدني")]


@pytest.mark.parametrize("control", ["\u200f", "\u202e", "\u200b"])
def test_iqama_number_with_an_invisible_character_inside(pipeline, control):
    number = f"266392{control}3320"
    text = f"جدد اقامة {number} سنة"
    msg = run(pipeline, text, [], "renew_iqama")
    assert found(msg) == [("iqama_number", "2663923320", number), ("duration", "P12M", "سنة")]
    assert [t.text for t in msg.get("text_tokens")] == ["جدد", "اقامه", "2663923320", "سنه"]
