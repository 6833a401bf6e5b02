"""`entitas evaluate` (`make evaluate`): every score of the shipped models, from ../shared/corpora."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.evaluate import (
    LINKING_GOLD,
    REALNEWS_GOLD,
    WIKI_GOLD,
    evaluate_document_ner,
    evaluate_documents,
    evaluate_links,
    evaluate_sets,
    format_document_scores,
    format_scores,
    read_link_gold,
    read_realnews_gold,
)
from pipeline.recognize import load_recognizer
from pipeline.runner import Extractor
from pipeline.tokenize import load_stanza
from pipeline.training import tokenizer
from pipeline.training.ner import NerCorpora


def evaluate_all(corpora: Path, models: Path, say: Callable[[str], None] = print) -> dict:
    """NER dev sets (both country conventions), tokenizer on UD GSD test, the whole recogniser and
    the linker on the linking set, the whole product on the linking set, the real-news gold set and
    the Wikipedia gold set (dev and test apart); each result is said as it comes, and all are returned."""
    nlp, dev_sets = load_recognizer(models / "ner"), NerCorpora(corpora / "ner").dev_sets()
    ner_scores = evaluate_sets(nlp, dev_sets)
    for name, scores in ner_scores.items():
        say(format_scores(name, scores) + "\n")
    # idner-news-2k leaves a country that acts untagged; the product tags it (README, recogniser rules)
    idner_convention = evaluate_sets(nlp, dev_sets, places=frozenset())
    say("Without the country list (idner-news-2k's convention), F1: "
        + ", ".join(f"{name} {scores['overall']['f1']:.3f}" for name, scores in idner_convention.items()) + "\n")
    files = tokenizer.prepare(tokenizer.TreebankPaths.under(corpora / "ud"), Path("build/tokenizer"))
    tok_scores = tokenizer.score_on_test(files, models / "tokenizer")
    say("UD Indonesian GSD test (tokenizer + MWT), F1: " + ", ".join(f"{k} {v:.2f}" for k, v in tok_scores.items()))
    gold = read_link_gold(LINKING_GOLD)
    stanza_nlp = load_stanza(models / "tokenizer")
    document_ner = evaluate_document_ner(stanza_nlp, nlp, gold)
    say(format_scores(f"Whole recogniser on the {len(gold)} documents of the linking set ({LINKING_GOLD.name})",
                      document_ner) + "\n")
    link_scores, _ = evaluate_links(stanza_nlp, gold)
    say(f"Alias linking (the linking set, {link_scores['mentions']} mentions): "
        f"pairwise precision {link_scores['precision']:.4f}, recall {link_scores['recall']:.4f}\n")
    extractor = Extractor(models)
    documents = {"linking set": evaluate_documents(extractor, gold)}
    for name, path in (("real news", REALNEWS_GOLD), ("Wikipedia paragraphs", WIKI_GOLD)):
        gold_docs = read_realnews_gold(path, corpora / "rawtext")
        for split in ("dev", "test"):  # test: read when reporting, never to tune a rule
            documents[f"{name} {split}"] = evaluate_documents(extractor, [g for g in gold_docs if g.split == split])
    for name, scores in documents.items():
        say(format_document_scores(f"Whole product on the {name} (`entitas evaluate-documents`)", scores) + "\n")
    return {"ner": ner_scores, "ner_without_country_list": idner_convention, "document_ner": document_ner,
            "tokenizer": tok_scores, "linking": link_scores, "documents": documents}
