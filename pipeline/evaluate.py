"""Exact-span precision, recall and F1 of the recogniser on tagged NER sentences."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.corpora import LABELS, TaggedSentence, bio_to_spans
from pipeline.recognize import tag_token_lists


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


def score_spans(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> NerScores:
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for gold_tags, pred_tags in zip(gold, predicted, strict=True):
        gold_spans = set(bio_to_spans(gold_tags))
        pred_spans = set(bio_to_spans(pred_tags))
        n_gold.update(label for _, _, label in gold_spans)
        n_pred.update(label for _, _, label in pred_spans)
        tp.update(label for _, _, label in gold_spans & pred_spans)
    return NerScores(dict(tp), dict(n_pred), dict(n_gold))


def evaluate_sentences(nlp, sentences: Sequence[TaggedSentence]) -> tuple[NerScores, list[list[str]]]:
    predicted = tag_token_lists(nlp, (s.tokens for s in sentences))
    return score_spans([s.tags for s in sentences], predicted), predicted


def evaluate_sets(nlp, sets: Mapping[str, Sequence[TaggedSentence]]) -> dict[str, dict]:
    return {name: evaluate_sentences(nlp, sentences)[0].as_dict() for name, sentences in sets.items()}
