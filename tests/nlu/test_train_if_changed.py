"""scripts/train_if_changed.py: what the fingerprint covers and which command it runs."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import train_if_changed  # noqa: E402


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.yml").write_text("language: ar\n")
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "x.py").write_text("X = 1\n")
    return tmp_path


def test_fingerprint_changes_with_each_input(project):
    before = train_if_changed.fingerprint(project)
    assert train_if_changed.fingerprint(project) == before
    for path, text in [("data/nlu/a.yml", "nlu: [1]\n"), ("nlu/x.py", "X = 2\n"), ("config.yml", "language: en\n")]:
        (project / path).write_text(text)
        after = train_if_changed.fingerprint(project)
        assert after != before, path
        before = after
    (project / "domain.yml").write_text("version: '3.1'\n")
    assert train_if_changed.fingerprint(project) != before


def test_unrelated_files_do_not_change_it(project):
    before = train_if_changed.fingerprint(project)
    (project / "README.md").write_text("docs\n")
    (project / "nlu" / "notes.txt").write_text("not code\n")
    assert train_if_changed.fingerprint(project) == before


def test_nlu_only_without_domain(project):
    assert train_if_changed.train_command(project)[1:3] == ["train", "nlu"]
    (project / "domain.yml").write_text("version: '3.1'\n")
    assert train_if_changed.train_command(project)[1:] == ["train", "--fixed-model-name", "muqeem", "--out", "models"]
