"""Stage 1: read documents, normalise them to NFC and mark news boilerplate zones.

Boilerplate (``Baca Juga: ...`` teasers, ``IKLAN``, ``[Gambas:Video CNN]``, byline codes such as
``(khr/bac)``) is never deleted: it is marked as a zone, so that every character of the input
can still be found and the tables can say where a mention came from.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.dates import parse_date
from pipeline.errors import InputError
from pipeline.types import Document, Zone

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".jsonl", ".csv")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + TABLE_SUFFIXES
# Document formats a newsroom keeps beside its text that this tool does not read: named, not read as text.
UNREAD_FORMATS = (".docx", ".doc", ".pdf", ".odt", ".rtf", ".pptx", ".xlsx", ".xls", ".epub")
UNREAD_FORMAT = f"not a format read ({', '.join(SUPPORTED_SUFFIXES)})"  # a folder entry's reason

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


# Characters that draw nothing but split words for a tokenizer or a name for the linker
# ("Jo\u200bko Wi\u00addodo" is "Joko Widodo"): zero-width space, non-joiner and joiner,
# direction marks, word joiner, soft hyphen and a byte-order mark inside the text. They are
# removed from the text the stages read; the offset anchors still point into the source.
INVISIBLE = re.compile("[\u200b-\u200f\u2060\u00ad\ufeff]")


def normalise(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """NFC-normalise ``text`` and drop its invisible characters (``INVISIBLE``); return it with
    offset anchors back into the input.

    Normalisation only ever rewrites a starter character with the combining marks after it,
    so each such cluster is normalised alone and an anchor is kept after every cluster whose
    length changed.
    """
    if not INVISIBLE.search(text) and unicodedata.is_normalized("NFC", text):
        return text, ()
    pieces: list[str] = []
    anchors: list[tuple[int, int]] = []
    norm_pos = 0
    cluster_start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        cluster = unicodedata.normalize("NFC", INVISIBLE.sub("", text[cluster_start:i]))
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


# A code point that UTF-8 cannot write (half of a surrogate pair, from a JSON "\ud800" or a
# file name that is not UTF-8): it would stop SQLite and every writer of the tables.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(name: str) -> str:
    """An id or a source path that UTF-8 can write: the bytes of a file name that is not UTF-8
    (a Windows zip) as ``\xe9``, any other lone surrogate as ``\ud800``; distinct names stay distinct."""
    if not LONE_SURROGATE.search(name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace") if _is_fs_escaped(name) \
        else name.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_fs_escaped(name: str) -> bool:
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def make_document(doc_id: str, source: str, raw_text: str, base_offset: int = 0, note: str = "") -> Document:
    """A document from text already read: normalised, with its boilerplate zones.

    Line ends are kept as they are (``\r\n`` too), so offsets stay true to the source. A lone
    surrogate becomes U+FFFD (one character for one: offsets stay true); ``note`` says what was
    repaired to read the text, in the ``error`` column of a document that is processed.
    """
    if LONE_SURROGATE.search(raw_text):
        raw_text = LONE_SURROGATE.sub("\ufffd", raw_text)
        note = "; ".join(filter(None, (note, "lone surrogates replaced by U+FFFD")))
    text, anchors = normalise(raw_text)
    status, error = "ok", note
    if not text.strip():
        status, error = "empty", "document has no text"
    return Document(printable(doc_id), printable(source), text, find_boilerplate(text), anchors, status, error,
                    base_offset, raw_text if anchors else "")


# A text longer than this is read as parts ("id#1", "id#2", ...) cut at line ends, so that no
# single document holds the memory of a whole book; offsets still point into the source.
MAX_DOCUMENT_CHARS = 1_000_000


def make_documents(doc_id: str, source: str, raw_text: str, limit: int | None = None,
                   note: str = "") -> list[Document]:
    """The text as one document, or as parts of at most ``limit`` characters (``MAX_DOCUMENT_CHARS``)."""
    limit = limit or MAX_DOCUMENT_CHARS
    if len(raw_text) <= limit:
        return [make_document(doc_id, source, raw_text, note=note)]
    parts, start = [], 0
    while start < len(raw_text):
        end = min(start + limit, len(raw_text))
        if end < len(raw_text):
            cut = raw_text.rfind("\n", start, end)
            cut = cut if cut > start else raw_text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        parts.append(make_document(f"{doc_id}#{len(parts) + 1}", source, raw_text[start:end], base_offset=start,
                                   note=note))
        start = end
    logger.info("%s: %d characters, read as %d parts", source, len(raw_text), len(parts))
    return parts


def failed_document(doc_id: str, source: str, error: str, status: str = "error") -> Document:
    """A row for what was not processed: ``error`` (it could not be read) or ``skipped`` (it was
    not read on purpose: a format the tool does not read, a link out of the input folder)."""
    return Document(printable(doc_id), printable(source), "", status=status, error=printable(error))


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    note: str = ""  # what was not plain UTF-8, for the document's row


# Byte-order marks, UTF-32 before UTF-16 (the UTF-32 LE mark starts with the UTF-16 LE one).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
NON_ASCII_CHAR = re.compile("[^\x00-\x7f\udc80-\udcff]")
# One Windows-1252 character (U+FFFD where it has none) for each byte that is not UTF-8.
CP1252_REPAIR = {0xDC00 + b: bytes([b]).decode("cp1252", errors="replace") for b in range(0x80, 0x100)}


def decode(data: bytes) -> Decoded:
    """The text of a file: by its byte-order mark (UTF-8, -16, -32); else UTF-8, where a few
    bytes that are not UTF-8 (a Windows-1252 quote pasted into a UTF-8 file) are read as
    Windows-1252 and named in the note; else the most likely legacy encoding, as
    charset-normalizer detects it, for a file that is mostly not UTF-8."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                raise InputError(f"not {encoding} text although it starts with its byte-order mark "
                                 f"({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data[:4096]:
        raise InputError("binary file (NUL bytes)")
    text = data.decode("utf-8", "surrogateescape")
    bad = ESCAPED_BYTE.search(text)
    if bad is None:
        return Decoded(text, "utf-8")
    n_bad = len(ESCAPED_BYTE.findall(text))
    if NON_ASCII_CHAR.search(text) or n_bad * 50 < len(data):
        note = (f"{n_bad} byte{'s' * (n_bad > 1)} not UTF-8 (the first at byte "
                f"{len(text[:bad.start()].encode('utf-8', 'surrogateescape'))}) read as Windows-1252")
        return Decoded(text.translate(CP1252_REPAIR), "utf-8", note)
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is None or guess.encoding in ("utf_8", "utf_8_sig"):
        raise InputError("not UTF-8 text and no other text encoding fits")
    return Decoded(str(guess), guess.encoding, f"not UTF-8: read as {guess.encoding}")


@dataclass(frozen=True)
class InputFile:
    """A file to read, with its document id stem; or, with a ``status``, an entry of an input
    folder that is not read (``error`` or ``skipped``) and why: it gets a row, never vanishes."""

    path: Path
    stem: str
    status: str = ""
    reason: str = ""


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def walk_folder(root: Path, exclude: Iterable[Path] = (), follow_symlinks: bool = False) -> list[InputFile]:
    """Every entry of a folder tree, depth first without recursion (a tree 1,000 deep is fine),
    in path order: files of a supported suffix to read, and a row for everything else.

    Never read: the folders in ``exclude`` (the run's own output and cache folders, when they
    lie inside the input). A symbolic link is followed when it points inside ``root`` (or
    anywhere, with ``follow_symlinks``); a folder is walked once, so a link loop ends.
    """
    root_real = os.path.realpath(root)
    excluded = {os.path.realpath(p) for p in exclude}
    entries: list[InputFile] = []
    seen: set[tuple[int, int]] = set()
    todo = [(root, "")]
    while todo:
        folder, rel = todo.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                entries.append(InputFile(folder, rel + "/", "skipped", "a link to a folder already read (a loop)"))
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            entries.append(InputFile(folder, rel + "/", "error", f"cannot read folder: {exc.strerror or exc}"))
            continue
        for entry in children:
            path, name = Path(entry.path), f"{rel}/{entry.name}" if rel else entry.name
            if os.path.realpath(path) in excluded:
                logger.info("%s: the run's own output, not read as input", path)
                continue
            entries.extend(_folder_entry(path, name, root_real, follow_symlinks, todo))
    return sorted(entries, key=lambda e: e.stem)


def _folder_entry(path: Path, name: str, root_real: str, follow_symlinks: bool, todo: list) -> list[InputFile]:
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            target = os.path.realpath(path)
            if not follow_symlinks and not _within(target, root_real):
                return [InputFile(path, name, "skipped",
                                  f"a link to {target}, outside the input folder (--follow-symlinks reads it)")]
            mode = path.stat().st_mode
    except FileNotFoundError:
        return [InputFile(path, name, "error", "a broken link: its target does not exist")]
    except OSError as exc:
        return [InputFile(path, name, "error", f"cannot read it: {exc.strerror or exc}")]
    if stat.S_ISDIR(mode):
        todo.append((path, name))
        return []
    if not stat.S_ISREG(mode):
        return [InputFile(path, name, "skipped", f"{_kind(mode)}, not a file to read")]
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return [InputFile(path, name, "skipped", UNREAD_FORMAT)]
    return [InputFile(path, Path(name).with_suffix("").as_posix())]


def iter_input_files(paths: Iterable[Path], exclude: Iterable[Path] = (),
                     follow_symlinks: bool = False) -> list[InputFile]:
    """The files to read, each with its document id stem, and a row for what is not read.

    A given file is read whatever its suffix; a folder is searched for supported suffixes
    (``walk_folder``), and its files are named by their path inside it (``2024/01/article``), so
    ids stay unique. The files of a folder in formats the tool does not read (``.docx``,
    ``.pdf``, ...) are named in one warning (and each gets its row).
    """
    exclude = list(exclude)
    files: list[InputFile] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"input path does not exist: {path}")
        if path.is_dir():
            found = walk_folder(path, exclude, follow_symlinks)
            if not any(not f.status for f in found):
                raise InputError(f"no {', '.join(SUPPORTED_SUFFIXES)} files in {path}")
            files.extend(found)
        else:
            files.append(InputFile(path, path.stem))
    # hidden files (.DS_Store, editors' swap files) are no documents anyone meant: rows, but not named
    passed_over = [str(f.path) for f in files if f.reason == UNREAD_FORMAT and not f.path.name.startswith(".")]
    if passed_over:
        suffixes = sorted({Path(p).suffix.lower() or "(no suffix)" for p in passed_over})
        shown = ", ".join(printable(p) for p in passed_over[:5])
        more = f" and {len(passed_over) - 5} more" if len(passed_over) > 5 else ""
        logger.warning("not read: %d files of formats this tool does not read (%s): %s%s; "
                       "save them as .txt or .html to include them", len(passed_over), ", ".join(suffixes),
                       shown, more)
    return files


def known_document_count(files: list[InputFile]) -> int | None:
    """How many documents (rows) the files give, where that is known before reading them: a text
    or HTML file gives one, and so does an entry that is not read (a text of more than a million
    characters is read as parts)."""
    one_each = TEXT_SUFFIXES + HTML_SUFFIXES
    return len(files) if all(f.status or f.path.suffix.lower() in one_each for f in files) else None


@dataclass(frozen=True)
class RecordFields:
    """The fields of a JSONL record or CSV row that hold the text, the id and the publication
    date; every other field is kept as the document's metadata."""

    text: str = "text"
    id: str = "id"
    date: str = "date"


def read_documents(paths: Iterable[Path], fields: RecordFields = RecordFields(), exclude: Iterable[Path] = (),
                   follow_symlinks: bool = False) -> Iterator[Document]:
    """Every document under ``paths`` (``iter_input_files``, then ``read_files``)."""
    return read_files(iter_input_files(paths, exclude, follow_symlinks), fields)


def read_files(files: list[InputFile], fields: RecordFields = RecordFields()) -> Iterator[Document]:
    """Every document of ``files``; a file that cannot be read yields a failed document, and so
    does every folder entry that is not read.

    Ids are unique: a repeated one (two folders with the same file names, repeated record ids)
    gets ``~2``, ``~3``, ... (the first of these not taken) with a warning.
    """
    seen: set[str] = set()
    for document in _read_all(files, fields):
        if document.doc_id in seen:
            count = 2
            while f"{document.doc_id}~{count}" in seen:
                count += 1
            unique = f"{document.doc_id}~{count}"
            logger.warning("%s: id %r already used, renamed %r", document.source, document.doc_id, unique)
            document = replace(document, doc_id=unique)
        seen.add(document.doc_id)
        yield document


def read_file_bytes(path: Path) -> bytes:
    """The bytes of a regular file. Opened without blocking, so that a FIFO never hangs the run:
    it, or any other special file, is an ``InputError``."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror or exc}") from exc
    with os.fdopen(handle, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{_kind(mode)}, not a file to read")
        try:
            return f.read()
        except OSError as exc:
            raise InputError(f"cannot read it: {exc.strerror or exc}") from exc


def _read_all(files: list[InputFile], fields: RecordFields) -> Iterator[Document]:
    for entry in files:
        path, stem = entry.path, entry.stem
        if entry.status:
            if entry.reason != UNREAD_FORMAT:  # those are named together by iter_input_files
                logger.warning("%s: %s", printable(str(path)), entry.reason)
            yield failed_document(stem, str(path), entry.reason, entry.status)
            continue
        if path.suffix.lower() in UNREAD_FORMATS:
            yield failed_document(stem, str(path), f"{path.suffix.lower()} files are not read; "
                                                   "save it as .txt or .html", "skipped")
            continue
        try:
            decoded = decode(read_file_bytes(path))
        except InputError as exc:
            logger.warning("%s: %s", printable(str(path)), exc)
            yield failed_document(stem, str(path), str(exc))
            continue
        if decoded.note:
            logger.warning("%s: %s", printable(str(path)), decoded.note)
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _dated(path, _jsonl_documents(path, stem, decoded, fields))
        elif suffix == ".csv":
            yield from _dated(path, _csv_documents(path, stem, decoded, fields))
        elif suffix in HTML_SUFFIXES:
            yield from _dated(path, _html_documents(path, stem, decoded))
        else:
            yield from make_documents(stem, str(path), decoded.text, note=decoded.note)


def _as_text(value) -> str:
    """A field's value as a text cell: strings as they are, nothing as "", the rest as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _with_fields(documents: list[Document], date: str, metadata: dict[str, object]) -> list[Document]:
    """The documents of one record (its parts) with the record's date and other fields."""
    pairs = tuple((printable(key), _as_text(value)) for key, value in metadata.items())
    return [replace(d, date=date, metadata=pairs) for d in documents]


def _record_documents(stem: str, number: int, source: str, record: dict, fields: RecordFields,
                      note: str) -> list[Document]:
    value = record.get(fields.id)
    doc_id = str(value) if value not in (None, "") else f"{stem}:{number}"
    others = {k: v for k, v in record.items() if k not in (fields.text, fields.id, fields.date)}
    return _with_fields(make_documents(doc_id, source, record[fields.text] or "", note=note),
                        _as_text(record.get(fields.date)), others)


def _jsonl_documents(path: Path, stem: str, decoded: Decoded, fields: RecordFields) -> Iterator[Document]:
    # split on \n alone: U+2028 and friends may stand raw inside JSON strings
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield failed_document(f"{stem}:{number}", source, f"invalid JSON: {exc.msg}")
            continue
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, 100,000 nested brackets
            yield failed_document(f"{stem}:{number}", source, f"JSON that cannot be read: {str(exc)[:120]}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get(fields.text), str):
            yield failed_document(f"{stem}:{number}", source,
                                  f"no string field {fields.text!r} (another field holds the text? --text-field)")
            continue
        yield from _record_documents(stem, number, source, record, fields, decoded.note)


def _csv_documents(path: Path, stem: str, decoded: Decoded, fields: RecordFields) -> Iterator[Document]:
    """One document per row. A quote that is not closed where it should be swallows the lines
    after it (to the end of the file, or to the next quote) into one cell: a row that spans
    lines with an odd count of quotes in them is reported, not read."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a whole article may sit in one cell
    lines = io.StringIO(decoded.text, newline="").readlines()
    reader = csv.DictReader(lines)
    try:
        if reader.fieldnames is None or fields.text not in reader.fieldnames:
            yield failed_document(stem, str(path), f"no column named {fields.text!r} (columns: {reader.fieldnames}; "
                                                   "name the text column with --text-field)")
            return
        first_line = reader.line_num + 1
        for number, record in enumerate(reader, start=1):
            last_line = reader.line_num
            if last_line > first_line and sum(line.count('"') for line in lines[first_line - 1:last_line]) % 2:
                yield failed_document(f"{stem}:{number}", f"{path}:{number}",
                                      f"invalid CSV: a quote in line {first_line} is never closed, or closed "
                                      f"out of place (lines {first_line}-{last_line} not read)")
                first_line = last_line + 1
                continue
            yield from _record_documents(stem, number, f"{path}:{number}", record, fields, decoded.note)
            first_line = reader.line_num + 1
    except csv.Error as exc:
        yield failed_document(f"{stem}:{reader.line_num}", f"{path}:{reader.line_num}", f"invalid CSV: {exc}")


# What an HTML page's metadata gives beside its text and date (trafilatura's names).
HTML_METADATA = ("title", "author", "url", "sitename", "description")


def _html_documents(path: Path, stem: str, decoded: Decoded) -> list[Document]:
    """The main text of a news page, without menus, adverts and comments, with its title, date
    and the other metadata the page gives (trafilatura). Offsets count in the extracted text,
    which ``texts.jsonl`` keeps: the page itself has no offsets a reader could use."""
    import trafilatura

    extracted = trafilatura.bare_extraction(decoded.text, with_metadata=True, include_comments=False,
                                            include_tables=False, deduplicate=False)
    if extracted is None or not (extracted.text or "").strip():
        return [failed_document(stem, str(path), "no article text found in the HTML page")]
    metadata = {name: getattr(extracted, name, None) for name in HTML_METADATA}
    return _with_fields(make_documents(stem, str(path), extracted.text, note=decoded.note), extracted.date or "",
                        {k: v for k, v in metadata.items() if v})


def _dated(path: Path, documents: Iterable[Document]) -> Iterator[Document]:
    """The documents with their date read into ISO 8601 (``parse_date``); a date that cannot
    be read is left empty, and the file's unread dates are counted in one warning."""
    unread: list[str] = []
    for document in documents:
        if document.date:
            date = parse_date(document.date)
            if date is None:
                unread.append(document.date)
            document = replace(document, date=date or "")
        yield document
    if unread:
        logger.warning("%s: %d dates not understood, left empty (the first: %r)", printable(str(path)),
                       len(unread), unread[0])
