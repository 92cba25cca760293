"""Train the Rasa model only when its inputs changed (`make train`).

Inputs: config.yml, domain.yml, everything under data/, and the custom components nlu/**/*.py.
Their sha256 fingerprint is kept in models/.fingerprint; when it matches and models/muqeem.tar.gz
exists, nothing is trained. The occupation lookup table is regenerated from residency/occupations.yml
first. Without domain.yml (dialogue not written yet) only the NLU model is trained.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
FINGERPRINT = MODELS / ".fingerprint"
MODEL = MODELS / "muqeem.tar.gz"

sys.path.insert(0, str(ROOT / "scripts"))
import gen_lookups  # noqa: E402  (scripts/ is not a package)


def input_files(root: Path = ROOT) -> List[Path]:
    """The files whose content decides the model, in a stable order."""
    files: Iterable[Path] = [root / "config.yml", root / "domain.yml"]
    files = [f for f in files if f.is_file()]
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    files += sorted((root / "nlu").rglob("*.py"))
    return files


def fingerprint(root: Path = ROOT) -> str:
    """sha256 over the input files' relative paths and contents."""
    digest = hashlib.sha256()
    for path in input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def train_command(root: Path = ROOT) -> List[str]:
    """`rasa train` (or `rasa train nlu` without domain.yml) into models/muqeem.tar.gz."""
    rasa = str(Path(sys.executable).parent / "rasa")
    command = [rasa, "train"] + ([] if (root / "domain.yml").is_file() else ["nlu"])
    return command + ["--fixed-model-name", "muqeem", "--out", "models"]


def main() -> int:
    if gen_lookups.write_if_changed():
        print("regenerated data/nlu/lookups.yml from residency/occupations.yml")
    current = fingerprint()
    if MODEL.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text().strip() == current:
        print(f"model up to date ({MODEL.relative_to(ROOT)}): nothing to train")
        return 0
    command = train_command()
    print("training:", " ".join(command[1:]), flush=True)
    started = time.perf_counter()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(command, cwd=ROOT, env=env)
    took = time.perf_counter() - started
    if result.returncode != 0:
        print(f"training FAILED after {took:.0f} s (exit {result.returncode}); fingerprint not updated")
        return result.returncode
    MODELS.mkdir(exist_ok=True)
    FINGERPRINT.write_text(current + "\n")
    print(f"trained {MODEL.relative_to(ROOT)} in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
