"""Measured quality: exact-span NER scores on tagged sentences, pairwise scores of alias linking."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from pipeline.corpora import TaggedSentence, bio_to_spans, normalise_tags, retokenize
from pipeline.errors import InputError
from pipeline.ingest import make_document
from pipeline.link import NO_STEERING, LinkSettings, link
from pipeline.recognize import SentenceView, recognize
from pipeline.tokenize import tokenize_documents
from pipeline.types import LABELS, Mention, ProcessedDocument, Sentence, TokenizedDocument

LINKING_GOLD = Path(__file__).resolve().parent / "gold" / "linking.jsonl"  # the project's linking set


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


def predict_corpus_tokens(nlp, sentences: Sequence[TaggedSentence], places: Places = None) -> list[list[str]]:
    """BIO tags for corpus tokens from the product's own recogniser (``recognize``: the model,
    the sentence rules and the document rules, each sentence read as a document), predicted on
    the tokens the product's tokenizer would make."""
    split = [retokenize(s) for s in sentences]
    documents = [sentence_document(i, s.tokens) for i, (s, _) in enumerate(split)]
    tagged = []
    for document, mentions, ((s, cores)) in zip(documents, recognize(nlp, documents, places=places), split,
                                                strict=True):
        first_token = {t.start: i for i, t in enumerate(document.sentences[0].tokens)}
        last_token = {t.end: i for i, t in enumerate(document.sentences[0].tokens)}
        tags = ["O"] * len(s.tokens)
        for m in mentions:
            first, last = first_token[m.start], last_token[m.end]
            tags[first:last + 1] = [f"B-{m.label}"] + [f"I-{m.label}"] * (last - first)
        tagged.append(list(normalise_tags(tags[i] for i in cores)))
    return tagged


def evaluate_sentences(nlp, sentences: Sequence[TaggedSentence],
                       places: Places = None) -> tuple[NerScores, list[list[str]]]:
    predicted = predict_corpus_tokens(nlp, sentences, places)
    return score_spans([s.tags for s in sentences], predicted), predicted


def evaluate_sets(nlp, sets: Mapping[str, Sequence[TaggedSentence]], places: Places = None) -> dict[str, dict]:
    return {name: evaluate_sentences(nlp, sentences, places)[0].as_dict() for name, sentences in sets.items()}


@dataclass(frozen=True)
class GoldLinks:
    """A text with its mentions and, for each, the real-world entity it names."""

    doc_id: str
    text: str
    mentions: tuple[tuple[int, int, str, str], ...]  # start, end, label, gold entity


def locate(text: str, surface: str, position: int) -> int:
    """Where ``surface`` next stands as a whole word (or glued before a capital) from ``position``."""
    # word boundaries, or the seam of two glued words ("HamasMuhammad")
    pattern = rf"(?:(?<!\w)|(?<=[a-z])(?=[A-Z])){re.escape(surface)}(?:(?!\w)|(?=[A-Z]))"
    match = re.compile(pattern).search(text, position)
    if match is None:
        raise InputError(f"mention {surface!r} not found after offset {position}")
    return match.start()


def read_link_gold(path: Path) -> list[GoldLinks]:
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
            docs.append(GoldLinks(record["doc_id"], record["text"], tuple(mentions)))
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


def tokenized_gold(stanza_nlp, gold_docs: Sequence[GoldLinks]) -> list[TokenizedDocument]:
    return tokenize_documents(stanza_nlp, [make_document(g.doc_id, "gold", g.text) for g in gold_docs])


def evaluate_links(stanza_nlp, gold_docs: Sequence[GoldLinks],
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


def evaluate_document_ner(stanza_nlp, ner, gold_docs: Sequence[GoldLinks]) -> dict[str, dict[str, float]]:
    """The whole recogniser, document rules included, against the gold mentions of the linking
    set: exact character spans and labels."""
    found = recognize(ner, tokenized_gold(stanza_nlp, gold_docs))
    return count_spans(({(start, end, label) for start, end, label, _ in g.mentions},
                        {(m.start, m.end, m.label) for m in mentions})
                       for g, mentions in zip(gold_docs, found, strict=True)).as_dict()
