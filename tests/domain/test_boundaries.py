"""The repository boundary (issue 9): under residency/, only the unit of work (db.py), the repository
(repository.py) and the read models (queries.py) touch the SQLAlchemy session; everything else reads and
writes through `uow.repo` and `residency.queries`. The migrations run on Alembic's own connection."""

import ast
from pathlib import Path

import residency

PACKAGE = Path(residency.__file__).resolve().parent
ALLOWED = {"db.py", "repository.py", "queries.py"}


def _modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "migrations" and path.relative_to(PACKAGE).as_posix() not in ALLOWED
    )


def session_uses(source: str) -> list[int]:
    """Line numbers of every `<anything>.session` in the source (an attribute read, call or assignment)."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "session"
    )


def test_the_scan_finds_session_uses():
    assert session_uses("uow.session.execute(stmt)\nx = self.uow.session\nrepo.add(row)\n") == [1, 2]
    assert session_uses("getattr(uow, 'repo').add(row)\nsession = 1\n") == []


def test_only_the_repository_the_queries_and_the_unit_of_work_touch_the_session():
    assert len(_modules()) > 20  # the scan sees the package (services included)
    offenders = {}
    for path in _modules():
        name = path.relative_to(PACKAGE).as_posix()
        lines = session_uses(path.read_text(encoding="utf-8"))
        if lines:
            offenders[f"residency/{name}"] = lines
    assert not offenders, "use uow.repo (residency/repository.py) or residency.queries instead of the session: " + repr(
        offenders
    )
