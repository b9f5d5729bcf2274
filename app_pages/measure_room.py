"""Measure a room: exponential sine sweep, inverse filter, deconvolution; simulated, browser or sound card."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from components import figures
from components import measure_figures as mf
from components.audio_io import local_duplex_status, pick_audio, play_and_record, player
from components.errors import show_input_error, stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.responses import DEFAULT_ROOM, ROOMS, remember, session_memo, simulated_room
from components.room_analysis import analysis_panel, analyse
from components.teach import in_depth, intro, show_code
from lib import measure
from lib.audio import load_audio, match_level, to_wav_bytes
from lib.convolution import convolve
from lib.errors import InputError
from lib.spectral import amplitude_to_db, fft_frequencies, stft

intro(
    "Measure a room",
    "Play a sine sweep whose frequency rises exponentially, record it in the room, and convolve the recording "
    "with the sweep's **inverse filter**: out comes the room's impulse response. A loudspeaker's distortion "
    "lands at *negative* times, before the response, where it is cut away (Farina 2000).",
    "in **Simulated room**, raise the **playback level** in the sidebar to 0 dBFS: the speaker clips, the "
    "harmonics appear before time zero, and T20 stays where it was.",
)

HARMONICS = (2, 3, 4, 5)
#: Longest recording the page reads (longer ones are cut, with a notice): the longest sweep and tail fit.
MAX_RECORDING_S = 40.0
TABS = ["The sweep", "Simulated room", "Record in the browser", "Sound card"]

demo_scenarios({
    "Clip the speaker": {"mr_tab": TABS[1], "mr_level": 0, "mr_noise": -85},
    "Noisy room": {"mr_tab": TABS[1], "mr_level": -20, "mr_noise": -45, "mr_dur": 3.0},
    "Long sweep in the noise": {"mr_tab": TABS[1], "mr_level": -20, "mr_noise": -45, "mr_dur": 15.0},
    "Measure your room": {"mr_tab": TABS[2], "mr_level": -20},
}, key="mr")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Sweep")
    c = st.columns(2)
    f1 = c[0].select_slider("Start (Hz)", [20, 30, 50, 100, 200], value=50, key="mr_f1", bind="query-params")
    f2 = c[1].select_slider("End (Hz)", [4000, 8000, 12000, 16000, 20000], value=16000, key="mr_f2",
                            bind="query-params")
    dur = st.select_slider("Sweep length (s)", [0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0], value=3.0, key="mr_dur",
                           bind="query-params", help="Longer sweeps put more energy into every frequency: each "
                                                     "doubling of the length gains 3 dB of signal-to-noise ratio.")
    fade_ms = st.slider("Fade in/out (ms)", 0, 200, 50, 5, key="mr_fade", bind="query-params")
    sr = st.select_slider("Sampling rate (Hz)", [16000, 44100, 48000], value=48000, key="mr_sr", bind="query-params")
    if not src.presenting:
        st.subheader("Level (protect ears and speakers)")
    level_db = st.slider("Playback level (dBFS)", -40, 0, -20, key="mr_level", bind="query-params",
                         help="Peak level of the sweep file. Start low and raise your speaker's volume step by step.")
    tail_s = st.slider("Silence after the sweep (s)", 1.0, 8.0, 3.0, 0.5, key="mr_tail", bind="query-params",
                       help="Time for the room to decay; longer than its reverberation time.")

level = 10 ** (level_db / 20)
t_sweep, t_sim, t_rec, t_card = st.tabs(TABS, key="mr_tab", bind="query-params", on_change="rerun")


@st.cache_data(max_entries=4, show_spinner=False)
def sweep_pair(f1: float, f2: float, dur: float, sr: int, fade_s: float):
    sweep, inverse = measure.ess_sweep(f1, f2, dur, sr, fade_s=fade_s)
    return sweep.astype(np.float64), inverse


with stop_on_input_error():
    sweep, inverse = sweep_pair(float(f1), float(f2), float(dur), int(sr), fade_ms / 1000)
L = measure.sweep_rate(f1, f2, dur)
delays = dict(zip(HARMONICS, measure.harmonic_delays_s(f1, f2, dur, HARMONICS)))
pre_s = float(min(dur, delays[HARMONICS[-1]] + 0.05))


def sweep_file(sweep: np.ndarray, sr: int, level: float, tail_s: float, lead_s: float = 1.0) -> np.ndarray:
    return np.concatenate([np.zeros(int(lead_s * sr)), level * sweep, np.zeros(int(tail_s * sr))]).astype(np.float32)


def guard() -> None:
    st.warning("**Protect your ears and speakers.** Turn the speaker's volume down before you press play, then raise "
               "it step by step until the sweep is clearly louder than the room. The sweep ends in high frequencies "
               f"({f2 / 1000:g} kHz): never at full volume on headphones or small tweeters.", icon=":material/hearing:")




@st.cache_data(max_entries=4, show_spinner=False)
def sweep_views(sweep: np.ndarray, inverse: np.ndarray, sr: int, f1: float, f2: float, dur: float) -> dict:
    """The sweep tab's spectrogram (as a finished figure dict) and the click around time zero."""
    from scipy import fft as sfft

    n_fft = 2048 if sr > 22050 else 1024
    S = np.abs(stft(sweep.astype(np.float32), n_fft=n_fft, hop_length=n_fft // 4))
    times = np.arange(S.shape[1]) * (n_fft // 4) / sr
    t_line = np.linspace(0, dur, 200)
    # a smooth line on a dark field: a coarse image carries it (and keeps the page light)
    spec = figures.spectrogram(times, fft_frequencies(sr, n_fft), amplitude_to_db(S, ref=float(S.max()), top_db=80),
                               title="The sweep: its frequency rises by the same number of octaves every second",
                               log_y=True, zmin=-80, zmax=0, colorbar_title="dB re max", height=360, max_rows=160,
                               max_cols=300, overlay=(t_line, measure.instantaneous_frequency(t_line, f1, f2, dur),
                                                      "f(t) = f₁·exp(t/L)")).to_dict()
    # sweep * inverse near its peak: a circular convolution of >= n points is exact there (what wraps
    # around is the far end of the full result, where both signals have faded)
    n = len(sweep)
    m = sfft.next_fast_len(n, real=True)
    d = sfft.irfft(sfft.rfft(sweep, m) * sfft.rfft(inverse, m), m)
    w = int(0.01 * sr)
    zero = n - 1
    click = figures.line(np.arange(-w, w) / sr * 1000, {"sweep ∗ inverse": d[zero - w : zero + w]},
                         title="Sweep convolved with its inverse: a band-limited click at time zero",
                         x_title="Time (ms)", y_title="Amplitude", height=260).to_dict()
    return {"spec": spec, "inverse": mf.inverse_filter(sweep, inverse, sr).to_dict(), "click": click}


def show_measurement(m: measure.Measurement, key: str, name: str, *, reference: np.ndarray | None = None,
                     true_fits: dict | None = None) -> None:
    """Everything about one measured response: alignment, distortion, the response, its analysis, use it."""
    slot = figure_slot()
    for note in m.notices:
        st.warning(note, icon=":material/warning:")
    c = st.columns(5)
    if np.isfinite(m.alignment.detection_db):
        c[0].metric("Direct sound at", f"{m.start_s:.3f} s", help="Where time zero of the response sits in the "
                                                                 "recording (5 ms before the direct sound)")
        c[1].metric("Sweep detection", f"{m.alignment.detection_db:.0f} dB",
                    help="Correlation peak over its median: above 30 dB something sweep-like was found.")
        c[2].metric("Follows the sweep", f"{100 * m.alignment.ridge_match:.0f} %",
                    help="Share of frames whose strongest frequency is within half an octave of the sweep's "
                         "(a sweep with other settings scores below 40 %)")
    else:
        c[0].metric("Time zero", "sweep start", help="The simulation knows when the sweep started: no search.")
        c[1].metric("Sweep detection", "known")
        c[2].metric("Follows the sweep", "100 %")
    c[3].metric("Recording peak", f"{m.peak_dbfs:.1f} dBFS")
    c[4].metric("Clipped samples", f"{100 * m.clipped_fraction:.2f} %")
    levels = measure.harmonic_levels_db(m.distortion, m.ir, m.sr, f1, f2, dur, HARMONICS)
    chart(mf.deconvolution(m.distortion, m.ir, m.sr, delays), key=f"{key}_deconv", slot=slot)
    hc = st.columns(len(HARMONICS))
    for col, (k, lv) in zip(hc, levels.items()):
        col.metric(f"Harmonic {k}", f"{lv:.0f} dB" if np.isfinite(lv) else "n/a",
                   help=f"Peak of the k = {k} response, {delays[k]:.3f} s before the linear one, re the linear peak")
    st.caption("Harmonic k arrives L·ln k = " + ", ".join(f"{delays[k] * 1000:.0f} ms (k={k})" for k in HARMONICS)
               + f" before the linear response (L = T / ln(f2/f1) = {L:.3f} s). Everything left of time zero is cut "
                 "away; a level near −60 dB or below means a clean speaker.")
    ir = m.ir
    fits = analyse(np.ascontiguousarray(ir, dtype=np.float64), int(m.sr), True)["fits"]
    rt = next((fits[k]["rt60_s"] for k in ("T30", "T20", "EDT") if np.isfinite(fits[k]["rt60_s"])), float("nan"))
    if np.isfinite(rt) and delays[2] < rt and np.isfinite(levels[2]) and levels[2] > -80:
        need = rt * np.log(f2 / f1) / np.log(2)
        st.info(f"The 2nd harmonic's response starts {delays[2]:.2f} s before the linear one but rings for about "
                f"{rt:.1f} s, so its tail ({levels[2]:.0f} dB) overlaps the start of the response. A sweep of at "
                f"least {need:.0f} s (L·ln 2 > RT60) keeps them apart.", icon=":material/straighten:")
    if reference is not None:
        scale = float(np.max(np.abs(reference))) or 1.0
        chart(mf.compare_responses(ir / scale, reference / scale, m.sr), key=f"{key}_cmp")
        n = min(len(ir), len(reference))
        r = float(np.corrcoef(ir[:n], reference[:n])[0, 1])
        st.metric("Correlation with the ideal measurement", f"{r:.4f}",
                  help="Against the same room measured with a perfect speaker and no noise (the true response, "
                       "band-limited to the sweep's range)")
    else:
        fig = figures.waveform(ir / (np.abs(ir).max() or 1), m.sr, title="Measured impulse response", name="response",
                               height=260)
        fig.update_yaxes(title_text="Pressure (re its peak)")
        chart(fig, key=f"{key}_ir")
    st.subheader("The room, read from the measured response")
    with stop_on_input_error():
        analysis_panel(ir, m.sr, f"{key}_an", reference=true_fits)
    remember(name, ir, m.sr)
    peak = float(np.abs(ir).max()) or 1.0
    st.download_button("Download the impulse response (WAV, peak −1 dBFS)", to_wav_bytes(ir / peak * 0.89, m.sr),
                       file_name="measured_ir.wav", mime="audio/wav", key=f"{key}_download", icon=":material/download:")
    st.caption("It is also kept for this session: the **Convolution** page's *Auralise* tab offers it under "
               "*Measured in this session*.")
    st.subheader("Hear a clip in the measured room")
    dry = pick_audio(f"{key}_dry", default="Speech with fricatives", sr=m.sr, max_duration_s=8.0, require=False)
    if dry is not None:
        y = dry.samples.astype(np.float64)
        ir_id = hashlib.sha1(np.ascontiguousarray(ir).tobytes()).hexdigest()
        wet = session_memo(f"_{key}_wet", (dry.fingerprint, ir_id),
                           lambda: match_level(convolve(y, ir, method="fft").astype(np.float32), y))
        p = st.columns(2)
        with p[0]:
            player(y.astype(np.float32), m.sr, label="Dry", key=f"{key}_pdry")
        with p[1]:
            player(wet, m.sr, label="In the measured room (same RMS)", key=f"{key}_pwet")


# ---------------------------------------------------------------------------- the sweep
with t_sweep:
    if t_sweep.open:
        views = sweep_views(sweep, inverse, sr, float(f1), float(f2), float(dur))
        chart(views["spec"], key="mr_spec", slot=figure_slot())
        m = st.columns(4)
        m[0].metric("L = T / ln(f₂/f₁)", f"{L:.3f} s")
        m[1].metric("Octaves per second", f"{np.log2(f2 / f1) / dur:.2f}")
        m[2].metric("Octaves", f"{np.log2(f2 / f1):.1f}")
        m[3].metric("Harmonic 2 lands", f"{-delays[2] * 1000:.0f} ms", help="L·ln 2 before the linear response")
        chart(views["inverse"], key="mr_inv")
        chart(views["click"], key="mr_click")
        guard()
        wav = sweep_file(sweep, sr, level, tail_s)
        player(wav, sr, label=f"The sweep file: 1 s silence, the sweep at {level_db} dBFS, {tail_s:g} s silence",
               key="mr_sweep_play")
        st.download_button("Download the sweep (WAV)", to_wav_bytes(wav, sr),
                           file_name=f"sweep_{f1}-{f2}Hz_{dur:g}s_{sr}Hz.wav", mime="audio/wav", key="mr_sweep_download",
                           icon=":material/download:")

# ---------------------------------------------------------------------------- simulated
with t_sim:
    if t_sim.open:
        st.markdown("The sweep plays through a simulated room (the hybrid model of the room designer) from a "
                    "loudspeaker that **clips** smoothly near −12 dBFS and bends asymmetrically; the microphone "
                    "(set so a full-scale sweep would peak at −6 dBFS) adds noise. Raise the level: the "
                    "signal-to-noise ratio improves until the speaker distorts.")
        c = st.columns(3)
        room_name = c[0].selectbox("Room", list(ROOMS), index=list(ROOMS).index(DEFAULT_ROOM), key="mr_room",
                                     bind="query-params")
        noise_dbfs = c[1].slider("Noise at the microphone (dBFS)", -100, -30, -85, key="mr_noise", bind="query-params")
        asym = c[2].slider("Speaker asymmetry (2nd harmonic)", 0.0, 0.5, 0.1, 0.05, key="mr_asym", bind="query-params")

        @st.cache_data(max_entries=4, show_spinner="Playing the sweep in the simulated room...")
        def simulate(room_name, sr, f1, f2, dur, fade_ms, level_db, noise_dbfs, asym, pre_s):
            h = simulated_room(room_name, sr).astype(np.float64)
            sw, inv = sweep_pair(float(f1), float(f2), float(dur), int(sr), fade_ms / 1000)
            linear = convolve(sw, h, method="fft")
            # microphone gain: a full-scale sweep through an undistorting speaker peaks at -6 dBFS
            h = h * 0.5 / float(np.abs(linear).max())
            lv = 10 ** (level_db / 20)
            rec = measure.simulate_recording(lv * sw, h, sr, noise_dbfs=noise_dbfs, clip_level=10 ** (-12 / 20),
                                             second_harmonic=asym, tail_s=len(h) / sr + 0.3, seed=0)
            m = measure.measure(rec, sw, inv, sr, ir_length_s=len(h) / sr, pre_s=pre_s, aligned=True, level=lv)
            ideal = measure.deconvolve(linear * 0.5 / float(np.abs(linear).max()), inv, sr, length_s=len(h) / sr)
            return m, h, ideal

        with stop_on_input_error():
            m_sim, h_true, ideal = simulate(room_name, sr, f1, f2, dur, fade_ms, level_db, noise_dbfs, asym, pre_s)
        true_fits = {k: v["rt60_s"] for k, v in analyse(h_true, sr, False)["fits"].items()}
        show_measurement(m_sim, "mr_sim", f"Simulated: {room_name}, {level_db} dBFS", reference=ideal[: len(m_sim.ir)],
                         true_fits=true_fits)

# ---------------------------------------------------------------------------- browser
with t_rec:
    if t_rec.open:
        st.markdown(
            "1. **Play the sweep from another device** (a phone or a second computer): download it below or from "
            "*The sweep* tab, or play it here if this computer's speaker is the source.\n"
            "2. **Record** with this browser's microphone: press record, start the sweep, and stop a couple of "
            "seconds after it ends (the room must decay). Or upload a recording made with any recorder.\n"
            "3. The page finds the sweep in the recording by cross-correlation and deconvolves it.")
        st.caption("Browsers apply echo cancellation, noise suppression and automatic gain to the microphone, which "
                   "can eat the reverberant tail; a phone's recorder app (uploaded here) or the sound-card tab is more "
                   "faithful. Two devices' clocks also differ by a few parts per million, which slightly smears the "
                   "highest frequencies of a long sweep.")
        guard()
        wav = sweep_file(sweep, sr, level, tail_s)
        c = st.columns([0.6, 0.4])
        with c[0]:
            player(wav, sr, label="Play the sweep here", key="mr_rec_sweep")
        c[1].download_button("Download the sweep (WAV)", to_wav_bytes(wav, sr),
                             file_name=f"sweep_{f1}-{f2}Hz_{dur:g}s_{sr}Hz.wav", mime="audio/wav", key="mr_rec_download",
                             icon=":material/download:")
        recording = st.audio_input("Record while the sweep plays", sample_rate=None, key="mr_mic")
        upload = st.file_uploader("…or upload a recording of the sweep", type=["wav", "flac", "ogg", "mp3", "m4a"],
                                  key="mr_upload")
        source = recording if recording is not None else upload
        if source is None:
            st.info(f"No recording yet. It must hold the whole sweep ({dur:g} s) and the room's decay after it: "
                    f"record at least {dur + 1.5:.1f} s.")
        else:
            name = "your recording" if source is recording else source.name

            def decode_and_measure():
                # once per recording and sweep setting, kept in this session only (a visitor's own audio)
                try:
                    clip = load_audio(source.getvalue(), sr=sr, max_duration_s=MAX_RECORDING_S, name=name)
                    caption = f"**{clip.name}**: {clip.duration_s:.2f} s" + "".join(f" · {n}" for n in clip.notices)
                    return caption, measure.measure(clip.samples.astype(np.float64), sweep, inverse, sr,
                                                    pre_s=pre_s, ir_length_s=min(tail_s, 4.0)), None
                except InputError as exc:
                    return None, None, exc

            ident = (getattr(source, "file_id", None), getattr(source, "size", None), name, f1, f2, dur, sr,
                     fade_ms, tail_s)
            caption, m_rec, problem = session_memo("_mr_recorded", ident, decode_and_measure)
            if caption:
                st.caption(caption)
            if problem is not None:
                show_input_error(problem)
            else:
                show_measurement(m_rec, "mr_recm", "Recorded in the browser")

# ---------------------------------------------------------------------------- sound card
with t_card:
    if t_card.open:
        ok, reason = local_duplex_status()
        if not ok:
            st.info(f"**Play-and-record is hidden here:** {reason} It needs the app running on a computer with a "
                    "speaker and a microphone (`make run` on your own machine); then this tab plays the sweep and "
                    "records it at the same time through PortAudio (`sounddevice`). The browser tab works anywhere.",
                    icon=":material/volume_off:")
        else:
            st.markdown("Plays the sweep file on this computer's default output and records its default input at "
                        "the same time. The device's latency is found by cross-correlation.")
            guard()
            params = (sr, level, dur, f1, f2, fade_ms, tail_s)
            if st.button("Play the sweep and record", key="mr_card_go", icon=":material/mic:"):
                wav = sweep_file(sweep, sr, level, tail_s, lead_s=0.5)
                with st.spinner(f"Playing and recording for {len(wav) / sr:.1f} s..."):
                    try:
                        rec = play_and_record(wav, sr)
                        result = measure.measure(rec, sweep, inverse, sr, pre_s=pre_s, ir_length_s=min(tail_s, 4.0),
                                                 level=level)
                    except InputError as exc:
                        result = exc
                # the measurement (not the raw recording) stays for this session, for these settings
                st.session_state["mr_card_result"] = (params, result)
            saved = st.session_state.get("mr_card_result")
            if saved is not None and saved[0] == params:
                if isinstance(saved[1], InputError):
                    show_input_error(saved[1])
                else:
                    show_measurement(saved[1], "mr_cardm", "Recorded with the sound card")
            elif saved is not None:
                st.caption("The sweep settings changed since the last recording: play and record again.")

in_depth(r"""
**The sweep (Farina 2000).** $x(t) = \sin\!\big(2\pi f_1 L\,(e^{t/L} - 1)\big)$ for $0 \le t < T$, with
$L = T / \ln(f_2/f_1)$. Its instantaneous frequency $f(t) = \frac{1}{2\pi}\frac{d\phi}{dt} = f_1 e^{t/L}$
climbs the same number of octaves each second, so it lingers $L/f$ seconds per hertz: a pink spectrum
($-3$ dB/octave). Half-Hann fades at both ends stop the clicks that a hard start or stop would spread over
every frequency.

**The inverse filter.** The sweep reversed in time undoes the frequency-dependent *delay* (low frequencies
come first in the sweep and last in the reverse); an amplitude envelope $e^{-t/L}$ (−6 dB/octave as
the reversed sweep descends) undoes the pink *level*. Scaled to unit gain, $x * x_\text{inv}$ is a
band-limited click (flat from $f_1$ to $f_2$), so a recording $r = x * h$ gives $r * x_\text{inv} \approx h$.

**Why distortion lands at negative times.** A memoryless nonlinearity turns $\sin\phi(t)$ into harmonics
$\sin k\phi(t)$ with instantaneous frequency $k f_1 e^{t/L} = f_1 e^{(t + L\ln k)/L}$: the sweep's own
frequency $\Delta t_k = L\ln k = T\ln k/\ln(f_2/f_1)$ seconds *later*. The inverse filter aligns each frequency
to time zero, so the $k$-th harmonic's response appears $\Delta t_k$ seconds **before** the linear one. Each
also carries a constant phase $2\pi f_1 L(1-k)$; choosing $f_1 L$ whole ("synchronized" sweep, Novak et al.
2015) makes the harmonic responses usable as nonlinear models too. The linear response must decay before
the 2nd harmonic's response begins: $L\ln 2$ must exceed the reverberation you want to keep, a reason for
long sweeps.

**Signal-to-noise.** Deconvolution gathers the sweep's whole energy into one click while noise stays spread:
doubling $T$ gains 3 dB. Raising the level gains more until the speaker distorts — which the sweep tolerates
far better than MLS or noise, because the distortion is moved out of the way instead of smeared over the response.

**Alignment.** A recording from another device starts at an unknown moment: the cross-correlation with the
sweep (a matched filter) finds it, and the onset of the deconvolved response (first sample within 20 dB of
its peak, ISO 3382-1) sets time zero 5 ms before the direct sound. The absolute propagation time cannot be
known without a shared clock (a loop-back channel on a sound card gives it).

**Then** the response goes through the same analysis as the room designer's: Schroeder's EDC with the noise
floor subtracted, EDT/T20/T30, C50/C80, D50 and DRR.

**References.** A. Farina, "Simultaneous measurement of impulse response and distortion with a swept-sine
technique", AES 108th Convention (2000); A. Farina, "Advancements in impulse response measurements by sine
sweeps", AES 122nd Convention (2007); S. Müller, P. Massarani, "Transfer-function measurement with sweeps",
JAES 49 (2001); A. Novak, L. Simon, P. Lotton, "Synchronized swept-sine", JAES 63 (2015); ISO 3382-1:2009;
ISO 18233:2006 (new measurement methods in building and room acoustics).
""")
show_code(measure.ess_sweep, measure.deconvolve, measure.align, measure.measure)
