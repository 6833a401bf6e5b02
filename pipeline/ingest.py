"""Stage 1: read documents, normalise them to NFC and mark news boilerplate zones.

Boilerplate (``Baca Juga: ...`` teasers, ``IKLAN``, ``[Gambas:Video CNN]``, byline codes such as
``(khr/bac)``) is never deleted: it is marked as a zone, so that every character of the input
can still be found and the tables can say where a mention came from.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from pipeline.errors import InputError
from pipeline.types import Document, Zone

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt",)
TABLE_SUFFIXES = (".jsonl", ".csv")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES

# Whole lines that Indonesian news sites add around an article; (rule name, pattern).
BOILERPLATE_LINES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("read-also", r"(baca|lihat|simak|tonton)\s+(juga|pula)\b\s*:?.*"),
        ("advert", r"(iklan|advertisement|scroll to continue with content|"
                   r"gulir untuk melanjutkan konten|lanjutkan membaca)"),
        ("embed", r"\[gambas:[^\]]*\]"),
        ("byline-code", r"\(\s*[a-z]{2,5}(\s*/\s*[a-z]{2,5})+\s*\)"),
        ("credit", r"(editor|penulis|reporter|pewarta|sumber|foto)\s*:.{0,80}"),
        ("credit", r"(laporan|dilaporkan oleh)\s+(wartawan|reporter|kontributor|jurnalis)\b.{0,80}"),
        ("credit", r"\(?\s*ditulis oleh\b.{0,60}"),
        ("credit", r"(copyright\b|©).{0,80}|hak cipta dilindungi undang-undang.{0,40}"),
        ("republished", r"artikel ini (telah )?(tayang|terbit|dimuat|ditayangkan)\b.*"),
    )
)


def normalise(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """NFC-normalise ``text``; return it with offset anchors back into the input.

    Normalisation only ever rewrites a starter character with the combining marks after it,
    so each such cluster is normalised alone and an anchor is kept after every cluster whose
    length changed.
    """
    normalised = unicodedata.normalize("NFC", text)
    if normalised == text:
        return text, ()
    pieces: list[str] = []
    anchors: list[tuple[int, int]] = []
    norm_pos = 0
    cluster_start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        cluster = unicodedata.normalize("NFC", text[cluster_start:i])
        pieces.append(cluster)
        norm_pos += len(cluster)
        if len(cluster) != i - cluster_start:
            anchors.append((norm_pos, i))
        cluster_start = i
    return "".join(pieces), tuple(anchors)


def find_boilerplate(text: str) -> tuple[Zone, ...]:
    zones = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group().strip()
        for rule, pattern in BOILERPLATE_LINES:
            if pattern.fullmatch(line):
                zones.append(Zone(match.start(), match.end(), "boilerplate", rule))
                break
    return tuple(zones)


def make_document(doc_id: str, source: str, raw_text: str, base_offset: int = 0) -> Document:
    """A document from text already read: normalised, with its boilerplate zones.

    Line ends are kept as they are (``\r\n`` too), so offsets stay true to the source.
    """
    text, anchors = normalise(raw_text)
    status, error = "ok", ""
    if not text.strip():
        status, error = "empty", "document has no text"
    return Document(doc_id, source, text, find_boilerplate(text), anchors, status, error, base_offset,
                    raw_text if anchors else "")


# A text longer than this is read as parts ("id#1", "id#2", ...) cut at line ends, so that no
# single document holds the memory of a whole book; offsets still point into the source.
MAX_DOCUMENT_CHARS = 1_000_000


def make_documents(doc_id: str, source: str, raw_text: str, limit: int | None = None) -> list[Document]:
    """The text as one document, or as parts of at most ``limit`` characters (``MAX_DOCUMENT_CHARS``)."""
    limit = limit or MAX_DOCUMENT_CHARS
    if len(raw_text) <= limit:
        return [make_document(doc_id, source, raw_text)]
    parts, start = [], 0
    while start < len(raw_text):
        end = min(start + limit, len(raw_text))
        if end < len(raw_text):
            cut = raw_text.rfind("\n", start, end)
            cut = cut if cut > start else raw_text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        parts.append(make_document(f"{doc_id}#{len(parts) + 1}", source, raw_text[start:end], base_offset=start))
        start = end
    logger.info("%s: %d characters, read as %d parts", source, len(raw_text), len(parts))
    return parts


def failed_document(doc_id: str, source: str, error: str) -> Document:
    return Document(doc_id, source, "", status="error", error=error)


def decode(data: bytes) -> tuple[str, str]:
    """Text and its encoding: UTF-8 (with or without BOM) or, failing that, the most likely
    legacy encoding (Windows-1252 and the like, as charset-normalizer detects it)."""
    if b"\x00" in data[:4096]:
        raise InputError("binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is None or guess.encoding in ("utf_8", "utf_8_sig"):
        raise InputError(f"not UTF-8 text ({utf8_error.reason} at byte {utf8_error.start}) "
                         "and no other text encoding fits")
    return str(guess), guess.encoding


def iter_input_files(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """The files to read, each with its document id stem.

    A given file is read whatever its suffix; a folder is searched for supported suffixes, and
    its files are named by their path inside it (``2024/01/article``), so ids stay unique.
    """
    files: list[tuple[Path, str]] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"input path does not exist: {path}")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise InputError(f"no .txt, .jsonl or .csv files in {path}")
            files.extend((p, p.relative_to(path).with_suffix("").as_posix()) for p in found)
        else:
            files.append((path, path.stem))
    return files


TEXT_COLUMN, ID_COLUMN = "text", "id"


def read_documents(paths: Iterable[Path]) -> Iterator[Document]:
    """Every document under ``paths``; a file that cannot be read yields a failed document.

    Ids are unique: a repeated one (two folders with the same file names, repeated record ids)
    gets ``~2``, ``~3``, ... with a warning.
    """
    seen: dict[str, int] = {}
    for document in _read_all(paths):
        count = seen[document.doc_id] = seen.get(document.doc_id, 0) + 1
        if count > 1:
            unique = f"{document.doc_id}~{count}"
            logger.warning("%s: id %r already used, renamed %r", document.source, document.doc_id, unique)
            document = replace(document, doc_id=unique)
        yield document


def _read_all(paths: Iterable[Path]) -> Iterator[Document]:
    for path, stem in iter_input_files(paths):
        suffix = path.suffix.lower()
        try:
            text, encoding = decode(path.read_bytes())
        except (OSError, InputError) as exc:
            logger.warning("%s: %s", path, exc)
            yield failed_document(stem, str(path), str(exc))
            continue
        if encoding != "utf-8":
            logger.warning("%s: not UTF-8, read as %s", path, encoding)
        if suffix == ".jsonl":
            yield from _jsonl_documents(path, stem, text)
        elif suffix == ".csv":
            yield from _csv_documents(path, stem, text)
        else:
            yield from make_documents(stem, str(path), text)


def _record_id(stem: str, number: int, record: dict) -> str:
    value = record.get(ID_COLUMN)
    return str(value) if value not in (None, "") else f"{stem}:{number}"


def _jsonl_documents(path: Path, stem: str, text: str) -> Iterator[Document]:
    # split on \n alone: U+2028 and friends may stand raw inside JSON strings
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield failed_document(f"{stem}:{number}", source, f"invalid JSON: {exc.msg}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get(TEXT_COLUMN), str):
            yield failed_document(f"{stem}:{number}", source, f"no string field {TEXT_COLUMN!r}")
            continue
        yield from make_documents(_record_id(stem, number, record), source, record[TEXT_COLUMN])


def _csv_documents(path: Path, stem: str, text: str) -> Iterator[Document]:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a whole article may sit in one cell
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if reader.fieldnames is None or TEXT_COLUMN not in reader.fieldnames:
            yield failed_document(stem, str(path), f"no column named {TEXT_COLUMN!r} (columns: {reader.fieldnames})")
            return
        for number, record in enumerate(reader, start=1):
            yield from make_documents(_record_id(stem, number, record), f"{path}:{number}",
                                      record[TEXT_COLUMN] or "")
    except csv.Error as exc:
        yield failed_document(f"{stem}:{reader.line_num}", f"{path}:{reader.line_num}", f"invalid CSV: {exc}")
