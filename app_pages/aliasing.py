"""Aliasing explorer: sample a tone, see and hear where it lands."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import aliasing_figures as af
from components.audio_io import pick_audio, player
from components.errors import show_input_error
from components.presenter import chart, demo_scenarios, figure_slot
from components.teach import in_depth, intro, show_code
from lib import aliasing as al
from lib.audio import match_level, segment
from lib.errors import InputError
from lib.spectral import amplitude_to_db, fft_frequencies, stft

F_MAX, FS_MIN, FS_MAX = 2000.0, 1.0, 500.0
RECON = {
    "sinc": "Whittaker–Shannon (sinc)",
    "linear": "Linear (connect the dots)",
    "zoh": "Zero-order hold (staircase)",
    "none": "None",
}
FILTER_NAMES = {
    "butter": "Butterworth IIR",
    "cheby2": "Chebyshev II IIR (60 dB stopband)",
    "fir": "FIR (Kaiser-windowed sinc)",
}
PLAYBACK = {
    "sinc": "Ideal DAC: sinc-upsampled",
    "zoh": "Staircase DAC: zero-order hold",
    "raw": "As sampled (browser resamples)",
}
WAVES = {"square": "Square", "sawtooth": "Sawtooth", "triangle": "Triangle"}


# ------------------------------------------------------------------------------------------
# Cached computations (all the science lives in lib.aliasing)
# ------------------------------------------------------------------------------------------
@st.cache_data(max_entries=128, show_spinner=False)
def explorer_data(freq_hz: float, sr: float, phase_deg: float, method: str, n_ghosts: int) -> dict:
    phase = np.deg2rad(phase_deg)
    fa = al.alias_frequency(freq_hz, sr)
    # Show a few cycles of the slower of the two tones you might see, within 16..160 samples.
    n_show = 24 if fa == 0 else int(np.clip(np.ceil(2.5 * sr / fa), 16, 160))
    span = n_show / sr
    pad = 64  # extra samples either side so the finite sinc sum is accurate inside the view
    t_s, x_s = al.sample(freq_hz, sr, (n_show + 2 * pad + 1) / sr, t0=-pad / sr, phase_rad=phase)
    keep = (t_s >= -1e-12) & (t_s <= span * (1 + 1e-9))
    images = [im for im in al.alias_images(freq_hz, sr, phase_rad=phase, max_freq_hz=freq_hz + (n_ghosts + 2) * sr)
              if abs(im.freq_hz - freq_hz) > 1e-9]
    # The baseband alias first (it is what the sinc reconstruction finds), then the nearest images.
    images.sort(key=lambda im: (abs(im.freq_hz - fa) > 1e-9, abs(im.freq_hz - freq_hz)))
    images = images[:n_ghosts]
    budget = 6000

    def drawable(f):
        return f * span * 16 <= budget

    drawn = [f for f in [freq_hz] + [im.freq_hz for im in images] if drawable(f)]
    t_dense, _ = al.dense_grid(0.0, span, max(drawn) if drawn else 0.0, points_per_cycle=16, max_points=budget)
    x_true = np.sin(2 * np.pi * freq_hz * t_dense + phase) if drawable(freq_hz) else None
    ghosts = [(f"ghost {im.freq_hz:.4g} Hz", np.sin(2 * np.pi * im.freq_hz * t_dense + im.phase_rad))
              for im in images if drawable(im.freq_hz)]
    skipped = [im.freq_hz for im in images if not drawable(im.freq_hz)]
    recon = None if method == "none" else al.reconstruct(x_s, sr, t_dense, method=method, t0=-pad / sr)
    return dict(fa=fa, t_dense=t_dense, x_true=x_true, t_s=t_s[keep], x_s=x_s[keep], ghosts=ghosts,
                skipped=skipped, recon=recon, n_show=n_show)


#: Beyond this many sample rates the frequency panels zoom in around the true tone (the zig-zag and the
#: images repeat every fs, so thousands of folds would only paint the panel solid).
ZOOM_RATIO = 12


@st.cache_data(max_entries=32, show_spinner=False)
def frequency_panels(freq_hz: float, sr: float) -> dict:
    if freq_hz > ZOOM_RATIO * sr:
        lo, hi = freq_hz - 2.2 * sr, freq_hz + 1.6 * sr
        cx, cy = al.folding_polyline(hi, sr, min_freq_hz=lo)
        images = al.image_frequencies(freq_hz, sr, hi)
        return dict(x_range=(lo, hi), cx=cx, cy=cy, images=images[images >= 0], base_max=1.6 * sr)
    x_max = max(1.6 * sr, freq_hz + 0.6 * sr)
    cx, cy = al.folding_polyline(x_max, sr)
    return dict(x_range=(0.0, x_max), cx=cx, cy=cy, images=al.image_frequencies(freq_hz, sr, x_max), base_max=None)


@st.cache_data(max_entries=16, show_spinner=False)
def sweep_data(sr: int, f_end_hz: float, duration_s: float, playback: str) -> dict:
    sw = al.sampled_chirp(20.0, f_end_hz, sr, duration_s, amplitude=0.5)
    play_sr = al.playback_rate(sr)
    factor = play_sr // sr
    if playback == "raw":
        audio, audio_sr = sw["x"], sr
    else:
        audio, audio_sr = al.upsample(sw["x"], factor, method=playback), play_sr
    # The reference sweep, computed directly at the playback rate: no aliasing below play_sr / 2.
    ref = al.sampled_chirp(20.0, f_end_hz, play_sr, duration_s, amplitude=0.5)["x"]
    spec_sr = audio_sr
    n_fft = 1024 if spec_sr >= 20000 else 256
    S = np.abs(stft(audio, n_fft=n_fft, hop_length=n_fft // 2))
    S_db = amplitude_to_db(S, ref=float(S.max()), top_db=80)
    times = np.arange(S.shape[1]) * (n_fft // 2) / spec_sr
    step = max(1, len(sw["t"]) // 400)
    y_max = spec_sr / 2 if playback != "sinc" else min(spec_sr / 2, 1.08 * max(f_end_hz, sr / 2))
    spec = af.spectrogram_figure(times, fft_frequencies(spec_sr, n_fft), S_db,
                                 title="Spectrogram of what the player plays", nyquist_hz=sr / 2, height=420,
                                 y_max=y_max, overlay=(sw["t"][::step], sw["f_true"][::step], "true frequency"))
    return dict(t=sw["t"], f_true=sw["f_true"], f_app=sw["f_apparent"], audio=audio.astype(np.float32),
                audio_sr=int(audio_sr), ref=ref.astype(np.float32), play_sr=play_sr, spec=spec)


@st.cache_data(max_entries=16, show_spinner=False)
def harmonics_data(shape: str, f0_hz: float, n_harmonics: int, sr: int) -> dict:
    freqs, amps, phases = al.harmonic_series(shape, f0_hz, n_harmonics)
    fa = np.asarray(al.alias_frequency(freqs, sr))
    below = freqs < sr / 2
    # Time view: three periods; the wave itself contains all chosen harmonics.
    periods = 3
    span = periods / f0_hz
    pad = 64
    t_s, x_s = al.sample(lambda t: al.sum_of_sines(freqs, amps, phases, t), sr, span + 2 * pad / sr + 1 / sr,
                         t0=-pad / sr)
    keep = (t_s >= -1e-12) & (t_s <= span * (1 + 1e-9))
    t_dense, resolved = al.dense_grid(0.0, span, float(freqs.max()), points_per_cycle=12, max_points=6000)
    x_true = al.sum_of_sines(freqs, amps, phases, t_dense)
    recon = al.reconstruct(x_s, sr, t_dense, method="sinc", t0=-pad / sr)
    # Sound: 1.5 s at the low rate (one FFT: integer-Hz harmonics repeat every second), then
    # sinc-upsampled so the browser plays exactly the baseband.
    n_a = int(1.5 * sr)
    naive = 0.35 * al.sampled_harmonics(freqs, amps, phases, sr, n_a)
    clean = 0.35 * al.sampled_harmonics(freqs[below], amps[below], phases[below], sr, n_a) if below.any() \
        else np.zeros(n_a)
    play_sr = al.playback_rate(sr)
    k = play_sr // sr
    naive_up = al.upsample(naive, k)
    clean_up = al.upsample(clean, k)
    if np.any(clean_up):
        naive_up = match_level(naive_up, clean_up)
    peak = max(np.max(np.abs(naive_up)), np.max(np.abs(clean_up)), 1e-9)
    g = min(1.0, 0.95 / peak)
    power = amps**2
    return dict(freqs=freqs, amps=amps, fa=fa, below=below, t_dense=t_dense, x_true=x_true if resolved else None,
                t_s=t_s[keep], x_s=x_s[keep], recon=recon, naive=(g * naive_up).astype(np.float32),
                clean=(g * clean_up).astype(np.float32), play_sr=play_sr,
                folded_power=float(power[~below].sum() / power.sum()))


@st.cache_data(max_entries=4, show_spinner=False)  # three players' audio and three spectrograms per entry
def decimation_data(fingerprint: str, start_s: float, length_s: float, _y: np.ndarray, sr: int, factor: int,
                    kind: str, cutoff: float, order: int, titles: dict) -> dict:
    y = np.asarray(_y, dtype=np.float64)
    naive = al.decimate(y, factor, antialias=False)
    new_sr = sr / factor
    out = dict(new_sr=new_sr, n=len(y))
    if factor > 1:
        flt = al.design_antialias(sr, factor, cutoff=cutoff, order=order, kind=kind)
        # what al.decimate(y, factor, antialias=True, ...) does, keeping the filtered signal for the metrics
        yf = flt.apply(y)
        filt = yf[::factor].copy()
        out["resp"] = flt.response()
        out["cutoff_hz"] = flt.cutoff_hz
    else:
        yf = y
        filt = al.decimate(y, 1)
    # Playback at the original rate (band-limited upsampling = an ideal DAC at the low rate),
    # level-matched to the original, then one common gain so nothing clips.
    naive_up = al.upsample(naive, factor)[: len(y)]
    filt_up = al.upsample(filt, factor)[: len(y)]
    naive_up = match_level(naive_up, y)
    filt_up = match_level(filt_up, y)
    peak = max(np.max(np.abs(y)), np.max(np.abs(naive_up)), np.max(np.abs(filt_up)), 1e-9)
    g = min(1.0, 0.99 / peak)
    out["audio"] = {name: (g * a).astype(np.float32) for name, a in
                    (("original", y), ("naive", naive_up), ("filtered", filt_up))}
    out["gain_db"] = 20 * np.log10(g)
    # What folds: share of the clip's energy above the new Nyquist, before and after the filter.
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / sr)
    above = f > new_sr / 2
    total = spec.sum() + 1e-300
    out["above_naive_db"] = 10 * np.log10(max(spec[above].sum() / total, 1e-15))
    sf = np.abs(np.fft.rfft(yf)) ** 2
    out["above_filtered_db"] = 10 * np.log10(max(sf[above].sum() / total, 1e-15))
    # Spectrograms with the same window duration and hop in seconds for all three.
    n_fft = 1024
    n_fft_d = max(16, n_fft // factor)
    ref = None
    specs = {}
    for name, sig, rate, nf in (("original", y, sr, n_fft), ("naive", naive, new_sr, n_fft_d),
                                ("filtered", filt, new_sr, n_fft_d)):
        if len(sig) < nf // 2 + 1:
            specs[name] = None
            continue
        # A sine's STFT peak grows with the window length; rescale so equal tones read the same dB at both rates.
        S = np.abs(stft(sig, n_fft=nf, hop_length=max(1, nf // 4))) * (n_fft / nf)
        ref = ref if ref is not None else float(S.max()) + 1e-12
        S_db = amplitude_to_db(S, ref=ref, top_db=None)
        times = start_s + np.arange(S.shape[1]) * max(1, nf // 4) / rate
        specs[name] = af.spectrogram_figure(times, fft_frequencies(rate, nf), S_db, title=titles[name],
                                            nyquist_hz=new_sr / 2 if factor > 1 else None, y_max=sr / 2,
                                            colorbar=False, max_cols=300)
    out["specs"] = specs
    return out


# ------------------------------------------------------------------------------------------
# Widgets
# ------------------------------------------------------------------------------------------
def timed(fn):
    """Record a section's server time (ms) in ``st.session_state["alias_server_ms"]`` (read by the benchmark)."""
    import functools
    import time

    @functools.wraps(fn)
    def wrapper():
        t0 = time.perf_counter()
        try:
            fn()
        finally:
            st.session_state.setdefault("alias_server_ms", {})[fn.__name__] = 1000 * (time.perf_counter() - t0)

    return wrapper


def synced_slider(label: str, key: str, *, min_value: float, max_value: float, value: float, step: float,
                  help: str, container=None) -> float:
    """A slider (bound to the URL) and a number input that always show the same value."""
    c = container or st
    num_key = f"{key}_num"

    def from_slider():
        st.session_state[num_key] = st.session_state[key]

    def from_number():
        st.session_state[key] = st.session_state[num_key]

    left, right = c.columns([5, 1], vertical_alignment="bottom")
    v = left.slider(label, min_value, max_value, value, step=step, key=key, bind="query-params",
                    on_change=from_slider, help=help)
    if st.session_state.get(num_key) != v:  # e.g. the value came from a shared link
        st.session_state[num_key] = v
    right.number_input(f"{label} exact", min_value, max_value, step=step, key=num_key, on_change=from_number,
                       label_visibility="collapsed", help="Type an exact value")
    return float(v)


def fmt_hz(x: float) -> str:
    """Short frequency text for metrics: '30 Hz', '137.5 Hz', '5.513 kHz'."""
    return f"{x:.5g} Hz" if abs(x) < 1000 else f"{x / 1000:.4g} kHz"


# ------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------
intro(
    "Aliasing explorer",
    "Sampling keeps only the values at instants ``n / fs``, and a sine at **f** leaves exactly the same "
    "values as sines at **f ± k·fs**: the samples cannot tell them apart. Any tone above the Nyquist "
    "frequency **fs/2** therefore comes back as a lower one, its *alias*; you can see it, hear it and "
    "predict it with one formula.",
    "drag the **signal frequency** past the red Nyquist line (70 Hz at fs = 100 Hz is heard at 30 Hz) and "
    "watch the orange reconstruction follow the ghost instead of the true tone.",
)


def _tone(f: float, fs: float, **extra) -> dict:
    return {"alias_f": f, "alias_f_num": f, "alias_fs": fs, "alias_fs_num": fs, **extra}


demo_scenarios({
    "70 Hz at fs 100: heard at 30": _tone(70.0, 100.0, alias_recon="sinc"),
    "On Nyquist: 50 Hz at 100": _tone(50.0, 100.0, alias_phase=0, alias_recon="sinc"),
    "Fold a 7 kHz harmonic": {"alias_tab": "Harmonics fold too", "alias_wave": "square", "alias_f0": 1000,
                              "alias_nh": 30, "alias_h_fs": 8000},
    "Wagon wheel backwards": {"alias_tab": "Wagon wheel", "alias_rps": 3.8, "alias_fps": 24, "alias_spokes": 6},
}, key="alias")


@st.fragment
@timed
def explorer() -> None:
    st.subheader("Don't connect the dots")
    f = synced_slider("Signal frequency f (Hz)", "alias_f", min_value=0.0, max_value=F_MAX, value=70.0, step=0.5,
                      help="Frequency of the 'analogue' sine before sampling. Type an exact value on the right.")
    fs = synced_slider("Sample rate fs (Hz)", "alias_fs", min_value=FS_MIN, max_value=FS_MAX, value=100.0, step=0.5,
                       help="Samples per second. The Nyquist frequency is fs / 2.")
    c1, c2 = st.columns(2)
    phase = c1.slider("Phase (degrees)", 0, 359, 0, step=1, key="alias_phase", bind="query-params",
                      help="Starting phase of the sine. Matters exactly at fs/2, where sin samples all vanish.")
    n_ghosts = c2.slider("Ghost alias curves", 0, 5, 2, key="alias_ghosts", bind="query-params",
                         help="Other sines f ± k·fs that pass through exactly the same samples.")
    method = st.radio("Reconstruction (how the dots are turned back into a curve)", list(RECON),
                      format_func=RECON.get, key="alias_recon", horizontal=True, bind="query-params")
    slot = figure_slot()

    try:
        d = explorer_data(f, fs, float(phase), method, int(n_ghosts))
        fold = al.fold_count(f, fs)
        spc = al.samples_per_cycle(f, fs)
    except InputError as exc:
        show_input_error(exc)
        return
    fa = d["fa"]
    m = st.columns(4)
    m[0].metric("Apparent frequency", fmt_hz(fa),
                delta=None if abs(fa - f) < 1e-9 else f"{fa - f:+,.4g} Hz vs true", delta_color="off",
                help="f_a = |f − fs·round(f/fs)|: the frequency a band-limited reconstruction plays.")
    m[1].metric("Fold count", f"{fold}", delta=("mirrored" if fold % 2 else "same direction") if fold else None,
                delta_color="off", delta_arrow="off", help="Times f is reflected at a multiple of fs/2 (corners of the zig-zag).")
    m[2].metric("Samples per cycle", "∞ (DC)" if np.isinf(spc) else f"{spc:.3g}",
                help="fs / f. The sampling theorem needs more than 2.")
    m[3].metric("Nyquist fs/2", fmt_hz(fs / 2))

    if f == 0:
        st.info(icon=":material/info:", body="f = 0 Hz is a constant (DC): every sample is the same value, sin(phase). Its images sit at "
                "multiples of fs, which is why a wheel turning at exactly the frame rate looks frozen.")
    elif abs(f - fs / 2) < 1e-9:
        st.warning(icon=":material/warning:", body=f"f sits exactly on Nyquist: the samples are (−1)ⁿ·sin(phase), so what you get depends on "
                   f"the phase (at phase 0 every sample is 0). The theorem needs f **strictly** below fs/2.")
    elif f < fs / 2:
        st.success(icon=":material/check_circle:", body=f"{f:g} Hz is below Nyquist ({fs / 2:g} Hz): these samples determine the sine uniquely, and "
                   "the sinc reconstruction returns it.")
    else:
        ratio = f / fs
        st.warning(icon=":material/warning:", body=f"{f:g} Hz is above Nyquist: the samples are identical to those of a {fa:.4g} Hz sine, so that "
                   f"is what you hear{' (f is ' + format(ratio, ',.4g') + '× fs)' if ratio > 10 else ''}.")

    fig = af.sampling_figure(
        d["t_dense"], d["x_true"], d["t_s"], d["x_s"], recon=d["recon"], recon_label=f"{RECON[method]}",
        ghosts=d["ghosts"], true_label=f"true {f:g} Hz", title=f"{f:g} Hz sampled at {fs:g} Hz")
    chart(fig, key="alias_time_fig", slot=slot)
    if d["x_true"] is None:
        st.caption(f"The true {f:g} Hz sine makes {f * d['n_show'] / fs:,.0f} cycles in this window: too many to "
                   "draw, so it is shown as a shaded band. The samples and the reconstruction are exact.")
    if d["skipped"]:
        st.caption("Ghosts too fast to draw here: " + ", ".join(f"{x:.4g} Hz" for x in d["skipped"]) + ".")
    st.caption(
        "Stems are the only information the samples carry. Joining them with straight lines (the 'linear' choice) "
        "is one guess among many; the sinc reconstruction is the unique curve with no energy above fs/2, which is "
        "why it always follows the **lowest** ghost, the alias."
    )

    p = frequency_panels(f, fs)
    c1, c2 = st.columns(2)
    chart(af.folding_figure(f, fs, p["cx"], p["cy"], fa), key="alias_fold_fig", where=c1)
    chart(af.alias_spectrum_figure(f, fs, p["images"], fa, p["x_range"], base_max_hz=p["base_max"]), key="alias_spec_fig", where=c2)
    if p["base_max"] is not None:
        st.caption(f"f is {f / fs:,.0f}× fs, so both panels zoom in around the true tone (the pattern repeats every "
                   f"{fs:g} Hz all the way down); the spectrum's left part shows the baseband, where it is heard.")


explorer()


@st.fragment
@timed
def sweep() -> None:
    st.markdown("#### Hear it fold: a sweep across Nyquist")
    st.markdown(
        "A sine sweeps steadily **up** from 20 Hz, but it is *sampled* at a low rate with no filter in front. "
        "Once it passes fs/2 you hear it turn around and come **down**, then up again after fs: the zig-zag "
        "of the folding diagram, as sound."
    )
    c1, c2, c3 = st.columns(3)
    sr = c1.selectbox("Sample rate of the sweep (Hz)", [4000, 8000, 11025, 16000], index=1, key="alias_sweep_fs",
                      bind="query-params")
    f_end = c2.slider("Sweep up to (Hz)", 500, 20000, 12000, step=100, key="alias_sweep_end", bind="query-params")
    dur = c3.slider("Duration (s)", 1.0, 8.0, 4.0, step=0.5, key="alias_sweep_dur", bind="query-params")
    playback = st.radio("Playback", list(PLAYBACK), format_func=PLAYBACK.get, key="alias_sweep_play",
                        horizontal=True, bind="query-params")
    try:
        d = sweep_data(int(sr), float(f_end), float(dur), playback)
    except InputError as exc:
        show_input_error(exc)
        return
    st.caption(
        "**Ideal DAC** inserts zeros and low-passes at the old Nyquist (resample_poly): you hear exactly the "
        "baseband alias. **Staircase** repeats each sample (zero-order hold), so the images at k·fs ± f stay, "
        "quieter (the hold's response is sinc(f/fs)): a buzzy second and third sweep above the first. "
        f"**As sampled** hands the browser a {sr} Hz WAV; its own resampler acts like the ideal DAC "
        "(some browsers refuse very low rates)."
    )
    c1, c2 = st.columns(2)
    with c1:
        player(d["audio"], d["audio_sr"], label=f"Sampled at {sr} Hz ({PLAYBACK[playback].lower()})",
               key="alias_sweep_player")
    with c2:
        player(d["ref"], d["play_sr"], label=f"Reference: the same sweep computed at {d['play_sr']} Hz (no folding)",
               key="alias_sweep_ref")
    folds = al.fold_count(f_end, sr)
    st.caption(f"The sweep ends at {f_end:g} Hz, heard at {al.alias_frequency(f_end, sr):.0f} Hz after {folds} "
               f"fold{'s' if folds != 1 else ''}. Both players have the same peak level (0.5 = −6 dBFS).")
    c1, c2 = st.columns(2)
    chart(af.sweep_figure(d["t"], d["f_true"], d["f_app"], sr), key="alias_sweep_fig", where=c1)
    chart(d["spec"], key="alias_sweep_spec", where=c2)



@st.fragment
@timed
def real_audio() -> None:
    st.markdown("#### Real audio: decimation with and without an anti-alias filter")
    st.markdown(
        "Keeping every M-th sample (`y[::M]`) divides the rate by M, and everything between the new Nyquist "
        "and the old one folds down into the band. An anti-alias low-pass first removes that band, so what is "
        "left is duller but clean. The players are **level-matched** (same RMS as the original)."
    )
    clip = pick_audio("alias_audio", default="Speech with fricatives", require=False)
    if clip is None:
        st.info(icon=":material/info:", body="Choose a file or make a recording to decimate it; or switch back to a built-in sample.")
        return
    c1, c2, c3 = st.columns(3)
    start = c1.number_input("Start (s)", 0.0, 600.0, 0.0, step=0.5, key="alias_seg_start", bind="query-params")
    length = c2.number_input("Length (s)", 0.001, 30.0, min(5.0, max(0.001, round(clip.duration_s, 3))), step=0.5,
                             key="alias_seg_len", format="%.3f", bind="query-params")
    factor = c3.slider("Decimation factor M", 1, 16, 4, key="alias_factor", bind="query-params",
                       help="Keep one sample in M: the new rate is sr / M.")
    c1, c2, c3 = st.columns(3)
    kind = c1.radio("Anti-alias filter", list(FILTER_NAMES), format_func=FILTER_NAMES.get, key="alias_filter",
                    bind="query-params")
    cutoff = c2.slider("Cutoff (fraction of new Nyquist)", 0.3, 1.0, 0.9, step=0.01, key="alias_cutoff",
                       bind="query-params",
                       help="Relative to the new Nyquist sr / (2M). Butterworth: the −3 dB point; FIR: the −6 dB "
                            "point; Chebyshev II: where its 60 dB stopband begins.")
    if kind == "fir":
        order = c3.slider("FIR order (taps − 1)", 8, 512, 128, step=8, key="alias_taps", bind="query-params")
    else:
        order = c3.slider("IIR order", 1, 20, 8, key="alias_order", bind="query-params",
                          help="Applied forward and backward (zero phase), so the effective slope doubles.")
    names = {"original": f"Original ({clip.sr} Hz)", "naive": f"Naive y[::{factor}] (aliased)",
             "filtered": f"Low-pass, then y[::{factor}]"}
    try:
        y = segment(clip.samples, clip.sr, start, start + length)
        d = decimation_data(clip.fingerprint, float(start), float(length), y, clip.sr, int(factor), kind,
                            float(cutoff), int(order), names)
    except InputError as exc:
        show_input_error(exc)
        return
    new_sr = d["new_sr"]
    m = st.columns(4)
    m[0].metric("New sample rate", fmt_hz(new_sr))
    m[1].metric("New Nyquist", fmt_hz(new_sr / 2))
    m[2].metric("Energy that folds (naive)", f"{d['above_naive_db']:.1f} dB",
                help="Share of the clip's energy above the new Nyquist, relative to the whole clip.")
    m[3].metric("Energy that folds (filtered)", f"{d['above_filtered_db']:.1f} dB",
                delta=f"{d['above_filtered_db'] - d['above_naive_db']:.1f} dB", delta_color="inverse")
    if factor == 1:
        st.info(icon=":material/info:", body="Factor 1 keeps every sample: nothing is discarded, nothing folds. Raise M to hear aliasing.")
    if d["gain_db"] < -0.05:
        st.caption(f"All three players were turned down together by {-d['gain_db']:.1f} dB so none clips.")
    cols = st.columns(3)
    for col, key in zip(cols, ("original", "naive", "filtered")):
        with col:
            player(d["audio"][key], clip.sr, label=names[key], key=f"alias_dec_{key}")
            if d["specs"][key] is None:
                st.caption("Too short for a spectrogram.")
                continue
            chart(d["specs"][key], key=f"alias_dec_spec_{key}")
    st.caption("Colour: level in dB relative to the original's loudest bin (black = −80 dB or less). "
               "Dashed red line: the new Nyquist. In the naive version, energy that lived above it in the original "
               "(sibilants, cymbals) reappears mirrored below it; the filtered version is simply empty there. "
               "The built-in chirp makes the mirror image easiest to see.")
    if factor > 1:
        fr, mag = d["resp"]
        chart(af.filter_figure(fr, mag, new_sr / 2, d["cutoff_hz"],
                                         title=f"{FILTER_NAMES[kind]}, order {order}: effective response"), key="alias_filter_fig")



@st.fragment
@timed
def harmonics() -> None:
    st.markdown("#### Harmonics fold too")
    st.markdown(
        "A square, sawtooth or triangle wave is a sum of harmonics n·f0 (build them one by one on the "
        "Fourier page). Computing the wave *naively* at the sample instants keeps every harmonic, and those "
        "above fs/2 fold back as inharmonic tones: the classic 'aliased oscillator' sound."
    )
    st.page_link("app_pages/fourier.py", label="Fourier series builder: where these harmonics come from",
                 icon=":material/waves:")
    c1, c2, c3, c4 = st.columns(4)
    shape = c1.radio("Wave", list(WAVES), format_func=WAVES.get, key="alias_wave", bind="query-params")
    f0 = c2.slider("Fundamental f0 (Hz)", 50, 4000, 440, step=10, key="alias_f0", bind="query-params")
    nh = c3.slider("Harmonics (non-zero)", 1, 100, 30, key="alias_nh", bind="query-params")
    sr = c4.selectbox("Sample rate (Hz)", [8000, 11025, 16000, 22050, 44100], index=0, key="alias_h_fs",
                      bind="query-params")
    try:
        d = harmonics_data(shape, float(f0), int(nh), int(sr))
    except InputError as exc:
        show_input_error(exc)
        return
    n_above = int((~d["below"]).sum())
    m = st.columns(3)
    m[0].metric("Harmonics above Nyquist", f"{n_above} of {nh}")
    m[1].metric("Power that folds", f"{100 * d['folded_power']:.2f} %")
    m[2].metric("Highest harmonic", fmt_hz(float(d["freqs"].max())))
    c1, c2 = st.columns(2)
    chart(af.harmonics_figure(d["freqs"], d["amps"], d["fa"], sr), key="alias_harm_fig", where=c1)
    chart(af.sampling_figure(d["t_dense"], d["x_true"], d["t_s"], d["x_s"], recon=d["recon"],
                                       recon_label="sinc reconstruction (what you hear)",
                                       true_label=f"{WAVES[shape].lower()} ({nh} harmonics)",
                                       amplitude=float(np.max(np.abs(d["x_s"]))) if len(d["x_s"]) else 1.0,
                                       title="Three periods, sampled", height=540), key="alias_harm_time", where=c2)
    c1, c2 = st.columns(2)
    with c1:
        player(d["clean"], d["play_sr"], label="Band-limited: only harmonics below fs/2", key="alias_h_clean")
    with c2:
        player(d["naive"], d["play_sr"], label="Naive: all harmonics, sampled (aliased)", key="alias_h_naive")
    rows = [{"n": int(round(f / f0)), "true (Hz)": round(float(f), 1), "heard at (Hz)": round(float(a), 1),
             "amplitude": round(float(amp), 4), "folded": "yes" if f >= sr / 2 else ""}
            for f, a, amp in zip(d["freqs"], d["fa"], d["amps"])]
    with st.expander(f"All {nh} harmonics: true and apparent frequency"):
        st.dataframe(rows, hide_index=True, width="stretch")



@st.fragment
@timed
def wagon_wheel() -> None:
    st.markdown("#### The wagon wheel: aliasing you have seen in films")
    st.markdown(
        "A camera samples a turning wheel at its frame rate. With n identical spokes the picture repeats "
        "n times per turn, so what matters is the alias of n × (turns per second) at the frame rate; when it "
        "is negative the wheel seems to roll **backwards**, at zero it stands still."
    )
    c1, c2, c3 = st.columns(3)
    rps = c1.slider("Wheel speed (turns per second)", 0.0, 30.0, 3.8, step=0.1, key="alias_rps", bind="query-params")
    fps = c2.slider("Camera frame rate (frames/s)", 1, 60, 24, key="alias_fps", bind="query-params")
    spokes = c3.slider("Spokes", 1, 12, 6, key="alias_spokes", bind="query-params")
    paint = st.toggle("Paint one spoke red (the wheel is then only identical to itself after a full turn)",
                      key="alias_paint", bind="query-params")
    try:
        app = al.wheel_apparent_rate(rps, fps, n_spokes=1 if paint else spokes)
        app_spokes = al.wheel_apparent_rate(rps, fps, n_spokes=spokes)
        angles = al.wheel_angles(rps, fps, 8)
        film = al.wheel_angles(rps, fps, int(np.clip(round(4 * fps), 8, 240)))
    except InputError as exc:
        show_input_error(exc)
        return
    m = st.columns(3)
    m[0].metric("True speed", f"{rps:.3g} turns/s")
    direction = "standing still" if abs(app) < 1e-9 else ("backwards" if app < 0 else "forwards")
    m[1].metric("Apparent speed", f"{app:+.3g} turns/s", delta=direction, delta_color="off", delta_arrow="off",
                help="signed alias of (spokes × speed) at the frame rate, divided by the spokes; "
                     "with a painted spoke the pattern repeats once per turn, so spokes = 1.")
    m[2].metric("Apparent step per frame", f"{np.rad2deg(2 * np.pi * app / fps):+.1f}°")
    c1, c2 = st.columns([1, 2], vertical_alignment="center")
    with c1:
        uid = f"{rps:g}_{fps}_{spokes}_{int(paint)}".replace(".", "p")
        st.html(af.wheel_film_html(film, spokes, fps, marked=paint, uid=uid))
    with c2:
        st.markdown(
            f"The film plays only the **sampled** positions, {fps} per second. "
            f"{spokes} identical spokes repeat every {360 / spokes:g}°, so the eye links each spoke to the "
            f"nearest one in the next frame: the pattern advances by the *alias* of "
            f"{spokes} × {rps:g} = {spokes * rps:g} spoke-passes/s at {fps} frames/s, "
            f"which is **{app_spokes * spokes:+.3g}** per second, i.e. {app_spokes:+.3g} turns/s."
            + (f" With one spoke painted, the painted spoke alone moves at the alias of {rps:g} turns/s: "
               f"{app:+.3g} turns/s." if paint else "")
        )
    chart(af.wheel_strip(angles, spokes, fps, marked=True), key="alias_wheel_fig")
    st.caption("Try 4 turns/s at 24 fps with 6 spokes: 24 spoke-passes per second, exactly one per frame, so the "
               "wheel freezes. Nudge to 3.8 turns/s and it creeps backwards; to 4.2 and it creeps forwards.")


TABS = {
    "Hear it fold (sweep)": sweep,
    "Real audio: decimation": real_audio,
    "Harmonics fold too": harmonics,
    "Wagon wheel": wagon_wheel,
}
st.subheader("Hear it, decimate it, see it elsewhere")
# Lazy tabs: only the open tab runs, so any control re-renders quickly; the open tab is part of the URL.
for tab, (name, section) in zip(st.tabs(list(TABS), key="alias_tab", bind="query-params"), TABS.items()):
    with tab:
        if tab.open:
            section()

in_depth(r"""
**Sampling.** A sampler keeps $x[n] = x(n/f_s)$. For a sine,
$\sin\!\big(2\pi (f + k f_s)\tfrac{n}{f_s} + \varphi\big) = \sin\!\big(2\pi f \tfrac{n}{f_s} + \varphi + 2\pi k n\big)
= \sin\!\big(2\pi f \tfrac{n}{f_s} + \varphi\big)$, and $\sin\!\big(2\pi(k f_s - f)\tfrac{n}{f_s} + \pi - \varphi\big)$
gives the same numbers too. So the frequencies $\{\,|f + k f_s|\,\}$ are indistinguishable after sampling: they are
the **ghost curves**. The one in $[0, f_s/2]$ is

$$ f_a = \left| f - f_s \,\mathrm{round}(f/f_s) \right| . $$

**Folding.** As $f$ grows, $f_a$ rises to $f_s/2$, falls to 0 at $f_s$, rises again: a triangle wave (the zig-zag).
Each corner is a *fold*; after an odd number of folds the spectrum is mirrored, so an upward sweep is heard going down.

**Reconstruction.** If $x(t)$ has no energy at or above $f_s/2$ (Shannon 1949),

$$ x(t) = \sum_n x[n]\,\mathrm{sinc}\!\big(f_s t - n\big), \qquad \mathrm{sinc}(u) = \frac{\sin \pi u}{\pi u}. $$

The zero-order hold convolves the samples with a box one period wide (frequency response
$\mathrm{sinc}(f/f_s)$: a droop in the band and images at $k f_s \pm f$ that are not removed); linear interpolation
uses a triangle ($\mathrm{sinc}^2$, better but still imperfect). With finitely many samples the sinc sum is exact at
the samples and accurate away from the ends; the page samples 64 periods beyond each edge of the plot and evaluates
the sum only on the plotted grid. Because $\sin(\pi(u-k)) = (-1)^k \sin(\pi u)$ for integer $k$, the sum is
$\frac{\sin \pi u}{\pi} \sum_k \frac{(-1)^k x[k]}{u-k}$ with $u = f_s t$: one sine per plotted point and one
matrix–vector product of reciprocals (about 70× faster than the double loop; see `bench/bench_aliasing.py`).

**Exactly at Nyquist.** Samples of $\sin(\pi n + \varphi)$ are $(-1)^n \sin\varphi$: the amplitude is lost (zero at
$\varphi = 0$). That is why the theorem needs $f < f_s/2$ strictly.

**Decimation.** $y[m] = x[mM]$ has spectrum $Y(e^{j\omega}) = \frac1M \sum_{k=0}^{M-1} X\!\big(e^{j(\omega - 2\pi k)/M}\big)$:
everything between the new Nyquist $\frac{f_s}{2M}$ and $\frac{f_s}{2}$ folds into the new band. A low-pass with
cutoff at or below $\frac{f_s}{2M}$ first (what `scipy.signal.decimate`, `resample_poly` and `librosa.resample` do)
removes it. The cutoff slider shows the trade-off: at 1.0 the filter's transition band still lets some energy
through just above the new Nyquist; lower cutoffs are safer but duller.

**Pitfalls.**
- `y[::2]` in numpy is *naive* decimation; audio libraries filter first.
- Harmonic waves (square, saw) computed sample by sample at a low rate alias: synthesise band-limited waves
  (only harmonics below $f_s/2$; see the Fourier page) or oversample.
- `st.audio(numpy_array)` rescales every clip to full scale, so this page encodes WAVs itself and level-matches.
- Cameras alias too: wagon wheels, helicopter rotors, LED flicker in video.

**References.** C. E. Shannon, *Communication in the presence of noise*, Proc. IRE 37 (1949);
J. Schaedler, [Seeing Circles, Sines and Signals](https://jackschaedler.github.io/circles-sines-signals/aliasing.html);
B. McFee, [Digital Signals Theory, ch. 2 (sampling and aliasing)](https://brianmcfee.net/dstbook-site/content/ch02-sampling/intro.html);
J. O. Smith, *Mathematics of the DFT*, appendix on sampling theory;
[`scipy.signal.decimate`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.decimate.html),
[`scipy.signal.resample_poly`](https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.resample_poly.html).
""")

show_code(al.alias_frequency, al.reconstruct, al.decimate)
