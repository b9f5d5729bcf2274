"""The Fourier transform from intuition: the winding machine, the complex spectrum, phase."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import ft_figures as ff
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, inputs
from components.teach import in_depth, intro, show_code
from lib import fourier as F
from lib import signals

VIEWS = ("Winding machine", "Complex spectrum", "Phase and time")

intro(
    "Fourier transform: winding & complex spectrum",
    "Wrap a signal around a circle, turning at a chosen *winding frequency*, and track the centre of mass of the "
    "wrapped curve: it stays near the middle unless the winding frequency matches a frequency in the signal. "
    "That centre of mass, times the number of samples, **is** the Fourier transform at that frequency — a complex "
    "number whose length says how much of the frequency there is and whose angle says where its cycles start.",
    "in **Winding machine**, drag **Winding frequency** slowly through 3 Hz: the flower-shaped curve suddenly "
    "leans to one side and the centre of mass jumps out.",
)

demo_scenarios({
    "Wind at 3 Hz": {"ft_view": "Winding machine", "ft_signal": "3 Hz cosine, lifted by 1 (3Blue1Brown)", "ft_wind_8": 3.0},
    "Two tones, two peaks": {"ft_view": "Winding machine", "ft_signal": "2 Hz and 3 Hz together", "ft_wind_8": 2.0},
    "A cosine has phase 0": {"ft_view": "Complex spectrum", "ft_p1": 90},
    "Start the window later": {"ft_view": "Phase and time", "ft_ph_t0": 0.5},
}, key="ft")

view = st.radio("View", VIEWS, key="ft_view", horizontal=True, bind="query-params", label_visibility="collapsed")

SLOW = {  # (sr, duration): slow signals like 3Blue1Brown's, so the winding is visible
    "3 Hz cosine, lifted by 1 (3Blue1Brown)": lambda t: 1.0 + np.cos(2 * np.pi * 3 * t),
    "2 Hz and 3 Hz together": lambda t: np.cos(2 * np.pi * 2 * t) + np.cos(2 * np.pi * 3 * t),
    "3 Hz strong + 5 Hz weak": lambda t: np.cos(2 * np.pi * 3 * t) + 0.4 * np.cos(2 * np.pi * 5 * t),
    "3.5 Hz (not a whole number of cycles)": lambda t: np.cos(2 * np.pi * 3.5 * t),
}
VOWEL = "Sung vowel /a/ at 120 Hz (40 ms of audio)"


@st.cache_data(max_entries=8, show_spinner=False)
def make_signal(name: str) -> tuple[np.ndarray, float, float]:
    """Samples, rate and the largest winding frequency worth showing."""
    if name == VOWEL:
        sr = 8000
        y = signals.vowel(120.0, sr, 0.3, vibrato_depth=0.0).astype(np.float64)
        return y[int(0.1 * sr) : int(0.1 * sr) + int(0.04 * sr)], float(sr), 1000.0
    sr, dur = 200.0, 3.0
    t = np.arange(int(sr * dur)) / sr
    return SLOW[name](t), sr, 8.0


@st.cache_data(max_entries=8, show_spinner=False)
def sweep(y: np.ndarray, sr: float, fmax: float, n: int):
    freqs = np.linspace(0.0, fmax, n)
    return freqs, F.winding_center(y, sr, freqs)


@st.cache_data(max_entries=4, show_spinner=False)
def animation(name: str):
    y, sr, fmax = make_signal(name)
    freqs, centers = sweep(y, sr, fmax, 81)
    step = max(1, len(y) // 400)  # the drawn curve: at most ~400 points per frame
    points = [F.wound_signal(y, sr, f)[::step] for f in freqs]
    return ff.sweep_animation(points, freqs, centers)


def view_winding() -> None:
    c1, c2 = st.columns([0.45, 0.55])
    name = c1.selectbox("Signal", list(SLOW) + [VOWEL], key="ft_signal", bind="query-params")
    y, sr, fmax = make_signal(name)
    step = 0.01 if fmax <= 10 else 1.0
    default = 2.0 if fmax <= 10 else 100.0
    f = c2.slider("Winding frequency (Hz)", 0.0, fmax, default, step, key=f"ft_wind_{int(fmax)}", bind="query-params",
                  help="How many turns around the circle per second of signal")
    with stop_on_input_error():
        center = F.winding_center(y, sr, f)
        pts = F.wound_signal(y, sr, f)
        freqs, centers = sweep(y, sr, fmax, 801)
    n = len(y)
    left, right = st.columns([0.42, 0.58])
    step_pts = max(1, n // 1500)
    chart(ff.wound(pts[::step_pts], center, winding_hz=f), key="ft_wound", where=left)
    chart(ff.center_curve(freqs, centers, winding_hz=f, current=center, n_samples=n),
                       key="ft_curve", where=right)
    X = np.fft.fft(y)
    k = int(round(f * n / sr))
    m = st.columns(5)
    m[0].metric("Centre of mass", f"{center.real:.2f}{center.imag:+.2f}i")
    m[1].metric("|centre|", f"{abs(center):.4f}")
    m[2].metric("N × |centre|", f"{n * abs(center):.3f}", help=f"N = {n} samples")
    on_grid = abs(f * n / sr - k) < 1e-9
    m[3].metric(f"|np.fft.fft(y)[{k}]|", f"{abs(X[k % n]):.3f}",
                help=f"bin {k} is at {k * sr / n:g} Hz; the DFT only samples the winding curve at multiples of sr/N = {sr / n:g} Hz")
    m[4].metric("Same number?", "yes, exactly" if on_grid and abs(n * center - X[k % n]) < 1e-6 * max(1, abs(X[k % n]))
                else f"no: {f:g} Hz is between bins")
    st.caption(
        f"{n} samples at {sr:g} Hz, so the DFT's bins sit every sr/N = {sr / n:.3g} Hz. Between bins the winding "
        "machine still answers (that is the discrete-time Fourier transform, a continuous curve); the DFT samples it. "
        "At 0 Hz nothing is wound and the centre is simply the mean of the signal (the DC offset)."
    )
    if st.toggle("Show the sweep animation (plays in your browser)", True, key="ft_anim"):
        chart(animation(name), key="ft_anim_fig")


def view_complex() -> None:
    st.markdown("A test signal of **N** samples at **sr** Hz: a DC offset plus two sines, with their frequencies on "
                "DFT bins (multiples of sr/N) so that each lands in exactly one bin.")
    c = st.columns(6)
    n = c[0].select_slider("N samples", [16, 32, 64, 128], value=32, key="ft_n", bind="query-params")
    sr = 1000.0
    df = sr / n
    k1 = c[1].slider("Tone 1 bin k₁", 1, n // 2 - 1, 3, key="ft_k1", help=f"frequency k₁ · {df:g} Hz")
    a1 = c[2].slider("Tone 1 amplitude", 0.0, 1.0, 1.0, 0.05, key="ft_a1")
    p1 = c[3].slider("Tone 1 phase φ₁ (deg)", -180, 180, 0, 15, key="ft_p1", bind="query-params")
    k2 = c[4].slider("Tone 2 bin k₂", 1, n // 2 - 1, min(7, n // 2 - 1), key="ft_k2")
    dc = c[5].slider("DC offset", -1.0, 1.0, 0.0, 0.1, key="ft_dc")
    centered = st.toggle("Centre the axis on 0 Hz (−sr/2 … +sr/2, fftshift)", False, key="ft_centered")
    t = np.arange(n) / sr
    y = dc + a1 * np.sin(2 * np.pi * k1 * df * t + np.radians(p1)) + 0.5 * np.sin(2 * np.pi * k2 * df * t)
    with stop_on_input_error():
        freqs, X = F.two_sided_spectrum(y, sr, centered=centered)
    chart(ff.complex_spectrum(freqs, X, sr=sr, centered=centered), key="ft_complex")
    Xk = np.fft.fft(y)[k1]
    m = st.columns(5)
    m[0].metric(f"X[{k1}] ({k1 * df:g} Hz)", f"{Xk.real:.1f}{Xk.imag:+.1f}i")
    m[1].metric("|X[k₁]|", f"{abs(Xk):.2f}", help="A sine of amplitude A on a bin gives |X| = A·N/2")
    m[2].metric("A·N/2", f"{a1 * n / 2:.2f}")
    m[3].metric("∠X[k₁]", f"{np.degrees(np.angle(Xk)):+.1f}°" if abs(Xk) > 1e-9 else "undefined (|X| = 0)")
    m[4].metric("φ₁ − 90°", f"{((p1 - 90 + 180) % 360) - 180:+.0f}°",
                help="sin(θ + φ) = cos(θ + φ − 90°): the DFT measures phase against a cosine")
    st.caption(
        f"For a real signal the bins above Nyquist ({sr / 2:g} Hz) mirror those below: X[N−k] = conj(X[k]) — same "
        "magnitude, opposite phase. They are the negative frequencies: a real cosine is the sum of two counter-rotating "
        "phasors, e^{iθ}/2 + e^{−iθ}/2, so its energy splits between +f and −f (hence A·N/2, not A·N). "
        "The DC bin X[0] = N × mean is real. Where |X| is zero the phase is undefined, not zero: it is drawn only "
        "where there is something to measure."
    )


def view_phase() -> None:
    st.subheader("Phase depends on where the window starts")
    c1, c2 = st.columns(2)
    f_tone = c1.select_slider("Tone (Hz)", [100, 200, 440, 1000], value=440, key="ft_ph_f")
    t0_ms = c2.slider("Window start (ms)", 0.0, 10.0, 0.0, 0.05, key="ft_ph_t0", bind="query-params")
    sr, win_s = 8000.0, 0.1  # 100 ms windows: every tone above is a whole number of cycles
    n_win = int(sr * win_s)
    t = np.arange(int(sr * 0.12)) / sr
    y = np.cos(2 * np.pi * f_tone * t)
    start = int(round(t0_ms / 1000 * sr))
    with stop_on_input_error():
        c = F.winding_center(y[start : start + n_win], sr, f_tone)
        starts = np.arange(0, int(0.01 * sr) + 1)
        curve = np.array([np.degrees(np.angle(F.winding_center(y[s : s + n_win], sr, f_tone))) for s in starts])
    phase = float(np.degrees(np.angle(c)))
    chart(ff.window_phase(starts / sr * 1000, curve, current_ms=start / sr * 1000, current_deg=phase),
                    key="ft_winphase")
    m = st.columns(3)
    m[0].metric("|X| at the tone (×2/N)", f"{2 * abs(c):.3f}", help="the amplitude: the same for every start")
    m[1].metric("Phase at the tone", f"{phase:+.1f}°")
    m[2].metric("Predicted 360° · f · t₀", f"{((360 * f_tone * start / sr + 180) % 360) - 180:+.1f}°")
    st.caption("The tone is cos(2π f t): it has phase 0 at t = 0. A window that starts t₀ later sees the wave "
               "already 360°·f·t₀ into its cycle, so the measured phase moves by that much, wrapping every period. "
               "A spectrum's phase is always relative to the window's first sample: no component 'has' zero phase.")

    st.subheader("A time shift rotates phase linearly with frequency")
    d1, d2 = st.columns(2)
    delay = d1.slider("Delay (samples)", 0, 20, 4, 1, key="ft_delay", bind="query-params")
    sr2, n2 = 8000.0, 256
    rng = np.random.default_rng(5)
    pulse = np.zeros(n2)
    pulse[40:56] = np.hanning(16) * rng.choice([-1, 1], 16)  # a short broadband burst
    delayed = np.roll(pulse, delay)
    f2 = np.fft.rfftfreq(n2, 1 / sr2)
    Xa, Xb = np.fft.rfft(pulse), np.fft.rfft(delayed)
    keep = np.abs(Xa) > 1e-3 * np.abs(Xa).max()
    diff = np.degrees(np.unwrap(np.angle(Xb) - np.angle(Xa)))
    expected = -360.0 * f2 * delay / sr2
    d2.metric("Slope of the phase change", f"{-360 * delay / sr2 * 1000:+.1f}° per kHz",
              help="−360° × delay (s): one full turn per 1/delay Hz")
    chart(ff.phase_vs_frequency(f2[keep], np.zeros(keep.sum()), diff[keep], expected[keep],
                                          delay_ms=1000 * delay / sr2), key="ft_linphase")
    st.caption(f"Delaying by τ = {1000 * delay / sr2:g} ms multiplies X(f) by e^(−2πifτ): magnitudes stay, every "
               "phase turns by −360°·f·τ — a straight line through 0. That is why a linear-phase filter only delays a "
               "sound, and why group delay = −(1/360°)·d(phase)/df measures a delay in seconds.")


with stop_on_input_error():
    {"Winding machine": view_winding, "Complex spectrum": view_complex, "Phase and time": view_phase}[view]()

in_depth(r"""
**The winding machine** (3Blue1Brown, *But what is the Fourier Transform?*). Draw each sample $x[n]$ as a point at
distance $x[n]$ from the origin, at angle $-2\pi f n / s_r$: the signal wound around a circle $f$ times per second.
Its centre of mass is
$$c(f) = \frac{1}{N}\sum_{n=0}^{N-1} x[n]\, e^{-2\pi i f n / s_r},$$
and $N\,c(f)$ is the **discrete-time Fourier transform** $X(f)$. At $f = k\,s_r/N$ it is the DFT bin
$X[k] = \sum_n x[n] e^{-2\pi i k n/N}$ that `np.fft.fft` returns (tested in `tests/lib/test_winding_mfcc.py`).

**Complex numbers.** $X[k] = \operatorname{Re} + i\operatorname{Im} = |X[k]|\,e^{i\angle X[k]}$: magnitude = how much
of that frequency, phase = where its cycles start relative to the window. A sine of amplitude $A$ on bin $k$ gives
$|X[k]| = AN/2$ because a real cosine is two phasors, $\cos\theta = (e^{i\theta} + e^{-i\theta})/2$, at $+f$ and $-f$.
For real signals $X[N-k] = \overline{X[k]}$: the bins above Nyquist are the negative frequencies, a mirror image.

**Phase and time.** Shift the signal by $\tau$: $x(t - \tau) \leftrightarrow X(f)\,e^{-2\pi i f\tau}$. Magnitudes
stay; phase changes by $-2\pi f\tau$, a straight line in $f$. Start the window $t_0$ later and a steady tone's phase
advances by $2\pi f t_0$. Phase is only meaningful relative to a time origin and where $|X| > 0$.

**Pitfalls.** `np.angle` of a bin holding only rounding noise returns a random-looking angle; mask it. The DFT
samples the continuous $X(f)$ at $s_r/N$ spacing: a frequency between bins leaks into its neighbours (see the
Magnitude spectrum page). `np.fft.fft` is unnormalised; divide by $N$ for the centre of mass, by $N/2$ for a sine's
amplitude.

**References.** 3Blue1Brown (2018), *But what is the Fourier Transform? A visual introduction*; J. Schaedler,
*Seeing Circles, Sines and Signals* (DFT introduction); J. O. Smith, *Mathematics of the DFT*; `numpy.fft`.
""")
show_code(F.winding_center, F.wound_signal, F.two_sided_spectrum)
