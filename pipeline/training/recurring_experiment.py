"""Capitalised runs of 2-5 words that recur in >= MIN_DOCS documents of the raw text (gold articles left out)."""
import sys
from collections import Counter
from pathlib import Path
from pipeline.training.pretrain import CASE_FREE_AFTER, gold_articles, raw_documents, tokenized_lines
MIN_DOCS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
df = Counter()
n = 0
for document in raw_documents(Path("../shared/corpora/rawtext"), gold_articles()):
    n += 1
    runs = set()
    for line in tokenized_lines(document):
        tokens = line.split(" ")
        run = []
        for i, token in enumerate(tokens + ["."]):
            case_free = i == 0 or tokens[i - 1] in CASE_FREE_AFTER
            if token[:1].isupper() and token[:1].isalpha() and not (case_free and not run):
                run.append(token)
                continue
            if 2 <= len(run) <= 5:
                runs.add(" ".join(run))
            run = [token] if token[:1].isupper() and token[:1].isalpha() and not case_free and False else []
    df.update(runs)
kept = sorted(r for r, c in df.items() if c >= MIN_DOCS)
Path("/tmp/rec/recurring.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
print(n, "documents;", len(df), "distinct runs;", len(kept), f"in >= {MIN_DOCS} documents")
print(kept[:5], [r for r in kept if "Bapanas" in r or "Persija" in r][:5])
