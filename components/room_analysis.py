"""The room-acoustics analysis of one impulse response, as a Streamlit panel any page can show.

Numbers from ``lib.room`` (noise floor, Schroeder EDC, EDT/T20/T30, per-band decay, C50/C80,
D50, DRR), figures from ``components.room_figures``. The room designer's "Decay" and
"Measured IR" tabs and the measurement page show the same panel.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import room_figures as rf
from components.presenter import chart
from lib import room
from lib.materials import OCTAVE_BANDS_HZ


@st.cache_data(max_entries=16, show_spinner=False)
def analyse(h: np.ndarray, sr: int, noise_handling: bool = True) -> dict:
    """Decay and clarity figures of one response (cached: the arrays are hashed)."""
    t, edc = room.energy_decay_curve(h, sr, noise_handling=noise_handling)
    return {
        "edc": (t, edc), "fits": room.decay_times(h, sr, noise_handling=noise_handling),
        "bands": room.band_decay_times(h, sr, noise_handling=noise_handling),
        "C50": room.clarity(h, sr, early_ms=50), "C80": room.clarity(h, sr, early_ms=80),
        "D50": room.definition(h, sr), "DRR": room.drr(h, sr), "noise": room.noise_floor(h, sr),
    }


@st.cache_data(max_entries=32, show_spinner=False)
def _figure(builder: str, *args, **kwargs) -> dict:
    return getattr(rf, builder)(*args, **kwargs).to_dict()


def _db(value: float) -> str:
    return f"{value:.1f} dB" if np.isfinite(value) else "n/a"


def analysis_panel(h: np.ndarray, sr: int, key: str, *, predicted: dict | None = None,
                   noise_handling: bool = True, reference: dict | None = None) -> dict:
    """Metrics (EDT, T20, T30, DRR, C50, C80, D50), the EDC with its fits, decay per octave band.

    ``predicted``: extra per-band series for the band chart (e.g. Sabine/Eyring);
    ``reference``: ``{name: value}`` of known values (a simulation's true T20) shown as deltas;
    ``noise_handling``: subtract the noise floor (measured responses; a simulation has no noise).
    Returns the analysis dict.
    """
    h = np.ascontiguousarray(h, dtype=np.float64)
    a = analyse(h, int(sr), noise_handling)
    fits = a["fits"]
    # A response with nothing after the direct sound (image order 0, no diffuse tail) has no decay and no
    # reverberant energy: its decay times and energy ratios are not numbers (0.00 s, inf dB) but "n/a".
    late = float(np.sum(h[room.onset_index(h) + int(0.005 * sr):] ** 2))
    no_reverb = late <= 1e-12 * float(np.sum(h ** 2))
    why_none = ("n/a: the response is the direct sound alone (image order 0 without the diffuse tail): there is "
                "no decay and no reverberant energy to measure.")

    def db(value: float) -> str:
        return f"{value:.1f} dB" if np.isfinite(value) and not no_reverb else "n/a"

    def why(text: str | None) -> str | None:
        return why_none if no_reverb else text

    mm = st.columns(4)
    for i, name in enumerate(("EDT", "T20", "T30")):
        v = fits[name]["rt60_s"]
        ok = np.isfinite(v) and v > 0 and not no_reverb
        ref = (reference or {}).get(name)
        delta = None
        if ok and ref is not None and np.isfinite(ref) and ref > 0:
            delta = f"{100 * (v / ref - 1):+.1f} % vs true {ref:.2f} s"
        mm[i].metric(name, f"{v:.2f} s" if ok else "n/a", delta=delta, delta_color="off",
                     help=why(fits[name].get("error") or None))
    mm[3].metric("DRR", db(a["DRR"]), help=why("Direct (±2.5 ms around the direct peak) to reverberant energy"))
    mm = st.columns(4)
    mm[0].metric("C50", db(a["C50"]), help=why("Speech clarity: early (0–50 ms) vs late energy"))
    mm[1].metric("C80", db(a["C80"]), help=why("Music clarity: early (0–80 ms) vs late energy"))
    mm[2].metric("D50", f"{100 * a['D50']:.0f} %", help="Definition: share of the energy in the first 50 ms")
    nf = a["noise"]
    mm[3].metric("Noise floor", f"{nf.level_db:.0f} dB" if noise_handling else "none",
                 help="Noise power re the peak, from the response's tail" if noise_handling else
                 "A simulated response has no noise; measured responses get their floor estimated and subtracted.")
    if no_reverb:
        st.info(why_none, icon=":material/info:")
    t_e, e_e = a["edc"]
    chart(_figure("edc_with_fits", t_e, e_e, fits, title="Energy decay curve (Schroeder) with EDT, T20, T30 fits"),
          key=f"{key}_edc")
    series = {"T20 measured": a["bands"]["T20"], "T30 measured": a["bands"]["T30"]}
    if predicted:
        series.update(predicted)
    chart(_figure("rt60_bands", OCTAVE_BANDS_HZ, series, title="Decay time per octave band"), key=f"{key}_bands")
    if noise_handling:
        st.caption(f"Noise floor {nf.level_db:.1f} dB re peak; the decay meets it {nf.crosspoint / sr:.2f} s after "
                   f"the direct sound; the noise is subtracted and the EDC is trusted down to 10 dB above it "
                   f"({nf.usable_until / sr:.2f} s).")
    st.caption("n/a: the decay does not fall far enough (35 dB for T30, 25 dB for T20) "
               + ("above the noise." if noise_handling else "within the response."))
    return a
