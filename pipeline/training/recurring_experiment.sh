#!/bin/bash
# usage: rec.sh SEED -> trains RVL$SEED with the recurring capitalised runs as a fourth gazetteer list, then evaluates
S=$1
C=/work/shared/corpora; G=$C/gazetteers/dbpedia-id/original-dbpedia,$C/gazetteers/dbpedia-id/mdee_gazetteer,/tmp/rec
cd /work/main
mkdir -p build/models-RVL$S; ln -sfn /work/main/models/tokenizer build/models-RVL$S/tokenizer
OMP_NUM_THREADS=1 .venv/bin/entitas -v train ner --corpora $C --gazetteers $G --work-dir build/ner-RVL$S --model-dir build/models-RVL$S/ner --set system.seed=$S > build/RVL$S.log 2>&1
bash /work/experiments/eval.sh RVL$S > /tmp/ev-RVL$S.txt 2>&1
