"""Experiment (issue 27): a per-slot "turn" head beside the facing head of `SideFreeDigitNet`, so that the side is decided from
two learnt cues (turn x facing) instead of the turn read from the predicted joints. Runs `digit-train` with the changes
patched in; every flag is digit-train's. The run of nbs/runs/digit_tiny_synth_turn_aux (3 epochs of 20,000 frames from the
then shipped model, 24 to 41 min per epoch on a 2-core AMD EPYC, AVX2, fp32, sharing the CPU with other jobs):

    python nbs/runs/turn_head.py --dataset synth --data_root SynthInterHand --model digit_tiny --side_free \
        --init_from synth --lr 1e-3 --seed 3 --max_epoch 3 --schedule one_cycle --eval_every_epoch 1

Its checkpoints load only with these patches (import this file first): `import runpy; runpy.run_path('turn_head.py', run_name='patch')`.
Target: the sign of the true turn of the slot's hand (`turn_sine` > 0), on the slots where the facing target is valid."""
import torch
import torch.nn.functional as F
import digit.side_free as S
import digit.predict, digit.learner
from digit.model import mlp
from digit.crop import HM

S.SIDE_FREE_WEIGHTS['turn'] = 1.  # in place: digit.train and the loss read this same dict

_init = S.SideFreeDigitNet.__init__
def __init__(self, backbone, facing_width=32, **kwargs):
    _init(self, backbone, facing_width=facing_width, **kwargs)
    self.turn_fc = mlp(self.conv_hm.in_channels, facing_width, 1)  # like the facing head: features pooled under the slot's heat maps

def forward(self, img):
    out, feat = self.outputs_and_features(img)
    B, J = out['heatmap_logits'].shape[:2]
    att = out['heatmap_logits'].detach().float().flatten(2).softmax(-1).view(B, 2, J // 2, -1).mean(2)
    pooled = torch.einsum('bsn,bcn->bsc', att, feat.float().flatten(2)).to(feat.dtype)
    slots = dict(slot_joints25d=out['joints25d'], slot_rel_root_depth=out['rel_root_depth'], raw_segm_logits=out['segm_logits'],
                 interacting_logit=out['hand_logits'][:, 0], facing_logits=self.facing_fc(pooled)[..., 0],
                 turn_logits=self.turn_fc(pooled)[..., 0], heatmap_logits=out['heatmap_logits'])
    return slots if self.training else {**slots, **decode_sides(slots)}

def decode_sides(out):
    "As `digit.side_free.decode_sides`, with the turn from the turn head instead of the predicted joints."
    from digit.hands import FLIP_PERM
    j, inter = out['slot_joints25d'], out['interacting_logit'].float()
    B = len(j)
    score = S.right_score(2 * out['turn_logits'].float().sigmoid() - 1, out['facing_logits'].float().sigmoid())  # [B,2]
    two = inter > 0
    swap = two & (score[:, 1] > score[:, 0])
    side = 6 * score.mean(1)
    hand_logits = torch.where(two[:, None], inter[:, None].expand(B, 2), torch.stack([side, -side], 1))
    rel = out['slot_rel_root_depth']
    res = dict(joints25d=torch.where(swap[:, None, None], j[:, FLIP_PERM], j), hand_logits=hand_logits,
               rel_root_depth=torch.where(swap, HM - rel, rel), slot_swap=swap)
    slot_right = torch.where(two[:, None], torch.stack([~swap, swap], 1), (side > 0)[:, None].expand(B, 2))
    if out.get('raw_segm_logits') is not None: res['segm_logits'] = S.sided_segm_logits(out['raw_segm_logits'], j, slot_right)
    return res

class TurnLoss(S.SideFreeLoss):
    "`SideFreeLoss` plus the turn term, under the slot order the pose terms chose."
    def forward(self, pred, target):
        total = super().forward(pred, target)
        joints, valid, palm, palm_valid = S.slot_targets(target)
        with torch.no_grad():
            pose = self.pose_terms(pred['slot_joints25d'].float(), pred['heatmap_logits'], joints, valid)
            swap = sum(self.weights[k] * v for k, v in pose.items())
            swap = swap[1] < swap[0]
        flip = lambda x: torch.where(swap[:, None], x.flip(1), x)
        clockwise = flip((S.turn_sine(joints.view(-1, 2, S.N_HAND_JOINTS, 3)) > 0).float())
        turn = (F.binary_cross_entropy_with_logits(pred['turn_logits'].float(), clockwise, reduction='none') * flip(palm_valid)).mean()
        self.terms['turn'] = (turn * self.weights['turn']).detach()
        return total + turn * self.weights['turn']

_load_into = digit.learner.load_into
def load_into(model, state, path):  # the shipped model has no turn head: it starts fresh
    own = model.state_dict()
    state = {**{k: v for k, v in own.items() if k.startswith('turn_fc.') and k not in state}, **state}
    return _load_into(model, state, path)

S.SideFreeDigitNet.__init__, S.SideFreeDigitNet.forward, S.decode_sides = __init__, forward, decode_sides
digit.learner.SideFreeLoss, digit.learner.load_into, digit.predict.load_into = TurnLoss, load_into, load_into

if __name__ == '__main__':
    from digit.train import train_main
    train_main()
