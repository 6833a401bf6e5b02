"""Where the trained models are, and what to tell a user who lacks one.

A source checkout has them in ``models/`` beside the package; an installed wheel carries the
same folder as the data package ``entitas_models`` (pyproject.toml maps one onto the other).
``--models`` overrides both.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
MODELS_PACKAGE = "entitas_models"


def default_models_dir() -> Path:
    """``models/`` of the source checkout this package runs from, else the installed models.

    The checkout comes first so that a developer's work tree uses its own models even where
    another copy of the project is installed in the environment.
    """
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "models").is_dir():
        return CHECKOUT / "models"
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return CHECKOUT / "models"  # neither: the missing-model errors say what to do


def rebuild_hint(kind: str) -> str:
    """What to do about a missing or damaged model, for a pip user and for a developer alike.
    ``kind``: ``tokenizer`` or ``ner``, as the make targets name them."""
    return (f"if you installed entitas with pip, reinstall it (`pip install --force-reinstall entitas`) "
            f"or pass --models DIR; in a source checkout, restore models/ (`git checkout -- models`) "
            f"or rebuild it with `make train-{kind}`")
