"""One error tree: every exception newsarchive defines is a `NewsarchiveError` carrying the exit
status of CLI.md that the CLI ends a command with."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import newsarchive
from newsarchive import errors
from newsarchive.errors import NewsarchiveError

# The statuses an error may stand for (CLI.md); 0, 4 and 5 end a run that finished.
ERROR_STATUSES = {
    errors.Status.FAILED,
    errors.Status.USAGE,
    errors.Status.NOT_ARTICLE,
    errors.Status.LOCKED,
}


# Alembic's scripts, run by alembic inside a migration, not modules to import.
SCRIPTS = "newsarchive.store.migrations."


def _defined_exceptions() -> list[type[BaseException]]:
    found = []
    for module_info in pkgutil.walk_packages(newsarchive.__path__, "newsarchive."):
        if module_info.name.startswith(SCRIPTS):
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_exception_the_package_defines_is_in_the_tree() -> None:
    defined = _defined_exceptions()
    assert NewsarchiveError in defined, "the walk missed errors.py: it proves nothing"
    strays = [
        f"{e.__module__}.{e.__qualname__}" for e in defined if not issubclass(e, NewsarchiveError)
    ]
    assert strays == [], "outside the tree: the CLI would call these 'unexpected errors'"


def test_each_error_says_what_it_is_in_one_line_and_carries_a_status_of_cli_md() -> None:
    for error in _defined_exceptions():
        doc = error.__doc__ or ""
        assert doc.strip() and "\n" not in doc.strip(), f"{error.__qualname__}: one-line docstring"
        assert error.exit_status in ERROR_STATUSES, f"{error.__qualname__}: no such error status"


def test_the_errors_module_imports_nothing_of_the_project() -> None:
    source = inspect.getsource(errors)
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    ours = [line for line in imports if "newsarchive" in line or line.startswith("from .")]
    assert ours == [], "errors.py would import back up the flow from every part that raises"
