"""Stage 2: tokens and sentences, from the project's own offline Stanza models."""

from __future__ import annotations

import atexit
import functools
import itertools
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pipeline.errors import ModelError
from pipeline.models import rebuild_hint
from pipeline.types import Document, Sentence, Token, TokenizedDocument

logger = logging.getLogger(__name__)
T = TypeVar("T")

TOKENIZER_FILE = "id_tokenizer.pt"
MWT_FILE = "id_mwt.pt"
RESOURCES_FILE = "resources.json"  # Stanza reads its model catalogue from here; the project's is empty
REBUILD_HINT = rebuild_hint("tokenizer")


@functools.cache
def _empty_resources_dir() -> Path:
    """A folder with an empty model catalogue, for a models folder that lacks one: loading never
    writes into the models folder (it may be read-only, or inside an installed package)."""
    folder = Path(tempfile.mkdtemp(prefix="entitas-stanza-"))
    (folder / RESOURCES_FILE).write_text("{}\n", encoding="utf-8")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def check_tokenizer_files(model_dir: Path) -> tuple[Path, Path]:
    """The tokenizer and MWT model files of ``model_dir``; ModelError if one is missing."""
    files = model_dir / TOKENIZER_FILE, model_dir / MWT_FILE
    for path in files:
        if not path.is_file():
            raise ModelError(f"missing tokenizer model {path}; {REBUILD_HINT}")
    return files


@contextmanager
def _no_training_optimizer() -> Iterator[None]:
    """Stanza's tokenizer and MWT trainers build an Adam optimizer even to predict, and the
    first optimizer of a process imports ``torch._dynamo``: 1.5 s of the 2 s the tokenizer took
    to load (measured with ``python -X importtime``). Predicting never steps an optimizer, so
    while the pipeline is built it gets none."""
    from stanza.models.common import utils

    build = utils.get_optimizer
    utils.get_optimizer = lambda *args, **kwargs: None
    try:
        yield
    finally:
        utils.get_optimizer = build


def load_stanza(model_dir: Path):
    """A Stanza pipeline built from files in ``model_dir`` alone (no hub, no download)."""
    import stanza

    tokenizer, mwt = check_tokenizer_files(model_dir)
    try:
        with _no_training_optimizer():
            return stanza.Pipeline(
                lang="id",
                dir=str(model_dir if (model_dir / RESOURCES_FILE).is_file() else _empty_resources_dir()),
                package=None,
                processors="tokenize,mwt",
                download_method=None,
                tokenize_model_path=str(tokenizer),
                mwt_model_path=str(mwt),
                logging_level="ERROR",
                use_gpu=False,
                allow_unknown_language=True,
            )
    except Exception as exc:  # stanza raises bare exceptions for unreadable files
        raise ModelError(f"cannot load tokenizer models from {model_dir}: {exc}; {REBUILD_HINT}") from exc


MAX_PARAGRAPH = 5000  # characters; longer lines (a whole page on one line) are cut


def paragraphs(text: str, limit: int = MAX_PARAGRAPH) -> list[tuple[int, str]]:
    """Non-blank lines with their offsets: news paragraphs, never joined into one sentence.

    A line longer than ``limit`` is cut after the last sentence end (or else the last space)
    before the limit, so that memory and time per piece stay bounded whatever the input.
    """
    pieces = []
    for match in re.finditer(r"[^\n]*\S[^\n]*", text):
        start, line = match.start(), match.group()
        while len(line) > limit:
            window = line[:limit]
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
            cut = cut + 2 if cut > limit // 2 else (window.rfind(" ") + 1 or limit)
            pieces.append((start, line[:cut]))
            start, line = start + cut, line[cut:]
        if line.strip():
            pieces.append((start, line))
    return pieces


# Scraped pages lose line breaks: "HamasMuhammad Deif", "Al ArabiyaJumat", "Israel.Pemimpin".
# A lower-case letter followed by a capitalised word of 4+ letters (or a full stop between two
# words) splits the token; camel-case brands with short halves (YouTube, WhatsApp, iPhone,
# LinkedIn) stay whole, and so do these longer ones.
GLUE = re.compile(r"(?<=[a-z]{4})(?=[A-Z][a-z]{3,})|(?<=[a-z]{3})\.(?=[A-Z][a-z]{2,})")
CAMEL_CASE_NAMES = frozenset({"PlayStation", "PowerPoint", "MasterChef", "SmackDown", "FaceTime",
                              "GoFood", "GoPay", "BlackBerry", "SpongeBob", "JavaScript", "WordPress"})


# Words the tokenizer cuts that are one word in news: a news site ("CNNIndonesia.com",
# "TribunJakarta.com", written "CNNIndonesia" + ".com"), an outlet's camel-case brand
# ("detikJatim", "TribunJogja"), a team's age group ("U-19", written "U" + "-" + "19").
SITE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\.co)?\.(?:com|co|id|net)", re.IGNORECASE)
MEDIA_BRAND = re.compile(r"(?:detik|kumparan|Tribun|tribun|Kompas|Suara|Sindo)[A-Z][A-Za-z]+")
AGE_GROUP = re.compile(r"U-\d{2}")
ONE_WORD = (SITE_NAME, AGE_GROUP)


def join_cut_words(tokens: Sequence[Token]) -> list[Token]:
    """Adjacent tokens (no space between) that together are a site name or an age group, as one
    token; clitics are not involved, since such words take none."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = next((j for j in range(min(len(tokens), i + 3), i + 1, -1)
                  if all(a.end == b.start for a, b in itertools.pairwise(tokens[i:j]))
                  and any(p.fullmatch("".join(t.text for t in tokens[i:j])) for p in ONE_WORD)), i + 1)
        if j > i + 1:
            out.append(Token(tokens[i].start, tokens[j - 1].end, "".join(t.text for t in tokens[i:j])))
        else:
            out.append(tokens[i])
        i = j
    return out


def split_glued(token: Token) -> list[Token]:
    """Split a token glued from two words; offsets still point into the original text. A site
    name or an outlet's brand stays whole."""
    if token.text in CAMEL_CASE_NAMES or not GLUE.search(token.text) or SITE_NAME.fullmatch(token.text) \
            or MEDIA_BRAND.fullmatch(token.text):
        return [token]
    pieces, begin = [], 0
    for match in GLUE.finditer(token.text):
        for a, b in ((begin, match.start()), (match.start(), match.end())):
            if b > a:
                pieces.append((a, b))
        begin = match.end()
    pieces.append((begin, len(token.text)))
    clitic = token.clitic_start
    return [Token(token.start + a, token.start + b, token.text[a:b],
                  clitic if clitic is not None and token.start + a < clitic < token.start + b else None)
            for a, b in pieces]


def _token(stanza_token, offset: int) -> Token:
    start, end = offset + stanza_token.start_char, offset + stanza_token.end_char
    clitic_start = None
    words = stanza_token.words
    if len(words) == 2 and words[0].text + words[1].text == stanza_token.text:
        clitic_start = start + len(words[0].text)
    return Token(start, end, stanza_token.text, clitic_start)


# The tokenizer learnt from treebank sentences, which end in punctuation; at the end of a
# paragraph without one (a list line, a caption, a headline) it has no right context and may cut
# the last word ("- Ketua DPW PKS Anita Maricha" came out as "... Anita Marich" + "a"). Each
# such paragraph is read with this sentinel after it, whose tokens are then dropped.
SENTINEL = " ."
SENTENCE_END = frozenset(".!?;:")


def with_sentinel(text: str) -> str:
    return text if text.rstrip()[-1:] in SENTENCE_END else text.rstrip() + SENTINEL


# Characters of paragraphs per Stanza call: what Stanza holds at once stays bounded for a
# million-character document too.
STANZA_CALL_CHARS = 100_000


def bounded_batches(items: Iterable[T], chars_of: Callable[[T], int], max_chars: int,
                    max_items: int | None = None) -> Iterator[list[T]]:
    """Consecutive batches of ``items`` of at most ``max_chars`` characters and ``max_items``
    items; an item longer than ``max_chars`` goes alone."""
    batch: list[T] = []
    chars = 0
    for item in items:
        if batch and chars + chars_of(item) > max_chars:
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += chars_of(item)
        if len(batch) == max_items:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def tokenize_documents(nlp, documents: Sequence[Document]) -> list[TokenizedDocument]:
    """Sentences and tokens for each document: batched Stanza calls over all its paragraphs."""
    import stanza

    jobs = [(i, offset, text) for i, doc in enumerate(documents) if doc.status == "ok"
            for offset, text in paragraphs(doc.text)]
    processed = [stanza_doc for group in bounded_batches(jobs, lambda job: len(job[2]), STANZA_CALL_CHARS)
                 for stanza_doc in nlp.bulk_process([stanza.Document([], text=with_sentinel(text))
                                                     for _, _, text in group])]
    sentences: list[list[Sentence]] = [[] for _ in documents]
    for (i, offset, text), stanza_doc in zip(jobs, processed, strict=True):
        end = offset + len(text.rstrip())
        for stanza_sentence in stanza_doc.sentences:
            tokens = tuple(piece for t in join_cut_words([_token(t, offset) for t in stanza_sentence.tokens])
                           for piece in split_glued(t) if piece.end <= end)
            if tokens:
                sentences[i].append(Sentence(len(sentences[i]), tokens[0].start, tokens[-1].end, tokens))
    return [TokenizedDocument(doc, tuple(s)) for doc, s in zip(documents, sentences, strict=True)]
