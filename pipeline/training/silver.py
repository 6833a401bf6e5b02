"""Silver NER data: raw news sentences tagged by a majority vote of several trained recognisers.

A vote of several models is more accurate than any one of them (measured in models/README.md);
a single model trained on what the vote says about unlabelled news (knowledge distillation)
keeps most of that gain at the speed of one model, and sees far more news than the manual
corpora hold.

The raw sentences are cut into tokens by the product's own Stanza tokenizer, so the silver
tokens are exactly what the recogniser sees at run time. Sentences that share an 8-token run
with a dev sentence are dropped, as for the manual corpora.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.corpora import TaggedSentence
from pipeline.ingest import make_document

logger = logging.getLogger(__name__)

Span = tuple[int, int, str]


def vote_spans(span_sets: Sequence[Iterable[Span]], min_votes: int) -> list[Span]:
    """Spans proposed by at least ``min_votes`` models, the most-voted first, never overlapping.

    Ties go to the earlier span, so the result does not depend on the models' order.
    """
    votes = Counter(span for spans in span_sets for span in set(spans))
    chosen: list[Span] = []
    for span, count in sorted(votes.items(), key=lambda item: (-item[1], item[0])):
        if count >= min_votes and all(span[1] <= s[0] or s[1] <= span[0] for s in chosen):
            chosen.append(span)
    return sorted(chosen)


def spans_to_tags(n_tokens: int, spans: Iterable[Span]) -> tuple[str, ...]:
    tags = ["O"] * n_tokens
    for start, end, label in spans:
        tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
    return tuple(tags)


def model_spans(nlp, token_lists: Sequence[Sequence[str]], batch_size: int = 256) -> list[list[Span]]:
    from spacy.tokens import Doc

    docs = (Doc(nlp.vocab, words=list(tokens)) for tokens in token_lists)
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(docs, batch_size=batch_size)]


def label_by_vote(teachers: Sequence, token_lists: Sequence[Sequence[str]], min_votes: int) -> list[TaggedSentence]:
    per_teacher = [model_spans(nlp, token_lists) for nlp in teachers]
    voted = (vote_spans([spans[i] for spans in per_teacher], min_votes) for i in range(len(token_lists)))
    return [TaggedSentence(tuple(tokens), spans_to_tags(len(tokens), spans))
            for tokens, spans in zip(token_lists, voted, strict=True)]


def read_raw_sentences(path: Path) -> list[str]:
    """The text column (the last) of a headerless CSV such as BPPT-PANL's ``label,sentence``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[-1].strip() for row in csv.reader(handle) if row and row[-1].strip()]


def tokenize_raw(stanza_nlp, texts: Sequence[str], chunk: int = 2000) -> list[tuple[str, ...]]:
    """The product's tokens of each raw text, one list per Stanza sentence."""
    from pipeline.tokenize import tokenize_documents

    token_lists: list[tuple[str, ...]] = []
    for first in range(0, len(texts), chunk):
        documents = [make_document(f"raw-{first + i}", "raw", text)
                     for i, text in enumerate(texts[first:first + chunk])]
        for tokenized in tokenize_documents(stanza_nlp, documents):
            token_lists.extend(tuple(t.text for t in s.tokens) for s in tokenized.sentences)
        logger.info("tokenized %d of %d raw texts", min(first + chunk, len(texts)), len(texts))
    return token_lists


def write_conll(sentences: Iterable[TaggedSentence], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for sentence in sentences:
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(sentence.tokens, sentence.tags, strict=True))
            out.write("\n")


def main(argv: list[str] | None = None) -> None:
    import argparse

    import spacy

    from pipeline.tokenize import load_stanza
    from pipeline.training.ner import NerCorpora, drop_overlaps

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("teachers", nargs="+", type=Path, help="spaCy model directories that vote")
    parser.add_argument("--raw", type=Path, default=Path("../shared/corpora/rawtext/bppt_panl/bppt_panl.csv"))
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora/ner"),
                        help="NER corpora, for the dev sentences to keep out")
    parser.add_argument("--tokenizer", type=Path, default=Path("models/tokenizer"))
    parser.add_argument("--min-votes", type=int, default=0, help="votes a span needs (default: a strict majority)")
    parser.add_argument("--out", type=Path, default=Path("build/ner/silver.txt"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    min_votes = args.min_votes or len(args.teachers) // 2 + 1
    token_lists = tokenize_raw(load_stanza(args.tokenizer), read_raw_sentences(args.raw))
    held_out = [s for dev in NerCorpora(args.corpora).dev_sets().values() for s in dev]
    unlabelled = [TaggedSentence(tokens, ("O",) * len(tokens)) for tokens in token_lists]
    kept = [s.tokens for s in drop_overlaps(unlabelled, held_out)]
    logger.info("%d raw sentences, %d kept after removing dev overlaps", len(token_lists), len(kept))
    silver = label_by_vote([spacy.load(path) for path in args.teachers], kept, min_votes)
    write_conll(silver, args.out)
    n_spans = sum(len(s.spans()) for s in silver)
    logger.info("wrote %d sentences, %d entities (spans with >= %d of %d votes) to %s",
                len(silver), n_spans, min_votes, len(args.teachers), args.out)


if __name__ == "__main__":
    main()
