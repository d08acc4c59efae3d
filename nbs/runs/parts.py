"""Where a network's part mIoU goes (notebook 47): IoU of each part with and without its side, how much of the hand
it finds at all, the share of hand pixels given the right part on the wrong side, and the ceiling that a part map's
resolution alone sets (the true mask taken down to N x N, nearest, and back up).

    python nbs/runs/parts.py CHECKPOINT DATA_ROOT SPLIT [THREADS]

About 30 s for 500 frames on one thread. Prints one JSON line (percentages)."""
import json, sys
import numpy as np, torch, torch.nn.functional as F
from digit.predict import load_network
from digit.data import HandCrops, DigitDL
from digit.side_free import side_free_labels
from digit.hands import HAND_PART_NAMES, N_PARTS, N_PART_CLASSES
src, root, split = sys.argv[1:4]
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
net = load_network(src)[0].eval()
dl = DigitDL(HandCrops(root, split, train=False), bs=16, shuffle=False, num_workers=0)
RES = (48, 64, 96)
def confusion(pred, true, n): return np.bincount(n * true.ravel() + pred.ravel(), minlength=n * n).reshape(n, n)  # [true,pred]
def iou(c): both = np.diag(c); return both / np.maximum(c.sum(0) + c.sum(1) - both, 1)
sided, free, ceiling = 0, 0, dict.fromkeys(RES, 0)
with torch.no_grad():
    for img, t in dl:
        ok = t['segm_valid'] > 0
        true, pred = t['segm'].long()[ok], net(img)['segm_logits'].argmax(1)[ok]
        sided = sided + confusion(pred.numpy(), true.numpy(), N_PART_CLASSES)
        free = free + confusion(side_free_labels(pred).numpy(), side_free_labels(true).numpy(), N_PARTS + 1)
        for r in RES:
            back = F.interpolate(F.interpolate(true[:, None].float(), size=(r, r), mode='nearest'), size=true.shape[-2:], mode='nearest')
            ceiling[r] = ceiling[r] + confusion(back[:, 0].long().numpy(), true.numpy(), N_PART_CLASSES)
share, hand = sided.sum(1) / sided.sum(), sided[1:, 1:]
is_hand = np.array([[sided[0, 0], sided[0, 1:].sum()], [sided[1:, 0].sum(), hand.sum()]])
pct = lambda x: round(100 * float(x), 1)
print(json.dumps(dict(
    miou_sided=pct(iou(sided)[1:].mean()), miou_side_free=pct(iou(free)[1:].mean()),
    hand_iou=pct(is_hand[1, 1] / (is_hand.sum() - is_hand[0, 0])), background_share=pct(share[0]),
    hand_pixels_as_background=pct(sided[1:, 0].sum() / sided[1:].sum()),
    hand_pixels_right_part_wrong_side=pct(sum(hand[k, k + N_PARTS] + hand[k + N_PARTS, k] for k in range(N_PARTS)) / hand.sum()),
    resolution_ceiling_miou={r: pct(iou(c)[1:].mean()) for r, c in ceiling.items()},
    parts={n: dict(iou=pct(iou(free)[k + 1]), share=round(100 * float(share[k + 1] + share[k + 1 + N_PARTS]), 2))
           for k, n in enumerate(HAND_PART_NAMES)})))
