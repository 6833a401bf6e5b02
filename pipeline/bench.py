"""`make bench`: throughput and memory of each stage on a corpus of a given size.

The corpus repeats the seed articles and (when ../shared/corpora is there) the idner-news-2k
dev sentences, as documents of a few hundred tokens, until it holds the asked number of tokens.
Run it on a quiet machine: torch and numpy threads fight any other process for the cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import time
from pathlib import Path

from pipeline.ingest import make_document
from pipeline.link import link
from pipeline.recognize import recognize
from pipeline.runner import DEFAULT_MODELS, Extractor
from pipeline.tables import build_tables
from pipeline.tokenize import tokenize_documents
from pipeline.types import Document, ProcessedDocument

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def bench_texts(corpora: Path | None) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    dev = corpora / "ner" / "idner-news-2k" / "dev.txt" if corpora else None
    if dev and dev.exists():
        from pipeline.corpora import read_tagged_file

        sentences = [" ".join(s.tokens) for s in read_tagged_file(dev)]
        texts += ["\n".join(sentences[i:i + 12]) for i in range(0, len(sentences), 12)]
    return texts


def build_corpus(texts: list[str], n_tokens: int) -> list[Document]:
    documents, total, i = [], 0, 0
    while total < n_tokens:
        text = texts[i % len(texts)]
        documents.append(make_document(f"bench-{i:06d}", "bench", text))
        total += len(text.split())
        i += 1
    return documents


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n_tokens: int, threads: int, corpora: Path | None, batch_size: int) -> dict:
    extractor = Extractor(DEFAULT_MODELS, threads=threads, batch_size=batch_size)
    documents = build_corpus(bench_texts(corpora), n_tokens)

    started = time.perf_counter()
    tokenized = []
    for i in range(0, len(documents), batch_size):
        tokenized.extend(tokenize_documents(extractor.stanza, documents[i:i + batch_size]))
    tokenize_s = time.perf_counter() - started
    tokens = sum(d.n_tokens for d in tokenized)

    started = time.perf_counter()
    mentions = recognize(extractor.ner, tokenized)
    recognize_s = time.perf_counter() - started

    started = time.perf_counter()
    processed = [ProcessedDocument.of(t, m) for t, m in zip(tokenized, mentions, strict=True)]
    linked, entities = link(processed)
    build_tables(processed, linked, entities)
    link_tables_s = time.perf_counter() - started

    whole_s = tokenize_s + recognize_s + link_tables_s
    return {
        "documents": len(documents), "tokens": tokens, "threads": threads,
        "tokenize_tokens_per_s": round(tokens / tokenize_s),
        "recognize_tokens_per_s": round(tokens / recognize_s),
        "extract_tokens_per_s": round(tokens / whole_s),
        "extract_to_tokenize_ratio": round(tokenize_s / whole_s, 3),
        "share": {"tokenize": round(tokenize_s / whole_s, 3), "recognize": round(recognize_s / whole_s, 3),
                  "link+tables": round(link_tables_s / whole_s, 3)},
        "peak_rss_mib": round(peak_rss_mib()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--json", type=Path, default=Path("build/bench.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run(args.tokens, args.threads, args.corpora if args.corpora.exists() else None, args.batch_size)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
