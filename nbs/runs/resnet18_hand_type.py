"""An independent reference for notebook 45: timm's ResNet-18 (from scratch, batch norm throughout) trained for the
hand type alone, on DIGIT's training crops, and validated every `--every` images; one CSV row per validation.

    python nbs/runs/resnet18_hand_type.py --data_root /work/data/synth20k --out nbs/runs/resnet18_hand_type.csv \
        --images 54400

Input: DIGIT's augmented 256-pixel crops at half resolution (128 px, as digit_tiny sees them); target: the two
presence bits (right hand present, left hand present), BCE; Adam 2e-3, batches of 16, the CPU's fastest path
(`digit.learner.cpu_path`). Columns: handedness (both bits right, as the protocol scores it), count (called
interacting exactly when it is), side_single (on single-hand frames, the larger output is the true side).
54,400 images took 993 s of training (about 18 minutes with the validations) on a 2-core Xeon with AMX, on one thread
(OMP_NUM_THREADS=1) beside another training job."""
import argparse, csv, time
from contextlib import nullcontext
import torch, timm
import torch.nn.functional as F
from digit.data import digit_dataloaders
from digit.hands import HAND_TYPE_VECS
from digit.learner import cpu_path

def presence(target): # a batch's target dict
    "Presence bits [B,2] (right, left) and their validity [B]."
    ht = target['hand_type_id'].long()
    return torch.as_tensor(HAND_TYPE_VECS, dtype=torch.float32)[ht], target['hand_type_valid'].float().reshape(-1)

def half_res(x): # [B,3,256,256] crops
    "The crops at 128 px, as digit_tiny sees them."
    return F.interpolate(x, scale_factor=0.5, mode='bilinear', antialias=True)

def validate(model, dl, ctx): # the network; the validation loader; the autocast context
    "(handedness, count, side of single hands) in % over the validation frames."
    model.eval(); ok = cnt = side = n = n_single = 0
    with torch.no_grad():
        for x, t in dl:
            with ctx: p = model(half_res(x)).float().sigmoid()
            y, v = presence(t); m = v > 0
            ok += ((p > 0.5) == (y > 0)).all(-1)[m].sum().item()
            cnt += (((p > 0.5).all(-1)) == (y > 0).all(-1))[m].sum().item()
            single = m & ~(y > 0).all(-1)
            side += (p.argmax(-1) == y.argmax(-1))[single].sum().item()
            n += m.sum().item(); n_single += single.sum().item()
    model.train()
    return 100 * ok / n, 100 * cnt / n, 100 * side / max(n_single, 1)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data_root', required=True); p.add_argument('--out', required=True)
    p.add_argument('--images', type=int, default=54400); p.add_argument('--every', type=int, default=3200)
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    precision, channels_last, line = cpu_path(); print(line, flush=True)
    dls = digit_dataloaders(a.data_root, 'train', 'val', bs=16, seed=a.seed)
    model = timm.create_model('resnet18', pretrained=False, num_classes=2)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    ctx = torch.autocast('cpu', dtype=torch.bfloat16) if precision == 'bf16' else nullcontext()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    seen, train_s = 0, 0.
    with open(a.out, 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['model', 'seconds', 'images', 'handedness', 'count', 'side_single'])
        while seen < a.images:
            for x, t in dls.train:
                t0 = time.time()
                x = half_res(x).contiguous(memory_format=fmt)
                y, v = presence(t)
                with ctx: logits = model(x)
                loss = (F.binary_cross_entropy_with_logits(logits.float(), y, reduction='none').mean(-1) * v).mean()
                opt.zero_grad(); loss.backward(); opt.step()
                train_s += time.time() - t0; seen += len(x)
                if seen % a.every < len(x):
                    hand, count, side = validate(model, dls.valid, ctx)
                    w.writerow(['resnet18', round(train_s), seen, round(hand, 1), round(count, 1), round(side, 1)]); f.flush()
                    print(f'{seen:6d} images, {train_s:5.0f} s: handedness {hand:.1f} %, count {count:.1f} %, side {side:.1f} %', flush=True)
                if seen >= a.images: break
