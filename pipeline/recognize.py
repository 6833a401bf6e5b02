"""Stage 3: PER / ORG / LOC mentions from the project's spaCy NER model.

The model reads the Stanza tokens as they are (a spaCy ``Doc`` per sentence, built from the
tokens and the spaces between them), so it sees the same token boundaries at run time as the
corpus tokens it was trained on: punctuation split off, clitics such as ``-nya`` left attached.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.corpora import LABELS
from pipeline.errors import ModelError
from pipeline.types import Mention, Sentence, TokenizedDocument

logger = logging.getLogger(__name__)

REBUILD_HINT = "rebuild it with `make train-ner`"


def load_recognizer(model_dir: Path):
    import spacy

    path = model_dir / "spacy"
    if not (path / "config.cfg").is_file():
        raise ModelError(f"missing NER model {path}; {REBUILD_HINT}")
    try:
        return spacy.load(path)
    except Exception as exc:  # spaCy raises many kinds of errors for damaged model files
        raise ModelError(f"cannot load NER model {path}: {exc}; {REBUILD_HINT}") from exc


def sentence_doc(vocab, sentence: Sentence):
    from spacy.tokens import Doc

    tokens = sentence.tokens
    spaces = [a.end < b.start for a, b in zip(tokens, tokens[1:], strict=False)] + [False]
    return Doc(vocab, words=[t.text for t in tokens], spaces=spaces)


def tag_token_lists(nlp, token_lists: Iterable[Sequence[str]], batch_size: int = 256) -> list[list[str]]:
    """BIO tags for already tokenised sentences (used to score the model on NER corpora)."""
    from spacy.tokens import Doc

    docs = (Doc(nlp.vocab, words=list(tokens)) for tokens in token_lists)
    tagged = []
    for doc in nlp.pipe(docs, batch_size=batch_size):
        tags = ["O"] * len(doc)
        for ent in doc.ents:
            if ent.label_ in LABELS:
                tags[ent.start] = f"B-{ent.label_}"
                for i in range(ent.start + 1, ent.end):
                    tags[i] = f"I-{ent.label_}"
        tagged.append(tags)
    return tagged


def recognize(nlp, documents: Sequence[TokenizedDocument], batch_size: int = 256) -> list[list[Mention]]:
    """Mentions for each document, in text order."""
    jobs = [(i, sentence) for i, doc in enumerate(documents) for sentence in doc.sentences]
    docs = (sentence_doc(nlp.vocab, sentence) for _, sentence in jobs)
    mentions: list[list[Mention]] = [[] for _ in documents]
    for (i, sentence), spacy_doc in zip(jobs, nlp.pipe(docs, batch_size=batch_size), strict=True):
        document = documents[i].document
        for ent in spacy_doc.ents:
            if ent.label_ not in LABELS:
                continue
            start = sentence.tokens[ent.start].start
            end = sentence.tokens[ent.end - 1].end
            mentions[i].append(Mention(
                doc_id=document.doc_id, sentence=sentence.index, start=start, end=end,
                text=document.text[start:end], label=ent.label_, zone=document.zone_at(start, end),
            ))
    return mentions
