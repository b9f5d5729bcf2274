"""Fourier series builder: build periodic waves from harmonics, and take real ones apart."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import numpy as np
import pandas as pd
import streamlit as st

from components import fourier_figures as ff
from components.audio_io import escape_plot_text, pick_audio, player
from components.audio_io import SAMPLE_KEY
from components.controls import clamp, ensure
from components.errors import show_input_error, stop_on_input_error
from components.presenter import chart, demo_scenarios
from components.teach import in_depth, intro, show_code
from lib import fourier as F
from lib.audio import match_level, require_length
from lib.errors import InputError

PLAY_S = 1.2  #: length of the synthesized tones
GAIN = 0.25  #: fixed output gain (-12 dB) for every synthesized tone, so levels compare honestly
PERIOD_POINTS = 512  #: display resolution per period
ZOOM_POINTS = 600
N_MAX = 100
SRS = (8000, 11025, 16000, 22050, 44100, 48000)
SMOOTHING = {"none": "None (plain partial sum)", "lanczos": "Lanczos σ", "fejer": "Fejér (Cesàro mean)"}
ENVELOPES = {  # decay-law envelopes drawn over the bars: (function of n, label)
    "square": (lambda n: 4 / (np.pi * n), "4/(πn)"),
    "sawtooth": (lambda n: 2 / (np.pi * n), "2/(πn)"),
    "triangle": (lambda n: 8 / (np.pi**2 * n**2), "8/(π²n²)"),
    "pulse": (lambda n: 4 / (np.pi * n), "4/(πn) envelope"),
}


# --- cached lib calls -----------------------------------------------------------------------------

@st.cache_data(max_entries=64, show_spinner=False)
def preset(shape: str, n: int, duty: float):
    return F.series_coefficients(shape, n, duty=duty), F.series_dc(shape, duty=duty)


@st.cache_data(max_entries=32, show_spinner=False)
def preset_curves(shape: str, duty: float):
    """RMS error vs N (all three smoothings, N = 1..N_MAX) and overshoot vs N for the preset."""
    rms = {SMOOTHING[m].split(" (")[0]: F.rms_error_vs_n(shape, N_MAX, duty=duty, smoothing=m) for m in SMOOTHING}
    ns = np.array([1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 100, 150, 200])
    over = None
    if F.jump_positions(shape, duty=duty):
        over = {SMOOTHING[m].split(" (")[0]: F.overshoot_vs_n(shape, ns, duty=duty, smoothing=m) for m in SMOOTHING}
    return rms, ns, over


@st.cache_data(max_entries=64, show_spinner=False)
def tone(amps: tuple, phases: tuple, dc: float, f0_hz: float, sr: int, band_limit: bool):
    y = F.synthesize(np.array(amps), np.array(phases), f0_hz, sr, PLAY_S, dc=dc, band_limit=band_limit)
    y = y - np.mean(y)  # a DC offset is inaudible and only wastes headroom
    ramp = np.minimum(1.0, np.minimum(np.arange(len(y)), np.arange(len(y))[::-1]) / (0.02 * sr))
    return (GAIN * y * ramp).astype(np.float32)


@st.cache_data(max_entries=16, show_spinner=False)
def pitch(y: np.ndarray, sr: int, fmin: float, fmax: float):
    return F.estimate_f0(y, sr, fmin_hz=fmin, fmax_hz=fmax)


@st.cache_data(max_entries=16, show_spinner=False)
def polish(y: np.ndarray, sr: int, f0: float, periods: float):
    # a fixed 20 harmonics, so the polished f0 (and the error curve) do not change when N moves
    return F.polish_f0(y, sr, f0, n_harmonics=20, n_periods=periods)


@st.cache_data(max_entries=32, show_spinner=False)
def analyse(y: np.ndarray, sr: int, f0: float, n: int, periods: float):
    return F.harmonic_analysis(y, sr, f0, n, n_periods=periods, refine_f0=False)


@st.cache_data(max_entries=16, show_spinner=False)
def analysis_error_curve(y: np.ndarray, sr: int, f0: float, n_max: int, periods: float):
    return F.fit_error_vs_n(y, sr, f0, n_max, n_periods=periods)


# --- page -----------------------------------------------------------------------------------------

intro(
    "Fourier series builder",
    "Every periodic wave is a sum of sines at whole multiples of its fundamental, each with its own "
    "amplitude and phase. Add harmonics one by one and watch a square, sawtooth or triangle appear, with "
    "the stubborn 9 % Gibbs overshoot at every jump; then take a real sung vowel apart the same way.",
    "pick **Square** and drag **Number of harmonics N** from 1 to 100: the ripple next to each jump gets "
    "narrower, but its height stays at about 9 % of the jump.",
)

_BUILD = {"fourier_mode": "Build a wave"}
demo_scenarios({
    "Square, 9 harmonics": {**_BUILD, "fourier_shape": "square", "fourier_n": 9, "fourier_smooth": "none"},
    "Square, 100: Gibbs stays 9 %": {**_BUILD, "fourier_shape": "square", "fourier_n": 100, "fourier_smooth": "none"},
    "Lanczos tames it": {**_BUILD, "fourier_shape": "square", "fourier_n": 30, "fourier_smooth": "lanczos"},
    "Rebuild a sung vowel": {"fourier_mode": "Analyse a recording", "fourier_audio_source": "Built-in sample",
                             SAMPLE_KEY: "Sung vowel /a/ 120 Hz (sustained)", "fourier_an_n": 20},
}, key="fourier")

mode = st.radio("Direction", ["Build a wave", "Analyse a recording"], key="fourier_mode", horizontal=True,
                bind="query-params", help="Synthesis (harmonics → wave) or analysis (recording → harmonics).")


def build_section() -> None:
    c1, c2, c3 = st.columns([1, 2, 1.3])
    shape = c1.selectbox("Preset", F.SHAPES, format_func=str.capitalize, index=1, key="fourier_shape",
                         bind="query-params")
    n = c2.slider("Number of harmonics N", 1, N_MAX, 9, key="fourier_n", bind="query-params",
                  help="How many harmonics (n = 1..N) the partial sum keeps.")
    duty = c3.slider("Pulse duty cycle", 0.0, 1.0, 0.25, 0.01, key="fourier_duty", disabled=shape != "pulse",
                     bind="query-params", help="Fraction of the period the pulse is high (pulse preset only).")
    duty = duty if shape == "pulse" else 0.5
    with stop_on_input_error():
        (amps0, ph0), dc = preset(shape, n, duty)

    # -- the editable coefficient table (seeded from the preset; edits survive N changes) --
    state = st.session_state.setdefault("fourier_edit_state", {"base": None, "rows": {}, "version": 0})
    base = (shape, duty)
    if state["base"] != base:
        state.update(base=base, rows={}, version=state["version"] + 1)
    amps, phases = amps0.copy(), ph0.copy()
    for k, (a_k, p_k) in state["rows"].items():
        if k <= n:
            amps[k - 1], phases[k - 1] = a_k, p_k

    left, right = st.columns([1, 2.2])
    with left:
        st.markdown("**Harmonics** (edit amplitude and phase)")
        # always enabled: the edit that would enable it is only recorded further down this same run
        if st.button("Reset to the preset", key="fourier_reset", icon=":material/restart_alt:"):
            state.update(rows={}, version=state["version"] + 1)
            amps, phases = amps0.copy(), ph0.copy()
        table = pd.DataFrame({"n": np.arange(1, n + 1), "amplitude": np.round(amps, 5),
                              "phase_deg": np.round(np.degrees(phases), 2)})
        edited = st.data_editor(
            table, key=f"fourier_table_{state['version']}_{n}", hide_index=True, disabled=["n"],
            height=min(36 + 35 * n, 330), width="stretch",
            column_config={
                "n": st.column_config.NumberColumn("n", help="Harmonic number (frequency n·f0)", width=40),
                "amplitude": st.column_config.NumberColumn("A_n", help="Amplitude (full scale = 1)", min_value=0.0,
                                                           max_value=10.0, step=0.0001, format="%.4f", width="small"),
                "phase_deg": st.column_config.NumberColumn("φ_n (°)", help="Phase in degrees (sine-phase convention)",
                                                           min_value=-360.0, max_value=360.0, step=0.1,
                                                           format="%.1f", width="small"),
            },
        )
        amps = np.nan_to_num(edited["amplitude"].to_numpy(dtype=np.float64), nan=0.0)
        phases = np.radians(np.nan_to_num(edited["phase_deg"].to_numpy(dtype=np.float64), nan=0.0))
        rows = {}
        for k in range(n):
            if abs(amps[k] - amps0[k]) > 1e-4 or abs(np.angle(np.exp(1j * (phases[k] - ph0[k])))) > 1e-3:
                rows[k + 1] = (float(amps[k]), float(phases[k]))
        # keep edits of harmonics above the current N too (they come back when N grows)
        rows.update({k: v for k, v in state["rows"].items() if k > n})
        state["rows"] = rows
        edited_flag = any(k <= n for k in rows)
        if edited_flag:
            st.caption(f":material/edit: {sum(k <= n for k in rows)} harmonic(s) edited; the target stays the preset.")
        smoothing = st.radio("Smoothing against Gibbs", list(SMOOTHING), format_func=SMOOTHING.get,
                             key="fourier_smooth", bind="query-params",
                             help="Lanczos σ_n = sinc(n/(N+1)); Fejér 1 − n/(N+1).")
        ensure("fourier_highlight", range(0, n + 1), 0)  # fewer harmonics than the one highlighted
        highlight = st.selectbox("Highlight one harmonic", list(range(0, n + 1)), key="fourier_highlight",
                                 bind="query-params",
                                 format_func=lambda k: "none" if k == 0 else f"n = {k}",
                                 help="Overlay that single term on the waveform.")
        db = st.toggle("Amplitudes in dB", key="fourier_db", bind="query-params", help="20·log10(A_n): decay laws become straight lines.")

    weights = F.smoothing_factors(n, smoothing)
    amps_s = amps * weights
    u1 = F.period_grid(PERIOD_POINTS)
    u = np.concatenate([u1, 1 + u1, [2.0]])
    target = F.target_waveform(shape, u, duty=duty)

    def two_periods(a):
        y = F.partial_sum(a, phases, PERIOD_POINTS, dc=dc)
        return np.concatenate([y, y, y[:1]])

    partial = two_periods(amps)
    smoothed = two_periods(amps_s) if smoothing != "none" else None
    term = term_label = None
    if highlight:
        term = amps[highlight - 1] * np.sin(2 * np.pi * highlight * u + phases[highlight - 1])
        term_label = (f"harmonic {highlight}: {amps[highlight - 1]:.3f}·sin(2π·{highlight}·t "
                      f"{'+' if phases[highlight - 1] >= 0 else '−'} {abs(np.degrees(phases[highlight - 1])):.0f}°)")

    with right:
        chart(ff.synthesis_figure(u, target, partial, smoothed=smoothed,
                                            smoothed_label=f"{SMOOTHING[smoothing].split(' (')[0]} smoothed",
                                            term=term, term_label=term_label,
                                            title=f"{shape.capitalize()}: partial sum of {n} harmonic(s) against the target"), key="fourier_wave_fig")
        env = ENVELOPES.get(shape)
        nn = np.arange(1, n + 1)
        b1, b2 = st.columns(2)
        chart(ff.magnitude_bars(amps_s if smoothing != "none" else amps, highlight=highlight or None,
                                          envelope=env[0](nn) if env else None, envelope_label=env[1] if env else "",
                                          db=db, title="Magnitudes |A_n|" + (" × σ_n" if smoothing == "lanczos" else
                                                             " × Fejér" if smoothing == "fejer" else "")), key="fourier_mag_fig", where=b1)
        chart(ff.phase_bars(amps, phases, highlight=highlight or None), key="fourier_phase_fig", where=b2)
        k = F.decay_exponent(amps)
        law = F.DECAY_LAWS[shape]
        st.caption(f":material/trending_down: **Decay law of the preset:** {law}. Fitted to the current amplitudes: "
                   + (f"A_n ∝ n^−{k:.2f}." if np.isfinite(k) else "needs at least two non-zero harmonics.")
                   + " The faster the amplitudes fall, the smoother the wave: a jump gives 1/n, a kink 1/n².")

    # -- numbers --
    fine = int(max(4096, 128 * n))
    uf = F.period_grid(fine)
    tf = F.target_waveform(shape, uf, duty=duty)
    pf = F.partial_sum(amps, phases, fine, dc=dc)
    jumps = F.jump_positions(shape, duty=duty)
    smooth_name = SMOOTHING[smoothing].split(" (")[0]
    numbers = [("RMS error vs target", f"{F.rms_error(pf, tf):.4f}", None,
                "sqrt(mean((partial − target)²)) over a period, full scale = 1.")]
    if smoothing != "none":
        sf_ = F.partial_sum(amps_s, phases, fine, dc=dc)
        numbers.append((f"RMS error, {smooth_name}", f"{F.rms_error(sf_, tf):.4f}", None, None))
    if jumps:
        ov = F.gibbs_overshoot(pf, tf)
        numbers.append(("Gibbs overshoot", f"{100 * ov:.2f} %", f"{100 * (ov - F.GIBBS_FRACTION):+.2f} pts vs 8.95 %",
                        "(peak of the partial sum − top of the target) / jump, in % of the jump. "
                        "Tends to Si(π)/π − ½ ≈ 8.95 % as N grows."))
        if smoothing != "none":
            ov_s = max(F.gibbs_overshoot(sf_, tf), 0.0)
            numbers.append((f"Overshoot, {smooth_name}", f"{100 * ov_s:.2f} %", f"{100 * (ov_s - ov):+.2f} pts",
                            "Same measure for the smoothed sum."))
    else:
        numbers.append(("Gibbs overshoot", "no jump", None, "A continuous wave has no Gibbs ripple."))
    for col, (label, value, delta, help_) in zip(st.columns(len(numbers)), numbers):
        col.metric(label, value, delta=delta, delta_color="off", help=help_)
    pp = float(np.sum(amps**2) / 2 + dc**2)
    st.caption(f"Parseval: dc² + Σ A_n²/2 = {pp:.4f} (mean square of the partial sum); the target's mean square "
               f"is {F.mean_square(shape, duty=duty):.4f}. The gap is the error power the missing harmonics carry.")

    rms_curves, ns, over = preset_curves(shape, duty)
    if jumps and n >= 1:
        z1, z2 = st.columns(2)
        j = jumps[0]
        half = min(0.25, max(3.0 / max(n, 1), 0.01))
        x = np.linspace(-half, half, ZOOM_POINTS)
        uz = j + x
        tz = F.target_waveform(shape, uz, duty=duty)
        tz[np.argmin(np.abs(x))] = np.nan  # no vertical stroke drawn through the jump
        pz = F.partial_sum(amps, phases, uz, dc=dc)
        sz = F.partial_sum(amps_s, phases, uz, dc=dc) if smoothing != "none" else None
        top, bottom = float(np.max(tf)), float(np.min(tf))
        chart(ff.gibbs_zoom_figure(x, tz, pz, smoothed=sz, smoothed_label="smoothed", top=top,
                                             jump=top - bottom,
                                             title=f"Zoom on the jump at t = {j:g} period (±{half:.3f})"), key="fourier_zoom_fig", where=z1)
        chart(ff.overshoot_figure(ns, over, current_n=n), key="fourier_over_fig", where=z2)
    chart(ff.rms_error_figure(np.arange(1, N_MAX + 1), rms_curves, current_n=n,
                                        title=f"RMS error against N ({shape} preset, exact via Parseval)"), key="fourier_rms_fig")
    st.caption("Plain partial sums are the best possible N-term fit in the RMS sense; smoothing gives some RMS "
               "error back to kill the overshoot.")

    # -- listen --
    st.subheader("Listen")
    l1, l2, l3 = st.columns(3)
    f0 = l1.number_input("Fundamental f0 (Hz)", min_value=0.0, max_value=30000.0, value=220.0, step=10.0,
                         key="fourier_f0", bind="query-params")
    sr = l2.selectbox("Playback sample rate (Hz)", SRS, index=3, key="fourier_sr", bind="query-params")
    band_limit = l3.toggle("Band-limit", value=True, key="fourier_bandlimit", bind="query-params",
                           help="On: harmonics at or above Nyquist are dropped. Off: they are sampled anyway "
                                "and fold back as aliases.")
    st.caption(":material/hearing: Every tone here plays at a fixed gain of −12 dB (a full-scale square wave peaks "
               "near −10 dBFS), so levels compare honestly between players. Start with your volume low.")
    try:
        playable = tone(tuple(amps_s), tuple(phases), dc, f0, sr, band_limit)
    except InputError as exc:
        show_input_error(exc)
        playable = None
    if playable is not None:
        over_nyq = F.harmonics_above_nyquist(n, f0, sr, amps_s)
        if over_nyq:
            listed = ", ".join(f"{h} ({fh:.0f} Hz → {fa:.0f} Hz)" for h, fh, fa in over_nyq[:12])
            more = f" and {len(over_nyq) - 12} more" if len(over_nyq) > 12 else ""
            action = ("They are **dropped** (band-limited synthesis), so what you hear is not the full wave."
                      if band_limit else "They are **not dropped**: each folds back to the alias frequency shown, "
                      "an inharmonic tone that does not belong to the wave.")
            st.warning(f"{len(over_nyq)} harmonic(s) reach or exceed the Nyquist frequency {sr / 2:.0f} Hz at "
                       f"{sr} Hz playback: {listed}{more}. {action}", icon=":material/warning:")
            st.page_link("app_pages/aliasing.py", label="Why harmonics above Nyquist fold back: the aliasing explorer",
                         icon=":material/blur_on:")
        else:
            st.caption(f"Highest harmonic {n * f0:.0f} Hz is below Nyquist ({sr / 2:.0f} Hz): nothing aliases.")
        player(playable, sr, label=f"Partial sum at f0 = {f0:g} Hz ({n} harmonics"
               + (f", {SMOOTHING[smoothing].split(' (')[0]} smoothed" if smoothing != "none" else "") + ")",
               key="fourier_play")

    # -- phase scramble --
    st.subheader("Phase scramble: Ohm's acoustic law")
    st.markdown("Keep every |A_n|, draw the phases at random. The waveform changes shape completely, yet a "
                "steady tone sounds almost the same: the ear mostly hears the magnitude spectrum (Ohm, "
                "Helmholtz). The peak factor shows what the ear ignores but a loudspeaker does not.")
    s1, s2 = st.columns([2, 1])
    kind = s2.radio("New phases", ["random", "schroeder"], key="fourier_scramble_kind", horizontal=True,
                    bind="query-params",
                    format_func={"random": "Random", "schroeder": "Schroeder"}.get,
                    help="Schroeder's phases (1970) spread the harmonics' peaks over the period: the lowest "
                         "peak factor for a flat spectrum, the trick behind test signals and radar chirps.")
    seed = s2.number_input("Random seed for the phases", 0, 10_000, 0, key="fourier_seed", bind="query-params",
                           disabled=kind != "random")
    if kind == "random":
        _, ph_r = F.phase_scramble(amps_s, phases, seed=int(seed))
    else:
        ph_r = F.schroeder_phases(amps_s)
    orig = F.partial_sum(amps_s, phases, PERIOD_POINTS, dc=dc)
    scr = F.partial_sum(amps_s, ph_r, PERIOD_POINTS, dc=dc)
    chart(ff.scramble_figure(np.concatenate([u1, 1 + u1]), np.tile(orig, 2), np.tile(scr, 2),
                                      label=f"{kind} phases"), key="fourier_scramble_fig", where=s1)
    with s2:
        st.metric("Peak factor, original phases", f"{F.peak_factor(orig - dc):.2f}",
                  help="peak / RMS of the AC part (sine: 1.41, square: 1.00)")
        st.metric(f"Peak factor, {kind} phases", f"{F.peak_factor(scr - dc):.2f}")
        if playable is not None:
            player(tone(tuple(amps_s), tuple(phases), dc, f0, sr, True), sr, label="Original phases (band-limited)",
                   key="fourier_play_orig")
            player(tone(tuple(amps_s), tuple(ph_r), dc, f0, sr, True), sr, label=f"{kind.capitalize()} phases (band-limited)",
                   key="fourier_play_scr")
            st.caption("Same fixed gain for both: the RMS is identical, only the peaks differ.")

    # -- epicycles --
    with st.expander("Phasor chain (epicycles)", icon=":material/cyclone:"):
        t_now = st.slider("Time within the period", 0.0, 1.0, 0.1, 0.005, key="fourier_epi_t", bind="query-params",
                          help="Each harmonic is an arrow of length A_n turning n times per period; they add tip to tail.")
        chain = F.phasor_chain(amps_s, phases, t_now, dc=dc)
        chart(ff.epicycle_figure(chain, t_now, u1, F.partial_sum(amps_s, phases, PERIOD_POINTS, dc=dc)), key="fourier_epi_fig")

    in_depth(BUILD_DEPTH)
    show_code(F.series_coefficients, F.synthesize, F.gibbs_overshoot, F.smoothing_factors)


def analyse_section() -> None:
    clip = pick_audio(key="fourier_audio", default="Sung vowel /a/ 120 Hz (sustained)")
    y, sr = clip.samples, clip.sr
    dur = len(y) / sr
    with stop_on_input_error():  # a pitch estimate and a few periods need a tenth of a second
        require_length(y, sr, int(np.ceil(0.1 * sr)), purpose="a pitch estimate and a fit over a few periods")
    c1, c2, c3, c4 = st.columns(4)
    clamp("fourier_an_start", 0.0, max(0.0, round(dur - 0.05, 2)))  # a shorter clip than the last one
    start = c1.slider("Start of the analysed stretch (s)", 0.0, max(0.0, round(dur - 0.05, 2)),
                      min(0.5, max(0.0, round(dur - 0.3, 2))), 0.01, key="fourier_an_start", bind="query-params")
    n = c2.slider("Harmonics N", 1, 60, 20, key="fourier_an_n", bind="query-params")
    periods = c3.slider("Periods fitted", 1, 20, 4, key="fourier_an_periods", bind="query-params",
                        help="A few periods: long enough to separate the harmonics, short enough that the pitch is steady.")
    fmin, fmax = c4.slider("f0 search range (Hz)", 40, 2000, (60, 1000), key="fourier_an_range", bind="query-params")
    a = int(start * sr)
    win = y[a: a + int(max(0.2, 2.5 / fmin) * sr)]
    with stop_on_input_error():
        est = pitch(win, sr, float(fmin), float(fmax))
        stretch = y[a: a + int((1.1 * periods + 1) * sr / est.f0_hz) + 2]  # enough for the f0 polish
        f0 = polish(stretch, sr, est.f0_hz, float(periods))
        fit = analyse(stretch, sr, f0, n, float(periods))
        curve = analysis_error_curve(stretch, sr, f0, 60, float(periods))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Estimated f0", f"{est.f0_hz:.2f} Hz", help="YIN on 0.2 s from the start, parabolic refinement.")
    m2.metric("Aperiodicity", f"{est.aperiodicity:.3f}", help="YIN's min d′: 0 = perfectly periodic, ~1 = noise.")
    m3.metric("Rebuild error", f"{fit.error_db:.1f} dB",
              help="10·log10(residual energy / segment energy) over the fitted periods.")
    m4.metric("f0 after least-squares polish", f"{fit.f0_hz:.2f} Hz",
              help="The f0 within ±1.5 % whose 20-harmonic fit leaves the least residual over the fitted periods.")
    if fit.error_db > -6:
        st.warning(f"The rebuild leaves {fit.error_db:.1f} dB of the energy unexplained: this stretch is not periodic "
                   f"at {fit.f0_hz:.1f} Hz (a sweep, noise, a transient) or the pitch estimate is off (try narrowing "
                   "the f0 search range). A Fourier series only describes what repeats.", icon=":material/warning:")
    if fit.n_dropped:
        st.caption(f"{fit.n_dropped} harmonic(s) would lie above Nyquist ({sr / 2:.0f} Hz) and were not fitted.")
    t = np.arange(len(fit.segment)) / sr
    chart(ff.analysis_figure(t, fit.segment, fit.reconstruction,
                                       title=f"{escape_plot_text(clip.name)}: {periods} period(s) from {start:.2f} s and the rebuild "
                                             f"from {n} harmonics"), key="fourier_an_fig")
    b1, b2 = st.columns(2)
    chart(ff.magnitude_bars(fit.amplitudes, db=True, f0_hz=fit.f0_hz, title="Harmonic amplitudes (dB)"), key="fourier_an_mag", where=b1)
    chart(ff.phase_bars(fit.amplitudes, fit.phases), key="fourier_an_phase", where=b2)
    chart(ff.rms_error_figure(np.arange(1, 61), {"rebuild error": curve}, current_n=n, log=False,
                                        title="Rebuild error against N", y_title="Error (dB re the segment)"), key="fourier_an_err")
    st.subheader("Listen: original against the rebuild")
    orig = y[a: a + int(PLAY_S * sr)]
    rebuilt = F.synthesize(fit.amplitudes, fit.phases, fit.f0_hz, sr, len(orig) / sr)
    ramp = np.minimum(1.0, np.minimum(np.arange(len(rebuilt)), np.arange(len(rebuilt))[::-1]) / (0.02 * sr))
    rebuilt = match_level(rebuilt * ramp, orig)
    p1, p2 = st.columns(2)
    with p1:
        player(orig, sr, label=f"Original, {len(orig) / sr:.2f} s from {start:.2f} s", key="fourier_an_play_orig")
    with p2:
        player(rebuilt, sr, label=f"Rebuilt from {n} harmonics (same RMS)", key="fourier_an_play_rebuilt")
    st.caption("The rebuild repeats one snapshot of the spectrum: no vibrato, no decay, no breath. What it lacks "
               "is everything that is not strictly periodic.")
    in_depth(ANALYSE_DEPTH)
    show_code(F.estimate_f0, F.harmonic_analysis)


BUILD_DEPTH = r"""
**The series.** A wave with period $T = 1/f_0$ is
$$x(t) = a_0 + \sum_{n=1}^{\infty} A_n \sin(2\pi n f_0 t + \varphi_n),$$
the sine-phase form used here (a cosine term is a sine with $\varphi = 90°$; a negative textbook coefficient
$b_n$ becomes $A_n = |b_n|$ with $\varphi_n = 180°$). The closed forms for the presets, all swinging ±1:

| wave | coefficient of $\sin(n\theta)$ | decay |
|---|---|---|
| square | $\frac{4}{\pi n}$, odd $n$ | $1/n$, odd only |
| sawtooth | $\frac{2(-1)^{n+1}}{\pi n}$ | $1/n$, all $n$ |
| triangle | $\frac{8(-1)^{(n-1)/2}}{\pi^2 n^2}$, odd $n$ | $1/n^2$, odd only |
| pulse, duty $d$ | $A_n = \frac{4\lvert\sin(\pi n d)\rvert}{\pi n}$, $\varphi_n = \frac{\pi}{2} - \pi n d$; mean $2d-1$ | $1/n$ envelope, zeros at $n d \in \mathbb{Z}$ |

A jump in the wave forces $1/n$ decay, a kink (jump in the slope) $1/n^2$: smoothness is how fast the spectrum falls.

**Parseval.** $\overline{x^2} = a_0^2 + \sum_n A_n^2/2$. The partial sum is the orthogonal projection onto the first
$N$ harmonics, so its squared RMS error is exactly the power left out, $\sum_{n>N} A_n^2/2$: for a square wave it
falls like $1/N$ (RMS like $1/\sqrt{N}$).

**Gibbs.** Near a jump the partial sum overshoots by
$\frac{1}{\pi}\mathrm{Si}(\pi) - \frac12 \approx 0.0895$ of the jump, whatever $N$: the ripple gets narrower
($\approx 1/(2N)$ of a period) but not lower. The series still converges in RMS; it does not converge uniformly.

**Taming it.** Weighting harmonic $n$ by Lanczos' $\sigma_n = \mathrm{sinc}\!\left(\frac{n}{N+1}\right)$ averages
the partial sum over one ripple width: overshoot ≈ 1.2 %. Fejér's $1 - \frac{n}{N+1}$ (the mean of the first $N$
partial sums) has a non-negative kernel, so it never overshoots at all, at the cost of a blurrier edge and a larger
RMS error. Same trade-off as choosing a window for the DFT.

**Band-limited synthesis.** Played at sample rate $f_s$, harmonic $n$ exists only if $n f_0 < f_s/2$. A naive square
wave at 2 kHz and 22 kHz sampling has harmonics at 22 kHz, 26 kHz … which fold back to inharmonic frequencies:
that is why synthesizers build waves from band-limited harmonic sums (or BLEPs).

**Phase and the ear.** Ohm's acoustic law (Ohm 1843, Helmholtz): for steady tones the ear is largely phase-deaf;
scrambling phases keeps the timbre while the waveform and its peak factor change. It is only *largely* true: with
low f0 and many harmonics (try f0 = 60 Hz, N = 60) phase differences are audible as a change in buzziness.

**Pitfalls.** Evaluating the overshoot on a coarse grid misses the first ripple peak (it is $\sim 1/(2N)$ period
wide); the numbers here use at least 128 N points per period. Clipping a phase-scrambled wave (peak factor up!) adds
harmonics of its own.

**References.** P. Falstad, *Fourier Series applet*; MIT Mathlets, *Fourier Coefficients: Complex with Sound*;
J. Schaedler, *Seeing Circles, Sines and Signals*; J. W. Gibbs, Nature 59 (1899); C. Lanczos, *Applied Analysis*
(1956), σ-factors; E. Hewitt & R. Hewitt, "The Gibbs–Wilbraham phenomenon", Arch. Hist. Exact Sci. 21 (1979).
"""

ANALYSE_DEPTH = r"""
**Finding f0 (YIN).** For lags $\tau$ compute the difference function
$d(\tau) = \sum_j (x_j - x_{j+\tau})^2$, normalise it by its running mean,
$d'(\tau) = d(\tau)\,\tau / \sum_{k\le\tau} d(k)$, take the first dip below 0.15 inside the search range and refine
the lag with a parabola through three samples, $f_0 = f_s/\hat\tau$ (de Cheveigné & Kawahara, JASA 2002; librosa's
`librosa.yin`/`pyin`). The dip's depth is an *aperiodicity*: near 0 for a vowel, near 1 for noise, where no f0 is
reported.

**Rebuilding.** Over a whole number of periods the columns $\sin(2\pi n f_0 t)$, $\cos(2\pi n f_0 t)$ are
orthogonal, so least squares
$\min_c \lVert x - Mc\rVert^2$ gives the Fourier series of that stretch even when $f_0$ does not fall on a DFT bin
(the DFT at harmonic frequencies is the same thing when it does). Then $A_n = \sqrt{s_n^2 + c_n^2}$,
$\varphi_n = \operatorname{atan2}(c_n, s_n)$. $f_0$ is polished by minimising the residual over ±1.5 %.

**Error.** $10\log_{10}\frac{\sum (x - \hat x)^2}{\sum x^2}$ over the fitted periods. A sung vowel with vibrato is
only approximately periodic; fitting more periods averages the pitch drift and the error rises; more harmonics
help until the fitted stretch's noise and drift dominate. A plucked string decays, so its spectrum is a snapshot.

**Pitfalls.** Octave errors (the estimate halves or doubles) when the search range is wrong; narrow the range.
A recording's phases depend on where the stretch starts; its magnitudes do not.
"""

if mode == "Build a wave":
    build_section()
else:
    analyse_section()
# server time of this run (read by the tests and the benchmark)
st.session_state["fourier_run_ms"] = 1000 * (time.perf_counter() - _T0)
