#!/usr/bin/env bash
# The short runs of notebook 45 (runs/cpu_screens.csv): digit_tiny, 8,000 images each (4 epochs of the 2,000-frame
# smalltrain subset of a 20,000-frame SynthInterHand of seed 0), one change at a time. Usage, from nbs/:
#   digit-synth --out DATA --n_train 20000 --n_val 200 --n_test 200 --seed 0
#   bash runs/cpu_screens.sh DATA runs/cpu_screens.csv
# 15 runs; on a 2-core Xeon with AMX, on one thread (OMP_NUM_THREADS=1) beside another training job: 62 minutes of
# training in all, about 4.5 minutes a run with its validations.
set -euo pipefail
DATA=${1:?give the SynthInterHand folder}; OUT=${2:-runs/cpu_screens.csv}
rm -f "$OUT.tmp"  # screen.py appends: the table is written whole under a temporary name, then renamed
python "$(dirname "$0")/screen.py" --data_root "$DATA" --out "$OUT.tmp" --epochs 4 --trainsplit smalltrain --log_dir logs/screens \
 "base::the main recipe (digit_tiny, one-cycle Adam at 2e-3, heat-map term on)" \
 "he:--variant he" "towerbn:--variant towerbn" "bnhe:--variant bnhe" \
 "lr5:--lr 5e-3:peak learning rate 5e-3 instead of 2e-3" \
 "heat0:--loss_weights heatmap=0:heat-map term off (as released)" \
 "segm1:--loss_weights heatmap=1,segm=1:segmentation weight 1 instead of 10" \
 "bone0:--loss_weights heatmap=1,bone=0:bone term off" \
 "merge48:--variant merge48" "in375:--variant in375" "noaug:--variant noaug" \
 "segonly:--loss_weights joint=0,bone=0,heatmap=0,rel_root=0,hand_type=0:segmentation term alone" \
 "handonly:--loss_weights joint=0,bone=0,heatmap=0,rel_root=0,segm=0:hand-type term alone" \
 "handonly_bn:--variant towerbn --loss_weights joint=0,bone=0,heatmap=0,rel_root=0,segm=0:hand-type term alone, batch norm in the global tower" \
 "baseline:--model baseline_tiny:no segmentation head and fusion (baseline_tiny)"
mv "$OUT.tmp" "$OUT"
