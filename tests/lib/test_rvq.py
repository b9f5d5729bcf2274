"""lib.rvq: MDCT perfect reconstruction, k-means, and the residual-VQ laws."""

from __future__ import annotations

import numpy as np
import pytest

from lib import rvq
from lib.errors import InputError


def test_mdct_perfect_reconstruction():
    y = np.random.default_rng(0).standard_normal(3001)
    for m in (16, 64, 256):
        X = rvq.mdct(y, m)
        assert X.shape == (int(np.ceil(3001 / m)) + 1, m)
        np.testing.assert_allclose(rvq.imdct(X, len(y)), y, atol=1e-10)


def test_mdct_princen_bradley_and_energy():
    w, basis = rvq.mdct_basis(32)
    np.testing.assert_allclose(w[:32] ** 2 + w[32:] ** 2, 1.0)
    # A cosine at bin centre k0 concentrates in bin k0.
    m, k0 = 64, 10
    n = np.arange(64 * 40)
    y = np.cos(np.pi / m * (n + 0.5 + m / 2) * (k0 + 0.5))
    X = rvq.mdct(y, m)
    assert np.argmax(np.mean(X[2:-2] ** 2, axis=0)) == k0


def test_kmeans_recovers_separated_clusters():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], float)
    x = np.concatenate([c + 0.1 * rng.standard_normal((100, 2)) for c in centres])
    book = rvq.kmeans(x, 4, seed=0)
    got = sorted(map(tuple, np.round(book)))
    assert got == sorted(map(tuple, centres))
    np.testing.assert_array_equal(rvq.kmeans(x, 4, seed=0), book)  # deterministic


def test_kmeans_fewer_points_than_entries():
    x = np.arange(6, dtype=float).reshape(3, 2)
    book = rvq.kmeans(x, 8)
    assert book.shape == (8, 2)
    assert rvq.assign(x, book).tolist() == [0, 1, 2]


def test_rvq_error_never_increases_and_decode_matches_residual():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3000, 8)) * np.linspace(3, 0.3, 8)
    model, codes, energy = rvq.train_rvq(x, 5, 5, seed=0)
    assert codes.shape == (5, 3000)
    assert np.all(np.diff(energy) <= 1e-9)
    for k in range(6):
        err = np.sum((x - rvq.rvq_decode(model, codes, k)) ** 2)
        assert err == pytest.approx(energy[k], rel=1e-9)
    assert model.bits_per_vector == 25


def test_rvq_gain_per_stage_near_high_rate_theory():
    """Gaussian data: each stage of b bits on d dims buys roughly 6.02 b / d dB."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6000, 4))
    _, _, energy = rvq.train_rvq(x, 4, 6, seed=0)
    gains = -10 * np.log10(energy[1:] / energy[:-1])
    theory = 6.02 * 6 / 4
    assert 0.5 * theory < gains[0] < 1.6 * theory
    assert np.all(gains > 0.5)


def test_mdct_rvq_on_audio_bitrate_and_quality():
    from lib.metrics import si_sdr
    from lib.signals import vowel

    sr = 16000
    y = vowel(150, sr, 1.0, vowel_name="a", amplitude=0.5)
    res = rvq.mdct_rvq(y, sr, n_stages=4, bits=6, n_bins=128, dim=16)
    assert res.bits_per_frame(2) == 2 * 8 * 6
    assert res.bitrate_kbps(1) == pytest.approx(6 / 16 * sr / 1000)
    scores = [si_sdr(y, res.decode(k)) for k in (1, 2, 4)]
    assert scores[0] < scores[1] < scores[2]
    assert res.decode(0).shape == y.shape
    np.testing.assert_array_equal(res.codes, rvq.mdct_rvq(y, sr, n_stages=4, bits=6, n_bins=128, dim=16).codes)


def test_bad_inputs():
    with pytest.raises(InputError):
        rvq.mdct_rvq(np.zeros(10), 16000)
    with pytest.raises(InputError):
        rvq.mdct_rvq(np.ones(4096), 16000, n_bins=256, dim=24)
    with pytest.raises(InputError):
        rvq.train_rvq(np.ones((10, 2)), 1, 0)


def test_entropy_of_uniform_codes():
    codes = np.tile(np.arange(1024), 3)[None]
    assert rvq.codebook_entropy_bits(codes, 1024)[0] == pytest.approx(10.0)


def test_mdct_rvq_residual_energy_per_stage():
    """Each stage's relative residual energy is exactly what decoding that many stages leaves (issue 15, item 8)."""
    from lib.signals import vowel

    sr = 16000
    y = vowel(150, sr, 0.5, vowel_name="a", amplitude=0.5)
    res = rvq.mdct_rvq(y, sr, n_stages=4, bits=5, n_bins=128, dim=16)
    vectors = rvq.mdct(y, 128).reshape(-1, 16)
    total = np.sum(vectors**2)
    assert res.residual_energy.shape == (5,) and res.residual_energy[0] == pytest.approx(1.0)
    for k in range(5):
        left = np.sum((vectors - rvq.rvq_decode(res.rvq, res.codes, k)) ** 2) / total
        assert res.residual_energy[k] == pytest.approx(left, rel=1e-9)
        # the MDCT with a sine window is orthogonal (TDAC): the same share of the energy is left in time
        err_t = np.sum((y - res.decode(k)) ** 2) / np.sum(y.astype(np.float64) ** 2)
        assert err_t == pytest.approx(res.residual_energy[k], rel=0.05, abs=1e-6)
    assert np.all(np.diff(res.residual_energy) < 0)
