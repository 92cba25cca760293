"""Score a trained model on NLU YAML files as the actions see its output: intent accuracy and entity F1 by value.

    .venv/bin/python scripts/nlu_scores.py --model models/ ../shared/eval/nlu_sample.yml tests/nlu/heldout/*.yml

Intent accuracy is on the final intent (after the FallbackClassifier: nlu_fallback counts as wrong).
Entity F1 by value compares, per message, the multiset of (entity type, value) pairs: the value an action
receives (ASCII identifiers, ISO durations, canonical occupations and visa types, a service's intent name),
whatever span the extractor chose. A gold entity annotated with an explicit value is judged by that value;
one annotated by its span alone is judged by the span's canonical value (identifiers: their letters and
digits without spaces or dashes; a duration or a visa type: what nlu.durations or nlu.visa_types reads in
the span alone; anything else: the span's normalised text).
Values are compared normalised (nlu.normalize), so "أحمد" and "احمد" are the same name.
scripts/eval_nlu.py uses the same functions for `make eval-nlu`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FALLBACK = "nlu_fallback"

Prediction = Dict[str, Any]


def load_examples(path: Path) -> list:
    """The intent examples of one NLU YAML file (or of every file under a folder)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    return TrainingDataImporter.load_from_dict(training_data_paths=[str(path)]).get_nlu_data().intent_examples


async def predict(agent, examples) -> Tuple[List[Prediction], List[float]]:
    """Parse each example (anything with .get: Messages or dicts); the predictions and each parse's seconds."""
    predictions, durations = [], []
    for example in examples:
        started = time.perf_counter()
        parsed = await agent.parse_message(example.get("text"))
        durations.append(time.perf_counter() - started)
        ranking = [r["name"] for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK]
        predictions.append(
            {
                "text": example.get("text"),
                "intent": example.get("intent"),
                "predicted": (parsed.get("intent") or {}).get("name"),
                "classifier": ranking[0] if ranking else None,
                "entities": [entity_fields(e) for e in example.get("entities") or []],
                "predicted_entities": [entity_fields(e) for e in parsed.get("entities") or []],
            }
        )
    return predictions, durations


def entity_fields(entity: Dict[str, Any]) -> Dict[str, Any]:
    """The fields of an entity that are scored."""
    return {k: entity.get(k) for k in ("entity", "start", "end", "value")}


def gold_value(entity: Dict[str, Any], text: str) -> str:
    """The value an annotation asks for: its explicit value, else its span's canonical value."""
    from nlu.durations import find_durations
    from nlu.visa_types import find_visa_types
    from nlu.identifiers import IDENTIFIER_TYPES
    from nlu.normalize import normalize

    span = text[entity["start"] : entity["end"]]
    value = str(entity["value"])
    if value != span:
        return value
    if entity["entity"] in IDENTIFIER_TYPES:
        return "".join(c for c in normalize(span) if c.isalnum())
    found = {"duration": find_durations, "visa_type": find_visa_types}.get(entity["entity"], lambda _: [])(span)
    return found[0]["value"] if len(found) == 1 else span


def _comparable(value: Any) -> str:
    from nlu.normalize import normalize

    return " ".join(normalize(str(value)).split())


def value_pairs(prediction: Prediction) -> Tuple[Counter, Counter]:
    """(gold, predicted) multisets of (entity type, comparable value) of one message."""
    gold = Counter((e["entity"], _comparable(gold_value(e, prediction["text"]))) for e in prediction["entities"])
    guess = Counter((e["entity"], _comparable(e["value"])) for e in prediction["predicted_entities"])
    return gold, guess


def entity_value_scores(predictions: Iterable[Prediction]) -> Dict[str, Any]:
    """Entity precision / recall / F1 by value, micro over all types and per type."""
    counts: Dict[str, Counter] = defaultdict(Counter)
    for prediction in predictions:
        gold, guess = value_pairs(prediction)
        for (entity_type, _), n in (gold & guess).items():
            counts[entity_type]["tp"] += n
        for (entity_type, _), n in (gold - guess).items():
            counts[entity_type]["fn"] += n
        for (entity_type, _), n in (guess - gold).items():
            counts[entity_type]["fp"] += n
    total = sum(counts.values(), Counter())
    return {"micro": prf(total), "entities": {name: prf(c) for name, c in sorted(counts.items())}}


def ratio(numerator: float, denominator: float) -> Optional[float]:
    """numerator / denominator rounded to 4 places; None when there is nothing to divide."""
    return round(numerator / denominator, 4) if denominator else None


def prf(c: Counter) -> Dict[str, Any]:
    """Precision, recall, F1 and support from tp / fp / fn counts."""
    precision = ratio(c["tp"], c["tp"] + c["fp"]) or 0.0
    recall = ratio(c["tp"], c["tp"] + c["fn"]) or 0.0
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": c["tp"] + c["fn"]}


def misses(predictions: Iterable[Prediction]) -> List[Dict[str, Any]]:
    """The messages with a wrong intent or a wrong entity value: what was expected and what came out."""
    found = []
    for p in predictions:
        gold, guess = value_pairs(p)
        if p["intent"] != p["predicted"] or gold != guess:
            found.append(
                {
                    "text": p["text"],
                    "intent": p["intent"],
                    "predicted": p["predicted"],
                    "missed": sorted(gold - guess),
                    "extra": sorted(guess - gold),
                }
            )
    return found


def score_set(predictions: List[Prediction]) -> Dict[str, Any]:
    """Intent accuracy and entity value F1 of one set's predictions."""
    values = entity_value_scores(predictions)
    return {
        "examples": len(predictions),
        "intent_accuracy": ratio(sum(p["intent"] == p["predicted"] for p in predictions), len(predictions)),
        "entity_value_f1": values["micro"]["f1"],
        "entity_values": values,
    }


def load_agent(model: str):
    """A Rasa agent for a model file, or for the newest model in a folder."""
    from rasa.core.agent import Agent
    from rasa.model import get_latest_model

    path = Path(model)
    return Agent.load(str(get_latest_model(str(path)) if path.is_dir() else path))


def score_files(agent, paths: Iterable[Path]) -> Dict[str, Dict[str, Any]]:
    """score_set per file, with its parse p50 (ms) and its misses."""
    scores = {}
    for path in paths:
        predictions, durations = asyncio.run(predict(agent, load_examples(path)))
        p50 = round(1000 * statistics.median(durations), 2) if durations else None
        scores[str(path)] = {**score_set(predictions), "parse_ms_p50": p50, "misses": misses(predictions)}
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="NLU YAML files (or folders of them)")
    parser.add_argument("--model", default=str(ROOT / "models"), help="model file, or folder of models (newest)")
    parser.add_argument("--misses", action="store_true", help="list each wrong message")
    parser.add_argument("--json", type=Path, help="also write the scores (with the misses) to this JSON file")
    args = parser.parse_args()
    started = time.perf_counter()
    agent = load_agent(args.model)
    print(f"model load (Agent.load): {time.perf_counter() - started:.2f} s")
    scores = score_files(agent, args.files)
    for path, result in scores.items():
        print(
            f"{path}: {result['examples']} messages, intent accuracy {result['intent_accuracy']}, "
            f"entity value F1 {result['entity_value_f1']}, parse p50 {result['parse_ms_p50']} ms"
        )
        for miss in result["misses"] if args.misses else []:
            print("   ", json.dumps(miss, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(scores, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
