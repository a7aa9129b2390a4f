#!/usr/bin/env python3
"""Measures, without changing DermSAM, what re-encoding a crop around the box would gain.

The built-in model sees every image squashed to 256 x 256, so a small lesion gets few input
pixels. A "zoom" step would encode a square crop around the user's box instead and decode the
box in the crop. This script estimates that step on the validation split: for each image it
writes the square around the expert box (side = the box's longer side grown by MARGIN on each
side, shifted to stay inside the image) and the mask cut the same way, as a dataset folder, and
runs `dermsam-cli eval --prompt box` on it and on the whole images (margin large enough to keep
the whole frame). The whole expert mask lies inside every crop, so the Dice on the crop equals
the Dice the zoom step would give on the whole image, if it predicts nothing outside the crop.
Then it prints the paired difference per margin with a bootstrap 95 % CI, and by lesion size.

    tools/zoom-experiment.py [--data ../shared/data/isic2018-512] [--cli build/app/dermsam-cli]
                             [--work /tmp/zoom] [--margins 0.25,0.5,0.75]

Needs python3-opencv and python3-numpy (Debian). The crops are PNG, so nothing is re-compressed.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys

import cv2
import numpy as np

WHOLE = 9.0  # a margin that always keeps the whole frame: the baseline, through the same path


def square_around_box(x0, y0, x1, y1, margin, width, height):
    side = max(x1 - x0, y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a0, a1, b0, b1 = cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2
    # Shifted rather than clipped, so that it stays square where the image allows.
    if a0 < 0:
        a1, a0 = a1 - a0, 0
    if a1 > width:
        a0, a1 = a0 - (a1 - width), width
    if b0 < 0:
        b1, b0 = b1 - b0, 0
    if b1 > height:
        b0, b1 = b0 - (b1 - height), height
    return (max(0, round(a0)), max(0, round(b0)), min(width, round(a1)), min(height, round(b1)))


def write_crops(data, ids, margin, out):
    os.makedirs(out + "/images", exist_ok=True)
    os.makedirs(out + "/masks", exist_ok=True)
    with open(out + "/splits.txt", "w") as f:
        f.writelines(i + " val\n" for i in ids)
    for i in ids:
        image = cv2.imread(f"{data}/images/{i}.jpg")
        mask = cv2.imread(f"{data}/masks/{i}_segmentation.png", cv2.IMREAD_GRAYSCALE)
        if image is None or mask is None:
            sys.exit(f"cannot read {i}")
        ys, xs = np.nonzero(mask > 127)
        h, w = mask.shape
        a0, b0, a1, b1 = square_around_box(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1,
                                           margin, w, h)
        cv2.imwrite(f"{out}/images/{i}.png", image[b0:b1, a0:a1])
        cv2.imwrite(f"{out}/masks/{i}_segmentation.png", mask[b0:b1, a0:a1])


def per_image_dice(cli, folder, report):
    run = subprocess.run([cli, "eval", "--model", "default", "--data", folder, "--split-name",
                          "val", "--prompt", "box", "--report", report],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit(f"{cli} eval on {folder} failed: {run.stderr.strip()[-500:]}")
    with open(report + ".json") as f:
        return {r["id"]: r["dice"] for r in json.load(f)["per_image"]}


def bootstrap_ci(diffs, resamples=2000, seed=1):
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data/isic2018-512")
    ap.add_argument("--cli", default="build/app/dermsam-cli")
    ap.add_argument("--work", default="/tmp/zoom")
    ap.add_argument("--margins", default="0.25,0.5,0.75")
    args = ap.parse_args()
    if not os.access(args.cli, os.X_OK):
        sys.exit(f"no dermsam-cli at {args.cli} (build it, or give --cli)")

    with open(args.data + "/splits.txt") as f:
        ids = [line.split()[0] for line in f if line.split()[1:] == ["val"]]
    with open(args.data + "/manifest.csv") as f:
        fg = {r["id"]: float(r["mask_fg_fraction"]) for r in csv.DictReader(f)}

    def run(margin):
        folder = f"{args.work}/crop-{margin}"
        write_crops(args.data, ids, margin, folder)
        return per_image_dice(args.cli, folder, folder + "-report")

    base = run(WHOLE)
    n = len(ids)
    print(f"whole image: mean Dice {sum(base.values()) / n:.4f} over {n} validation images")
    bins = [(0, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.4), (0.4, 1.01)]
    for margin in (float(m) for m in args.margins.split(",")):
        zoom = run(margin)
        diffs = [zoom[i] - base[i] for i in ids]
        lo, hi = bootstrap_ci(diffs)
        print(f"margin {margin}: mean Dice {sum(zoom.values()) / n:.4f}, paired "
              f"{sum(diffs) / n:+.4f} (95% CI {lo:+.4f} to {hi:+.4f}), better on "
              f"{sum(d > 0 for d in diffs)}, worse on {sum(d < 0 for d in diffs)}")
        for b0, b1 in bins:
            sel = [i for i in ids if b0 <= fg[i] < b1]
            if sel:
                d = sum(zoom[i] - base[i] for i in sel) / len(sel)
                print(f"  lesion {b0:.0%}-{min(b1, 1):.0%} of the image: n={len(sel)}, "
                      f"whole {sum(base[i] for i in sel) / len(sel):.4f}, paired {d:+.4f}")


if __name__ == "__main__":
    main()
