"""Train the PER / ORG / LOC recogniser (a spaCy NER pipeline) from ../shared/corpora/ner.

Two stages (see ``train``): a broad model on every news and encyclopaedic corpus, then the
same model adapted to idner-news-2k, the corpus closest to the product's news. Training data
choices, each measured (see models/README.md):
- idner-news-2k train (news) and NERGrit train (encyclopaedic) as they are;
- NERP train with ``IND`` mapped to ORG and its lower-cased text re-cased (entity tokens
  title-cased, short organisation names upper-cased, sentence starts capitalised), since
  the product reads normally cased news;
- every training sentence that shares an 8-token run with a dev sentence is dropped, because
  NERP repeats many idner-news-2k sentences and the dev scores must stay honest.

The dev set that picks the best checkpoint is idner-news-2k dev, the closest to news.
The first component marks tokens that stand in a name of the DBpedia gazetteers
(``pipeline.gazetteer``); the model learns how far to trust those lists.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.corpora import LABEL_MAP, TaggedSentence, read_tagged_file, retokenize
from pipeline.errors import EntitasError
from pipeline.recognize import use_numpy_matmul
from pipeline.training.goldset import runs
from pipeline.types import TokenizedDocument

logger = logging.getLogger(__name__)

CONFIG = Path(__file__).with_name("ner.cfg")
ADAPT_CONFIG = Path(__file__).with_name("ner-adapt.cfg")
NERP_LABEL_MAP = {**LABEL_MAP, "IND": "ORG"}
OVERLAP_RUN = 8


@dataclass(frozen=True)
class NerCorpora:
    root: Path  # ../shared/corpora/ner
    rawtext: Path | None = None  # ../shared/corpora/rawtext: the texts of the news training articles
    tokenizer: Path | None = None  # the Stanza tokenizer that cuts them as the product does

    def idner_train(self) -> list[TaggedSentence]:
        return read_tagged_file(self.root / "idner-news-2k" / "train.txt")

    def nergrit_train(self) -> list[TaggedSentence]:
        return read_tagged_file(self.root / "nergrit" / "train_preprocess.txt")

    def nerp_train(self) -> list[TaggedSentence]:
        sentences = read_tagged_file(self.root / "nerp" / "train_preprocess.txt", NERP_LABEL_MAP)
        return [recase(s) for s in sentences]

    def twitter_train(self) -> list[TaggedSentence]:
        return read_tagged_file(self.root / "indobertweet-twitter-ner" / "train.txt")

    def news_train(self, path: Path | None = None) -> list[TaggedSentence]:
        """The real-news training articles (``pipeline/gold/newstrain.jsonl``), annotated by the
        project's guide as the real-news gold set is, cut into sentences by the product's tokenizer."""
        from pipeline.evaluate import NEWS_TRAIN

        if self.rawtext is None or self.tokenizer is None:
            raise EntitasError("the news training articles need the rawtext corpora and the tokenizer model")
        return list(annotated_sentences(path or NEWS_TRAIN, self.rawtext, self.tokenizer))

    def dev_sets(self) -> dict[str, list[TaggedSentence]]:
        return {
            "idner-news-2k dev": read_tagged_file(self.root / "idner-news-2k" / "dev.txt"),
            "NERGrit valid": read_tagged_file(self.root / "nergrit" / "valid_preprocess.txt"),
            "Twitter dev": read_tagged_file(self.root / "indobertweet-twitter-ner" / "dev.txt"),
        }


def recase(sentence: TaggedSentence) -> TaggedSentence:
    """Give a lower-cased sentence the casing news text would have, as far as tags tell."""
    tokens = list(sentence.tokens)
    for start, end, label in sentence.spans():
        for i in range(start, end):
            word = tokens[i]
            short_org = label == "ORG" and end - start == 1 and len(word) <= 4
            tokens[i] = word.upper() if short_org else word[:1].upper() + word[1:]
    if tokens:
        tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
    return TaggedSentence(tuple(tokens), sentence.tags)


@functools.cache
def _stanza(tokenizer: Path):
    from pipeline.tokenize import load_stanza

    return load_stanza(tokenizer)


@functools.cache
def annotated_sentences(path: Path, rawtext: Path, tokenizer: Path) -> tuple[TaggedSentence, ...]:
    """The tagged sentences of the annotated articles in ``path``, made once per training run
    although both stages read them (tokenizing them takes the Stanza model and seconds)."""
    from pipeline.evaluate import read_realnews_gold, tokenized_gold

    gold = read_realnews_gold(path, rawtext)
    documents = tokenized_gold(_stanza(tokenizer), gold)
    return tuple(s for g, d in zip(gold, documents, strict=True) for s in tagged_sentences(d, g.mentions, g.furniture))


def tagged_sentences(document: TokenizedDocument, mentions: Sequence[tuple[int, int, str, str]],
                     furniture: Sequence[tuple[int, int]] = ()) -> list[TaggedSentence]:
    """An annotated article's sentences, as the product's tokenizer cut them, with BIO tags from
    its character-offset mentions. A sentence in a furniture line is left out (it is not
    annotated); a mention that does not fall on token boundaries (a word glued past the
    tokenizer's splits) leaves its tokens unknown (""), so it teaches nothing either way."""
    out = []
    for sentence in document.sentences:
        if any(start < sentence.end and sentence.start < end for start, end in furniture):
            continue
        tokens = sentence.tokens
        tags = ["O"] * len(tokens)
        for start, end, label, _ in mentions:
            inside = [i for i, t in enumerate(tokens) if t.start < end and start < t.end]
            if not inside:
                continue
            aligned = tokens[inside[0]].start == start and tokens[inside[-1]].end == end
            for k, i in enumerate(inside):
                tags[i] = ("B-" if k == 0 else "I-") + label if aligned else ""
        out.append(TaggedSentence(tuple(t.text for t in tokens), tuple(tags)))
    return out


def token_runs(sentence: TaggedSentence, n: int = OVERLAP_RUN) -> set[tuple[str, ...]]:
    return runs([t.lower() for t in sentence.tokens], n)


def drop_overlaps(train: Iterable[TaggedSentence], held_out: Iterable[TaggedSentence]) -> list[TaggedSentence]:
    banned: set[tuple[str, ...]] = set()
    for sentence in held_out:
        banned |= token_runs(sentence)
    return [s for s in train if not (token_runs(s) & banned)]


def to_docs(nlp, sentences: Iterable[TaggedSentence]):
    from spacy.tokens import Doc

    for sentence in sentences:
        yield Doc(nlp.vocab, words=list(sentence.tokens), ents=list(sentence.tags))


def keep_only(sentence: TaggedSentence, labels: frozenset[str]) -> TaggedSentence:
    """Mark the entities of other labels as unknown (""), so they teach the model nothing.

    Used for corpora whose idea of a label differs from idner-news-2k's: NERGrit and NERP tag
    every country as LOC, idner-news-2k only a country that is a place, not an actor.
    """
    tags = list(sentence.tags)
    for start, end, label in sentence.spans():
        if label not in labels:
            tags[start:end] = [""] * (end - start)
    return TaggedSentence(sentence.tokens, tuple(tags))


def build_training_set(corpora: NerCorpora, parts: Iterable[str]) -> list[TaggedSentence]:
    """Training sentences of the named corpora.

    A part is ``name[:LABEL+LABEL][*times]``: ``idner*3`` repeats idner-news-2k three times,
    ``nerp:PER`` keeps only NERP's person entities (the rest unknown).
    """
    held_out = [s for dev in corpora.dev_sets().values() for s in dev]
    train: list[TaggedSentence] = []
    for part in parts:
        spec, _, times = part.partition("*")
        name, _, labels = spec.partition(":")
        sentences = getattr(corpora, f"{name}_train")()
        kept = [retokenize(s)[0] for s in drop_overlaps(sentences, held_out)]
        if labels:
            kept = [keep_only(s, frozenset(labels.split("+"))) for s in kept]
        logger.info("%s: %d sentences, %d kept after removing dev overlaps, labels %s, used %s time(s)",
                    name, len(sentences), len(kept), labels or "all", times or 1)
        train.extend(kept * int(times or 1))
    return train


def write_docbin(nlp, sentences: Iterable[TaggedSentence], path: Path) -> None:
    from spacy.tokens import DocBin

    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=to_docs(nlp, sentences)).to_disk(path)


def train(corpora: NerCorpora, parts: list[str], adapt_parts: list[str], work_dir: Path,
          overrides: dict[str, object] | None = None, config: Path = CONFIG,
          adapt_config: Path = ADAPT_CONFIG) -> Path:
    """Both training stages; returns the directory of the final model.

    1. broad: every corpus in ``parts``, from scratch (``ner.cfg``);
    2. adapt: the broad model, trained on ``adapt_parts`` alone (``ner-adapt.cfg``), so that it
       takes idner-news-2k's conventions without forgetting what the other corpora taught it.

    Both stages pick their best checkpoint on idner-news-2k dev.
    """
    import spacy
    from spacy.cli.train import train as spacy_train
    from threadpoolctl import threadpool_limits

    import pipeline.gazetteer  # noqa: F401  (registers the gazetteer component's factory)

    blank = spacy.blank("id")
    dev = work_dir / "dev.spacy"
    write_docbin(blank, [retokenize(s)[0] for s in corpora.dev_sets()["idner-news-2k dev"]], dev)
    write_docbin(blank, build_training_set(corpora, parts), work_dir / "broad.spacy")
    settings = {"paths.train": str(work_dir / "broad.spacy"), "paths.dev": str(dev), **(overrides or {})}
    # One BLAS thread: a product summed by two threads rounds differently, so a model trained
    # with one would not be the model another machine, with other cores, trains from the same data.
    with use_numpy_matmul(), threadpool_limits(1, user_api="blas"):  # NumPy: 2.4x faster than blis here
        spacy_train(config, work_dir / "broad", use_gpu=-1, overrides=settings)
        if not adapt_parts:
            return work_dir / "broad" / "model-best"
        write_docbin(blank, build_training_set(corpora, adapt_parts), work_dir / "adapt.spacy")
        spacy_train(adapt_config, work_dir / "adapt", use_gpu=-1, overrides={
            "paths.train": str(work_dir / "adapt.spacy"), "paths.dev": str(dev),
            "paths.source": str(work_dir / "broad" / "model-best"),
            "paths.vectors": settings.get("paths.vectors")})
    return work_dir / "adapt" / "model-best"


def _config_value(text: str) -> object:
    """Config override values as spaCy's own CLI reads them: JSON if it parses, else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def build(corpora_dir: Path, gazetteers: str, work_dir: Path, model_dir: Path, parts: Sequence[str],
          adapt_parts: Sequence[str], *, vectors: Path, casing: Path, rawtext: Path | None = None,
          tokenizer: Path | None = None, config: Path = CONFIG,
          adapt_config: Path = ADAPT_CONFIG, settings: Sequence[str] = ()) -> dict:
    """Train the recogniser into ``model_dir/spacy`` (``settings``: broad-stage spaCy config
    overrides as KEY=VALUE) from the pretrained ``vectors`` and ``casing`` lexicon of
    ``make pretrain``; returns the dev scores, also written to ``model_dir/scores.json``. The
    ``news`` part reads its articles' texts from ``rawtext`` and cuts them with ``tokenizer``."""
    import shutil

    from pipeline.evaluate import evaluate_sets
    from pipeline.recognize import load_recognizer

    for piece in (vectors, casing):
        if not piece.exists():
            raise EntitasError(f"{piece} not found: build the pretrained pieces first (`make pretrain`)")
    overrides = {"paths.gazetteer": gazetteers, "paths.vectors": str(vectors), "paths.casing": str(casing),
                 **{key: _config_value(value) for key, value in (item.split("=", 1) for item in settings)}}
    corpora = NerCorpora(corpora_dir, rawtext, tokenizer)
    best = train(corpora, list(parts), list(adapt_parts), work_dir, overrides, config, adapt_config)
    if model_dir.exists():
        shutil.rmtree(model_dir / "spacy", ignore_errors=True)
    shutil.copytree(best, model_dir / "spacy")
    scores = evaluate_sets(load_recognizer(model_dir), corpora.dev_sets())
    (model_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    logger.info("dev scores: %s", json.dumps(scores))
    return scores
