"""Train the Stanza tokenizer and multi-word-token (clitic) models from UD Indonesian.

Data (see ../shared/corpora/README.md):
- UD_Indonesian-GSD-2017 train: the largest set of token and sentence boundaries, but written
  before clitics (``berdiri`` + ``nya``) became multi-word tokens;
- UD_Indonesian-CSUI train and the current GSD dev: current conventions, with clitic MWTs;
- the current GSD test: held out, scored once at the end.

So that the tokenizer learns one convention, the 2017 train file is *projected* onto the current
one: a clitic word is split where the current treebanks split the same form, kept whole where
they keep it whole, and an unseen ``-nya`` form is split when its stem is itself a known word.

Training goes through Stanza's own entry points (``stanza.models.tokenizer`` and
``stanza.models.mwt_expander``); this module only prepares their files and collects scores.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.tokenize import MWT_FILE, RESOURCES_FILE, TOKENIZER_FILE, load_stanza

logger = logging.getLogger(__name__)

CLITICS = ("nya", "kah", "lah", "pun", "ku", "mu")
SHORTHAND = "id_entitas"


@dataclass(frozen=True)
class TreebankPaths:
    gsd2017_train: Path
    csui_train: Path
    gsd_dev: Path
    gsd_test: Path

    @classmethod
    def under(cls, ud_dir: Path) -> TreebankPaths:
        return cls(
            gsd2017_train=ud_dir / "UD_Indonesian-GSD-2017" / "id-ud-train.conllu",
            csui_train=ud_dir / "UD_Indonesian-CSUI" / "id_csui-ud-train.conllu",
            gsd_dev=ud_dir / "UD_Indonesian-GSD" / "id_gsd-ud-dev.conllu",
            gsd_test=ud_dir / "UD_Indonesian-GSD" / "id_gsd-ud-test.conllu",
        )


# A sentence is kept as its raw CoNLL-U lines: comments first, then token rows.
Sentence = list[str]


def read_conllu(path: Path) -> list[Sentence]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def write_conllu(path: Path, sentences: list[Sentence]) -> None:
    path.write_text("".join("\n".join(s) + "\n\n" for s in sentences), encoding="utf-8")


@dataclass
class CliticLexicon:
    """What the current-convention treebanks do with each clitic-final form."""

    split: Counter  # lower-cased form -> times seen as an MWT (stem + clitic)
    whole: Counter  # lower-cased form -> times seen as a plain word
    vocabulary: set  # every lower-cased word form seen anywhere

    def split_point(self, form: str) -> int | None:
        """Length of the stem if ``form`` should be stem + clitic, else None."""
        lower = form.lower()
        clitic = next((c for c in CLITICS if lower.endswith(c)), None)
        if clitic is None or len(lower) <= len(clitic) + 1:
            return None
        stem_len = len(lower) - len(clitic)
        if self.split[lower] or self.whole[lower]:
            return stem_len if self.split[lower] > self.whole[lower] else None
        if clitic == "nya" and stem_len >= 3 and lower[:stem_len] in self.vocabulary:
            return stem_len
        return None


def build_lexicon(current: list[list[Sentence]], every: list[list[Sentence]]) -> CliticLexicon:
    split, whole, vocabulary = Counter(), Counter(), set()
    for treebank in every:
        for sentence in treebank:
            for row in _rows(sentence):
                vocabulary.add(row[1].lower())
    for treebank in current:
        for sentence in treebank:
            inside_mwt_until = 0
            for row in _rows(sentence):
                if "-" in row[0]:
                    split[row[1].lower()] += 1
                    inside_mwt_until = int(row[0].split("-")[1])
                elif row[0].isdigit() and int(row[0]) > inside_mwt_until:
                    whole[row[1].lower()] += 1
    return CliticLexicon(split, whole, vocabulary)


def _rows(sentence: Sentence) -> list[list[str]]:
    return [line.split("\t") for line in sentence if not line.startswith("#")]


def project_clitics(sentence: Sentence, lexicon: CliticLexicon) -> Sentence:
    """Rewrite a sentence without MWTs so that clitic words become stem + clitic MWTs."""
    comments = [line for line in sentence if line.startswith("#")]
    rows = [r for r in _rows(sentence) if r[0].isdigit()]
    new_id: dict[str, str] = {"0": "0"}
    plan = []
    next_id = 1
    for row in rows:
        stem_len = lexicon.split_point(row[1])
        new_id[row[0]] = str(next_id)
        plan.append((row, stem_len, next_id))
        next_id += 2 if stem_len else 1
    out = list(comments)
    for row, stem_len, wid in plan:
        head = new_id.get(row[6], row[6])
        if not stem_len:
            out.append("\t".join([str(wid), *row[1:6], head, *row[7:]]))
            continue
        form, misc = row[1], row[9]
        stem_misc = "_"
        out.append("\t".join([f"{wid}-{wid + 1}", form, "_", "_", "_", "_", "_", "_", "_", misc]))
        out.append("\t".join([str(wid), form[:stem_len], row[2], row[3], row[4], row[5], head,
                              row[7], "_", stem_misc]))
        out.append("\t".join([str(wid + 1), form[stem_len:], form[stem_len:].lower(), "PRON", "_",
                              "_", str(wid), "nmod", "_", "_"]))
    return out


def prepare(paths: TreebankPaths, work_dir: Path) -> dict[str, Path]:
    """Write Stanza's tokenizer and MWT training files into ``work_dir``."""
    from stanza.utils.datasets import conllu_to_text, prepare_tokenizer_data
    from stanza.utils.datasets.contract_mwt import contract_mwt

    work_dir.mkdir(parents=True, exist_ok=True)
    gsd2017 = read_conllu(paths.gsd2017_train)
    csui = read_conllu(paths.csui_train)
    dev = read_conllu(paths.gsd_dev)
    test = read_conllu(paths.gsd_test)
    lexicon = build_lexicon(current=[csui, dev], every=[gsd2017, csui, dev])
    projected = [project_clitics(s, lexicon) for s in gsd2017]
    n_split = sum(1 for s in projected for line in s if "-" in line.split("\t")[0])
    logger.info("projected %d clitic MWTs onto %d GSD-2017 sentences", n_split, len(projected))

    files: dict[str, Path] = {}
    for shard, sentences in (("train", projected + csui), ("dev", dev), ("test", test)):
        gold = work_dir / f"{SHORTHAND}.{shard}.gold.conllu"
        write_conllu(gold, sentences)
        txt = work_dir / f"{SHORTHAND}.{shard}.txt"
        conllu_to_text.main([str(gold), str(txt)])
        labels = work_dir / f"{SHORTHAND}-ud-{shard}.toklabels"
        mwt_json = work_dir / f"{SHORTHAND}-ud-{shard}-mwt.json"
        prepare_tokenizer_data.main([str(txt), str(gold), "-o", str(labels), "-m", str(mwt_json)])
        contract_mwt(str(gold), str(work_dir / f"{SHORTHAND}.{shard}.in.conllu"))
        files.update({f"{shard}_gold": gold, f"{shard}_txt": txt, f"{shard}_labels": labels,
                      f"{shard}_mwt": mwt_json, f"{shard}_in": work_dir / f"{SHORTHAND}.{shard}.in.conllu"})
    return files


def train_tokenizer(files: dict[str, Path], model_path: Path, steps: int, seed: int = 1234) -> None:
    from stanza.models import tokenizer

    tokenizer.main([
        "--mode", "train", "--lang", "id", "--shorthand", SHORTHAND,
        "--txt_file", str(files["train_txt"]), "--label_file", str(files["train_labels"]),
        "--dev_txt_file", str(files["dev_txt"]), "--dev_label_file", str(files["dev_labels"]),
        "--dev_conll_gold", str(files["dev_gold"]), "--mwt_json_file", str(files["dev_mwt"]),
        "--max_seqlen", "300", "--steps", str(steps), "--seed", str(seed),
        "--save_dir", str(model_path.parent), "--save_name", model_path.name,
    ])


def train_mwt(files: dict[str, Path], model_path: Path, epochs: int = 30, seed: int = 1234) -> None:
    from stanza.models import mwt_expander

    max_len = max(len(k[0]) for k in _mwt_entries(files["train_mwt"]) + _mwt_entries(files["dev_mwt"]))
    mwt_expander.main([
        "--mode", "train", "--lang", "id", "--shorthand", SHORTHAND,
        "--train_file", str(files["train_gold"]), "--eval_file", str(files["dev_in"]),
        "--gold_file", str(files["dev_gold"]), "--max_dec_len", str(int(max_len * 1.1) + 1),
        "--num_epoch", str(epochs), "--seed", str(seed),
        "--save_dir", str(model_path.parent), "--save_name", model_path.name,
    ])


def _mwt_entries(path: Path) -> list:
    return json.loads(path.read_text(encoding="utf-8"))


def score_on_test(files: dict[str, Path], model_dir: Path) -> dict[str, float]:
    """Tokenize the raw GSD test text with the shipped models and score against gold."""
    from stanza.models.common.utils import ud_scores
    from stanza.utils.conll import CoNLL

    nlp = load_stanza(model_dir)
    doc = nlp(files["test_txt"].read_text(encoding="utf-8"))
    predicted = files["test_gold"].with_name(f"{SHORTHAND}.test.pred.conllu")
    CoNLL.write_doc2conll(doc, str(predicted))
    scores = ud_scores(str(files["test_gold"]), str(predicted))
    return {name: round(100 * scores[key].f1, 2)
            for name, key in (("tokens", "Tokens"), ("sentences", "Sentences"), ("words", "Words"))}


def build(ud_dir: Path, work_dir: Path, model_dir: Path, steps: int = 4000, mwt_epochs: int = 30,
          skip_tokenizer: bool = False) -> dict[str, float]:
    """Train the tokenizer (unless ``skip_tokenizer``) and the MWT model into ``model_dir``;
    returns the UD GSD test scores, also written to ``model_dir/scores.json``."""
    files = prepare(TreebankPaths.under(ud_dir), work_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    if not skip_tokenizer:
        train_tokenizer(files, model_dir / TOKENIZER_FILE, steps)
    train_mwt(files, model_dir / MWT_FILE, mwt_epochs)
    (model_dir / RESOURCES_FILE).write_text("{}\n", encoding="utf-8")  # what an offline Stanza pipeline reads
    scores = score_on_test(files, model_dir)
    (model_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    logger.info("UD Indonesian GSD test F1: %s", scores)
    return scores
