"""Short CPU screens of training recipes, side by side: each trains `digit-train` with its flags on the same data for the
same images, validates after every epoch, and appends one row per validation to a CSV (the tables of notebook 45).

    python nbs/runs/screen.py --data_root /work/data/synth20k --out nbs/runs/side_free_screens.csv \
        --epochs 4 --trainsplit smalltrain "base:" "side_free:--side_free"

Each run is `name:flags`. A run takes about epochs x frames / (img/s); the CPU's path and the time are in each row."""
import argparse, csv, os, shlex, subprocess, sys, time
from pathlib import Path
import pandas as pd
import torch

COLUMNS = ['run', 'flags', 'cpu', 'epoch', 'images', 'seconds', 'mpjpe', 'single', 'inter', 'mrrpe', 'hand', 'miou']

def cpu_name():
    "The CPU's model name and torch capability, for every row."
    name = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), 'cpu')
    amx = ' AMX' if torch.cpu._is_amx_tile_supported() else ''
    return f'{name} ({torch.backends.cpu.get_cpu_capability()}{amx}, {os.cpu_count()} cores)'

def screen(name, flags, data_root, out, epochs, trainsplit, log_dir, seed):
    "Train one recipe and append its validation rows to `out`."
    run_dir = Path(log_dir) / name
    cmd = ['digit-train', '--data_root', data_root, '--trainsplit', trainsplit, '--max_epoch', str(epochs),
           '--eval_every_epoch', '1', '--log_dir', str(run_dir), '--seed', str(seed), *shlex.split(flags)]
    print('$', shlex.join(cmd), flush=True)
    t = time.time()
    subprocess.run(cmd, check=True, stdout=sys.stdout, stderr=sys.stderr)
    log = pd.read_csv(next(run_dir.glob('*/log.csv')))
    from digit.data import HandCrops
    n_train = len(HandCrops(data_root, trainsplit, train=True))  # images per epoch
    new = not Path(out).exists()
    with open(out, 'a', newline='') as f:
        w = csv.writer(f)
        if new: w.writerow(COLUMNS)
        for _, r in log.dropna(subset=['mpjpe_all']).iterrows():
            w.writerow([name, flags, cpu_name(), int(r.epoch), int(r.epoch * n_train),
                        round(float(log.time_s[log.epoch <= r.epoch].sum())), *(round(float(r[k]), 2) for k in
                        ('mpjpe_all', 'mpjpe_single', 'mpjpe_interacting', 'mrrpe', 'handedness', 'segm_miou'))])
    print(f'{name}: {time.time() - t:.0f} s', flush=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data_root', required=True); p.add_argument('--out', required=True)
    p.add_argument('--epochs', type=int, default=4); p.add_argument('--trainsplit', default='smalltrain')
    p.add_argument('--log_dir', default='logs/screens'); p.add_argument('--seed', type=int, default=1)
    p.add_argument('runs', nargs='+', help='"name:flags" for each recipe, e.g. "side_free:--side_free"')
    a = p.parse_args()
    for run in a.runs:
        name, sep, flags = run.partition(':')
        if not sep or not name: p.error(f'{run!r}: give a run as "name:flags"')
        screen(name, flags, a.data_root, a.out, a.epochs, a.trainsplit, a.log_dir, a.seed)
