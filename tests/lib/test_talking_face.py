"""lib.talking_face: the drawn mouth follows phoneme timing, not the sound the estimators measure."""

from __future__ import annotations

import numpy as np
import pytest

from lib.errors import InputError
from lib.talking_face import (UTTERANCES, Phoneme, articulation, load_utterance, read_phonemes, talking_face,
                              viseme_targets, write_phonemes)
from lib.video import FPS, SR

SPF = SR // FPS


def test_viseme_targets_order_the_mouth_shapes():
    for closed in ("p", "b", "m", "_", "_:"):
        assert viseme_targets(closed) == (0.0, 0.0)
    open_a, close_i, round_u = viseme_targets("a")[0], viseme_targets("i:")[0], viseme_targets("u:")[0]
    assert open_a == 1.0 and open_a > close_i > 0 and open_a > round_u > 0
    start, end = viseme_targets("aI")  # a diphthong glides from open to close
    assert start == viseme_targets("a")[0] and end < 0.5
    assert 0 < viseme_targets("f")[0] < viseme_targets("k")[0] < close_i + 0.01


def test_articulation_is_zero_phase_and_averages_each_frame():
    """One open vowel from 1.00 to 1.20 s: the smoothed opening is centred on 1.10 s and peaks there."""
    T = 60
    track = articulation([Phoneme(1.0, 1.2, "a")], T, smooth_ms=30.0)
    t_mid = (np.arange(T) + 0.5) / FPS  # frame k shows [k, k+1) / fps
    centroid = float(np.sum(track * t_mid) / np.sum(track))
    assert centroid == pytest.approx(1.1, abs=1e-3)
    assert np.argmax(track) in (27, 27)  # frame 27 covers 1.08-1.12 s
    assert track.max() == pytest.approx(1.0, abs=0.05) and track[:15].max() < 1e-6
    # Without smoothing each frame is the fraction of its 40 ms the vowel covers.
    raw = articulation([Phoneme(1.01, 1.2, "a")], T, smooth_ms=0.0)
    assert raw[25] == pytest.approx(0.75) and raw[26] == 1.0 and raw[30] == 0.0


def test_timing_files_line_up_with_their_sound():
    """Pauses in the timing are quiet in the recording, vowels loud: the files belong to the audio."""
    assert len(UTTERANCES) >= 8
    for name in UTTERANCES:
        audio, phonemes = load_utterance(name)
        assert phonemes[-1].end_s <= len(audio) / SR + 0.01 and phonemes[-1].end_s > len(audio) / SR - 0.5

        def rms(kind):
            segs = [p for p in phonemes if kind(p.name) and p.end_s - p.start_s > 0.04]
            x = np.concatenate([audio[int((p.start_s + 0.01) * SR):int((p.end_s - 0.01) * SR)] for p in segs])
            return float(np.sqrt(np.mean(x ** 2)))

        pause, vowel = rms(lambda n: n.startswith("_")), rms(lambda n: viseme_targets(n)[0] >= 0.6)
        assert pause < 0.1 * vowel, (name, pause, vowel)


def test_the_mouth_does_not_depend_on_the_sound():
    """Same timing, different audio (the sentence vs noise): identical pictures."""
    audio, phonemes = load_utterance("paper_bag")
    noise = np.random.default_rng(0).normal(0, 0.3, len(audio)).astype(np.float32)
    f1, a1 = talking_face(audio, 0, phonemes=phonemes)
    f2, _ = talking_face(noise, 0, phonemes=phonemes)
    np.testing.assert_array_equal(f1, f2)
    assert len(a1) == len(f1) * SPF
    # The mouth opens and shuts: over the sentence the mouth region changes a lot.
    mouth = f1[:, 80:105, 60:100].astype(float).mean(axis=(1, 2, 3))
    assert np.ptp(mouth) > 10


def test_talking_face_shifts_the_audio_by_whole_frames():
    audio, phonemes = load_utterance("bin_blue")
    _, a0 = talking_face(audio, 0, phonemes=phonemes)
    _, a3 = talking_face(audio, 3, phonemes=phonemes)
    np.testing.assert_array_equal(a3[: len(a0) - 3 * SPF], a0[3 * SPF:])  # audio leads: it comes 3 frames early
    assert np.all(a3[len(a0) - 3 * SPF:] == 0)


def test_talking_face_refuses_to_read_the_mouth_from_the_sound():
    audio, _ = load_utterance("bin_blue")
    with pytest.raises(InputError, match="never derived from the sound"):
        talking_face(audio, 0)
    with pytest.raises(InputError, match="one value per frame"):
        talking_face(audio, 0, openness=np.zeros(3))
    with pytest.raises(InputError, match="No built-in sentence"):
        load_utterance("nope")


def test_phoneme_files_round_trip(tmp_path):
    ph = [Phoneme(0.0, 0.1, "_"), Phoneme(0.1, 0.25, "aI"), (0.25, 0.3, "m")]
    back = read_phonemes(write_phonemes(tmp_path / "x.phonemes.tsv", ph, header="test"))
    assert back == [Phoneme(0.0, 0.1, "_"), Phoneme(0.1, 0.25, "aI"), Phoneme(0.25, 0.3, "m")]
