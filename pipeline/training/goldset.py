"""The real-news gold set and training articles: how they were drawn from the raw news, and how they are read
back (``pipeline/gold/realnews.jsonl`` holds their annotations as character offsets).

Articles come from ``../shared/corpora/rawtext/news`` (documents separated by one blank line in
each source's ``text.txt.gz``) and are referred to by source folder, document index and the
SHA-256 of the text: the text stays in the corpora, the project keeps only offsets and labels.
The annotation guide is ``docs/annotation.md``; annotations were made by reading, before the
product was run on any article.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import random
import re
from collections.abc import Sequence
from pathlib import Path

NEWS_SOURCES = ("news/indonews_scrapper", "news/zainoor_indo_news", "news/misc_news_scrapes",
                "news/antara_staykimin", "news/small_news_scrapes", "news/clickid")
OUTLETS = (("kompas", r"KOMPAS\.com|Kompas\.com"),
           ("detik", r"detik(com|News|Jatim|Jabar|Finance|Sport)|detik\.com"),
           ("liputan6", r"Liputan6\.com"), ("tempo", r"TEMPO\.CO|Tempo\.co"), ("antara", r"\(ANTARA\)"),
           ("cnn", r"CNN Indonesia|CNNIndonesia"), ("okezone", r"Okezone|okezone"),
           ("sindonews", r"SINDOnews|Sindonews"), ("tribun", r"Tribunnews|TRIBUNNEWS|Tribun"),
           ("republika", r"REPUBLIKA|Republika"), ("merdeka", r"merdeka\.com|Merdeka\.com"))
TOPICS = (("sport", r"\b(gol|pelatih|timnas|pertandingan|skor|Liga|klub|laga)\b"),
          ("law", r"\b(KPK|korupsi|tersangka|terdakwa|Kejaksaan|Kejari|Kejati|jaksa|hakim|sidang|penyidik)\b"),
          ("international", r"\b(Gaza|Israel|Amerika Serikat|Rusia|Ukraina|Iran|China|Trump|PBB)\b"),
          ("economy", r"\b(rupiah|saham|investasi|ekspor|BUMN|PT |Tbk|inflasi|perusahaan)\b"),
          ("regional", r"\b(Pemkab|Pemkot|Pemprov|Bupati|Wali Kota|Gubernur|DPRD|Kabupaten)\b"),
          ("politics", r"\b(Presiden|Prabowo|DPR|partai|Partai|menteri|Menteri|pemilu|Pilkada)\b"))
SEED = 20261201


def source_documents(rawtext: Path, source: str) -> list[str]:
    """The documents of one rawtext source, in order (its index is the gold set's ``index``)."""
    with gzip.open(rawtext / source / "text.txt.gz", "rt", encoding="utf-8") as f:
        return f.read().split("\n\n")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_list_article(text: str) -> bool:
    """Line-ups, results and lists of officials: many short or bulleted lines."""
    lines = text.split("\n")[1:]
    short = sum(1 for line in lines if len(line.split()) <= 8)
    marked = sum(1 for line in lines if re.match(r"\s*(\d+[.)]|-|•|\*)\s", line))
    return short >= 6 or marked >= 4 or bool(re.search(r"susunan pemain|starting XI|daftar (nama|lengkap)", text, re.I))


def candidate_articles(rawtext: Path) -> list[dict]:
    """Every news article a gold set may draw: 120-550 words, fact-checks left out, an outlet
    credit found, a topic scored by at least 3 of its words."""
    candidates = []
    for source in NEWS_SOURCES:
        for index, text in enumerate(source_documents(rawtext, source)):
            if not 120 <= len(text.split()) <= 550 or re.search(r"turnbackhoax|HOAKS|\[SALAH\]|Hoaks", text):
                continue
            outlet = next((name for name, pattern in OUTLETS if re.search(pattern, text)), None)
            hits = {topic: len(re.findall(pattern, text)) for topic, pattern in TOPICS}
            topic = max(hits, key=hits.get)
            if outlet is None or hits[topic] < 3:
                continue
            candidates.append({"source": source, "index": index, "outlet": outlet, "topic": topic,
                               "list": is_list_article(text), "words": len(text.split()), "sha256": text_hash(text)})
    return candidates


def split_of(k: int) -> str:
    """The split of a gold set's k-th drawn document: about 3 in 10 go to ``test``."""
    return "test" if k % 10 in (0, 3, 7) else "dev"


def select_articles(rawtext: Path, n: int = 52, n_lists: int = 6) -> list[dict]:
    """Draw the gold set's articles, spread over outlets (6 at most each), topics (10 at most
    each, 2 per outlet) and list-style articles (``n_lists``, one per outlet); then about 3 in 10
    go to the ``test`` split."""
    candidates = candidate_articles(rawtext)
    rng = random.Random(SEED)
    rng.shuffle(candidates)
    picked: list[dict] = []
    count: collections.Counter = collections.Counter()
    for c in candidates:
        if c["list"] and count[("list", c["outlet"])] == 0 and sum(p["list"] for p in picked) < n_lists:
            picked.append(c)
            count.update([("list", c["outlet"]), c["outlet"], c["topic"]])
    for c in candidates:
        if len(picked) >= n:
            break
        if c in picked or c["list"] or count[c["outlet"]] >= 6 or count[(c["outlet"], c["topic"])] >= 2 \
                or count[c["topic"]] >= 10:
            continue
        picked.append(c)
        count.update([c["outlet"], (c["outlet"], c["topic"]), c["topic"]])
    rng.shuffle(picked)
    for k, c in enumerate(picked):
        c["split"] = split_of(k)
        c["article"] = f"a{k:02d}"
    return picked


ENCYCLOPAEDIC_SOURCE = "encyclopaedic/idkmrc_tydiqa_wiki"


def select_encyclopaedic_paragraphs(rawtext: Path, n: int = 240) -> list[dict]:
    """Draw the Wikipedia gold set's paragraphs (``pipeline/gold/wikigold.jsonl``), a text type
    the news lacks: 50-160 words with 5 capitalised words at least past the first of
    each sentence (paragraphs that name things), one per opening pair of words (paragraphs of one
    article open with its subject), none sharing an 8-word run with another (the source repeats
    paragraphs across its splits). About 3 in 10 go to the ``test`` split."""
    documents = source_documents(rawtext, ENCYCLOPAEDIC_SOURCE)
    order = list(range(len(documents)))
    random.Random(SEED + 2).shuffle(order)
    picked: list[dict] = []
    openings: set[tuple[str, ...]] = set()
    seen: set[tuple[str, ...]] = set()
    for index in order:
        if len(picked) >= n:
            break
        text = documents[index]
        words = text.split()
        opening = tuple(words[:2])
        names = re.findall(r"(?<![.!?:] )(?<=\s)[A-Z][a-z]+", text)
        text_runs = word_runs(text)
        if not 50 <= len(words) <= 160 or len(names) < 5 or opening in openings or text_runs & seen:
            continue
        openings.add(opening)
        seen |= text_runs
        picked.append({"article": f"w{len(picked):03d}", "source": ENCYCLOPAEDIC_SOURCE, "index": index,
                       "sha256": text_hash(text), "words": len(words), "split": split_of(len(picked))})
    return picked


def runs(words: Sequence[str], n: int = 8) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words (all of them, if fewer): what two texts must share to
    count as copies of one another."""
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def word_runs(text: str, n: int = 8) -> set[tuple[str, ...]]:
    return runs(re.findall(r"\w+", text.lower()), n)


def select_training_articles(rawtext: Path, rounds: int = 3, per_round: int = 80, n_lists: int = 8) -> list[dict]:
    """Draw the training articles (``pipeline/gold/newstrain.jsonl``) in rounds of ``per_round``:
    the gold set's pool, less the gold set's own articles and every article sharing an 8-word run
    with one of them or with an article drawn before it (the scrapes repeat stories); in each
    round spread over outlets (per_round/8 at most each) and topics (per_round/5 at most each),
    ``n_lists`` of them list-style. A later round only adds articles: the first ones stay."""
    gold = {(g["source"], g["index"]) for g in select_articles(rawtext)}
    texts = {source: source_documents(rawtext, source) for source in NEWS_SOURCES}
    candidates = candidate_articles(rawtext)
    banned = set().union(*(word_runs(texts[c["source"]][c["index"]]) for c in candidates
                           if (c["source"], c["index"]) in gold))
    rng = random.Random(SEED + 1)
    rng.shuffle(candidates)
    picked: list[dict] = []
    for _ in range(rounds):
        count: collections.Counter = collections.Counter()
        for c in candidates:
            if count["articles"] >= per_round:
                break
            if c in picked or (c["source"], c["index"]) in gold or count[c["outlet"]] >= per_round // 8 \
                    or count[c["topic"]] >= per_round // 5 or count["list"] >= n_lists and c["list"]:
                continue
            runs = word_runs(texts[c["source"]][c["index"]])
            if runs & banned:
                continue
            banned |= runs
            picked.append(c)
            count.update([c["outlet"], c["topic"], "articles"] + ["list"] * c["list"])
    for k, c in enumerate(picked):
        c["split"] = "train"
        c["article"] = f"t{k:02d}"
    return picked

