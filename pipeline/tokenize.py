"""Stage 2: tokens and sentences, from the project's own offline Stanza models."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.types import Document, Sentence, Token, TokenizedDocument

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "id_tokenizer.pt"
MWT_FILE = "id_mwt.pt"
REBUILD_HINT = "rebuild it with `make train-tokenizer`"


def load_stanza(model_dir: Path, use_mwt: bool = True):
    """A Stanza pipeline built from files in ``model_dir`` alone (no hub, no download)."""
    import stanza

    tokenizer = model_dir / TOKENIZER_FILE
    mwt = model_dir / MWT_FILE
    needed = [tokenizer] + ([mwt] if use_mwt else [])
    for path in needed:
        if not path.is_file():
            raise ModelError(f"missing tokenizer model {path}; {REBUILD_HINT}")
    resources = model_dir / "resources.json"
    if not resources.exists():
        resources.write_text("{}\n", encoding="utf-8")
    processors = "tokenize,mwt" if use_mwt else "tokenize"
    try:
        return stanza.Pipeline(
            lang="id",
            dir=str(model_dir),
            package=None,
            processors=processors,
            download_method=None,
            tokenize_model_path=str(tokenizer),
            mwt_model_path=str(mwt),
            logging_level="WARN",
            use_gpu=False,
            allow_unknown_language=True,
        )
    except Exception as exc:  # stanza raises bare exceptions for unreadable files
        raise ModelError(f"cannot load tokenizer models from {model_dir}: {exc}; {REBUILD_HINT}") from exc


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their offsets: news paragraphs, never joined into one sentence."""
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]


def _token(stanza_token, offset: int) -> Token:
    start, end = offset + stanza_token.start_char, offset + stanza_token.end_char
    clitic_start = None
    words = stanza_token.words
    if len(words) == 2 and words[0].text + words[1].text == stanza_token.text:
        clitic_start = start + len(words[0].text)
    return Token(start, end, stanza_token.text, clitic_start)


def tokenize_documents(nlp, documents: Sequence[Document]) -> list[TokenizedDocument]:
    """Sentences and tokens for each document, in one batched Stanza call over all paragraphs."""
    import stanza

    jobs = [(i, offset, text) for i, doc in enumerate(documents) if doc.status == "ok"
            for offset, text in paragraphs(doc.text)]
    processed = nlp.bulk_process([stanza.Document([], text=text) for _, _, text in jobs]) if jobs else []
    sentences: list[list[Sentence]] = [[] for _ in documents]
    for (i, offset, _), stanza_doc in zip(jobs, processed, strict=True):
        for stanza_sentence in stanza_doc.sentences:
            tokens = tuple(_token(t, offset) for t in stanza_sentence.tokens)
            if tokens:
                sentences[i].append(Sentence(len(sentences[i]), tokens[0].start, tokens[-1].end, tokens))
    return [TokenizedDocument(doc, tuple(s)) for doc, s in zip(documents, sentences, strict=True)]
