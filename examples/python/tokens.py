"""Token sequences with the Dirichlet-Categorical process: a Markov chain estimated from a text file as the target,
sampled by the event-driven and fixed-grid samplers (the same tokens as `pmm-solve --process dirichlet-categorical
--target markov:FILE` for the same seed), and, in a build with LibTorch, a trained token network and its bits per
character (`pmm-train --process categorical --net transformer ... --out runs/pmm` first).
    PYTHONPATH=build/python /usr/bin/python3 examples/python/tokens.py [TEXTFILE] [runs/pmm/model.pt]
"""
import os
import sys
import tempfile

import pmm

text_file = sys.argv[1] if len(sys.argv) > 1 else None
made_file = text_file is None
if made_file:
    fd, text_file = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("the cat sat on the mat and the dog sat on the log " * 50)

for solver in ("event-driven", "fixed-grid"):
    r = pmm.solve(process="dirichlet-categorical", target=f"markov:{text_file}", solver=solver, steps=64,
                  length=48, paths=4, seed=0)
    print(f"{solver}: NFE max {r['nfe']} (mean {r['nfe_mean']:.1f}), ids {r['samples'].dtype} {r['samples'].shape}")
    for line in r["text"]:
        print("   ", line)
# The masked fraction per path at r["times"] (101 saves by default): 1 at t = 0, 0 at t = 1.
print("masked fraction, path 0:", r["trajectory"][::25, 0].round(2), "at t =", r["times"][::25])

model = sys.argv[2] if len(sys.argv) > 2 else None
if model and pmm.has_torch:
    r = pmm.solve(process="dirichlet-categorical", model=model, paths=4, seed=0)  # length, alphabet, schedule: the file's
    print("network samples:", *r["text"], sep="\n    ")
    print("bpc on the text:", pmm.metrics.bpc(model, data=text_file, passes=2, full=True))
if made_file:
    os.unlink(text_file)
