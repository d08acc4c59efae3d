"""Where a side-free network's error lies (notebook 47): the test metrics as decoded and with the true slot order of each
interacting pair (and the true side of each single hand), how often the decoded order of pairs is right, and the two
cues of the decision (the turn read from the predicted joints, the facing head) for single and interacting hands, by
how clearly the true hand turns (|sine| of `turn_sine`).

    python nbs/runs/slot_order.py CHECKPOINT DATA_ROOT SPLIT [THREADS] [--patch VARIANT_SCRIPT] [--variant SCREEN_VARIANTS]

About 20 s for 500 frames on one thread of a 2-core Xeon. Prints one JSON line (percentages, millimetres, counts)."""
import json, runpy, sys
from pathlib import Path
import numpy as np, torch
args = sys.argv[1:]
if '--patch' in args: k = args.index('--patch'); runpy.run_path(args[k + 1], run_name='patch'); del args[k:k + 2]
if '--variant' in args:  # a checkpoint trained by screen.py with --variant NAMES: build the same network
    k = args.index('--variant'); sys.path.insert(0, str(Path(__file__).parent)); __import__('screen').apply_variants(args[k + 1]); del args[k:k + 2]
from digit.predict import load_network
from digit.data import HandCrops, DigitDL
from digit.side_free import slot_targets, turn_sine, SideFreeLoss
from digit.metrics import HandEvaluator, output_to_records, GT_KEYS
from digit.hands import FLIP_PERM, N_HAND_JOINTS
from digit.crop import HM
src, root, split = args[:3]
torch.set_num_threads(int(args[3]) if len(args) > 3 else 1)
net = load_network(src)[0].eval()
dl = DigitDL(HandCrops(root, split, train=False, trans_test='rootnet'), bs=16, shuffle=False, num_workers=0)
loss = SideFreeLoss()
def cheaper_swap(pred, joints, valid, heat): # which of the two slot orders the loss would pair with `joints` [B]
    cost = sum(loss.weights[k] * v for k, v in loss.pose_terms(pred, heat, joints, valid).items())
    return cost[1] < cost[0]
evs, rows, pairs = dict(decoded=HandEvaluator(), true_order=HandEvaluator()), [], []
with torch.no_grad():
    for img, t in dl:
        out = net(img)
        j, heat, rel = out['slot_joints25d'].float(), out['heatmap_logits'], out['slot_rel_root_depth'].float()
        ht, inter = t['hand_type_id'].long(), t['hand_type_id'] == 2
        # the true order: slot 0 on the true right hand of a pair; a single hand on its own side
        swap = cheaper_swap(j, t['joints25d'].float(), t['joint_valid'].float(), heat) & inter
        side_logits = torch.stack([torch.where(ht != 1, 9., -9.), torch.where(ht != 0, 9., -9.)], 1)
        true_order = dict(joints25d=torch.where(inter[:, None, None], torch.where(swap[:, None, None], j[:, FLIP_PERM], j), out['joints25d']),
                          rel_root_depth=torch.where(inter, torch.where(swap, HM - rel, rel), out['rel_root_depth']), hand_logits=side_logits)
        gt = {k: t[k].numpy() for k in GT_KEYS + ('annot_id',)}
        evs['decoded'].add_poses(output_to_records(out, t), gt)
        evs['true_order'].add_poses(output_to_records(true_order, t), gt)
        pairs += (out['slot_swap'] == swap)[inter].tolist()
        # the cues of each slot against the true hand the loss pairs it with
        joints, valid, palm, palm_valid = slot_targets(t)
        s = cheaper_swap(j, joints, valid, heat)
        fl = lambda x: torch.where(s[:, None], x.flip(1), x)
        true_turn, palm = fl(turn_sine(joints.view(-1, 2, N_HAND_JOINTS, 3))), fl(palm)
        pred_turn = turn_sine(j.view(-1, 2, N_HAND_JOINTS, 3))
        rows.append(torch.stack([true_turn, pred_turn, palm, out['facing_logits'].float(), inter[:, None].expand(-1, 2).float()], -1).reshape(-1, 5))
r = torch.cat(rows).numpy(); true_turn, pred_turn, palm, facing, two = r.T
res = {k: {m: round(float(e.summary()[m]), 1) for m in ('mpjpe_all', 'mpjpe_single', 'mpjpe_interacting', 'mrrpe', 'handedness')} for k, e in evs.items()}
res['pair_order_right'], res['n_pairs'] = round(100 * float(np.mean(pairs)), 1), len(pairs)
BINS = ((0, .2), (.2, .4), (.4, .6), (.6, 1.01))
for name, m in (('single', two == 0), ('interacting', two == 1)):
    for lo, hi in BINS:
        k = m & (abs(true_turn) >= lo) & (abs(true_turn) < hi)
        res[f'{name} |turn| {lo:.1f}-{min(hi, 1):.1f}'] = dict(n=int(k.sum()), turn=round(100 * float(((pred_turn[k] > 0) == (true_turn[k] > 0)).mean()), 1),
                                                           facing=round(100 * float(((facing[k] > 0) == (palm[k] > .5)).mean()), 1))
print(json.dumps(res))
