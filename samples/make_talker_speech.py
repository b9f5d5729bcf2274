"""Generate the drawn talking face's sentences and their phoneme timing (espeak-ng).

The drawn face in lib/talking_face.py moves its mouth from *when each phoneme is
spoken*, not from the sound's energy (which the weight-free sync estimator also
measures, so a face driven by it would make the synthetic tests circular). This
script asks espeak-ng's library (libespeak-ng, through ctypes) for the speech
and for its phoneme events, which carry the sample at which each phoneme starts:

* ``samples/talkers/<name>.flac`` - the sentence, 16-bit mono FLAC at 16 kHz, peak 0.7;
* ``samples/talkers/<name>.phonemes.tsv`` - one line per phoneme: start and end in
  seconds and espeak-ng's phoneme name (``_`` is a pause);
* ``samples/speech_fricatives.phonemes.tsv`` - the same timing for the built-in
  sentence of ``speech_fricatives.flac`` (made by make_samples.py with the
  espeak-ng command line and the same voice and rate; the script checks that
  its own synthesis matches that file sample for sample).

Run:  .venv/bin/python samples/make_talker_speech.py   (needs the Debian package espeak-ng)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.audio import resample  # noqa: E402
from lib.talking_face import write_phonemes  # noqa: E402

OUT = ROOT / "samples" / "talkers"
SR_OUT = 16000

#: (file stem, espeak-ng voice, words per minute, text). Varied voices, rates and mouth shapes:
#: bilabial closures (p, b, m), open vowels (a), rounded ones (o, u), pauses.
SENTENCES = (
    ("bin_blue", "en", 150, "Bin blue at F two now. Place it by the map."),
    ("place_red", "en-us", 160, "Place red by M nine again, please, and wait."),
    ("paper_bag", "en+f3", 145, "Please pass the paper bag to Bob, by the pump."),
    ("big_apple", "en-us+m3", 150, "A big apple, a warm mango, and a bowl of plums."),
    ("open_wide", "en-gb-x-rp", 140, "Wave hello, then open your mouth wide and say ah."),
    ("marmalade", "en-us+f2", 150, "My mother made marmalade on Monday morning, before the bus came."),
    ("five_frogs", "en-gb-scotland", 150, "Five fat frogs hop over the pond, one by one."),
    ("why_late", "en-029+f4", 150, "Why are you so late today, Maria? We waited."),
)

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_POS_CHARACTER = 1
_PARAM_RATE = 1
_EVENT_END = 0
_EVENT_MSG_TERMINATED = 6
_EVENT_PHONEME = 7


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class Espeak:
    """espeak-ng's C library in synchronous mode, with phoneme events."""

    def __init__(self):
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        self.lib = ctypes.CDLL(name)
        self.sr = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_PHONEME_EVENTS)
        if self.sr <= 0:
            raise RuntimeError("espeak-ng could not start (is espeak-ng-data installed?)")
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        self._cb = _CALLBACK(self._collect)  # keep a reference: ctypes does not
        self.lib.espeak_SetSynthCallback(self._cb)

    def _collect(self, wav, n, events):
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while events[i].type != _EVENT_END:
            e = events[i]
            if e.type == _EVENT_PHONEME:
                self._events.append((int(e.sample), e.id.string.decode("ascii", "replace")))
            elif e.type == _EVENT_MSG_TERMINATED:
                self._events.append((int(e.sample), "<end>"))
            i += 1
        return 0

    def say(self, text: str, voice: str, wpm: int) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
        """Speech as float32 at ``self.sr`` and phonemes ``(start_s, end_s, name)``."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_PARAM_RATE, int(wpm), 0)
        self._chunks, self._events = [], []
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self._chunks).astype(np.float32) / 32768.0
        end = len(audio) / self.sr
        marks = sorted(self._events)
        phonemes = []
        for (s0, name), (s1, _) in zip(marks, marks[1:] + [(len(audio), "<end>")]):
            if name == "<end>":
                continue
            t0, t1 = s0 / self.sr, min(s1 / self.sr, end)
            if t1 > t0:  # espeak-ng gives some phonemes (a final consonant merged into the next) no time
                phonemes.append((t0, t1, name))
        return audio, phonemes


def main() -> None:
    tts = Espeak()
    # The built-in sentence first (speech_fricatives.flac, made by make_samples.py with the command line):
    # espeak-ng carries some state from one synthesis to the next, so only a first one matches it exactly.
    text = "She sells sea shells by the sea shore. Five fresh fish, six thick socks."
    audio, phonemes = tts.say(text, "en", 150)  # the command line's -v en-gb is the voice "en" (gmw/en)
    ref, ref_sr = sf.read(ROOT / "samples" / "speech_fricatives.flac", dtype="float32")
    ours = resample(audio, tts.sr, ref_sr)
    ours = 0.7 * ours / np.max(np.abs(ours))
    n = min(len(ours), len(ref))
    err = float(np.max(np.abs(ours[:n] - ref[:n])))
    if err > 2e-4:  # 16-bit rounding is 1.5e-5; anything larger means a different synthesis
        raise SystemExit(f"speech_fricatives.flac is not what espeak-ng says now (max difference {err:.4f}); "
                         "regenerate it with make_samples.py first")
    write_phonemes(ROOT / "samples" / "speech_fricatives.phonemes.tsv", phonemes, header=f"en (en-gb), 150 wpm: {text}")
    print(f"speech_fricatives: timing written; synthesis matches the FLAC within {err:.1e}")
    OUT.mkdir(exist_ok=True)
    for stem, voice, wpm, text in SENTENCES:
        audio, phonemes = tts.say(text, voice, wpm)
        y = resample(audio, tts.sr, SR_OUT)
        y = (0.7 * y / np.max(np.abs(y))).astype(np.float32)
        sf.write(OUT / f"{stem}.flac", y, SR_OUT, subtype="PCM_16")
        write_phonemes(OUT / f"{stem}.phonemes.tsv", phonemes, header=f"{voice}, {wpm} wpm: {text}")
        print(f"{stem}: {len(y) / SR_OUT:.2f} s, {len(phonemes)} phonemes ({voice}, {wpm} wpm)")



if __name__ == "__main__":
    main()
