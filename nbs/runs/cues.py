"""The cues of a side-free network's decision, measured on a split (notebook 35): 'two hands?', the facing head, the turn
read from the predicted joints (several readings), the turn head where there is one (`turn_head.py`), and the side
of single hands. Each slot is compared with the true hand the loss would pair it with (the cheaper slot order).

    python nbs/runs/cues.py CHECKPOINT DATA_ROOT val [THREADS] [--patch nbs/runs/turn_head.py]

About 20 s for 200 frames on 2 cores. Prints one JSON line: accuracies (%) and the numbers of cases."""
import json, runpy, sys
import torch
args = sys.argv[1:]
if '--patch' in args: k = args.index('--patch'); runpy.run_path(args[k + 1], run_name='patch'); del args[k:k + 2]
from digit.predict import load_network
from digit.data import HandCrops, DigitDL
from digit.side_free import slot_targets, turn_sine, SideFreeLoss, WRIST
from digit.hands import N_HAND_JOINTS, HAND_JOINT_NAMES
src, root, split = args[:3]
torch.set_num_threads(int(args[3]) if len(args) > 3 else 2)
net = load_network(src)[0].eval()
dl = DigitDL(HandCrops(root, split, train=False, trans_test='gt'), bs=16, shuffle=False, num_workers=1)
loss = SideFreeLoss()
ix = HAND_JOINT_NAMES.index
def cross(j, a, b): # [...,21,3] one hand's joints; the cross product wrist->a x wrist->b in the image
    u, v = j[..., ix(a), :2] - j[..., WRIST, :2], j[..., ix(b), :2] - j[..., WRIST, :2]
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
READINGS = {'turn_joints': lambda j: turn_sine(j),  # what decode_sides reads: wrist, index1, pinky1
            'turn_knuckle_fan': lambda j: sum(cross(j, a, b) for a, b in (('index1', 'middle1'), ('middle1', 'ring1'), ('ring1', 'pinky1'))),
            'turn_index2_pinky2': lambda j: cross(j, 'index2', 'pinky2')}
acc = {}
def add(k, ok, valid): a = acc.setdefault(k, [0., 0.]); a[0] += float((ok.float() * valid).sum()); a[1] += float(valid.sum())
with torch.no_grad():
    for img, t in dl:
        out = net(img)
        joints, valid, palm, palm_valid = slot_targets(t)[:4]
        pose = loss.pose_terms(out['slot_joints25d'].float(), out['heatmap_logits'], joints, valid)
        cost = sum(loss.weights[k] * v for k, v in pose.items())
        swap = cost[1] < cost[0]
        flip = lambda x: torch.where(swap[:, None], x.flip(1), x)
        palm, palm_valid = flip(palm), flip(palm_valid)
        true_turn = flip(turn_sine(joints.view(-1, 2, N_HAND_JOINTS, 3)))
        ht = t['hand_type_id'].long()
        add('two_hands', (out['interacting_logit'] > 0) == (ht == 2), t['hand_type_valid'].float())
        add('facing', (out['facing_logits'] > 0) == (palm > 0.5), palm_valid)
        pj = out['slot_joints25d'].float().view(-1, 2, N_HAND_JOINTS, 3)
        for k, f in READINGS.items(): add(k, (f(pj) > 0) == (true_turn > 0), palm_valid)
        if 'turn_logits' in out: add('turn_head', (out['turn_logits'] > 0) == (true_turn > 0), palm_valid)
        single = (ht != 2).float() * t['hand_type_valid'].float()
        add('side_single', (out['hand_logits'][:, 0] > out['hand_logits'][:, 1]) == (ht == 0), single)
print(json.dumps({k: round(100 * a / max(n, 1), 1) for k, (a, n) in acc.items()} | {'n_' + k: int(n) for k, (a, n) in acc.items()}))
