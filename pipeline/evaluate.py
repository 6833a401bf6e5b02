"""Measured quality: exact-span NER scores on tagged sentences, pairwise scores of alias linking."""

from __future__ import annotations

import itertools
import json
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pandas as pd

from pipeline.corpora import TaggedSentence, bio_to_spans, normalise_tags, retokenize
from pipeline.errors import InputError
from pipeline.ingest import make_document
from pipeline.link import NO_STEERING, LinkSettings, link, name_key, words_of
from pipeline.recognize import SentenceView, recognize
from pipeline.tokenize import tokenize_documents
from pipeline.types import LABELS, Mention, ProcessedDocument, Sentence, TokenizedDocument

GOLD = Path(__file__).resolve().parent / "gold"
LINKING_GOLD = GOLD / "linking.jsonl"  # the project's linking set: seed articles and news-style texts
REALNEWS_GOLD = GOLD / "realnews.jsonl"  # whole real news articles, annotations only (docs/annotation.md)
NEWS_TRAIN = GOLD / "newstrain.jsonl"  # more articles annotated the same way, for training only
WIKI_GOLD = GOLD / "wikigold.jsonl"  # Wikipedia paragraphs annotated the same way: another text type


@dataclass(frozen=True)
class NerScores:
    true_positives: Mapping[str, int]
    predicted: Mapping[str, int]
    gold: Mapping[str, int]

    def prf(self, label: str | None = None) -> dict[str, float]:
        labels = [label] if label else list(LABELS)
        tp = sum(self.true_positives.get(x, 0) for x in labels)
        pred = sum(self.predicted.get(x, 0) for x in labels)
        gold = sum(self.gold.get(x, 0) for x in labels)
        precision = tp / pred if pred else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                "support": gold}

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {"overall": self.prf(), **{label: self.prf(label) for label in LABELS}}


def format_scores(title: str, scores: Mapping[str, Mapping[str, float]]) -> str:
    """Scores per label as a small table: P, R, F1 and the number of gold spans."""
    lines = [title, f"{'':8} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}"]
    for label, s in scores.items():
        lines.append(f"{label:8} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['support']:6d}")
    return "\n".join(lines)


def count_spans(pairs: Iterable[tuple[set[tuple[int, int, str]], set[tuple[int, int, str]]]]) -> NerScores:
    """Exact-span counts over (gold spans, predicted spans) pairs of (start, end, label)."""
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for gold_spans, pred_spans in pairs:
        n_gold.update(label for _, _, label in gold_spans)
        n_pred.update(label for _, _, label in pred_spans)
        tp.update(label for _, _, label in gold_spans & pred_spans)
    return NerScores(dict(tp), dict(n_pred), dict(n_gold))


def score_spans(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> NerScores:
    return count_spans((set(bio_to_spans(g)), set(bio_to_spans(p))) for g, p in zip(gold, predicted, strict=True))


Places = frozenset[tuple[str, ...]] | None  # as recognize() takes them: None for the shipped list


def sentence_document(number: int, tokens: Sequence[str]) -> TokenizedDocument:
    """A corpus sentence as a one-sentence document: its tokens, one space between them."""
    view = SentenceView.of_words(tokens)
    document = make_document(f"sentence-{number}", "corpus", " ".join(tokens))
    return TokenizedDocument(document, (Sentence(0, 0, len(document.text), view.tokens),))


def predict_corpus_tokens(nlp, sentences: Sequence[TaggedSentence], places: Places = None,
                          without: frozenset[str] = frozenset()) -> list[list[str]]:
    """BIO tags for corpus tokens from the product's own recogniser (``recognize``: the model,
    the sentence rules and the document rules, each sentence read as a document), predicted on
    the tokens the product's tokenizer would make."""
    split = [retokenize(s) for s in sentences]
    documents = [sentence_document(i, s.tokens) for i, (s, _) in enumerate(split)]
    tagged = []
    found = recognize(nlp, documents, places=places, without=without)
    for document, mentions, (s, cores) in zip(documents, found, split, strict=True):
        starts = [t.start for t in document.sentences[0].tokens]
        tags = ["O"] * len(s.tokens)
        for m in mentions:  # a mention inside a token ("Prabowo" of "Prabowo-Gibran") tags the token
            first, last = bisect_right(starts, m.start) - 1, bisect_right(starts, m.end - 1) - 1
            if tags[first] == "O":
                tags[first:last + 1] = [f"B-{m.label}"] + [f"I-{m.label}"] * (last - first)
        tagged.append(list(normalise_tags(tags[i] for i in cores)))
    return tagged


def evaluate_sentences(nlp, sentences: Sequence[TaggedSentence], places: Places = None,
                       without: frozenset[str] = frozenset()) -> tuple[NerScores, list[list[str]]]:
    predicted = predict_corpus_tokens(nlp, sentences, places, without)
    return score_spans([s.tags for s in sentences], predicted), predicted


def evaluate_sets(nlp, sets: Mapping[str, Sequence[TaggedSentence]], places: Places = None,
                  without: frozenset[str] = frozenset()) -> dict[str, dict]:
    return {name: evaluate_sentences(nlp, sentences, places, without)[0].as_dict() for name, sentences in sets.items()}


@dataclass(frozen=True)
class GoldDocument:
    """A text with its mentions and, for each, the real-world entity it names."""

    doc_id: str
    text: str
    mentions: tuple[tuple[int, int, str, str], ...]  # start, end, label, gold entity
    furniture: tuple[tuple[int, int], ...] = ()  # whole lines of site furniture: no mention there
    split: str = "dev"


def locate(text: str, surface: str, position: int) -> int:
    """Where ``surface`` next stands as a whole word (or glued before a capital) from ``position``."""
    # word boundaries, or the seam of two glued words ("HamasMuhammad")
    pattern = rf"(?:(?<!\w)|(?<=[a-z])(?=[A-Z])){re.escape(surface)}(?:(?!\w)|(?=[A-Z]))"
    match = re.compile(pattern).search(text, position)
    if match is None:
        raise InputError(f"mention {surface!r} not found after offset {position}")
    return match.start()


def read_link_gold(path: Path) -> list[GoldDocument]:
    """JSON lines: {doc_id, text, mentions: [[surface, label, entity], ...]}, mentions in text order."""
    docs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            record = json.loads(line) if line.strip() else {}
            if "mentions" not in record:
                continue  # blank lines and the file's header record
            position, mentions = 0, []
            for surface, label, entity in record["mentions"]:
                start = locate(record["text"], surface, position)
                mentions.append((start, start + len(surface), label, entity))
                position = start + 1
            docs.append(GoldDocument(record["doc_id"], record["text"], tuple(mentions)))
        except (ValueError, KeyError, TypeError, InputError) as exc:
            raise InputError(f"{path}:{number}: not a gold record ({exc})") from exc
    return docs


def pairwise_link_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Precision and recall of the mention pairs put in one entity, against the gold pairs."""
    gold_pairs = {pair for pair in combinations(range(len(gold)), 2) if gold[pair[0]] == gold[pair[1]]}
    pred_pairs = {pair for pair in combinations(range(len(predicted)), 2) if predicted[pair[0]] == predicted[pair[1]]}
    both = len(gold_pairs & pred_pairs)
    precision = both / len(pred_pairs) if pred_pairs else 1.0
    recall = both / len(gold_pairs) if gold_pairs else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "gold_pairs": len(gold_pairs),
            "predicted_pairs": len(pred_pairs), "mentions": len(gold)}


def tokenized_gold(stanza_nlp, gold_docs: Sequence[GoldDocument]) -> list[TokenizedDocument]:
    return tokenize_documents(stanza_nlp, [make_document(g.doc_id, "gold", g.text) for g in gold_docs])


def evaluate_links(stanza_nlp, gold_docs: Sequence[GoldDocument],
                   settings: LinkSettings = NO_STEERING) -> tuple[dict[str, float], list[tuple[str, str, str, str]]]:
    """Link the gold mentions with the product's linker; returns scores and the wrong pairs."""
    processed = [ProcessedDocument.of(t, [Mention(g.doc_id, 0, start, end, g.text[start:end], label)
                                          for start, end, label, _ in g.mentions])
                 for t, g in zip(tokenized_gold(stanza_nlp, gold_docs), gold_docs, strict=True)]
    linked, _ = link(processed, settings)
    gold = [entity for g in gold_docs for *_, entity in g.mentions]
    predicted = [lm.entity_id for lm in linked]
    texts = [lm.mention.text for lm in linked]
    errors = sorted({("missed" if gold[i] == gold[j] else "wrong", texts[i], texts[j], gold[i])
                     for i, j in combinations(range(len(gold)), 2)
                     if (gold[i] == gold[j]) != (predicted[i] == predicted[j])})
    return pairwise_link_scores(gold, predicted), errors


def evaluate_document_ner(stanza_nlp, ner, gold_docs: Sequence[GoldDocument]) -> dict[str, dict[str, float]]:
    """The whole recogniser, document rules included, against the gold mentions of the linking
    set: exact character spans and labels."""
    found = recognize(ner, tokenized_gold(stanza_nlp, gold_docs))
    return count_spans(({(start, end, label) for start, end, label, _ in g.mentions},
                        {(m.start, m.end, m.label) for m in mentions})
                       for g, mentions in zip(gold_docs, found, strict=True)).as_dict()


def read_realnews_gold(path: Path, rawtext: Path) -> list[GoldDocument]:
    """The real-news gold set: annotations in ``path``, each article's text read from the rawtext
    corpora by source folder and index, and checked against its SHA-256."""
    from pipeline.training.goldset import source_documents, text_hash

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts: dict[str, list[str]] = {}
    docs = []
    for record in records:
        source = record["source"]
        if source not in texts:
            try:
                texts[source] = source_documents(rawtext, source)
            except OSError as exc:
                raise InputError(f"cannot read the gold set's texts from {rawtext / source}: {exc}") from exc
        text = texts[source][record["index"]]
        if text_hash(text) != record["sha256"]:
            raise InputError(f"{path}: {record['doc_id']}: {source} #{record['index']} is not the annotated text")
        docs.append(GoldDocument(record["doc_id"], text, tuple(tuple(m) for m in record["mentions"]),
                                 tuple(tuple(f) for f in record["furniture"]), record["split"]))
    return docs


def _written_name(surface: str) -> str:
    """A gold surface or a canonical name as compared: no parenthesised acronym, name key."""
    return name_key(words_of(re.sub(r"\s*\([^()]*\)\s*$", "", surface)))


def score_documents(gold_docs: Sequence[GoldDocument], mentions: pd.DataFrame, entities: pd.DataFrame) -> dict:
    """How the product's tables read against the gold documents, as an analyst reads them.

    - ``mentions``: exact character spans and labels of the body mentions (boilerplate-zoned
      ones are no entity row of their own and are left out), per label.
    - ``entities``: per document, the gold entities found and the entity rows that are right. A
      row (an entity with a body mention in the document) is right when every one of its mentions
      there overlaps a mention of one gold entity of its label, one at least exactly, and its
      canonical name is one the gold set writes for that entity; a gold entity is found when a
      right row stands for it.
    - ``linking``: over the mentions found exactly, gold entities written in two or more forms
      that are one entity (merged), wrong merges (a predicted entity holding mentions of two gold
      entities counts one per extra gold entity), gold entities of several documents under one
      id, and the pairwise precision and recall of the merges.
    """
    body = mentions[mentions["zone"] == "body"]
    by_doc = dict(tuple(body.groupby("doc_id", sort=False)))
    canonical = dict(zip(entities["entity_id"], entities["canonical"], strict=True))
    names_of: dict[str, set[str]] = defaultdict(set)
    for g in gold_docs:
        for start, end, _, entity in g.mentions:
            names_of[entity].add(_written_name(g.text[start:end]))
    span_pairs, found, gold_total, right, rows = [], 0, 0, 0, 0
    matched: list[tuple[str, str, str, str]] = []  # doc, gold entity, predicted entity, written name
    for g in gold_docs:
        predicted = by_doc.get(g.doc_id, body.iloc[:0])
        spans = list(zip(predicted["start_char"], predicted["end_char"], predicted["label"],
                         predicted["entity_id"], strict=True))
        span_pairs.append(({(a, b, label) for a, b, label, _ in g.mentions},
                           {(a, b, label) for a, b, label, _ in spans}))
        exact = {(a, b, label): entity for a, b, label, entity in g.mentions}
        matched += [(g.doc_id, exact[(a, b, label)], eid, _written_name(g.text[a:b])) for a, b, label, eid in spans
                    if (a, b, label) in exact]
        right_for: set[str] = set()
        for eid, group in itertools.groupby(sorted(spans, key=lambda s: s[3]), key=lambda s: s[3]):
            group = list(group)
            rows += 1
            overlapped = [{e for a, b, lab, e in g.mentions if a < end and start < b and lab == label}
                          for start, end, label, _ in group]
            owners = set().union(*overlapped)
            if len(owners) == 1 and all(overlapped) and any((s, e, lab) in exact for s, e, lab, _ in group):
                owner = owners.pop()
                if _written_name(canonical.get(eid, "")) in names_of[owner]:
                    right += 1
                    right_for.add(owner)
        gold_entities = {entity for *_, entity in g.mentions}
        gold_total += len(gold_entities)
        found += len(gold_entities & right_for)
    return {"mentions": count_spans(span_pairs).as_dict(),
            "entities": {"gold_entities": gold_total, "found": round(found / gold_total, 4) if gold_total else 1.0,
                         "rows": rows, "rows_right": round(right / rows, 4) if rows else 1.0},
            "linking": _linking_scores(matched)}


def _linking_scores(matched: Sequence[tuple[str, str, str, str]]) -> dict:
    """Merge scores over (document, gold entity, predicted entity, written name) of matched mentions."""
    predicted_of: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, set[str]] = defaultdict(set)
    documents: dict[str, set[str]] = defaultdict(set)
    gold_in: dict[str, set[str]] = defaultdict(set)
    for doc, gold, eid, name in matched:
        predicted_of[gold].add(eid)
        forms[gold].add(name)
        documents[gold].add(doc)
        gold_in[eid].add(gold)
    varied = [gold for gold, names in forms.items() if len(names) > 1]
    spread = [gold for gold, docs in documents.items() if len(docs) > 1]
    pairs = pairwise_link_scores([gold for _, gold, _, _ in matched], [eid for _, _, eid, _ in matched])
    return {"varied_entities": len(varied),
            "varied_merged": round(sum(len(predicted_of[g]) == 1 for g in varied) / len(varied), 4) if varied else 1.0,
            "wrong_merges": sum(len(golds) - 1 for golds in gold_in.values()),
            "multi_document_entities": len(spread),
            "multi_document_one_id": round(sum(len(predicted_of[g]) == 1 for g in spread) / len(spread), 4)
            if spread else 1.0,
            "pairwise_precision": pairs["precision"], "pairwise_recall": pairs["recall"]}


def evaluate_documents(extractor, gold_docs: Sequence[GoldDocument]) -> dict:
    """Run the whole product (ingest, tokenize, recognise, link within and across documents) on
    the gold documents, in one run, and score its tables (``score_documents``)."""
    tables = extractor.run_documents([make_document(g.doc_id, "gold", g.text) for g in gold_docs])
    return score_documents(gold_docs, tables.mentions, tables.entities)


def format_document_scores(title: str, scores: Mapping) -> str:
    entities, linking = scores["entities"], scores["linking"]
    return "\n".join([
        format_scores(title, scores["mentions"]),
        f"entities per document: {entities['found']:.1%} of {entities['gold_entities']} gold entities found, "
        f"{entities['rows_right']:.1%} of {entities['rows']} entity rows right",
        f"linking: {linking['varied_merged']:.1%} of {linking['varied_entities']} entities written in several "
        f"forms merged, {linking['wrong_merges']} wrong merges, {linking['multi_document_one_id']:.1%} of "
        f"{linking['multi_document_entities']} entities of several documents under one id; pairwise "
        f"P {linking['pairwise_precision']:.3f} R {linking['pairwise_recall']:.3f}",
    ])


def read_gold(path: Path, rawtext: Path) -> list[GoldDocument]:
    """Gold documents from either layout: the linking set's (texts with surfaces) or the
    real-news set's (offsets into the rawtext corpora)."""
    first = next((line for line in path.read_text(encoding="utf-8").splitlines() if '"mentions"' in line), "{}")
    return read_realnews_gold(path, rawtext) if "sha256" in json.loads(first) else read_link_gold(path)
