#!/usr/bin/env python3
"""Figures for docs/model-card.md from `dermsam-cli eval --report` output (a docs tool, not part
of the application): a per-image Dice histogram and the worst cases with outlines
(ground truth green, prediction red). Needs python3-opencv and python3-numpy (Debian).

usage: model-card-figures.py REPORT.json DATA_DIR PRED_DIR OUT_PREFIX
  PRED_DIR holds <id>.png masks written by `dermsam-cli segment` for the worst cases.
"""
import json
import os
import sys

import cv2
import numpy as np


def histogram(dices, path, width=640, height=260, bins=20):
    img = np.full((height, width, 3), 255, np.uint8)
    lo = 0.5
    counts, edges = np.histogram(np.clip(dices, lo, 1.0), bins=bins, range=(lo, 1.0))
    top = max(counts.max(), 1)
    margin = 40
    bw = (width - 2 * margin) / bins
    for i, c in enumerate(counts):
        h = int((height - 2 * margin) * c / top)
        x0 = int(margin + i * bw)
        cv2.rectangle(img, (x0 + 1, height - margin - h), (int(x0 + bw) - 1, height - margin),
                      (180, 120, 40), -1)
    cv2.line(img, (margin, height - margin), (width - margin, height - margin), (0, 0, 0), 1)
    for v in np.linspace(lo, 1.0, 6):
        x = int(margin + (v - lo) / (1 - lo) * (width - 2 * margin))
        cv2.putText(img, "%.1f" % v, (x - 10, height - margin + 18), cv2.FONT_HERSHEY_SIMPLEX,
                    0.45, (0, 0, 0), 1)
    cv2.putText(img, "per-image Dice (values below %.1f counted in the first bin); max bin %d"
                % (lo, top), (margin, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
    cv2.imwrite(path, img)


def outlines(image, gt, pred):
    out = image.copy()
    for mask, colour in ((gt, (0, 200, 0)), (pred, (0, 0, 255))):
        contours, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(out, contours, -1, colour, 2)
    return out


def main():
    report, data, preds, prefix = sys.argv[1:5]
    r = json.load(open(report))
    per = sorted(r["per_image"], key=lambda p: p["dice"])
    histogram(np.array([p["dice"] for p in per]), prefix + "-dice-histogram.png")
    tiles = []
    for p in per[:6]:
        pid = p["id"]
        img = cv2.imread(os.path.join(data, "images", pid + ".jpg"))
        gt = cv2.imread(os.path.join(data, "masks", pid + "_segmentation.png"), 0)
        pred = cv2.imread(os.path.join(preds, pid + ".png"), 0)
        if img is None or gt is None or pred is None:
            continue
        t = cv2.resize(outlines(img, gt, pred), (256, 256), interpolation=cv2.INTER_AREA)
        cv2.putText(t, "%s Dice %.3f" % (pid, p["dice"]), (4, 16), cv2.FONT_HERSHEY_SIMPLEX,
                    0.42, (255, 255, 255), 1)
        tiles.append(t)
    while len(tiles) % 3:
        tiles.append(np.zeros((256, 256, 3), np.uint8))
    rows = [np.hstack(tiles[i:i + 3]) for i in range(0, len(tiles), 3)]
    cv2.imwrite(prefix + "-worst.png", np.vstack(rows))
    print("worst:", ", ".join("%s %.3f" % (p["id"], p["dice"]) for p in per[:6]))


if __name__ == "__main__":
    main()
