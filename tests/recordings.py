"""Recordings of the measurement page's sweep for the app and browser tests (built, not stored)."""

from __future__ import annotations

import numpy as np

from components.responses import ROOMS, eyring_absorption
from lib import measure, room
from lib.audio import to_wav_bytes

#: The sweep the tests configure on the page (16 kHz page rate; the recordings are made at 48 kHz).
F1, F2, DURATION_S = 50, 4000, 2.0
LEAD_S = 0.6


def sweep_recording(*, sweep_s: float = DURATION_S, tail_s: float = 1.5, gain: float = 1.0, sr: int = 48000,
                    sweep_duration_s: float = DURATION_S) -> bytes:
    """WAV bytes of the page's sweep played in the small room: ``LEAD_S`` of room noise, the sweep
    (cut after ``sweep_s`` seconds: a recording stopped too early), ``tail_s`` of decay. ``gain``
    above about 2 clips it; another ``sweep_duration_s`` is a sweep made with other settings."""
    sweep, _ = measure.ess_sweep(F1, F2, sweep_duration_s, sr, fade_s=0.05)
    dim, src, mic, rt = ROOMS["Small room (0.3 s)"]
    h = room.hybrid_rir(dim, src, mic, sr, absorption_bands=eyring_absorption(rt, dim), seed=0).rir
    rec = measure.simulate_recording(0.1 * sweep, h / np.abs(h).max(), sr, noise_dbfs=-75, lead_s=LEAD_S,
                                     tail_s=tail_s, seed=1)
    rec = rec / np.abs(rec).max() * 0.5
    n = int((LEAD_S + sweep_s) * sr) if sweep_s < sweep_duration_s else len(rec)
    return to_wav_bytes(np.clip(gain * rec[:n], -1, 1), sr)


def silent_recording(seconds: float = 4.0, sr: int = 48000) -> bytes:
    return to_wav_bytes(np.zeros(int(seconds * sr)), sr)
