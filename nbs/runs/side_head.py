"""Can a learned head tell a pair's order better than the turn x facing rule (notebook 47)? It reads the frozen
features of a side-free network: per slot the rule's inputs, the predicted joints (wrist-relative, scaled), the merged
features pooled under each joint's heat map, and the global vector (with the other slot's joints). One small MLP g
scores how right a slot looks; a pair is swapped when g(slot 1) > g(slot 0), a single hand is right when
g(slot 0) + g(slot 1) > 0. Fit on the training frames (augmented), the step chosen on validation, scored on test.

    python nbs/runs/side_head.py extract CHECKPOINT DATA_ROOT SPLIT OUT.npz [aug] [bf16]   # 20,000 frames: 8.5 min, one thread, bf16
    python nbs/runs/side_head.py fit TRAIN.npz VAL.npz TEST.npz                           # about 1.5 min; prints one JSON line"""
import json, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from digit.side_free import SideFreeLoss, slot_targets, turn_sine, right_score, WRIST
from digit.hands import N_HAND_JOINTS
torch.set_num_threads(1); torch.manual_seed(0)

def extract(src, root, split, out, *opts):
    "Save each frame's slot outputs, pooled features, true hand type and the slot order the loss would pair."
    from digit.predict import load_network
    from digit.data import HandCrops, DigitDL
    net, loss = load_network(src)[0].eval(), SideFreeLoss()
    ds = HandCrops(root, split, train='aug' in opts, trans_test='rootnet')
    acc, t0 = {}, time.time()
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled='bf16' in opts):
        for n, (img, t) in enumerate(DigitDL(ds, bs=16, shuffle=False, num_workers=0)):
            o, feat = net.outputs_and_features(img)
            heat, j = o['heatmap_logits'].float(), o['joints25d'].float()
            att = heat.flatten(2).softmax(-1)                                                 # [B,42,hw]
            pooled = torch.einsum('bjn,bcn->bjc', att, feat.float().flatten(2))               # [B,42,C]
            sj, sv, _, _ = slot_targets(t)
            cost = sum(loss.weights[k] * v for k, v in loss.pose_terms(j, heat, sj, sv).items())
            row = dict(joints=j, facing=net.facing_logits(heat, feat).float(), inter=o['hand_logits'][:, 0].float(), pooled=pooled.half(),
                       glob=net.conv_head(feat).float().mean((2, 3)), hand_type=t['hand_type_id'].long(), swap=loss.choose_swap(cost, sj, sv),
                       gt_joints=sj, gt_valid=sv)
            for k, v in row.items(): acc.setdefault(k, []).append(v)
            if n % 50 == 0: print(f'{(n + 1) * 16}/{len(ds)} {time.time() - t0:.0f} s', flush=True)
    np.savez(out, **{k: torch.cat(v).numpy() for k, v in acc.items()})

def feature_sets(d): # an extracted npz
    "({name: [B,2,F] per-slot features}, rule score [B,2], hand type [B], true swap [B])."
    B = len(d['joints']); j = torch.tensor(d['joints']).view(B, 2, N_HAND_JOINTS, 3)
    turn, facing = turn_sine(j), torch.tensor(d['facing'])
    rule = right_score(turn, facing.sigmoid())
    wrist = j[..., WRIST:WRIST + 1, :]
    rel = j[..., :2] - wrist[..., :2]                                     # [B,2,21,2] from the wrist
    scale = rel.norm(dim=-1).mean(-1)[..., None, None].clamp_min(1e-3)
    joints = torch.cat([(rel / scale).flatten(2), ((j[..., 2:] - wrist[..., 2:]) / 8).flatten(2)], -1)  # [B,2,63]
    pooled = torch.tensor(d['pooled']).float().view(B, 2, N_HAND_JOINTS, -1)
    sets = dict(rule=torch.stack([rule, turn, torch.tanh(facing / 4)], -1))
    sets['+ joints'] = torch.cat([sets['rule'], joints], -1)
    sets['+ pooled features'] = torch.cat([sets['+ joints'], pooled.mean(2), pooled.flatten(2)], -1)
    sets['+ global, other slot'] = torch.cat([sets['+ pooled features'], torch.tensor(d['glob'])[:, None].expand(B, 2, -1), joints.flip(1)], -1)
    return sets, rule, torch.tensor(d['hand_type']), torch.tensor(d['swap'])

def scores(g, ht, swap): # [B,2] slot scores; hand type [B]; true swap [B]
    "(pair order right %, single side right %)."
    pair = ht == 2
    return (round(100 * float(((g[:, 1] > g[:, 0]) == swap)[pair].float().mean()), 1),
            round(100 * float(((g.sum(1) > 0) == (ht == 0))[~pair].float().mean()), 1))

def fit(train, val, test):
    "Fit g per feature set and weight decay; one JSON line of train/val/test scores against the rule's."
    tr, va, te = (feature_sets(dict(np.load(p))) for p in (train, val, test))
    res = {'rule': dict(zip(('train', 'val', 'test'), (scores(s[1], s[2], s[3]) for s in (tr, va, te))))}
    for name, x in tr[0].items():
        mu, sd = x.flatten(0, 1).mean(0), x.flatten(0, 1).std(0) + 1e-4
        xn, ht, swap = (x - mu) / sd, tr[2], tr[3]
        for wd in (1e-3, 1e-2):
            g = nn.Sequential(nn.Linear(x.shape[-1], 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))
            opt, best = torch.optim.AdamW(g.parameters(), 3e-3, weight_decay=wd), (-1, None, 0)
            for step in range(600):
                g.train(); i = torch.randint(0, len(x), (2048,)); o = g(xn[i])[..., 0]
                pair_l = F.binary_cross_entropy_with_logits(o[:, 1] - o[:, 0], swap[i].float(), reduction='none')
                side_l = F.binary_cross_entropy_with_logits(o.mean(1), (ht[i] == 0).float(), reduction='none')
                opt.zero_grad(); torch.where(ht[i] == 2, pair_l, side_l).mean().backward(); opt.step()
                if step % 100 == 99:
                    g.eval()
                    with torch.no_grad(): v = sum(scores(g((va[0][name] - mu) / sd)[..., 0], va[2], va[3]))
                    if v > best[0]: best = (v, {k: w.clone() for k, w in g.state_dict().items()}, step + 1)
            g.load_state_dict(best[1]); g.eval()
            with torch.no_grad():
                res[f'{name}, wd {wd:g}'] = dict(zip(('train', 'val', 'test'), (scores(g((s[0][name] - mu) / sd)[..., 0], s[2], s[3]) for s in (tr, va, te))),
                                                 steps=best[2], n_features=x.shape[-1])
    print(json.dumps(res))

if __name__ == '__main__':
    {'extract': extract, 'fit': fit}[sys.argv[1]](*sys.argv[2:])
