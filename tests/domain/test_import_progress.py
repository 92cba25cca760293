"""`muqeem residents import` shows how far it is (SPEC 10.4): a progress bar on a terminal, plain lines when
not a terminal (a tenth of the rows at a time, and the last), on stderr; the results stay on stdout."""

import io
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residency.administration.cli import ImportProgress, app
from residency.db import UnitOfWork
from tests.domain import factories as f

EST = "7000000911"
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample_residents.csv"
runner = CliRunner()


@pytest.fixture
def csv_of_25(engine, tmp_path):
    with UnitOfWork(engine) as uow:
        f.establishment(uow, number=EST)
        uow.commit()
    header, row = SAMPLE.read_text(encoding="utf-8").splitlines()[:2]
    iqama = row.split(",")[0]
    rows = [row.replace(iqama, f.valid_iqama(5000 + i), 1) for i in range(25)]
    path = tmp_path / "residents.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_plain_lines_when_not_a_terminal(csv_of_25):
    result = runner.invoke(app, ["residents", "import", str(csv_of_25), "--establishment", EST])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"فحص الأسطر: {done} من 25" for done in (*range(2, 25, 2), 25)]
    assert "imported 25, rejected 0, warnings 0" in result.stdout and "فحص" not in result.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with ImportProgress() as progress:
        for done in range(1, 41):
            progress(done, 40)
    shown = terminal.getvalue()
    assert "فحص الأسطر" in shown and "100%" in shown and "#" * 36 in shown
    assert "من 40" not in shown  # no plain lines on a terminal
