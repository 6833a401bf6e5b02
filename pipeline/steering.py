"""The user's steering files for the linker: extra aliases and forbidden merges (CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.errors import InputError
from pipeline.link import LinkSettings, name_key, words_of


def read_alias_file(path: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """``alias,canonical,label`` rows: the alias is always read as the canonical name."""
    rows = _read_csv(path, ("alias", "canonical", "label"))
    return {(row["label"].strip().upper(), name_key(words_of(row["alias"]))): tuple(words_of(row["canonical"]))
            for row in rows}


def read_forbidden_file(path: Path) -> frozenset[frozenset[str]]:
    """``name,other`` rows: two names that must never be one entity."""
    rows = _read_csv(path, ("name", "other"))
    return frozenset(frozenset((name_key(words_of(row["name"])), name_key(words_of(row["other"]))))
                     for row in rows)


def read_link_settings(alias_file: Path | None = None, forbid_file: Path | None = None) -> LinkSettings:
    return LinkSettings(aliases=read_alias_file(alias_file) if alias_file else {},
                        forbidden=read_forbidden_file(forbid_file) if forbid_file else frozenset())


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: needs the columns {', '.join(columns)} (missing {', '.join(missing)})")
            return [row for row in reader if all((row.get(c) or "").strip() for c in columns)]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
