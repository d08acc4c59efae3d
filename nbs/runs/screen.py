"""Short CPU screens of training recipes, side by side: each trains `digit-train` with its flags (and, optionally, a
code variant of the network or the data) on the same data for the same images, validates after every epoch, and
appends one row per validation to a CSV (the tables of notebooks 35 and 45).

    python nbs/runs/screen.py --data_root /work/data/synth20k --out nbs/runs/side_free_screens.csv \
        --epochs 4 --trainsplit smalltrain "base:" "side_free:--side_free"
    python nbs/runs/screen.py ... "he:--variant he" "bn:--variant bnhe --lr 5e-3"

Each run is `name:flags` or `name:flags:what it changes` (the `change` column); `--variant` names one or more of `VARIANTS` (comma-separated), the changes that are code,
not flags. A run takes about epochs x frames / (img/s): 8,000 images of digit_tiny took 3.5 to 5 minutes on a 2-core
Xeon with AMX, on one thread (OMP_NUM_THREADS=1) beside another training job.
The CPU's path and the time are in each row; the last row of a run also has the split of its error
(`xy_from_net`: MPJPE with the true depths, `depth_from_net`: with the true x/y), its validation loss terms (as
weighted) and its fingertips (`fingertips`). `--collect` writes the rows of runs already trained under --log_dir."""
import argparse, csv, json, os, shlex, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd
import torch

COLUMNS = ['run', 'change', 'flags', 'cpu', 'epoch', 'images', 'seconds', 'mpjpe', 'single', 'inter', 'mrrpe', 'hand', 'miou',
           'xy_from_net', 'depth_from_net', 'valid_segm', 'valid_hand_type', 'tip_spread', 'true_tip_spread', 'tip_own']
from digit.hands import FINGERS, HAND_JOINT_NAMES, N_HAND_JOINTS
TIPS = [h * N_HAND_JOINTS + HAND_JOINT_NAMES.index(f'{f}4') for h in (0, 1) for f in FINGERS]  # each hand's five fingertips

def cpu_name():
    "The CPU's model name and torch capability, for every row."
    name = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), 'cpu')
    amx = ' AMX' if torch.cpu._is_amx_tile_supported() else ''
    return f'{name} ({torch.backends.cpu.get_cpu_capability()}{amx}, {os.cpu_count()} cores)'

# ---- code variants: each changes the network (or the data) that `digit-train` builds ----
def he_init_heads(model): # a DigitNet
    "He (fan-in, ReLU) init of the global tower, the MLPs' hidden layers and the fusion convs: the layers a ReLU follows."
    layers = [m for m in model.conv_head if isinstance(m, torch.nn.Conv2d)] + [model.root_fc[0], model.hand_fc[0]]
    if model.conv_segm_feat is not None: layers += [m for m in model.conv_segm_feat if isinstance(m, torch.nn.Conv2d)]
    for m in layers: torch.nn.init.kaiming_normal_(m.weight, nonlinearity='relu'); torch.nn.init.zeros_(m.bias)
    return model

def with_batch_norm(seq): # an nn.Sequential of convs and ReLUs
    "The same layers with a BatchNorm2d after every conv."
    layers = []
    for m in seq: layers += [m, torch.nn.BatchNorm2d(m.out_channels)] if isinstance(m, torch.nn.Conv2d) else [m]
    return torch.nn.Sequential(*layers)

def tower_bn(model): # a DigitNet
    "Batch norm in the global conv tower (the hand type's and the relative depth's branch)."
    model.conv_head = with_batch_norm(model.conv_head); return model

def bn_he(model): # a DigitNet
    "Batch norm and He init in every unnormalised conv: the fusion convs and the global tower."
    he_init_heads(model); model.conv_head = with_batch_norm(model.conv_head)
    if model.conv_segm_feat is not None: model.conv_segm_feat = with_batch_norm(model.conv_segm_feat)
    return model

def no_augmentation():
    "Train on the frames as rendered: no shift, scale, rotation, flip or colour change."
    import digit.data
    from digit.crop import NO_AUG
    digit.data.sample_aug = lambda rng, **kw: NO_AUG

def image_x_slots():
    "Pairs scored in a fixed slot order, the hand whose wrist lies further left in the image first, not in the cheaper order."
    from digit.side_free import SideFreeLoss, WRIST
    def by_image_x(self, cost, joints, valid):  # [2,B], [B,42,3], [B,42]
        v = valid.view(-1, 2, N_HAND_JOINTS); x = joints[..., 0].view(-1, 2, N_HAND_JOINTS)
        mean_x = (x * v).sum(-1) / v.sum(-1).clamp_min(1)                # a hand without its wrist: its joints' mean
        wx = torch.where(v[..., WRIST] > 0, x[..., WRIST], mean_x)       # [B,2]
        return wx[:, 1] < wx[:, 0]                                       # a single hand fills both slots: never swapped
    SideFreeLoss.choose_swap = by_image_x

# name: (what it changes, network patch or None, `build_model` overrides, data patch or None)
VARIANTS = dict(
    he=('He init of the heads', he_init_heads, {}, None),
    towerbn=('batch norm in the global conv tower', tower_bn, {}, None),
    bnhe=('batch norm and He init in the fusion convs and the global tower', bn_he, {}, None),
    merge48=('U-Net width 48 (keypoint head of rank 48, not 16)', None, dict(merge_width=48), None),
    in375=('input at 3/8 scale (96 px) instead of 1/2', None, dict(in_scale=0.375), None),
    in75=('input at 3/4 scale (192 px) instead of 1/2', None, dict(in_scale=0.75), None),
    noaug=('no augmentation (the generator\'s variety alone)', None, {}, no_augmentation),
    xorder=('pairs in a fixed slot order (leftmost wrist first), not the cheaper one', None, {}, image_x_slots),
)

def fingertips(model, dl): # a trained network; the validation DataLoader
    "How far apart a hand's five predicted fingertips lie (64-grid px; and the true ones), and the share of predicted tips nearest their own true tip."
    spread, true_spread, own = [], [], []
    model.eval()
    with torch.no_grad():
        for x, t in dl:
            pred = model(x.float())['joints25d'].float()[:, TIPS, :2].view(len(x), 2, 5, 2)   # [B,hand,tip,xy]
            true = t['joints25d'].float()[:, TIPS, :2].view(len(x), 2, 5, 2)
            ok = t['joint_valid'][:, TIPS].view(len(x), 2, 5).bool().all(-1)          # hands with all five tips
            p, q = pred[ok], true[ok]                                                  # [H,5,2]
            spread += (p - p.mean(1, keepdim=True)).norm(dim=-1).mean(1).tolist()
            true_spread += (q - q.mean(1, keepdim=True)).norm(dim=-1).mean(1).tolist()
            own += (torch.cdist(p, q).argmin(-1) == torch.arange(5)).float().mean(1).tolist()
    return dict(tip_spread=float(np.mean(spread)), true_tip_spread=float(np.mean(true_spread)), tip_own=100 * float(np.mean(own)))

def apply_variants(variants): # comma-separated `VARIANTS` names
    "Make this process's digit build (and train on) the variants: for `child` and for scripts that load a variant's checkpoint."
    import digit.train, digit.model
    vs = [VARIANTS[v] for v in variants.split(',') if v]
    for name, arch in digit.model.VARIANTS.items():  # `build_model` reads this table at each call
        digit.model.VARIANTS[name] = {**arch, **{k: v for _, _, o, _ in vs for k, v in o.items()}}
    network_for = digit.model.network_for
    def patched_network_for(cfg, pretrained=None):  # the run's network, then each variant's change to it
        model = network_for(cfg, pretrained)
        for _, patch, _, _ in vs: model = patch(model) if patch else model
        return model
    digit.train.network_for = digit.model.network_for = patched_network_for  # training's and loading's (digit.predict) way in
    for _, _, _, data_patch in vs:
        if data_patch: data_patch()

def child(variants, flags): # comma-separated `VARIANTS` names; digit-train's arguments
    "Run digit-train in this process with the variants applied."
    import digit.train
    apply_variants(variants)
    report = digit.train._report_run
    def report_with_tips(learn, *a):  # after the last validation: the fingertips of the final network, beside metrics.json
        res = report(learn, *a)
        try: (learn.run_dir / 'tips.json').write_text(json.dumps(fingertips(learn.model, learn.dls.valid)))
        except Exception as e: print(f'fingertips not measured: {type(e).__name__}: {e}', file=sys.stderr)
        return res
    digit.train._report_run = report_with_tips
    sys.argv = ['digit-train', *flags]
    digit.train.train_main()

def split_variants(flags): # a run's flags, possibly with --variant NAMES
    "(digit-train flags, variant names)."
    args, names = shlex.split(flags), ''
    if '--variant' in args:
        i = args.index('--variant'); names = args[i + 1]; del args[i:i + 2]
    unknown = [v for v in names.split(',') if v and v not in VARIANTS]
    if unknown: raise SystemExit(f'--variant {names}: unknown {unknown}; the variants are {list(VARIANTS)}')
    return args, names

def screen(name, flags, change, data_root, out, epochs, trainsplit, log_dir, seed):
    "Train one recipe and append its validation rows to `out`."
    run_dir = Path(log_dir) / name
    args, variants = split_variants(flags)
    cmd = ['--data_root', data_root, '--trainsplit', trainsplit, '--max_epoch', str(epochs),
           '--eval_every_epoch', '1', '--log_dir', str(run_dir), '--seed', str(seed), *args]
    print('$', shlex.join(['digit-train', *cmd]), f'(variants: {variants})' if variants else '', flush=True)
    t = time.time()
    subprocess.run([sys.executable, __file__, '--child', variants, '--', *cmd], check=True, stdout=sys.stdout, stderr=sys.stderr)
    write_rows(name, change, flags, run_dir, data_root, trainsplit, out)
    print(f'{name}: {time.time() - t:.0f} s', flush=True)

def write_rows(name, change, flags, run_dir, data_root, trainsplit, out):
    "Append a finished run's validation rows (its newest run under `run_dir`) to `out`."
    run = max(Path(run_dir).glob('*/log.csv'), key=lambda p: p.stat().st_mtime).parent
    log, summary = pd.read_csv(run / 'log.csv'), json.loads((run / 'metrics.json').read_text())
    tips = json.loads((run / 'tips.json').read_text()) if (run / 'tips.json').exists() else {}
    from digit.data import HandCrops
    n_train = len(HandCrops(data_root, trainsplit, train=True))  # images per epoch
    new = not Path(out).exists()
    rows = log.dropna(subset=['mpjpe_all'])
    with open(out, 'a', newline='') as f:
        w = csv.writer(f)
        if new: w.writerow(COLUMNS)
        for j, (_, r) in enumerate(rows.iterrows()):
            last = j == len(rows) - 1
            split = [round(summary[k], 2) for k in ('mpjpe_gt_depth', 'mpjpe_gt_xy')] if last else ['', '']
            losses = [round(float(r[k]), 4) if k in r and pd.notna(r[k]) else '' for k in ('valid_segm', 'valid_hand_type')]
            tip = [round(tips[k], 2) if last and k in tips else '' for k in ('tip_spread', 'true_tip_spread', 'tip_own')]
            w.writerow([name, change, flags, cpu_name(), int(r.epoch), int(r.epoch * n_train),
                        round(float(log.time_s[log.epoch <= r.epoch].sum())), *(round(float(r[k]), 2) for k in
                        ('mpjpe_all', 'mpjpe_single', 'mpjpe_interacting', 'mrrpe', 'handedness', 'segm_miou')), *split, *losses, *tip])

if __name__ == '__main__':
    if sys.argv[1:2] == ['--child']: child(sys.argv[2], sys.argv[4:]); sys.exit()
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data_root', required=True); p.add_argument('--out', required=True)
    p.add_argument('--epochs', type=int, default=4); p.add_argument('--trainsplit', default='smalltrain')
    p.add_argument('--log_dir', default='logs/screens'); p.add_argument('--seed', type=int, default=1)
    p.add_argument('--collect', action='store_true', help='only write the rows of runs already trained under --log_dir')
    p.add_argument('runs', nargs='+', help='"name:flags" or "name:flags:what it changes" for each recipe, e.g. "side_free:--side_free"')
    a = p.parse_args()
    for run in a.runs:
        name, sep, rest = run.partition(':')
        if not sep or not name: p.error(f'{run!r}: give a run as "name:flags"')
        flags, _, change = rest.partition(':')
        _, variants = split_variants(flags)  # unknown variants fail before anything trains
        change = change or '; '.join(VARIANTS[v][0] for v in variants.split(',') if v) or flags
        if a.collect: write_rows(name, change, flags, Path(a.log_dir) / name, a.data_root, a.trainsplit, a.out)
        else: screen(name, flags, change, a.data_root, a.out, a.epochs, a.trainsplit, a.log_dir, a.seed)
