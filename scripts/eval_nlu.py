"""Evaluate our NLU pipeline (config.yml) against Rasa's default pipeline, side by side (`make eval-nlu`).

For each pipeline, trained on the same data in the same run: 5-fold cross-validation on data/
(same stratified folds for both), the scores on the shared samples (../shared/eval/nlu_sample*.yml) and
on our held-out sets (tests/nlu/heldout/*.yml), none of them training data, robustness on generated
variants of the samples' messages (scripts/nlu_variants.py), full-data train time, model load time (fresh
process) and parse p50/p95.
Writes results/nlu_eval.md and results/nlu_eval.json.

Scores are computed on the assistant's final output, as the dialogue sees it: the intent after the
FallbackClassifier (nlu_fallback counts as wrong) and the merged entities of all extractors. Entities
are scored twice: by exact span (type, start and end match the annotation, as `rasa test` does) and by
value (scripts/nlu_scores.py: the value the actions receive, whatever the span).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "eval" / "nlu_sample.yml"
# Release 2's sample (SPEC 9.4): scored whole, and on the intents our data has ("known intents": the
# sample also holds intents of later issues, which no pipeline trained on data/ can get right).
SAMPLE_R2 = ROOT.parent / "shared" / "eval" / "nlu_sample_release2.yml"
SAMPLE_R3 = ROOT.parent / "shared" / "eval" / "nlu_sample_release3.yml"
HELDOUT = ROOT / "tests" / "nlu" / "heldout"
# The scored sets (never training data): section of the report -> (file, title).
SETS = {
    "sample": (SAMPLE, "sample"),
    "sample_r2": (SAMPLE_R2, "release 2 sample"),
    "sample_r3": (SAMPLE_R3, "release 3 sample"),
    "heldout_real_phrasings": (HELDOUT / "real_phrasings.yml", "held-out real phrasings"),
    "heldout_english": (HELDOUT / "english.yml", "held-out English"),
    "heldout_arabizi": (HELDOUT / "arabizi.yml", "held-out Arabizi"),
}
RESULTS = ROOT / "results"
sys.path.insert(0, str(ROOT / "scripts"))
import nlu_variants  # noqa: E402  (scripts/ is not a package)
from nlu_scores import (  # noqa: E402
    FALLBACK,
    Prediction,
    entity_fields,
    entity_value_scores,
    load_agent,
    load_examples,
    predict,
    prf,
    ratio,
)

SEED = 42

# `rasa init`'s pipeline (Rasa 3.6), with language ar; {epochs} is 100 unless --default-epochs says otherwise.
DEFAULT_CONFIG = """\
recipe: default.v1
language: ar
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: {epochs}
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: {epochs}
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
"""


def load_training_data(path: Path):
    """The NLU training data (examples, synonyms, lookup tables) under `path`."""
    from rasa.shared.importers.importer import TrainingDataImporter

    return TrainingDataImporter.load_from_dict(training_data_paths=[str(path)]).get_nlu_data()


def stratified_folds(training_data, folds: int):
    """(train, test) TrainingData pairs; the same for every pipeline (fixed seed)."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = training_data.intent_examples
    labels = [example.get("intent") for example in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_index, test_index in splitter.split(examples, labels):

        def subset(indexes):
            return TrainingData(
                training_examples=[examples[i] for i in indexes],
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
            )

        yield subset(train_index), subset(test_index)


def train(config_path: Path, training_data, workdir: Path) -> Tuple[str, float]:
    """Train an NLU model on `training_data`; (model path, seconds)."""
    import rasa.model_training
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    workdir.mkdir(parents=True, exist_ok=True)
    data_file = workdir / "nlu.yml"
    RasaYAMLWriter().dump(data_file, training_data)
    started = time.perf_counter()
    model = rasa.model_training.train_nlu(str(config_path), str(data_file), str(workdir), fixed_model_name="model")
    return model, time.perf_counter() - started


def score(predictions: List[Prediction]) -> Dict[str, Any]:
    """Intent accuracy, macro F1, fallback rate, top confusions; entity P/R/F1 per type by exact span and by
    value (scripts/nlu_scores.py: what the actions receive)."""
    from sklearn.metrics import f1_score

    targets = [p["intent"] for p in predictions]
    predicted = [p["predicted"] for p in predictions]
    labels = sorted(set(targets))
    confusions = Counter((t, p) for t, p in zip(targets, predicted) if t != p)
    counts: Dict[str, Counter] = defaultdict(Counter)
    for p in predictions:
        gold = {(e["entity"], e["start"], e["end"]) for e in p["entities"]}
        guess = {(e["entity"], e["start"], e["end"]) for e in p["predicted_entities"]}
        for key in gold & guess:
            counts[key[0]]["tp"] += 1
        for key in gold - guess:
            counts[key[0]]["fn"] += 1
        for key in guess - gold:
            counts[key[0]]["fp"] += 1
    per_entity = {name: prf(c) for name, c in sorted(counts.items())}
    total = sum(counts.values(), Counter())
    return {
        "examples": len(predictions),
        "intent_accuracy": ratio(sum(t == p for t, p in zip(targets, predicted)), len(targets)),
        "intent_macro_f1": round(
            float(f1_score(targets, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        "classifier_accuracy": ratio(sum(t == p["classifier"] for t, p in zip(targets, predictions)), len(targets)),
        "fallback_rate": ratio(predicted.count(FALLBACK), len(predicted)),
        "top_confusions": [[t, p, n] for (t, p), n in confusions.most_common(10)],
        "entity_micro": prf(total),
        "entities": per_entity,
        "entity_values": entity_value_scores(predictions),
    }


def _diff(these: List[Dict[str, Any]], those: List[Dict[str, Any]]) -> List[str]:
    """Entities of `these` with no exact (type, start, end) match in `those`, as "type:start-end"."""
    keys = {(e["entity"], e["start"], e["end"]) for e in those}
    return [f"{e['entity']}:{e['start']}-{e['end']}" for e in these if (e["entity"], e["start"], e["end"]) not in keys]


def robustness(agent, examples) -> Dict[str, Any]:
    """Generated variants of `examples` (scripts/nlu_variants.py: hamza, taa marbuta, dropped dots, typos,
    digits, English words): per kind and overall, the share that keep the gold intent and the share whose
    gold entities (type and exact span) are all found."""
    variant_examples, kinds = [], []
    for example in examples:
        entities = [entity_fields(e) for e in example.get("entities") or []]
        for kind, text, moved in nlu_variants.variants(example.get("text"), entities, seed=SEED):
            variant_examples.append({"text": text, "intent": example.get("intent"), "entities": moved})
            kinds.append(kind)

    predictions, _ = asyncio.run(predict(agent, variant_examples))  # plain dicts: predict reads them with .get
    kept: Dict[str, Counter] = defaultdict(Counter)
    for kind, p in zip(kinds, predictions):
        gold = {(e["entity"], e["start"], e["end"]) for e in p["entities"]}
        guess = {(e["entity"], e["start"], e["end"]) for e in p["predicted_entities"]}
        for key in (kind, "all"):
            kept[key]["n"] += 1
            kept[key]["intent"] += p["intent"] == p["predicted"]
            kept[key]["entities"] += gold <= guess
            kept[key]["both"] += p["intent"] == p["predicted"] and gold <= guess
    return {
        kind: {
            "variants": c["n"],
            "intent_kept": ratio(c["intent"], c["n"]),
            "entities_kept": ratio(c["entities"], c["n"]),
            "both_kept": ratio(c["both"], c["n"]),
        }
        for kind, c in sorted(kept.items())
    }


def measure_load(model_path: str) -> Dict[str, float]:
    """Import and Agent.load time in a fresh process (what a server start pays)."""
    code = (
        "import time, json; t0 = time.perf_counter(); from rasa.core.agent import Agent; "
        "t1 = time.perf_counter(); Agent.load(%r); t2 = time.perf_counter(); "
        "print('LOAD' + json.dumps({'import_s': round(t1 - t0, 2), 'load_s': round(t2 - t1, 2)}))" % model_path
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("LOAD"))
    return json.loads(line[4:])


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def evaluate_pipeline(
    name: str,
    config_path: Path,
    data,
    sets: Dict[str, list],
    folds: int,
    workdir: Path,
    cv_config_path: Optional[Path] = None,
) -> Dict[str, Any]:
    """All measurements for one pipeline, each of `sets` (name -> examples, never trained on) scored;
    cross-validation uses `cv_config_path` when given."""
    result: Dict[str, Any] = {"config": str(config_path), "training_examples": len(data.intent_examples)}
    print(f"[{name}] training on all data", flush=True)
    model, seconds = train(config_path, data, workdir / "full")
    result["train_s"] = round(seconds, 1)
    result.update(measure_load(model))
    agent = load_agent(model)
    timing_messages = sets.get("sample", []) + data.intent_examples[:200]
    asyncio.run(predict(agent, timing_messages[:20]))  # warm-up
    _, durations = asyncio.run(predict(agent, timing_messages))
    result["parse_ms_p50"] = round(1000 * statistics.median(durations), 2)
    result["parse_ms_p95"] = round(1000 * percentile(durations, 0.95), 2)
    known = set(data.intents)
    for set_name, examples in sets.items():
        predictions, _ = asyncio.run(predict(agent, examples))
        result[set_name] = score(predictions)
        if set_name == "sample_r2":
            result["sample_r2_known"] = score([p for p in predictions if p["intent"] in known])
    robust_examples = sets.get("sample", []) + [e for e in sets.get("sample_r2", []) if e.get("intent") in known]
    if robust_examples:
        result["robustness"] = robustness(agent, robust_examples)
    del agent
    if folds > 1:
        all_predictions: List[Prediction] = []
        fold_train_s = []
        for index, (train_part, test_part) in enumerate(stratified_folds(data, folds)):
            print(f"[{name}] fold {index + 1}/{folds}", flush=True)
            model, seconds = train(cv_config_path or config_path, train_part, workdir / f"fold{index}")
            fold_train_s.append(round(seconds, 1))
            predictions, _ = asyncio.run(predict(load_agent(model), test_part.intent_examples))
            all_predictions += predictions
        result["cv"] = score(all_predictions)
        result["cv"]["folds"] = folds
        result["cv"]["fold_train_s"] = fold_train_s
        result["cv"]["entity_errors"] = [
            {
                "text": p["text"],
                "missed": _diff(p["entities"], p["predicted_entities"]),
                "extra": _diff(p["predicted_entities"], p["entities"]),
            }
            for p in all_predictions
            if _diff(p["entities"], p["predicted_entities"]) or _diff(p["predicted_entities"], p["entities"])
        ][:60]
        result["cv"]["errors"] = [
            {"text": p["text"], "intent": p["intent"], "predicted": p["predicted"]}
            for p in all_predictions
            if p["intent"] != p["predicted"]
        ][:60]
    return result


def render_markdown(report: Dict[str, Any]) -> str:
    """results/nlu_eval.md from the JSON report."""
    names = list(report["pipelines"])
    lines = [
        "# NLU evaluation: our pipeline vs Rasa's default pipeline",
        "",
        f"Generated by `make eval-nlu` (scripts/eval_nlu.py) on {report['generated']}, 2 CPU cores, "
        f"{report['training_examples']} training examples, {report['intents']} intents.",
        "Scores are on the final output (nlu_fallback counts as a wrong intent); entities by exact span (type, "
        "start and end match the annotation) and by value (what the actions receive, scripts/nlu_scores.py). "
        "Timings vary with the machine's load.",
        "",
    ]
    for note in report.get("notes", []):
        lines += [f"> NOTE: {note}", ""]

    def row(label: str, getter) -> str:
        cells = []
        for name in names:
            try:
                value = getter(report["pipelines"][name])
            except (KeyError, TypeError):
                value = None
            cells.append("-" if value is None else str(value))
        return f"| {label} | " + " | ".join(cells) + " |"

    header = "| measure | " + " | ".join(names) + " |\n|---|" + "---|" * len(names)
    lines += ["## Summary", "", header]
    lines.append(
        row(
            "run (start time, training examples)",
            lambda r: f"{r['run']}, {r.get('training_examples', report['training_examples'])}",
        )
    )
    sections = [(name, title) for name, (_, title) in SETS.items()]
    sections[2:2] = [("sample_r2_known", "release 2 sample, known intents")]
    for section, title in sections + [("cv", "5-fold CV")]:
        lines += [
            row(f"{title}: intent accuracy", lambda r: r[section]["intent_accuracy"]),
            row(f"{title}: intent macro F1", lambda r: r[section]["intent_macro_f1"]),
            row(f"{title}: classifier top-1 (before fallback)", lambda r: r[section]["classifier_accuracy"]),
            row(f"{title}: fallback rate", lambda r: r[section]["fallback_rate"]),
            row(f"{title}: entity F1 (micro, exact span)", lambda r: r[section]["entity_micro"]["f1"]),
            row(f"{title}: entity F1 (micro, by value)", lambda r: r[section]["entity_values"]["micro"]["f1"]),
        ]
    lines += [
        row("train on all data (s)", lambda r: r["train_s"]),
        row("import rasa, fresh process (s)", lambda r: r["import_s"]),
        row("model load, Agent.load (s)", lambda r: r["load_s"]),
        row("parse p50 (ms)", lambda r: r["parse_ms_p50"]),
        row("parse p95 (ms)", lambda r: r["parse_ms_p95"]),
        row("CV train time per fold (s)", lambda r: ", ".join(map(str, r["cv"]["fold_train_s"]))),
        "",
    ]
    kinds = sorted(
        {k for r in report["pipelines"].values() for k in (r.get("robustness") or {})}, key=lambda k: (k == "all", k)
    )
    if kinds:
        lines += [
            "## Robustness: generated variants of both samples' messages (known intents)",
            "",
            "scripts/nlu_variants.py rewrites each message as users mistype it (hamza and taa marbuta swaps, dropped "
            "dots, a one-letter typo outside the entities, Arabic-Indic / Persian / spaced digits, an English word "
            "for an Arabic keyword) and moves the annotations with the text. Kept: the gold intent, all gold entities "
            "(type and exact span), both. tests/nlu/test_robustness.py holds our model to these rates on its own messages.",
            "",
            header,
        ]
        for kind in kinds:
            lines.append(
                row(
                    f"{kind}: intent / entities / both kept (variants)",
                    lambda r, k=kind: "{intent_kept:.3f} / {entities_kept:.3f} / {both_kept:.3f} ({variants})".format(
                        **r["robustness"][k]
                    ),
                )
            )
        lines.append("")
    for section, title in (("sample", "Sample"), ("sample_r2", "Release 2 sample"), ("cv", "Cross-validation")):
        for kind, entities_of in (
            ("exact span", lambda r: r[section]["entities"]),
            ("by value", lambda r: r[section]["entity_values"]["entities"]),
        ):
            lines += entity_table(report, f"{title}: entity F1 per entity, {kind}", entities_of, row, header)
        lines += ["", f"## {title}: top intent confusions (target -> predicted: count)", ""]
        for name in names:
            confusions = (report["pipelines"][name].get(section) or {}).get("top_confusions", [])
            text = "; ".join(f"{t} -> {p}: {n}" for t, p, n in confusions) or "none"
            lines.append(f"- {name}: {text}")
        lines.append("")
    return "\n".join(lines)


def entity_table(report: Dict[str, Any], title: str, entities_of, row, header: str) -> List[str]:
    """Markdown lines of precision / recall / F1 (support) per entity type and pipeline; none without entities."""
    names = set()
    for result in report["pipelines"].values():
        try:
            names |= set(entities_of(result))
        except (KeyError, TypeError):
            continue
    if not names:
        return []
    lines = [f"## {title} (precision / recall / F1, support)", "", header]
    for entity in sorted(names):
        lines.append(
            row(
                entity,
                lambda r, e=entity: "{precision:.2f} / {recall:.2f} / {f1:.2f} ({support})".format(**entities_of(r)[e]),
            )
        )
    return lines + [""]


def quiet_rasa() -> None:
    """Warnings only: Rasa's per-message debug logging would also slow the parse timings."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (1 = no cross-validation)")
    parser.add_argument(
        "--default-epochs", type=int, default=100, help="DIET/ResponseSelector epochs of the default pipeline"
    )
    parser.add_argument(
        "--default-cv-epochs",
        type=int,
        default=30,
        help="epochs of the default pipeline in cross-validation only (5 x 100 DIET epochs take over an hour on 2 cores)",
    )
    parser.add_argument("--pipelines", default="muqeem,rasa_default", help="comma-separated subset to run")
    parser.add_argument("--keep", action="store_true", help="keep results of pipelines not run from the existing JSON")
    args = parser.parse_args()
    quiet_rasa()

    data = load_training_data(ROOT / "data")
    sets = {name: load_examples(path) for name, (path, _) in SETS.items() if path.exists()}
    RESULTS.mkdir(exist_ok=True)
    json_path = RESULTS / "nlu_eval.json"
    report: Dict[str, Any] = {"pipelines": {}, "notes": []}
    if args.keep and json_path.exists():
        report = json.loads(json_path.read_text(encoding="utf-8"))
    # Notes about a pipeline's run stay while its kept results do.
    notes = [
        n
        for n in report.get("notes", [])
        if not n.startswith(("The sample", "No cross-validation"))
        and not (n.startswith("Default pipeline") and "rasa_default" in args.pipelines)
    ]
    cv_epochs = args.default_cv_epochs
    if "sample" not in sets:
        notes.append(f"The sample {SAMPLE} is absent: sample scores skipped.")
    if args.default_epochs != 100:
        notes.append(
            f"Default pipeline epochs REDUCED to {args.default_epochs} (rasa init uses 100) to keep the run on 2 cores within time."
        )
    if args.folds <= 1:
        notes.append(
            f"No cross-validation in this run (--folds {args.folds}): the 5-fold CV rows are empty for both pipelines."
        )
    elif cv_epochs != args.default_epochs and "rasa_default" in args.pipelines:
        notes.append(
            f"Default pipeline cross-validation REDUCED to {cv_epochs} epochs (DIET and ResponseSelector; the sample score, "
            f"train time, load and parse use {args.default_epochs}): five DIET trainings of {args.default_epochs} epochs "
            "on 2 cores would take well over 30 minutes."
        )
    report.update(
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        training_examples=len(data.intent_examples),
        intents=len(data.intents),
        notes=notes,
    )
    with tempfile.TemporaryDirectory(prefix="eval-nlu-") as tmp:
        default_config = Path(tmp) / "default_config.yml"
        default_config.write_text(DEFAULT_CONFIG.format(epochs=args.default_epochs), encoding="utf-8")
        default_cv_config = Path(tmp) / "default_cv_config.yml"
        default_cv_config.write_text(DEFAULT_CONFIG.format(epochs=cv_epochs), encoding="utf-8")
        configs = {"muqeem": (ROOT / "config.yml", None), "rasa_default": (default_config, default_cv_config)}
        for name in args.pipelines.split(","):
            config, cv_config = configs[name]
            result = evaluate_pipeline(name, config, data, sets, args.folds, Path(tmp) / name, cv_config)
            result["run"] = report["generated"]
            report["pipelines"][name] = result
            # Partial results (a long run may be cut short) go to a .tmp file that is never committed.
            (RESULTS / "nlu_eval.json.tmp").write_text(
                json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
            )
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / "nlu_eval.md").write_text(render_markdown(report), encoding="utf-8")
    (RESULTS / "nlu_eval.json.tmp").unlink(missing_ok=True)
    print((RESULTS / "nlu_eval.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
