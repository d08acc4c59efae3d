"""A test-time variant for `slot_order.py --patch`: each joint's soft-argmax taken only within LOCAL_R cells (of the
network's heat-map grid) of its heat map's peak, instead of over the whole map (notebook 47).

    LOCAL_R=4 python nbs/runs/slot_order.py synth DATA_ROOT test 1 --patch nbs/runs/local_decode.py"""
import os, torch
import digit.model
R = float(os.environ.get('LOCAL_R', '4'))
whole_map = digit.model.soft_argmax_2d

def local_soft_argmax_2d(heat_logits, # [B,J,H,W] heat logits
                         depth=None): # [B,J,H,W] depth maps, or None
    "`soft_argmax_2d` over the cells within R of each map's peak."
    B, J, H, W = heat_logits.shape
    peak = heat_logits.reshape(B, J, -1).argmax(-1)
    py, px = (peak // W)[..., None, None], (peak % W)[..., None, None]
    gy, gx = torch.arange(H, device=heat_logits.device)[:, None], torch.arange(W, device=heat_logits.device)[None]
    near = (gy - py) ** 2 + (gx - px) ** 2 <= R * R                      # [B,J,H,W]
    return whole_map(heat_logits.masked_fill(~near, float('-inf')), depth)

digit.model.soft_argmax_2d = local_soft_argmax_2d  # what `DigitNet.outputs_and_features` calls
