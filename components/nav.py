"""The app's page registry: one place that Home.py, the landing page and the tests read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    section: str
    path: str  #: relative to the repository root
    title: str
    icon: str
    teaches: str  #: one line for the learning path


PAGES: tuple[PageInfo, ...] = (
    PageInfo("Start", "app_pages/welcome.py", "Learning path", ":material/route:",
             "Where to begin and where this goes."),
    PageInfo("Foundations", "app_pages/hearing.py", "Sound & hearing", ":material/hearing:",
             "What we hear: frequency and pitch, notes and cents, timbre, decibels, equal loudness (ISO 226), "
             "critical bands and masking, beats, a tuner for any clip, and a level-safe tone generator."),
    PageInfo("Foundations", "app_pages/time_domain.py", "Envelope, RMS & ZCR", ":material/graphic_eq:",
             "What a sound wave is as numbers: loudness over time (peak envelope, RMS) and "
             "noisiness (zero-crossing rate), frame by frame."),
    PageInfo("Foundations", "app_pages/aliasing.py", "Aliasing explorer", ":material/blur_on:",
             "Sampling: why a tone above half the sample rate comes back as a different, lower tone."),
    PageInfo("Foundations", "app_pages/fourier.py", "Fourier series builder", ":material/waves:",
             "Any periodic wave is a sum of sines: build square, saw and triangle waves harmonic by harmonic."),
    PageInfo("Foundations", "app_pages/fourier_transform.py", "Fourier transform: winding & complex spectrum",
             ":material/cyclone:",
             "The Fourier transform from intuition: wind a signal around a circle and watch its centre of mass; "
             "real, imaginary, magnitude and phase; the mirror above Nyquist; what a time shift does to phase."),
    PageInfo("Foundations", "app_pages/spectrum.py", "Magnitude spectrum", ":material/equalizer:",
             "The DFT of a segment: windows, leakage, zero-padding and bin resolution."),
    PageInfo("Foundations", "app_pages/spectrogram.py", "Spectrogram & mel", ":material/gradient:",
             "Spectra over time: the STFT's time-frequency trade-off and the mel scale ML models see."),
    PageInfo("Foundations", "app_pages/mfcc.py", "MFCCs", ":material/stacked_bar_chart:",
             "From log-mel to the 13 numbers per frame models eat: the DCT, liftering, reconstruction from k "
             "coefficients, deltas, and librosa's MFCC against the python_speech_features convention SyncNet uses."),
    PageInfo("Foundations", "app_pages/convolution.py", "Convolution", ":material/join_inner:",
             "Flip, slide, multiply, sum: how a room, a filter or a CNN layer acts on a signal, and how FFTs make it fast."),
    PageInfo("Rooms & codecs", "app_pages/room.py", "Reverb room designer", ":material/meeting_room:",
             "How a room shapes sound: image sources, RT60, decay curves, and hearing a voice in the room."),
    PageInfo("Rooms & codecs", "app_pages/measure_room.py", "Measure a room", ":material/settings_input_antenna:",
             "Measure a real room's impulse response with a sine sweep: deconvolution, distortion cut away, RT60."),
    PageInfo("Rooms & codecs", "app_pages/codec.py", "Neural codec bitrate", ":material/compress:",
             "How a neural codec (DAC) trades bits for quality with residual vector quantisation."),
    PageInfo("Rooms & codecs", "app_pages/dataset.py", "Speech data generator", ":material/dataset:",
             "Training data for speech enhancement: speech in thousands of simulated rooms with noise and codec "
             "damage, an aligned target, and a command that renders it on a cluster."),
    PageInfo("Audio-visual", "app_pages/sync.py", "Lip-sync offset (SyncNet)", ":material/movie:",
             "How SyncNet tells whether lips and voice line up, and by how many frames they do not."),
    PageInfo("Audio-visual", "app_pages/sync_training.py", "How SyncNet learns", ":material/model_training:",
             "Self-supervised training: free in-sync and shifted pairs, a contrastive loss, a tiny two-tower "
             "network trained live on the CPU and tested on a clip it never saw."),
    PageInfo("Models", "app_pages/embeddings.py", "What speech models learn", ":material/hub:",
             "Inside wav2vec2, HuBERT and Whisper: which layer knows the word, which the voice, against an "
             "untrained control."),
)


def learning_path() -> tuple[PageInfo, ...]:
    """The pages in learning order, without the landing page."""
    return tuple(p for p in PAGES if p.section != "Start")


def next_page(path: str) -> PageInfo | None:
    """The page after ``path`` on the learning path (the first step after the landing page; None at the end)."""
    path_list = [p.path for p in PAGES]
    if path not in path_list:
        return None
    steps = learning_path()
    if path in [p.path for p in steps]:
        i = [p.path for p in steps].index(path)
        return steps[i + 1] if i + 1 < len(steps) else None
    return steps[0] if steps else None
