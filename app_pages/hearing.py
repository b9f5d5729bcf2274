"""Sound & hearing: the wave, pitch and notes, timbre, levels and loudness, critical bands, a tuner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import figures
from components import hearing_figures as hf
from components.audio_io import pick_audio, player
from components.errors import show_input_error, stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot
from components.teach import in_depth, intro, show_code
from lib import hearing as H
from lib import signals
from lib.audio import segment, to_wav_bytes
from lib.errors import InputError

SR = 44100  #: synthesized sounds (Nyquist 22.05 kHz: the whole audible range)
PEAK = 0.2  #: peak of every demo sound (-14 dBFS), so the page never surprises anyone's ears
VIEWS = {
    "wave": "The wave",
    "pitch": "Pitch & notes",
    "timbre": "Timbre & missing fundamental",
    "levels": "Levels & loudness",
    "bands": "Critical bands & masking",
    "beats": "Beats",
    "tuner": "Tuner",
    "tone": "Safe tone generator",
}
ALL_NOTES = [H.midi_to_note(m) for m in range(21, 109)]  # A0 ... C8, the piano


intro(
    "Sound & hearing",
    "Sound is a pressure wave: its **frequency** sets the pitch you hear, its **amplitude** the loudness and "
    "its **harmonics** the timbre — but hearing bends all three: pitch follows the *ratio* of frequencies, "
    "loudness depends on frequency, and close sounds hide each other.",
    "in **The wave**, drag **Frequency** from 110 Hz to 220 Hz and play both: the period halves and you hear "
    "the same note one octave higher. Then open **Pitch & notes** and click keys.",
)
demo_scenarios({
    "Octave: 220 Hz": {"hear_view": "wave", "hear_wave_f": 220},
    "Missing fundamental": {"hear_view": "timbre", "hear_timbre": "Sawtooth-like (all, 1/n)", "hear_f0_on": False},
    "Quiet bass needs dB": {"hear_view": "levels", "hear_phon": 20},
    "Tone hidden in noise": {"hear_view": "bands", "hear_mask_l": -40, "hear_mask_shift": 0.0},
    "Which note is it?": {"hear_view": "tuner"},
}, key="hear")
st.caption(":material/hearing: **Volume first:** turn your speakers down before playing anything. Every sound "
           "here is generated at or below −6 dBFS, most at −14 dBFS; long exposure to loud sound damages hearing "
           "for good.")

view = st.radio("Topic", list(VIEWS), format_func=VIEWS.get, key="hear_view", horizontal=True,
                bind="query-params", label_visibility="collapsed")


# --- cached lib calls -------------------------------------------------------------------------------

@st.cache_data(max_entries=64, show_spinner=False)
def tone_cached(f0: float, weights: tuple, include_fundamental: bool, duration_s: float,
                decay_s: float | None = None) -> np.ndarray:
    return H.harmonic_tone(f0, SR, duration_s, weights, include_fundamental=include_fundamental, peak=PEAK,
                           decay_s=decay_s)


@st.cache_data(max_entries=16, show_spinner=False)
def f0_of(y: np.ndarray, sr: int, fmin: float, fmax: float) -> float:
    return H.estimate_f0(y, sr, fmin=fmin, fmax=fmax)


@st.cache_data(max_entries=8, show_spinner=False)
def tuner_analysis(y: np.ndarray, sr: int, fmin: float, fmax: float):
    track = H.track_f0(y, sr, fmin=fmin, fmax=fmax)
    try:
        f0 = H.estimate_f0(y, sr, fmin=fmin, fmax=fmax)
    except InputError:
        f0 = None
    peak_hz, peak_db = H.strongest_peak(y, sr, fmin=max(20.0, fmin / 2))
    from lib.spectral import amplitude_to_db, magnitude_spectrum

    freqs, mag = magnitude_spectrum(y, sr, window="hann", scaling="amplitude")
    spec_db = amplitude_to_db(mag, ref=1.0, top_db=120.0)
    step = max(1, len(freqs) // 8000)  # enough points to draw, not the whole DFT; max-pooled to keep every peak
    n = len(freqs) // step * step
    freqs, spec_db = freqs[:n].reshape(-1, step)[:, 0], spec_db[:n].reshape(-1, step).max(axis=1)
    return track, f0, peak_hz, peak_db, freqs.astype(np.float32), spec_db.astype(np.float32)


def play(y: np.ndarray, label: str | None = None, *, key: str | None = None, autoplay: bool = False) -> None:
    """Level-faithful player; ``autoplay`` plays on arrival (a clicked key)."""
    if autoplay:
        if label:
            st.markdown(f"**{label}**")
        st.audio(to_wav_bytes(y, SR), format="audio/wav", autoplay=True)
    else:
        player(y, SR, label=label, key=key)


def note_metrics(freq: float, a4: float, cols=None) -> None:
    name, c = H.hz_to_note(freq, a4_hz=a4)
    cols = cols or st.columns(4)
    cols[0].metric("Frequency (Hz)", f"{freq:.2f}")
    cols[1].metric("MIDI number", f"{H.hz_to_midi(freq, a4_hz=a4):.2f}")
    cols[2].metric("Nearest note", name)
    cols[3].metric("Deviation (cents)", f"{c:+.1f}", help="100 cents = 1 semitone; ±5 cents is hard to hear")


# --- views --------------------------------------------------------------------------------------------

def view_wave() -> None:
    c1, c2, c3 = st.columns(3)
    f = c1.select_slider("Frequency f (Hz)", [27.5, 55, 110, 220, 262, 330, 440, 880, 1000, 1760, 3520, 8000],
                         value=110, key="hear_wave_f", bind="query-params")
    amp = c2.slider("Amplitude A (full scale = 1)", 0.01, 0.5, 0.25, 0.01, key="hear_wave_a",
                    help="Capped at 0.5 (−6 dBFS) for your ears.")
    phase = c3.slider("Phase φ (degrees)", -180, 180, 0, 15, key="hear_wave_phi")
    t = np.linspace(0, 3 / f, 600)
    y = amp * np.sin(2 * np.pi * f * t + np.radians(phase))
    chart(hf.wave(t, y, freq_hz=f, amplitude=amp, title=f"x(t) = {amp:g} · sin(2π · {f:g} t + {phase}°)"),
                    key="hear_wave_fig")
    m = st.columns(5)
    m[0].metric("Period T = 1/f", f"{1000 / f:.3g} ms")
    m[1].metric("Wavelength λ = c/f", f"{H.wavelength_m(f):.3g} m", help="c = 343 m/s, air at 20 °C")
    m[2].metric("Peak level", f"{20 * np.log10(amp):.1f} dBFS")
    m[3].metric("RMS", f"{amp / np.sqrt(2):.3f}", help="A/√2 for a sine")
    name, c = H.hz_to_note(f)
    m[4].metric("Note", f"{name} {c:+.0f} ¢")
    with stop_on_input_error():
        play(H.safe_tone(f, SR, 1.5, level_dbfs=float(20 * np.log10(amp)), fade_s=0.05), f"Hear {f:g} Hz", key="hear_wave_p")
    st.caption(
        f"A {f:g} Hz wave repeats every {1000 / f:.3g} ms; in air it is {H.wavelength_m(f):.3g} m from crest to crest. "
        "Hearing spans about 20 Hz (λ ≈ 17 m) to 20 kHz (λ ≈ 1.7 cm). Phase only shifts the wave in time: "
        "a single tone sounds the same at every phase."
    )


def view_pitch() -> None:
    c1, c2 = st.columns([0.7, 0.3])
    ranges = {"C3–B5 (3 octaves)": (48, 83), "C2–B4": (36, 71), "C4–C7": (60, 96), "A0–C8 (all 88 keys)": (21, 108)}
    span = c1.radio("Keyboard", list(ranges), key="hear_kb_range", horizontal=True)
    a4 = c2.number_input("Reference A4 (Hz)", 400.0, 480.0, 440.0, 1.0, key="hear_a4",
                         help="440 Hz is concert pitch (ISO 16); orchestras use 442, baroque ensembles 415.")

    def on_key() -> None:
        pts = st.session_state["hear_keys"].selection.get("points", [])
        if pts and pts[0].get("customdata"):
            st.session_state["hear_note"] = H.midi_to_note(int(pts[0]["customdata"][0]))
            st.session_state["hear_autoplay"] = True

    if st.session_state.get("hear_note") not in ALL_NOTES:
        st.session_state["hear_note"] = "A4"
    lo, hi = ranges[span]
    selected = H.note_to_midi(st.session_state["hear_note"])
    chart(hf.keyboard(lo, hi, selected=selected), key="hear_keys",
                    on_select=on_key, selection_mode="points", config={"displayModeBar": False})
    note = st.select_slider("Note (or click a key above)", ALL_NOTES, key="hear_note", bind="query-params")
    midi = H.note_to_midi(note)
    freq = float(H.midi_to_hz(midi, a4_hz=a4))
    note_metrics(freq, a4)
    autoplay = st.session_state.pop("hear_autoplay", False)
    p1, p2, p3 = st.columns(3)
    with p1:
        play(tone_cached(freq, (1.0, 0.5, 0.3, 0.15, 0.08), True, 1.5, 0.5), f"{note}", autoplay=autoplay,
             key=None if autoplay else "hear_note_p")
    with p2:
        both = np.concatenate([tone_cached(freq, (1.0, 0.5, 0.3), True, 0.8, 0.5),
                               tone_cached(2 * freq, (1.0, 0.5, 0.3), True, 0.8, 0.5)])
        player(both, SR, label=f"{note} then {H.midi_to_note(midi + 12)} (octave, ×2)")
    with p3:
        scale = np.concatenate([tone_cached(float(H.midi_to_hz(midi + k, a4_hz=a4)), (1.0, 0.4), True, 0.3, 0.3)
                                for k in range(13)])
        player(scale, SR, label="12 semitones up: each ×1.05946")

    st.subheader("Which note is this frequency?")
    q1, q2 = st.columns([0.3, 0.7])
    fq = q1.number_input("Any frequency (Hz)", 16.0, 20000.0, 445.0, 0.5, key="hear_anyf")
    with q2:
        with stop_on_input_error():
            name, c = H.hz_to_note(fq, a4_hz=a4)
            exact = float(H.midi_to_hz(H.note_to_midi(name), a4_hz=a4))
            st.markdown(f"**{fq:g} Hz** is **{name}** ({exact:.2f} Hz) **{c:+.1f} cents**: pitch class **"
                        f"{H.pitch_class(fq, a4_hz=a4)}**, MIDI {H.hz_to_midi(fq, a4_hz=a4):.2f}. "
                        "A cent is 1/100 of a semitone, 1200 · log₂(f / f_note).")
    chart(hf.pitch_chart(a4), key="hear_pitch_chart")
    st.caption("From A0 (27.5 Hz) to A6 (1760 Hz) each octave doubles the frequency: on a linear axis the steps "
               "look ever larger, on a log axis they are equal — the ear hears them as equal steps.")
    with st.expander("The note table C0 … C8 (12-tone equal temperament)", icon=":material/table:"):
        table = H.note_table(a4)
        st.dataframe(pd.DataFrame({"note": [n.name for n in table], "MIDI": [n.midi for n in table],
                                   "frequency (Hz)": [round(n.freq_hz, 2) for n in table],
                                   "pitch class": [n.pitch_class for n in table], "octave": [n.octave for n in table]}),
                     hide_index=True, height=300, width="stretch")


def view_timbre() -> None:
    c1, c2, c3 = st.columns([0.25, 0.5, 0.25])
    note = c1.selectbox("Pitch", ["A2", "E3", "A3", "C4", "A4", "E5"], index=2, key="hear_timbre_note",
                        bind="query-params")
    f0 = float(H.midi_to_hz(H.note_to_midi(note)))
    timbre = c2.radio("Harmonic recipe", list(H.TIMBRES), index=3, key="hear_timbre", bind="query-params")
    with_f0 = c3.toggle("Keep the fundamental", True, key="hear_f0_on", bind="query-params",
                        help="Switch off to remove harmonic 1: the missing fundamental.")
    weights = H.TIMBRES[timbre]
    if not with_f0 and len(weights) == 1:
        st.info("A pure tone *is* its fundamental; pick a recipe with harmonics to remove it.")
        with_f0 = True
    with stop_on_input_error():
        y = tone_cached(f0, weights, with_f0, 1.5)
    left, right = st.columns(2)
    chart(hf.harmonic_bars(f0, weights, include_fundamental=with_f0,
                                       title=f"{timbre}: harmonics of {note} ({f0:.1f} Hz)"),
                      key="hear_timbre_bars", where=left)
    chart(hf.short_wave(y, SR, periods=3, f0_hz=f0, title="Three periods of the waveform"),
                       key="hear_timbre_wave", where=right)
    with st.spinner("Measuring the pitch (pYIN)..."):
        try:
            est = f0_of(y, SR, 50.0, 2100.0)
        except InputError as exc:
            est = None
            show_input_error(exc)
    m = st.columns(3)
    m[0].metric("f0 of the recipe", f"{f0:.2f} Hz")
    m[1].metric("Pitch measured", f"{est:.2f} Hz" if est else "n/a",
                help="lib.hearing.estimate_f0: pYIN, median over voiced frames")
    m[2].metric("Lowest component present", f"{f0 if with_f0 else 2 * f0:.1f} Hz")
    play(y, f"{timbre} at {note}" + ("" if with_f0 else ", fundamental removed"), key="hear_timbre_p")
    if not with_f0:
        st.success(f"There is no energy at {f0:.1f} Hz, yet the pitch you hear (and the tracker measures) is still "
                   f"{note}: the harmonics {2 * f0:.0f}, {3 * f0:.0f}, {4 * f0:.0f} Hz … are all multiples of {f0:.1f} Hz, "
                   f"so the waveform still repeats every {1000 / f0:.2f} ms. Small speakers rely on this for bass.")

    st.subheader("Same pitch, different timbre")
    cols = st.columns(len(H.TIMBRES))
    for col, (name, w) in zip(cols, H.TIMBRES.items()):
        with col:
            player(tone_cached(f0, w, True, 1.0), SR, label=name)
    st.markdown("**Sounds of instruments at the same pitch** (synthesised: a Karplus–Strong plucked string, "
                "a source–filter voice)")
    cols = st.columns(3)
    sounds = {"Plucked string": signals.plucked_string(f0, SR, 1.5, amplitude=PEAK),
              "Sung vowel /a/": signals.vowel(f0, SR, 1.5, vowel_name="a", amplitude=PEAK),
              "Sung vowel /i/": signals.vowel(f0, SR, 1.5, vowel_name="i", amplitude=PEAK)}
    for col, (name, sound) in zip(cols, sounds.items()):
        with col:
            player(sound, SR, label=name)
    st.caption("Timbre is everything that tells two sounds of equal pitch and loudness apart: the balance of "
               "harmonics (the spectral envelope; formants for a voice) and how it changes in time (attack, "
               "decay). Open the **Tuner** to measure your own instrument.")


TYPICAL_LEVELS = [("Threshold of hearing at 1 kHz", 0), ("Quiet room at night", 30), ("Conversation at 1 m", 60),
                  ("Busy street", 80), ("Lawn mower, 85 dB(A): the 8-hour limit", 85), ("Rock concert", 110),
                  ("Threshold of pain", 130)]


def view_levels() -> None:
    st.subheader("Equal loudness (ISO 226:2023)")
    d1, d2, d3, d4 = st.columns(4)
    phon = d1.slider("Highlight a contour (phon)", 20, 90, 40, 10, key="hear_phon", bind="query-params")
    show_a = d2.toggle("Overlay A-weighting", True, key="hear_aw")
    tf = d3.number_input("Your tone: frequency (Hz)", 20.0, 12500.0, 100.0, 10.0, key="hear_tone_f")
    tl = d4.number_input("Your tone: level (dB SPL)", -10.0, 130.0, 60.0, 1.0, key="hear_tone_l")
    curves = {float(p): H.equal_loudness_contour(p, np.geomspace(20, 12500, 120)) for p in (20, 40, 60, 80, 90)}
    curves[float(phon)] = H.equal_loudness_contour(phon, np.geomspace(20, 12500, 120))
    f_axis = np.geomspace(20, 12500, 120)
    chart(hf.contours(dict(sorted(curves.items())), threshold=H.hearing_threshold(f_axis),
                                a_weighting=(f_axis, H.a_weighting(f_axis)) if show_a else None,
                                highlight=float(phon), point=(tf, tl)), key="hear_contours")
    m = st.columns(4)
    f_tab, spl_tab = H.equal_loudness_contour(phon)
    m[0].metric(f"{phon} phon at 100 Hz", f"{spl_tab[list(f_tab).index(100.0)]:.1f} dB SPL")
    m[1].metric(f"{phon} phon at 3.15 kHz", f"{spl_tab[list(f_tab).index(3150.0)]:.1f} dB SPL")
    try:
        m[2].metric("Your tone's loudness level", f"{H.loudness_level(tl, tf):.1f} phon")
    except InputError:
        m[2].metric("Your tone's loudness level", "inaudible", help="below the threshold of hearing")
    m[3].metric("A-weighting at your frequency", f"{H.a_weighting(tf):+.1f} dB")
    st.caption("A 1 kHz tone at L dB SPL has a loudness level of L phon by definition; every point on that contour "
               "sounds as loud. Hearing is most sensitive at 3–4 kHz (ear-canal resonance) and needs far more level "
               "in the bass — less so when everything is loud, which is why contours flatten at high phon and music "
               "turned down sounds thin. The A-weighting of sound level meters (dB(A)) is roughly the 40-phon contour "
               "upside down. Formula (1) is normative from 20 to 90 phon (to 80 phon above 4 kHz).")

    st.subheader("Decibels")
    c1, c2, c3 = st.columns(3)
    with c1:
        p = st.number_input("RMS sound pressure (Pa)", 2e-5, 200.0, 0.02, format="%.5f", key="hear_pa")
        st.metric("Sound pressure level", f"{H.spl_db(p):.1f} dB SPL", help="20 log10(p / 20 µPa)")
        st.caption(f"Intensity {H.intensity_w_m2(p):.3g} W/m² (p²/ρc). ×10 in pressure = +20 dB; ×10 in "
                   "intensity (power) = +10 dB.")
    with c2:
        L1 = st.slider("Level at 1 m (dB SPL)", 40, 120, 90, key="hear_l1")
        r = st.select_slider("Distance (m)", [0.5, 1, 2, 4, 8, 16, 32, 64], value=4, key="hear_r")
        st.metric(f"Level at {r:g} m", f"{H.inverse_square(L1, 1.0, r):.1f} dB SPL",
                  delta=f"{H.inverse_square(L1, 1.0, r) - L1:+.1f} dB")
        st.caption("A point source's intensity spreads over 4πr²: −6 dB per doubling of distance (free field; "
                   "a room's reverberation props the level up far from the source).")
    with c3:
        n = st.slider("Equal sources playing together", 1, 16, 2, key="hear_n")
        st.metric("Total (uncorrelated, powers add)", f"{H.add_levels([60] * n):.1f} dB",
                  delta=f"{H.add_levels([60] * n) - 60:+.1f} dB")
        st.caption(f"{n} sources of 60 dB each. Two equal sources: +3 dB, not 120 dB. Identical signals in phase "
                   f"add pressures instead: {H.add_levels([60] * n, coherent=True):.1f} dB (+6 dB for two).")
    st.markdown("**dB SPL vs dBFS.** dB SPL is acoustic pressure re 20 µPa; **dBFS** is a sample value re the "
                "largest a digital file can hold (0 dBFS). A file has no SPL until a speaker and a volume knob "
                "turn it into pressure — that is why this app shows dBFS.")
    st.dataframe(pd.DataFrame(TYPICAL_LEVELS, columns=["typical sound (approximate)", "dB SPL"]), hide_index=True)


def view_bands() -> None:
    f = np.geomspace(20, 20000, 300)
    chart(hf.band_scales(f, H.hz_to_bark(f), H.hz_to_erb_rate(f), H.erb_hz(f)),
                    key="hear_scales")
    st.caption(f"The cochlea analyses sound with overlapping band-pass filters: about 24 critical bands (Bark) or "
               f"~40 ERBs across hearing. At 1 kHz one filter is {H.erb_hz(1000):.0f} Hz wide (ERB), at 4 kHz "
               f"{H.erb_hz(4000):.0f} Hz. The mel scale of ML models is a cousin of these scales.")
    st.subheader("Masking: a tone hidden by a band of noise")
    c1, c2, c3, c4 = st.columns(4)
    tone_hz = c1.select_slider("Tone (Hz)", [250, 500, 1000, 2000, 4000], value=1000, key="hear_mask_f")
    tone_db = c2.slider("Tone level (dBFS RMS)", -70, -20, -40, 2, key="hear_mask_l", bind="query-params")
    shift = c3.slider("Noise centre (octaves from the tone)", -2.0, 2.0, 0.0, 0.25, key="hear_mask_shift",
                      bind="query-params")
    noise_db = c4.slider("Noise level (dBFS RMS)", -50, -24, -30, 2, key="hear_mask_nl")
    centre = tone_hz * 2.0**shift
    lo, hi = centre * 2 ** (-1 / 6), centre * 2 ** (1 / 6)  # one-third octave wide
    thr = H.masked_threshold_dbfs(tone_hz, lo, hi, noise_db)
    erb = float(H.erb_hz(tone_hz))
    chart(hf.masking(tone_hz, tone_db, lo, hi, noise_db, erb, thr), key="hear_mask_fig")
    m = st.columns(3)
    m[0].metric("Noise band", f"{lo:.0f}–{hi:.0f} Hz")
    m[1].metric("Predicted masked threshold", f"{thr:.1f} dBFS" if np.isfinite(thr) else "no masking")
    masked = np.isfinite(thr) and tone_db < thr
    m[2].metric("Prediction", "masked (inaudible)" if masked else "audible",
                delta=None if not np.isfinite(thr) else f"{tone_db - thr:+.1f} dB re threshold")
    with stop_on_input_error():
        noise = H.band_noise(lo, min(hi, SR / 2 - 1), SR, 2.4, rms=10 ** (noise_db / 20), seed=11)
        pulses = np.zeros_like(noise)
        for k in range(3):  # three 300-ms beeps so the tone is easy to listen for
            start = int((0.3 + 0.7 * k) * SR)
            beep = H.safe_tone(tone_hz, SR, 0.3, level_dbfs=tone_db + 3.01, fade_s=0.02)
            pulses[start : start + beep.size] += beep
    p = st.columns(3)
    with p[0]:
        player(noise + pulses, SR, label="Noise + three tone beeps")
    with p[1]:
        player(pulses, SR, label="The beeps alone")
    with p[2]:
        player(noise, SR, label="The noise alone")
    st.caption("Power-spectrum model (Fletcher 1940; Moore): only noise inside the auditory filter around the tone "
               "masks it, and the tone is heard when its level exceeds that noise power plus K ≈ −4 dB. Move the noise "
               "an octave away and the threshold vanishes; the real ear still shows some *upward* spread of masking "
               "from loud low noise, which this simple model leaves out. Lossy codecs (MP3, AAC) delete what is masked.")


def view_beats() -> None:
    c1, c2 = st.columns(2)
    f1 = c1.slider("Tone 1 (Hz)", 200, 1000, 440, 1, key="hear_beat_f1")
    df = c2.slider("Tone 2 − tone 1 (Hz)", 0.0, 40.0, 3.0, 0.5, key="hear_beat_df", bind="query-params")
    f2 = f1 + df
    dur = 3.0
    t = np.arange(int(SR * dur)) / SR
    y = 0.5 * PEAK * (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t))
    env = PEAK * np.abs(np.cos(np.pi * df * t))
    y = (y * H.fade_envelope(y.size, SR, 0.05)).astype(np.float32)
    chart(hf.beats(t, y, env, title=f"{f1} Hz + {f2:g} Hz"), key="hear_beats_fig")
    m = st.columns(3)
    m[0].metric("Beat rate |f1 − f2|", f"{H.beat_frequency(f1, f2) if df else 0:.1f} Hz")
    m[1].metric("Heard pitch (mean)", f"{(f1 + f2) / 2:.1f} Hz")
    m[2].metric("ERB at f1", f"{H.erb_hz(f1):.0f} Hz")
    player(y, SR, label="Hear the beats", key="hear_beats_p")
    st.caption("sin a + sin b = 2 cos((a−b)/2) · sin((a+b)/2): one tone at the mean frequency whose loudness swells "
               "|f1 − f2| times a second. Up to ~15 Hz you hear beats (musicians tune by slowing them to zero); "
               "faster, the sound turns rough; once the gap exceeds a critical band you hear two separate tones.")


def view_tuner() -> None:
    src_col, ctl_col = st.columns([0.5, 0.5])
    with src_col:
        clip = pick_audio("hear", default="Plucked string 220 Hz", container=src_col)
    y, sr = clip.samples, clip.sr
    dur = len(y) / sr
    rng = ctl_col.select_slider("Pitch range", [H.midi_to_note(m) for m in range(24, 104)], value=("C2", "C7"),
                                key="hear_tuner_range", help="Lowest and highest note to look for")
    fmin, fmax = (float(H.midi_to_hz(H.note_to_midi(n))) for n in rng)
    max_len = min(10.0, dur)
    c2, c3 = ctl_col.columns(2)
    start = c2.slider("Start (s)", 0.0, float(max(0.0, round(dur - 0.1, 2))), 0.0, 0.05, key="hear_tuner_start") \
        if dur > 0.2 else 0.0
    length = c3.slider("Length (s, at most 10)", 0.1, float(max(0.11, round(max_len, 2))),
                       float(round(max_len, 2)), 0.05, key="hear_tuner_len") if max_len > 0.15 else max_len
    if fmax >= sr / 2:
        fmax = sr / 2 * 0.95
    with stop_on_input_error():
        seg = segment(y, sr, start, min(dur, start + length))
        with st.spinner("Tracking the pitch (pYIN)..."):
            track, f0, peak_hz, peak_db, freqs, spec_db = tuner_analysis(seg, sr, fmin, fmax)
    slot = figure_slot()  # presenter mode: the figures right under the controls
    m = st.columns(5)
    if f0 is None:
        st.warning(f"No pitched (voiced) frames between {rng[0]} and {rng[1]}: this stretch has no clear "
                   "fundamental (noise, drums, silence), so there is no note to name.")
    else:
        name, c = H.hz_to_note(f0)
        m[0].metric("Median f0", f"{f0:.2f} Hz", help="Median over voiced frames, refined from the harmonics")
        m[1].metric("Nearest note", name)
        m[2].metric("Tuning", f"{c:+.1f} cents", help="flat < 0 < sharp; ±5 cents is about the limit of hearing")
    spread = track.spread_cents()
    if f0 is not None and spread > H.SEVERAL_NOTES_CENTS:
        st.warning(f"This stretch holds several pitches (their middle half spans {spread:.0f} cents): the median is "
                   "not the note of any one of them. Narrow **Start** and **Length** to a single note.",
                   icon=":material/queue_music:")
    pname, pc = H.hz_to_note(peak_hz)
    m[3].metric("Strongest peak", f"{peak_hz:.1f} Hz", help=f"{pname} {pc:+.0f} cents, {peak_db:.1f} dBFS")
    m[4].metric("Voiced frames", f"{100 * track.voiced.mean():.0f} %")
    if f0 is not None:
        ratio = peak_hz / f0
        if abs(ratio - round(ratio)) < 0.03 and round(ratio) > 1:
            k = int(round(ratio))
            nth = {2: "2nd", 3: "3rd"}.get(k, f"{k}th")
            st.info(f"The strongest peak is the **{nth} harmonic** ({pname}), not the fundamental: "
                    f"a tuner that picked the loudest peak would call this note {pname} instead of {name}.",
                    icon=":material/info:")
        elif abs(ratio - 1) < 0.03:
            st.caption(f"Here the fundamental is also the strongest peak ({pname}).")
    left, right = (slot or st).columns(2)
    lo_view, hi_view = (max(fmin, f0 / 2.2), min(fmax, f0 * 2.2)) if f0 else (fmin, fmax)
    chart(hf.f0_track(track.times_s + start, track.f0_hz, track.voiced_prob, median_hz=f0,
                                  peak_hz=peak_hz, fmin=lo_view, fmax=hi_view), key="hear_tuner_track", where=left)
    chart(hf.tuner_spectrum(freqs, spec_db, f0_hz=f0, peak_hz=peak_hz),
                       key="hear_tuner_spec", where=right)
    player(seg, sr, label="The analysed stretch", key="hear_tuner_p")
    st.caption("Which note is this? The tracker (pYIN) follows the **fundamental** f0 over time; the strongest "
               "spectral peak is shown beside it, since many instruments put more energy in the 2nd or 3rd harmonic "
               "than in f0, and a tuner that names the loudest peak gets the octave (or the note) wrong.")


def view_tone() -> None:
    c1, c2, c3, c4 = st.columns(4)
    f = c1.number_input("Frequency (Hz)", 20.0, 20000.0, 1000.0, 10.0, key="hear_gen_f")
    level = c2.slider("Level (dBFS peak)", -60, int(H.MAX_TONE_DBFS), -30, 1, key="hear_gen_l",
                      help=f"Capped at {H.MAX_TONE_DBFS:g} dBFS")
    dur = c3.slider("Duration (s)", 0.2, 5.0, 1.5, 0.1, key="hear_gen_d")
    fade = c4.slider("Fade in/out (ms)", 5, 300, 50, 5, key="hear_gen_fade",
                     help="A raised-cosine ramp: a tone that starts abruptly clicks")
    with stop_on_input_error():
        y = H.safe_tone(f, SR, dur, level_dbfs=level, fade_s=fade / 1000)
    chart(figures.waveform(y, SR, title=f"{f:g} Hz at {level} dBFS, {fade} ms fades", height=240),
                    key="hear_gen_wave")
    if level > H.LOUD_TONE_DBFS:
        st.warning(f"{level} dBFS is loud on most systems (more than {H.LOUD_TONE_DBFS:g} dBFS). Turn your volume "
                   "down first, and never test high levels on headphones.", icon=":material/volume_up:")
        if not st.checkbox("My volume is down: play it", key="hear_gen_ok"):
            return
    player(y, SR, label="Play", key="hear_gen_p")
    st.markdown(
        "**Where does your hearing stop?** Try 8, 12, 14, 16, 17, 18 kHz at −30 dBFS. Young ears reach about 20 kHz; "
        "the top falls with age (presbycusis) and with noise exposure, which is permanent. Below ~20 Hz a tone is "
        "felt more than heard. A laptop speaker rarely reproduces much below 150 Hz."
    )
    hrs = [(lv, H.niosh_exposure_hours(lv)) for lv in (85, 88, 91, 94, 100, 106)]
    st.dataframe(pd.DataFrame({"level dB(A)": [h[0] for h in hrs],
                               "max. daily exposure": [f"{h[1]:.2g} h" if h[1] >= 1 else f"{60 * h[1]:.0f} min"
                                                       for h in hrs]}), hide_index=True)
    st.caption("NIOSH recommended exposure limit (1998): 85 dB(A) for 8 hours, halved for every 3 dB more. "
               "Hearing loss from noise does not heal.")


with stop_on_input_error():
    {"wave": view_wave, "pitch": view_pitch, "timbre": view_timbre, "levels": view_levels, "bands": view_bands,
     "beats": view_beats, "tuner": view_tuner, "tone": view_tone}[view]()

in_depth(r"""
**The wave.** A pure tone is $x(t) = A\sin(2\pi f t + \varphi)$: frequency $f$ (Hz), period $T = 1/f$,
wavelength $\lambda = c/f$ ($c \approx 343$ m/s), amplitude $A$, phase $\varphi$.

**Pitch** is the perceived height of a tone and follows the *ratio* of frequencies: an octave is 2:1 everywhere.
**12-tone equal temperament** divides the octave into 12 equal ratios of $2^{1/12} \approx 1.05946$:
$f = 440 \cdot 2^{(m-69)/12}$ for MIDI number $m$ (A4 = 69, middle C = C4 = 60 = 261.63 Hz; C0 = 16.35 Hz,
C8 = 4186.01 Hz). A **cent** is $1/100$ semitone: $1200\log_2(f/f_\text{ref})$. Notes an octave apart share a
**pitch class** (chroma). The **missing fundamental**: harmonics $2f_0, 3f_0, \dots$ alone still sound at pitch
$f_0$, since the waveform's period is $1/f_0$; pitch trackers such as YIN/pYIN measure that period.

**Loudness vs level.** $L_p = 20\log_{10}(p_\text{rms}/20\,\mu\text{Pa})$ dB SPL; intensity $I = p^2/\rho c$;
a point source falls $20\log_{10}(r_2/r_1)$: −6 dB per doubling of distance. Uncorrelated sources add powers:
$10\log_{10}\sum 10^{L_i/10}$ (+3 dB for two equal ones). Loudness *level* in phon is defined by matching a
1 kHz tone; **ISO 226:2023**, Formula (1):
$L_f = \frac{10}{\alpha_f}\lg\!\left[(4\cdot10^{-10})^{\alpha_r-\alpha_f}\left(10^{\alpha_r L_N/10} - 10^{\alpha_r T_r/10}\right)
+ 10^{\alpha_f (T_f + L_U)/10}\right] - L_U$ with $\alpha_r = 0.300$, $T_r = 2.4$ dB and $\alpha_f, L_U, T_f$ from
its Table 1 (`lib.hearing`, tested against the standard's Annex B). **A-weighting** (IEC 61672-1) approximates the
40-phon contour inverted.

**Critical bands.** Bark $z = 13\arctan(0.00076f) + 3.5\arctan((f/7500)^2)$ (Zwicker & Terhardt 1980);
ERB $= 24.7(4.37f/1000 + 1)$ Hz (Glasberg & Moore 1990). A tone is masked when the noise power inside its
auditory filter is within ~4 dB of it (power-spectrum model). **Beats**: two tones $\Delta f$ apart swell
$|\Delta f|$ times a second.

**Pitfalls.** The strongest spectral peak is not the pitch (oboe, trumpet, male voice: the 2nd or 3rd harmonic
is often louder). dBFS is not dB SPL. Equal-loudness contours hold for pure tones in a free field, for young
listeners; loudness of complex sounds needs a loudness model (ISO 532). pYIN's pitch grid is coarse (20 cents here), so
`lib.hearing.estimate_f0` refines its median from the harmonics of the longest voiced stretch.

**References.** ISO 226:2023 *Normal equal-loudness-level contours*; IEC 61672-1:2013; ISO 16:1975 (A4 = 440 Hz);
Mauch & Dixon (2014) pYIN, `librosa.pyin`; de Cheveigné & Kawahara (2002) YIN; Moore, *An Introduction to the
Psychology of Hearing* (2012); Zwicker & Fastl, *Psychoacoustics*; NIOSH (1998) *Criteria for a Recommended
Standard: Occupational Noise Exposure*; 3Blue1Brown and Chrome Music Lab for playful versions.
""")
show_code(H.equal_loudness_contour, H.hz_to_note, H.estimate_f0, H.a_weighting)
