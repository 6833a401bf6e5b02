"""`make evaluate`: score the shipped models on the dev and test sets of ../shared/corpora."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from pipeline.cli import format_scores
from pipeline.evaluate import evaluate_document_ner, evaluate_links, evaluate_sets, read_link_gold
from pipeline.recognize import load_recognizer
from pipeline.runner import DEFAULT_MODELS, set_threads
from pipeline.tokenize import load_stanza
from pipeline.training import tokenizer
from pipeline.training.ner import NerCorpora


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    parser.add_argument("--json", type=Path, help="also write every score to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    set_threads(1)

    nlp, dev_sets = load_recognizer(args.models / "ner"), NerCorpora(args.corpora / "ner").dev_sets()
    ner_scores = evaluate_sets(nlp, dev_sets)
    for name, scores in ner_scores.items():
        print(format_scores(name, scores), end="\n\n")
    # idner-news-2k leaves a country that acts untagged; the product tags it (README, recogniser rules)
    idner_convention = evaluate_sets(nlp, dev_sets, places=frozenset())
    print("Without the country list (idner-news-2k's convention), F1:",
          ", ".join(f"{name} {scores['overall']['f1']:.3f}" for name, scores in idner_convention.items()), end="\n\n")
    files = tokenizer.prepare(tokenizer.TreebankPaths.under(args.corpora / "ud"), Path("build/tokenizer"))
    tok_scores = tokenizer.score_on_test(files, args.models / "tokenizer")
    print("UD Indonesian GSD test (tokenizer + MWT), F1:",
          ", ".join(f"{k} {v:.2f}" for k, v in tok_scores.items()))
    gold = read_link_gold(Path(__file__).resolve().parents[2] / "tests" / "data" / "linking-gold.jsonl")
    stanza_nlp = load_stanza(args.models / "tokenizer")
    document_ner = evaluate_document_ner(stanza_nlp, nlp, gold)
    print(format_scores(f"Whole recogniser on the {len(gold)} documents of tests/data/linking-gold.jsonl",
                        document_ner), end="\n\n")
    link_scores, _ = evaluate_links(stanza_nlp, gold)
    print(f"Alias linking (tests/data/linking-gold.jsonl, {link_scores['mentions']} mentions): "
          f"pairwise precision {link_scores['precision']:.4f}, recall {link_scores['recall']:.4f}")
    if args.json:
        args.json.write_text(json.dumps({"ner": ner_scores, "ner_without_country_list": idner_convention,
                                         "document_ner": document_ner,
                                         "tokenizer": tok_scores, "linking": link_scores},
                                        indent=2) + "\n")


if __name__ == "__main__":
    main()
