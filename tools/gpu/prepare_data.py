#!/usr/bin/env python3
"""Data plumbing for training runs; no model code here.

pack:   ISIC folder (images/*.jpg, masks/*_segmentation.png, splits.txt) -> a smaller copy at
        SIZE x SIZE (JPEG quality Q) that fits the GPU machine's 64 MiB transfer limit.
to-npy: such a folder -> the MedSAM npy layout (imgs/ID.npy RGB uint8, gts/ID.npy uint8 0/1)
        that the headless dermsam-cli reads with LibTorch alone.
"""
import argparse
import os
import shutil
import sys

import cv2
import numpy as np


def pack(src, dst, size, quality):
    os.makedirs(os.path.join(dst, "images"), exist_ok=True)
    os.makedirs(os.path.join(dst, "masks"), exist_ok=True)
    shutil.copy(os.path.join(src, "splits.txt"), os.path.join(dst, "splits.txt"))
    for name in sorted(os.listdir(os.path.join(src, "images"))):
        ident = os.path.splitext(name)[0]
        img = cv2.imread(os.path.join(src, "images", name), cv2.IMREAD_COLOR)
        mask = cv2.imread(os.path.join(src, "masks", ident + "_segmentation.png"),
                          cv2.IMREAD_GRAYSCALE)
        if img is None or mask is None:
            print("skipping unreadable pair", ident, file=sys.stderr)
            continue
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_LINEAR)
        mask = np.where(mask > 127, 255, 0).astype(np.uint8)
        cv2.imwrite(os.path.join(dst, "images", ident + ".jpg"), img,
                    [cv2.IMWRITE_JPEG_QUALITY, quality])
        cv2.imwrite(os.path.join(dst, "masks", ident + "_segmentation.png"), mask,
                    [cv2.IMWRITE_PNG_COMPRESSION, 9])


def to_npy(src, dst):
    os.makedirs(os.path.join(dst, "imgs"), exist_ok=True)
    os.makedirs(os.path.join(dst, "gts"), exist_ok=True)
    if os.path.exists(os.path.join(src, "splits.txt")):
        shutil.copy(os.path.join(src, "splits.txt"), os.path.join(dst, "splits.txt"))
    n = 0
    for name in sorted(os.listdir(os.path.join(src, "images"))):
        ident = os.path.splitext(name)[0]
        img = cv2.imread(os.path.join(src, "images", name), cv2.IMREAD_COLOR)
        mask = cv2.imread(os.path.join(src, "masks", ident + "_segmentation.png"),
                          cv2.IMREAD_GRAYSCALE)
        if img is None or mask is None:
            continue
        np.save(os.path.join(dst, "imgs", ident + ".npy"),
                np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)))
        np.save(os.path.join(dst, "gts", ident + ".npy"), (mask > 127).astype(np.uint8))
        n += 1
    print("wrote", n, "pairs to", dst)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--size", type=int, default=288)
    p.add_argument("--quality", type=int, default=90)
    n = sub.add_parser("to-npy")
    n.add_argument("src")
    n.add_argument("dst")
    a = ap.parse_args()
    if a.cmd == "pack":
        pack(a.src, a.dst, a.size, a.quality)
    else:
        to_npy(a.src, a.dst)


if __name__ == "__main__":
    main()
