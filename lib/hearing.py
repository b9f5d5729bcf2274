"""Sound and hearing: pitch and notes, levels in dB, loudness, critical bands, safe tones.

What a sound wave is to a listener, in small tested functions:

* **pitch** - frequency to MIDI number and note name with cents (12-tone equal
  temperament, A4 = 440 Hz), the note table C0 ... C8, a pitch tracker (librosa's
  pYIN, refined) and the strongest spectral peak beside it;
* **tones** - harmonic tones with chosen harmonic weights (timbre at equal pitch,
  the missing fundamental), band-limited noise, and a level-capped tone with fades;
* **levels** - SPL re 20 uPa, the inverse-square law, adding sources;
* **loudness** - equal-loudness contours and their inverse from **ISO 226:2023**
  (third edition, Formula (1), Formula (2) and Table 1), A-weighting from
  **IEC 61672-1:2013**;
* **critical bands** - Bark (Zwicker & Terhardt 1980), ERB (Glasberg & Moore 1990)
  and a power-spectrum model of a tone masked by a band of noise.

Frequencies are in Hz (``freq_hz``), levels in dB with their reference in the name
(``spl_db`` re 20 uPa, ``level_dbfs`` re digital full scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.errors import MAX_AMPLITUDE, MAX_SAMPLES, InputError, check_int, check_number, check_signal, check_sr

#: Concert pitch: A4 in Hz (ISO 16:1975).
A4_HZ = 440.0
#: MIDI note number of A4.
A4_MIDI = 69
#: One equal-tempered semitone as a frequency ratio, 2 ** (1/12).
SEMITONE = 2.0 ** (1.0 / 12.0)
#: Pitch-class names, sharps only (C = 0).
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}

#: Speed of sound in dry air at 20 degC, m/s.
SPEED_OF_SOUND = 343.0
#: Reference sound pressure for SPL in air, Pa (20 uPa, roughly the threshold of hearing at 1 kHz).
P_REF_PA = 20e-6
#: Characteristic impedance of air at 20 degC, rho * c in Pa s / m.
RHO_C = 413.0

#: The audible range usually quoted for young adults, Hz.
AUDIBLE_RANGE_HZ = (20.0, 20000.0)


#: Largest magnitude any quantity here accepts (Hz, Pa, m, ...): far beyond hearing, and its powers
#: (f^4 in the A-weighting) stay finite in float64.
MAX_MAGNITUDE = 1e12
#: Largest magnitude of a level in dB (10^(1000/10) is still a finite float64).
MAX_LEVEL_DB = 1000.0


def _as_float_array(x, what: str, limit: float = MAX_MAGNITUDE) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise InputError(f"{what} must be a number or an array of numbers; got {x!r:.40}.")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{what} must be a number or an array of numbers; got {x!r:.40}.") from None
    if arr.size == 0:
        raise InputError(f"{what}: nothing given.")
    if arr.size > MAX_SAMPLES:
        raise InputError(f"{what}: too many values ({arr.size:,}; at most {MAX_SAMPLES:,}).")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} must be finite; got {x!r:.40}.")
    if float(np.max(np.abs(arr))) > limit:
        raise InputError(f"{what} must lie within ±{limit:g}; got {float(np.max(np.abs(arr))):g}.")
    return arr


def _level(x, what: str) -> np.ndarray:
    """Levels in dB: finite and within ±:data:`MAX_LEVEL_DB`."""
    return _as_float_array(x, what, limit=MAX_LEVEL_DB)


def _positive(x, what: str) -> np.ndarray:
    arr = _as_float_array(x, what)
    if np.any(arr <= 0):
        raise InputError(f"{what} must be positive; got {x!r}.")
    return arr


def _out(arr: np.ndarray, *like):
    """A float when every input was a scalar, an array otherwise."""
    return float(np.asarray(arr).item()) if all(np.ndim(x) == 0 for x in like) else np.asarray(arr)


def _check_sr(sr) -> float:
    return float(check_sr(sr))


def _n_samples(sr: float, duration_s) -> int:
    try:
        duration_s = float(duration_s)
    except (TypeError, ValueError):
        raise InputError(f"Duration must be a number of seconds; got {duration_s!r}.") from None
    if not np.isfinite(duration_s) or duration_s <= 0:
        raise InputError(f"Duration must be positive; got {duration_s} s.")
    if duration_s > 60:
        raise InputError(f"Tones here last at most 60 s; got {duration_s:g} s.")
    return max(1, int(round(sr * duration_s)))


# --------------------------------------------------------------------------- the wave


def period_s(freq_hz):
    """Period ``T = 1 / f`` in seconds."""
    f = _positive(freq_hz, "Frequency")
    return _out(1.0 / f, freq_hz)


def wavelength_m(freq_hz, *, c: float = SPEED_OF_SOUND):
    """Wavelength ``lambda = c / f`` in metres (c = 343 m/s: air at 20 degC)."""
    f = _positive(freq_hz, "Frequency")
    if not np.isfinite(c) or c <= 0:
        raise InputError(f"The speed of sound must be positive; got {c} m/s.")
    return _out(c / f, freq_hz)


# --------------------------------------------------------------------------- pitch and notes


def hz_to_midi(freq_hz, *, a4_hz: float = A4_HZ):
    """MIDI note number (fractional) of a frequency: ``69 + 12 log2(f / 440)``.

    Example: 440 Hz -> 69.0, 261.63 Hz (middle C) -> 60.0.
    """
    f = _positive(freq_hz, "Frequency")
    a4 = float(_positive(a4_hz, "The reference A4"))
    return _out(A4_MIDI + 12.0 * np.log2(f / a4), freq_hz)


def midi_to_hz(midi, *, a4_hz: float = A4_HZ):
    """Frequency in Hz of a (fractional) MIDI note number: ``440 * 2 ** ((m - 69) / 12)``."""
    m = _as_float_array(midi, "MIDI note number")
    if np.any(np.abs(m) > 1000):
        raise InputError(f"MIDI note numbers here lie within +-1000; got {midi!r}.")
    a4 = float(_positive(a4_hz, "The reference A4"))
    return _out(a4 * 2.0 ** ((m - A4_MIDI) / 12.0), midi)


def midi_to_note(midi: int) -> str:
    """Scientific pitch name of a whole MIDI number: 69 -> "A4", 60 -> "C4", 61 -> "C#4"."""
    try:
        m = int(midi)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"A MIDI note number must be a whole number; got {midi!r}.") from None
    if m != midi:
        raise InputError(f"A MIDI note number must be a whole number; got {midi!r}.")
    return f"{NOTE_NAMES[m % 12]}{m // 12 - 1}"


def note_to_midi(name: str) -> int:
    """MIDI number of a note name such as "A4", "C#3", "Bb2" (sharps or flats)."""
    s = str(name).strip().replace("♯", "#").replace("♭", "b")
    i = 1
    while i < len(s) and s[i] in "#b":
        i += 1
    pc, rest = s[:i], s[i:]
    pc = pc[:1].upper() + pc[1:]
    octave_shift = 0
    if pc in ("Cb", "B#"):  # they cross an octave boundary
        octave_shift = -1 if pc == "Cb" else 1
    pc = _FLATS.get(pc, pc)
    try:
        octave = int(rest)
    except ValueError:
        raise InputError(f"Cannot read {name!r} as a note; write a letter, an optional # or b, "
                         "and an octave, like A4 or C#3.") from None
    if pc not in NOTE_NAMES:
        raise InputError(f"Cannot read {name!r} as a note; the letter must be A to G.")
    return 12 * (octave + 1 + octave_shift) + NOTE_NAMES.index(pc)


def hz_to_note(freq_hz: float, *, a4_hz: float = A4_HZ) -> tuple[str, float]:
    """Nearest equal-tempered note and the deviation from it in cents.

    A cent is 1/100 of a semitone: ``cents = 1200 log2(f / f_note)``, in [-50, +50).

    Example: 440 -> ("A4", 0.0); 445 -> ("A4", +19.6); 466.16 -> ("A#4", 0.0).
    """
    f = _positive(freq_hz, "Frequency")
    if f.ndim != 0:
        raise InputError("hz_to_note takes one frequency at a time.")
    m = float(hz_to_midi(float(f), a4_hz=a4_hz))
    n = int(np.floor(m + 0.5))
    return midi_to_note(n), 100.0 * (m - n)


def cents(f_ref_hz, f_hz):
    """Interval from ``f_ref_hz`` to ``f_hz`` in cents: ``1200 log2(f / f_ref)``."""
    a = _positive(f_ref_hz, "Reference frequency")
    b = _positive(f_hz, "Frequency")
    return _out(1200.0 * np.log2(b / a), f_ref_hz, f_hz)


def pitch_class(freq_hz: float, *, a4_hz: float = A4_HZ) -> str:
    """The note name without its octave ("A" for 110, 220, 440 Hz): octaves share a class."""
    name, _ = hz_to_note(freq_hz, a4_hz=a4_hz)
    return name.rstrip("-0123456789")


@dataclass(frozen=True)
class Note:
    """One row of the note table."""

    name: str  #: scientific pitch name, e.g. "A4"
    midi: int
    freq_hz: float
    pitch_class: str  #: name without octave, e.g. "A"
    octave: int


def note_table(a4_hz: float = A4_HZ, *, lowest: str = "C0", highest: str = "C8") -> list[Note]:
    """Equal-tempered notes from ``lowest`` to ``highest`` (default C0 = 16.35 Hz ... C8 = 4186.01 Hz).

    ``f = a4_hz * 2 ** ((midi - 69) / 12)``: every semitone multiplies the
    frequency by 2^(1/12) = 1.05946, every octave (12 semitones) doubles it.
    """
    lo, hi = note_to_midi(lowest), note_to_midi(highest)
    if hi < lo:
        raise InputError(f"{highest} is below {lowest}; give the lowest note first.")
    if hi - lo > 240:
        raise InputError("The note table spans at most 20 octaves.")
    out = []
    for m in range(lo, hi + 1):
        out.append(Note(midi_to_note(m), m, float(midi_to_hz(m, a4_hz=a4_hz)), NOTE_NAMES[m % 12], m // 12 - 1))
    return out


# --------------------------------------------------------------------------- pitch tracking


@dataclass(frozen=True)
class F0Track:
    """Result of :func:`track_f0`: a pitch value per frame."""

    times_s: np.ndarray  #: frame centres
    f0_hz: np.ndarray  #: NaN where unvoiced
    voiced: np.ndarray  #: bool per frame
    voiced_prob: np.ndarray  #: pYIN's voicing probability per frame
    frame_length: int
    hop_length: int

    def spread_cents(self) -> float:
        """Interquartile range of the voiced pitches in cents (NaN with fewer than 2 voiced frames).

        A steady note spreads a few cents (vibrato: tens); a phrase of several notes spreads
        hundreds, and then its median f0 is not the pitch of any one note.
        """
        f = self.f0_hz[self.voiced]
        if f.size < 2:
            return float("nan")
        c = 1200.0 * np.log2(f / np.median(f))
        q1, q3 = np.percentile(c, [25, 75])
        return float(q3 - q1)


#: Above this interquartile spread (cents) a stretch holds more than one note.
SEVERAL_NOTES_CENTS = 70.0

#: pYIN's pitch grid in semitones (its states); :func:`track_f0` refines below it.
PYIN_RESOLUTION = 0.2


def pyin_frame_length(sr: float, fmin: float) -> int:
    """Shortest power-of-two frame (>= 1024) that holds two periods of ``fmin`` plus YIN's window."""
    sr = _check_sr(sr)
    fmin = check_number(fmin, "The lowest pitch fmin", lo=1.0, hi=sr / 2, unit="Hz")
    need = int(np.ceil(2.0 * sr / fmin)) + 2
    return int(max(1024, 1 << int(np.ceil(np.log2(need)))))


def _check_pitch_input(y, sr, fmin, fmax) -> tuple[np.ndarray, float, float, float]:
    sr = _check_sr(sr)
    x = check_signal(y, "The audio", dtype=np.float32, max_abs=MAX_AMPLITUDE)
    fmin = float(_positive(fmin, "The lowest pitch fmin"))
    fmax = float(_positive(fmax, "The highest pitch fmax"))
    if not fmin < fmax:
        raise InputError(f"Need fmin < fmax; got {fmin:g} Hz and {fmax:g} Hz.")
    if fmax >= sr / 2:
        raise InputError(f"fmax ({fmax:g} Hz) must lie below Nyquist ({sr / 2:g} Hz).")
    if fmin < 20.0:
        raise InputError(f"fmin ({fmin:g} Hz) must be at least 20 Hz: below that a tone is felt, not heard as pitch.")
    return x, sr, fmin, fmax


def track_f0(y: np.ndarray, sr: float, *, fmin: float = 65.0, fmax: float = 2100.0) -> F0Track:
    """Fundamental frequency per frame with librosa's pYIN, refined below its pitch grid.

    pYIN (Mauch & Dixon 2014) scores YIN's period candidates with a hidden Markov
    model, which decides voiced/unvoiced and avoids octave jumps, but it reports
    pitches on a grid; here 0.2 semitone (20 cents), since the HMM's cost grows with
    the square of the number of pitch states (librosa's default 0.1 is 4x slower).
    That is too coarse for a tuner, so each voiced frame takes plain YIN's
    parabolically interpolated estimate for the same frame when it lies within 50 cents of pYIN's choice (same period,
    finer value), and keeps pYIN's otherwise.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : float
        Sampling rate in Hz.
    fmin, fmax : float
        Pitch search range in Hz.

    Raises
    ------
    InputError
        Empty or non-finite audio, a bad range, or audio shorter than one analysis frame.
    """
    import librosa

    x, sr, fmin, fmax = _check_pitch_input(y, sr, fmin, fmax)
    frame_length = pyin_frame_length(sr, fmin)
    hop = frame_length // 4
    if x.size < frame_length:
        raise InputError(
            f"The clip is too short to find a pitch down to {fmin:g} Hz: need at least "
            f"{1000 * frame_length / sr:.0f} ms, got {1000 * x.size / sr:.0f} ms. Raise fmin or use a longer clip."
        )
    if float(np.max(np.abs(x))) < 1e-5:
        raise InputError("The clip is silent: there is no pitch to find.")
    sr_int = int(round(sr))
    f0, voiced, prob = librosa.pyin(x, fmin=fmin, fmax=fmax, sr=sr_int, frame_length=frame_length,
                                    hop_length=hop, center=True, resolution=PYIN_RESOLUTION)
    fine = librosa.yin(x, fmin=fmin, fmax=fmax, sr=sr_int, frame_length=frame_length, hop_length=hop, center=True)
    n = min(len(f0), len(fine))
    f0, voiced, prob, fine = f0[:n], voiced[:n], prob[:n], fine[:n]
    close = voiced & (np.abs(1200.0 * np.log2(np.where(voiced, fine, 1.0) / np.where(voiced, f0, 1.0))) < 50.0)
    f0 = np.where(close, fine, f0)
    f0 = np.where(voiced, f0, np.nan)
    times = np.arange(n) * hop / sr
    return F0Track(times_s=times, f0_hz=f0.astype(np.float64), voiced=voiced.astype(bool),
                   voiced_prob=prob.astype(np.float64), frame_length=frame_length, hop_length=hop)


def estimate_f0(y: np.ndarray, sr: float, *, fmin: float = 65.0, fmax: float = 2100.0) -> float:
    """Median fundamental frequency in Hz over the voiced frames of :func:`track_f0`.

    The fundamental is the repetition rate of the waveform, so it is found even
    when the f0 component itself is absent (the "missing fundamental").

    Raises
    ------
    InputError
        When no frame is voiced (noise, drums, silence): the clip has no pitch.
    """
    track = track_f0(y, sr, fmin=fmin, fmax=fmax)
    if not track.voiced.any():
        raise InputError(
            f"No pitched (voiced) frames between {fmin:g} and {fmax:g} Hz: noise and most drums have no "
            "fundamental. Pick a sustained note, or widen the range."
        )
    median = float(np.median(track.f0_hz[track.voiced]))
    start, stop = _longest_run(track.voiced)
    a = max(0, start * track.hop_length - track.frame_length // 2)
    b = min(len(y), (stop - 1) * track.hop_length + track.frame_length // 2)
    refined = _refine_with_harmonics(np.asarray(y, dtype=np.float64)[a:b], float(sr), median)
    return refined if refined is not None and abs(1200 * np.log2(refined / median)) < 30.0 else median


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """Start and stop (exclusive) of the longest run of True in ``mask``."""
    best, cur_start, best_run = (0, 0), None, 0
    for i, v in enumerate(list(mask) + [False]):
        if v and cur_start is None:
            cur_start = i
        elif not v and cur_start is not None:
            if i - cur_start > best_run:
                best, best_run = (cur_start, i), i - cur_start
            cur_start = None
    return best


def _refine_with_harmonics(x: np.ndarray, sr: float, f0_hz: float, *, n_harmonics: int = 10,
                           search: float = 0.03, floor_db: float = -40.0) -> float | None:
    """Sharpen an f0 estimate from the interpolated peaks of its harmonics in one long spectrum.

    A frame-wise pitch tracker is limited by its grid or by interpolation between lags
    (several cents near 1 kHz); a Hann spectrum of the whole steady stretch, zero-padded
    4x, puts each harmonic k at ``f_k`` to a small fraction of a bin. ``f0 = sum a_k f_k /
    sum a_k k`` weights each harmonic by its amplitude, so the fundamental need not be present.
    Returns None when the stretch is shorter than four periods or no harmonic stands out.
    """
    from lib.spectral import interpolate_peak

    if x.size < 4 * sr / f0_hz:
        return None
    n_fft = 1 << int(np.ceil(np.log2(4 * x.size)))
    mag = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(x.size), n_fft))
    freqs = np.arange(mag.size) * sr / n_fft
    peaks = []
    for k in range(1, n_harmonics + 1):
        lo, hi = k * f0_hz * (1 - search), k * f0_hz * (1 + search)
        if hi >= 0.45 * sr:
            break
        band = np.flatnonzero((freqs >= lo) & (freqs <= hi))
        if band.size < 3:
            continue
        j = band[np.argmax(mag[band])]
        if j in (band[0], band[-1]):  # the maximum sits on the edge: no peak inside the band
            continue
        f_k, a_k = interpolate_peak(freqs[j - 1: j + 2], mag[j - 1: j + 2])
        peaks.append((k, f_k, a_k))
    if not peaks:
        return None
    top = max(a for _, _, a in peaks)
    keep = [(k, f, a) for k, f, a in peaks if a >= top * 10 ** (floor_db / 20)]
    return float(sum(a * f for _, f, a in keep) / sum(a * k for k, _, a in keep))


def strongest_peak(y: np.ndarray, sr: float, *, fmin: float = 30.0) -> tuple[float, float]:
    """Frequency (Hz, interpolated) and level (dBFS, amplitude) of the largest spectral peak above ``fmin``.

    Hann-windowed spectrum of the whole clip (:func:`lib.spectral.magnitude_spectrum`,
    amplitude scaling), quadratic interpolation of the peak. For many instruments this is
    not f0: a trumpet or an oboe often has a louder 2nd or 3rd harmonic.
    """
    from lib.spectral import interpolate_peak, magnitude_spectrum

    sr = _check_sr(sr)
    x = check_signal(y, "The audio", min_len=16, dtype=np.float64, max_abs=MAX_AMPLITUDE)
    fmin = check_number(fmin, "The lowest frequency fmin", lo=0.0, hi=sr / 2, unit="Hz")
    freqs, mag = magnitude_spectrum(x, sr, window="hann", n_fft=max(x.size, 1 << 14), scaling="amplitude")
    f, a = interpolate_peak(freqs, mag, fmin=fmin)
    return f, float(20 * np.log10(max(a, 1e-12)))


# --------------------------------------------------------------------------- tones


#: Harmonic amplitudes (n = 1, 2, ...) of a few timbres with the same pitch.
TIMBRES: dict[str, tuple[float, ...]] = {
    "Pure (sine)": (1.0,),
    "Flute-like (few harmonics)": (1.0, 0.25, 0.08, 0.03),
    "Clarinet-like (odd harmonics)": tuple(1.0 / n if n % 2 else 0.0 for n in range(1, 16)),
    "Sawtooth-like (all, 1/n)": tuple(1.0 / n for n in range(1, 16)),
    "Oboe-like (2nd louder than f0)": (0.45, 1.0, 0.75, 0.35, 0.3, 0.15, 0.1, 0.05),
}


def harmonic_tone(f0_hz: float, sr: float, duration_s: float, weights=(1.0,), *,
                  include_fundamental: bool = True, peak: float = 0.3, fade_s: float = 0.02,
                  decay_s: float | None = None) -> np.ndarray:
    """Sum of harmonics ``sum_n w_n sin(2 pi n f0 t)``, normalised to ``peak``, with raised-cosine fades.

    Harmonics at or above Nyquist are left out (they would alias). With
    ``include_fundamental=False`` harmonic 1 is removed: the pitch stays at f0
    (the "missing fundamental") because the waveform still repeats every 1/f0.
    ``decay_s`` adds an exponential decay ``exp(-t / decay_s)`` (a struck, piano-like note).
    """
    sr = _check_sr(sr)
    f0 = float(_positive(f0_hz, "Fundamental frequency"))
    n = _n_samples(sr, duration_s)
    w = _as_float_array(weights, "Harmonic weights").ravel()
    if w.size > 200:
        raise InputError("At most 200 harmonics.")
    if not include_fundamental:
        w = w.copy()
        w[0] = 0.0
    t = np.arange(n) / sr
    y = np.zeros(n)
    for k, wk in enumerate(w, start=1):
        if wk != 0.0 and k * f0 < sr / 2:
            y += wk * np.sin(2 * np.pi * k * f0 * t)
    m = float(np.max(np.abs(y)))
    if m == 0.0:
        raise InputError("No audible harmonic: every weight is zero or above Nyquist.")
    y *= float(peak) / m
    if decay_s is not None:
        if not decay_s > 0:
            raise InputError(f"The decay time must be positive; got {decay_s} s.")
        y *= np.exp(-t / float(decay_s))
    return (y * fade_envelope(n, sr, fade_s)).astype(np.float32)


def fade_envelope(n: int, sr: float, fade_s: float) -> np.ndarray:
    """Raised-cosine fade-in and fade-out of ``fade_s`` seconds (no clicks at the ends)."""
    n = check_int(n, "The number of samples n", lo=0, hi=MAX_SAMPLES)
    sr = _check_sr(sr)
    fade_s = check_number(fade_s, "The fade length", unit="s")
    k = int(min(max(0.0, fade_s) * sr, n // 2))
    env = np.ones(n)
    if k > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
        env[:k] = ramp
        env[n - k:] = ramp[::-1]
    return env


#: The tone generator never plays louder than this (peak, dBFS).
MAX_TONE_DBFS = -6.0
#: Above this the page asks for confirmation before playing (peak, dBFS).
LOUD_TONE_DBFS = -20.0


def safe_tone(freq_hz: float, sr: float, duration_s: float, *, level_dbfs: float = -30.0,
              fade_s: float = 0.05, max_level_dbfs: float = MAX_TONE_DBFS) -> np.ndarray:
    """A sine at ``level_dbfs`` (peak re full scale) with fades, refusing levels above the cap.

    A full-scale sine is 0 dBFS (its RMS is -3 dB re a full-scale square). The
    fades (raised cosine, ``fade_s`` each end) avoid the click of a sudden start.
    """
    sr = _check_sr(sr)
    f = float(_positive(freq_hz, "Frequency"))
    if f >= sr / 2:
        raise InputError(f"{f:g} Hz cannot be played at {sr:g} Hz sampling (Nyquist is {sr / 2:g} Hz).")
    level = float(_as_float_array(level_dbfs, "Level"))
    if level > max_level_dbfs:
        raise InputError(f"{level:g} dBFS is above this generator's cap of {max_level_dbfs:g} dBFS; "
                         "turn it down (and turn your volume down before raising it).")
    n = _n_samples(sr, duration_s)
    t = np.arange(n) / sr
    y = 10 ** (level / 20) * np.sin(2 * np.pi * f * t) * fade_envelope(n, sr, fade_s)
    return y.astype(np.float32)


def band_noise(low_hz: float, high_hz: float, sr: float, duration_s: float, *, rms: float = 0.05,
               seed: int = 0) -> np.ndarray:
    """Gaussian noise limited to ``low_hz``..``high_hz`` (brick-wall in the DFT), scaled to ``rms``."""
    sr = _check_sr(sr)
    n = _n_samples(sr, duration_s)
    lo, hi = float(low_hz), float(high_hz)
    if not (0 <= lo < hi <= sr / 2):
        raise InputError(f"Need 0 <= low < high <= Nyquist ({sr / 2:g} Hz); got {lo:g}-{hi:g} Hz.")
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec[(f < lo) | (f > hi)] = 0.0
    y = np.fft.irfft(spec, n)
    r = float(np.sqrt(np.mean(y**2)))
    if r == 0.0:
        raise InputError("The band is narrower than the frequency resolution of so short a sound.")
    return (y * (float(rms) / r)).astype(np.float32)


def beat_frequency(f1_hz: float, f2_hz: float) -> float:
    """Beat rate of two close tones: ``|f1 - f2|`` Hz.

    ``sin a + sin b = 2 cos((a - b)/2) sin((a + b)/2)``: a tone at the mean frequency
    whose envelope ``|cos(pi (f1 - f2) t)|`` swells ``|f1 - f2|`` times a second.
    """
    a = check_number(f1_hz, "Frequency 1", lo=0.0, lo_open=True, hi=MAX_MAGNITUDE, unit="Hz")
    b = check_number(f2_hz, "Frequency 2", lo=0.0, lo_open=True, hi=MAX_MAGNITUDE, unit="Hz")
    return abs(a - b)


# --------------------------------------------------------------------------- levels


def spl_db(p_rms_pa):
    """Sound pressure level ``20 log10(p_rms / 20 uPa)`` in dB (1 Pa -> 94 dB)."""
    p = _positive(p_rms_pa, "RMS sound pressure")
    return _out(20.0 * np.log10(p / P_REF_PA), p_rms_pa)


def spl_to_pressure(spl):
    """RMS pressure in Pa of a sound pressure level in dB re 20 uPa."""
    level = _level(spl, "Sound pressure level")
    if np.any(level > 200):
        raise InputError("Above about 194 dB SPL a sound wave in air is no longer a wave; give at most 200 dB.")
    return _out(P_REF_PA * 10.0 ** (level / 20.0), spl)


def intensity_w_m2(p_rms_pa):
    """Intensity of a plane wave, ``I = p_rms^2 / (rho c)`` in W/m^2."""
    p = _positive(p_rms_pa, "RMS sound pressure")
    return _out(p**2 / RHO_C, p_rms_pa)


def inverse_square(level_db, r1_m, r2_m):
    """Level at distance ``r2`` of a point source measured ``level_db`` at ``r1``: ``L - 20 log10(r2/r1)``.

    Intensity spreads over a sphere of area 4 pi r^2, so it falls as 1/r^2: -6.02 dB per doubling.
    """
    level = _level(level_db, "Level")
    r1 = _positive(r1_m, "Distance r1")
    r2 = _positive(r2_m, "Distance r2")
    return _out(level - 20.0 * np.log10(r2 / r1), level_db, r1_m, r2_m)


def add_levels(levels_db, *, coherent: bool = False) -> float:
    """Total level of several sources.

    Uncorrelated sources add their powers: ``10 log10(sum 10^(L/10))`` (two equal
    sources: +3.01 dB). Identical in-phase signals add their pressures:
    ``20 log10(sum 10^(L/20))`` (two equal: +6.02 dB).
    """
    levels = _level(levels_db, "Levels").ravel()
    if coherent:
        return float(20.0 * np.log10(np.sum(10.0 ** (levels / 20.0))))
    return float(10.0 * np.log10(np.sum(10.0 ** (levels / 10.0))))


def niosh_exposure_hours(level_dba: float) -> float:
    """Permissible daily exposure (hours) at ``level_dba`` by the NIOSH REL (1998).

    85 dB(A) for 8 h with a 3-dB exchange rate: every +3 dB halves the time
    (``8 / 2 ** ((L - 85) / 3)``).
    """
    level = check_number(level_dba, "Level", lo=-MAX_LEVEL_DB, hi=MAX_LEVEL_DB, unit="dB(A)")
    return float(8.0 / 2.0 ** ((level - 85.0) / 3.0))


# --------------------------------------------------------------------------- ISO 226:2023

#: ISO 226:2023 (third edition), Table 1: the 29 preferred one-third-octave frequencies, Hz.
ISO226_FREQS_HZ = np.array([20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800,
                            1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500], dtype=float)
#: ISO 226:2023 Table 1: exponent for loudness perception, alpha_f.
ISO226_ALPHA_F = np.array([0.635, 0.602, 0.569, 0.537, 0.509, 0.482, 0.456, 0.433, 0.412, 0.391, 0.373, 0.357,
                           0.343, 0.330, 0.320, 0.311, 0.303, 0.300, 0.295, 0.292, 0.290, 0.290, 0.289, 0.289,
                           0.289, 0.293, 0.303, 0.323, 0.354])
#: ISO 226:2023 Table 1: magnitude of the linear transfer function normalised at 1 kHz, L_U in dB.
ISO226_L_U = np.array([-31.5, -27.2, -23.1, -19.3, -16.1, -13.1, -10.4, -8.2, -6.3, -4.6, -3.2, -2.1, -1.2,
                       -0.5, 0.0, 0.4, 0.5, 0.0, -2.7, -4.2, -1.2, 1.4, 2.3, 1.0, -2.3, -7.2, -11.2, -10.9, -3.5])
#: ISO 226:2023 Table 1: threshold of hearing T_f in dB SPL (free field, 18-25 years).
ISO226_T_F = np.array([78.1, 68.7, 59.5, 51.1, 44.0, 37.5, 31.5, 26.5, 22.1, 17.9, 14.4, 11.4, 8.6, 6.2, 4.4,
                       3.0, 2.2, 2.4, 3.5, 1.7, -1.3, -4.2, -6.0, -5.4, -1.5, 6.0, 12.6, 13.9, 12.3])
#: Reference quantities of Formula (1): alpha_r and T_r (the 1 kHz entries), (p0 / 1 Pa)^2.
ISO226_ALPHA_R = 0.300
ISO226_T_R = 2.4
_P0_SQ = 4e-10
#: Formula (1) is normative from 20 phon up to 90 phon (20 Hz-4 kHz) or 80 phon (5-12.5 kHz);
#: below 20 phon it is informative. Contours are accepted from the 1 kHz threshold up to 100 phon.
ISO226_PHON_RANGE = (ISO226_T_R, 100.0)


def _iso226_params(freqs_hz) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Table 1 parameters at the given frequencies (exact on the table, PCHIP on log f between)."""
    if freqs_hz is None:
        return ISO226_FREQS_HZ.copy(), ISO226_ALPHA_F, ISO226_L_U, ISO226_T_F
    f = _positive(freqs_hz, "Frequency").ravel()
    if np.any(f < 20.0) or np.any(f > 12500.0):
        raise InputError("ISO 226:2023 covers 20 Hz to 12.5 kHz only; got frequencies outside that range.")
    from scipy.interpolate import PchipInterpolator

    lf = np.log(ISO226_FREQS_HZ)
    params = [PchipInterpolator(lf, p)(np.log(f)) for p in (ISO226_ALPHA_F, ISO226_L_U, ISO226_T_F)]
    return (f, *params)


def equal_loudness_contour(phon: float, freqs_hz=None) -> tuple[np.ndarray, np.ndarray]:
    """Sound pressure levels that sound as loud as a 1 kHz tone at ``phon`` dB SPL (ISO 226:2023).

    ISO 226:2023, Formula (1), with the parameters of its Table 1::

        L_f = 10/alpha_f lg[(4e-10)^(alpha_r - alpha_f) (10^(alpha_r L_N / 10) - 10^(alpha_r T_r / 10))
                            + 10^(alpha_f (T_f + L_U) / 10)] - L_U

    with alpha_r = 0.300 and T_r = 2.4 dB (the 1 kHz entries). The 2023 edition
    changed the table (alpha_f at 1 kHz went from 0.25 to 0.30, new thresholds) and
    the form of the formula against ISO 226:2003; the contours moved by up to a few dB.

    Parameters
    ----------
    phon : float
        Loudness level, from 2.4 (the threshold at 1 kHz) to 100. The standard calls
        the formula normative from 20 up to 90 phon (20 Hz-4 kHz) or 80 phon (5-12.5 kHz).
    freqs_hz : array_like, optional
        Frequencies between 20 Hz and 12.5 kHz; ``None`` gives the 29 table frequencies.
        Between table frequencies alpha_f, L_U and T_f are interpolated (PCHIP on log f),
        which is our addition, not part of the standard.

    Returns
    -------
    freqs_hz, spl_db : np.ndarray
    """
    L_N = float(_as_float_array(phon, "Loudness level"))
    lo, hi = ISO226_PHON_RANGE
    if not lo <= L_N <= hi:
        raise InputError(f"Loudness level must lie between {lo:g} phon (the threshold of hearing at 1 kHz) "
                         f"and {hi:g} phon; got {L_N:g}.")
    f, a, lu, tf = _iso226_params(freqs_hz)
    ar = ISO226_ALPHA_R
    inner = (_P0_SQ ** (ar - a) * (10 ** (ar * L_N / 10) - 10 ** (ar * ISO226_T_R / 10))
             + 10 ** (a * (tf + lu) / 10))
    return f, 10.0 / a * np.log10(inner) - lu


def hearing_threshold(freqs_hz=None) -> tuple[np.ndarray, np.ndarray]:
    """Threshold of hearing T_f in dB SPL (ISO 226:2023 Table 1; the 2.4-phon contour)."""
    f, _, _, tf = _iso226_params(freqs_hz)
    return f, np.asarray(tf, dtype=float).copy()


def loudness_level(spl, freq_hz):
    """Loudness level in phon of a pure tone (ISO 226:2023, Formula (2), the inverse of Formula (1)).

    ``L_N = 100/3 lg[(10^(alpha_f (L_f + L_U)/10) - 10^(alpha_f (T_f + L_U)/10)) / (4e-10)^(alpha_r - alpha_f)
    + 10^(alpha_r T_r / 10)]``.

    Raises
    ------
    InputError
        For a tone at or below the threshold of hearing (it has no loudness level).
    """
    L_f = _level(spl, "Sound pressure level")
    f, a, lu, tf = _iso226_params(freq_hz)
    L_f, f, a, lu, tf = np.broadcast_arrays(L_f, f, a, lu, tf)
    if np.any(L_f <= tf):
        i = int(np.argmax(L_f <= tf))
        raise InputError(f"{L_f.flat[i]:g} dB SPL at {f.flat[i]:g} Hz is at or below the threshold of hearing "
                         f"({tf.flat[i]:.1f} dB SPL): it is inaudible and has no loudness level.")
    ar = ISO226_ALPHA_R
    inner = ((10 ** (a * (L_f + lu) / 10) - 10 ** (a * (tf + lu) / 10)) / _P0_SQ ** (ar - a)
             + 10 ** (ar * ISO226_T_R / 10))
    out = 100.0 / 3.0 * np.log10(inner)
    return _out(out, spl, freq_hz)


# --------------------------------------------------------------------------- weighting and bands


def a_weighting(freqs_hz):
    """A-weighting in dB (IEC 61672-1:2013, the analytic form behind its Table 3).

    ``A(f) = 20 log10(f4^2 f^4 / ((f^2 + f1^2) sqrt((f^2 + f2^2)(f^2 + f3^2)) (f^2 + f4^2))) - A1000``
    with f1 = 20.598997, f2 = 107.65265, f3 = 737.86223, f4 = 12194.217 Hz and A1000 = -2.000 dB,
    so A(1 kHz) = 0 and A(0 Hz) = -inf dB (as ``librosa.A_weighting(0, min_db=None)``). Roughly the 40-phon contour turned upside down: low and very high
    frequencies count less. dB(A) sound level meters apply it.
    """
    f = _as_float_array(freqs_hz, "Frequency")
    if np.any(f < 0):
        raise InputError("Frequencies must be non-negative.")
    f1, f2, f3, f4, a1000 = 20.598997, 107.65265, 737.86223, 12194.217, -2.000
    f_sq = f**2
    with np.errstate(divide="ignore"):
        r = (f4**2 * f_sq**2) / ((f_sq + f1**2) * np.sqrt((f_sq + f2**2) * (f_sq + f3**2)) * (f_sq + f4**2))
        out = 20.0 * np.log10(r) - a1000
    return _out(out, freqs_hz)


def hz_to_bark(freq_hz):
    """Critical-band rate in Bark (Zwicker & Terhardt 1980): ``13 atan(0.00076 f) + 3.5 atan((f/7500)^2)``.

    One Bark is one critical band; 20 Hz-15.5 kHz spans about 24 Bark.
    """
    f = _as_float_array(freq_hz, "Frequency")
    if np.any(f < 0):
        raise InputError("Frequencies must be non-negative.")
    return _out(13.0 * np.arctan(0.00076 * f) + 3.5 * np.arctan((f / 7500.0) ** 2), freq_hz)


def erb_hz(freq_hz):
    """Equivalent rectangular bandwidth of the auditory filter at ``f`` (Glasberg & Moore 1990).

    ``ERB = 24.7 (4.37 f / 1000 + 1)`` Hz: about 133 Hz at 1 kHz, 11-17 % of f above 500 Hz.
    """
    f = _as_float_array(freq_hz, "Frequency")
    if np.any(f < 0):
        raise InputError("Frequencies must be non-negative.")
    return _out(24.7 * (4.37 * f / 1000.0 + 1.0), freq_hz)


def hz_to_erb_rate(freq_hz):
    """ERB-number (Cams): how many ERBs fit below ``f``, ``21.4 log10(1 + 0.00437 f)``."""
    f = _as_float_array(freq_hz, "Frequency")
    if np.any(f < 0):
        raise InputError("Frequencies must be non-negative.")
    return _out(21.4 * np.log10(1.0 + 0.00437 * f), freq_hz)


#: Signal-to-noise ratio at the output of the auditory filter at masked threshold, dB
#: (the power-spectrum model's K; about -4 dB for a tone in noise, Moore 2012, ch. 3).
MASKING_K_DB = -4.0


def masked_threshold_dbfs(tone_hz: float, noise_low_hz: float, noise_high_hz: float, noise_rms_dbfs: float) -> float:
    """Predicted masked threshold (RMS dBFS) of a tone in a band of noise: the power-spectrum model.

    The ear hears the tone through one auditory filter centred on it, of width
    ERB(tone_hz) (taken rectangular here). Only the noise power inside that filter
    masks: ``threshold = 10 log10(N0 * overlap) + K`` with ``N0`` the noise power per Hz
    and ``K`` = :data:`MASKING_K_DB`. Returns ``-inf`` when the noise misses the filter
    (the model then predicts no masking; the real ear still shows some upward spread
    of masking from loud, lower noise, which this simple model ignores).
    """
    tone = check_number(tone_hz, "Tone frequency", lo=0.0, lo_open=True, hi=MAX_MAGNITUDE, unit="Hz")
    lo = check_number(noise_low_hz, "The noise band's low edge", hi=MAX_MAGNITUDE, unit="Hz")
    hi = check_number(noise_high_hz, "The noise band's high edge", hi=MAX_MAGNITUDE, unit="Hz")
    if not 0 <= lo < hi:
        raise InputError(f"Need 0 <= low < high for the noise band; got {lo:g}-{hi:g} Hz.")
    level = check_number(noise_rms_dbfs, "Noise level", lo=-MAX_LEVEL_DB, hi=MAX_LEVEL_DB, unit="dBFS")
    width = float(erb_hz(tone))
    overlap = max(0.0, min(hi, tone + width / 2) - max(lo, tone - width / 2))
    if overlap == 0.0:
        return float("-inf")
    n0 = 10 ** (level / 10) / (hi - lo)
    return float(10 * np.log10(n0 * overlap) + MASKING_K_DB)
