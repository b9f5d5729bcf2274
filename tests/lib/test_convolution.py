"""Convolution: every method against numpy/scipy on random lengths, circular wrap-around, correlation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import convolution as cv
from lib.errors import InputError

BLOCK_METHODS = ("ola", "ols", "partitioned")


def rel_err(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - b)) / max(np.max(np.abs(b)), 1e-300))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), m=st.integers(1, 400), seed=st.integers(0, 2**32 - 1),
       method=st.sampled_from(cv.METHODS), block=st.one_of(st.none(), st.integers(1, 97)),
       complex_=st.booleans())
def test_every_method_equals_numpy_and_scipy(n, m, seed, method, block, complex_):
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    if complex_:
        x = x + 1j * rng.standard_normal(n)
    y = cv.convolve(x, h, method=method, block=block)
    ref = np.convolve(x, h)
    assert y.shape == (n + m - 1,) == (cv.output_length(n, m),)
    assert rel_err(y, ref) < 1e-9
    assert rel_err(y, ss.fftconvolve(x, h)) < 1e-9
    assert np.iscomplexobj(y) == complex_


@pytest.mark.parametrize("method", BLOCK_METHODS)
def test_block_methods_on_a_long_signal_match_oaconvolve(method):
    rng = np.random.default_rng(3)
    x, h = rng.standard_normal(48_000), rng.standard_normal(3_001)
    ref = ss.oaconvolve(x, h)
    for block in (None, 64, 1000, 5000):
        assert rel_err(cv.convolve(x, h, method=method, block=block), ref) < 1e-9


def test_block_outputs_add_up_to_the_convolution():
    rng = np.random.default_rng(4)
    x, h = rng.standard_normal(50), rng.standard_normal(7)
    parts, nfft = cv.ola_block_outputs(x, h, 16)
    assert parts.shape == (4, 16 + 7 - 1) and nfft >= 22
    y = np.zeros(4 * 16 + 7 - 1)
    for b, part in enumerate(parts):
        y[16 * b : 16 * b + len(part)] += part
    assert np.allclose(y[:56], np.convolve(x, h))


def test_polynomial_product():
    # (1 + 2z + 3z^2)(1 + z) = 1 + 3z + 5z^2 + 3z^3
    assert np.allclose(cv.convolve([1, 2, 3], [1, 1], method="direct"), [1, 3, 5, 3])
    p, q = np.polynomial.Polynomial([2, -1, 0.5, 4]), np.polynomial.Polynomial([1, 3])
    assert np.allclose(cv.convolve(p.coef, q.coef), (p * q).coef)


def test_convolution_step_is_one_output_sample():
    rng = np.random.default_rng(5)
    x, h = rng.standard_normal(9), rng.standard_normal(4)
    y = np.convolve(x, h)
    for n in range(len(y)):
        step = cv.convolution_step(x, h, n)
        assert step["y_n"] == pytest.approx(y[n])
        assert np.allclose(step["products"], step["x"] * step["h"])
    assert list(cv.convolution_step(x, h, 0)["k"]) == [0]
    assert list(cv.convolution_step(x, h, 11)["k"]) == [8]
    with pytest.raises(InputError):
        cv.convolution_step(x, h, 12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(1, 60), n_fft=st.integers(1, 150), seed=st.integers(0, 2**32 - 1))
def test_circular_equals_wrapped_linear(n, m, n_fft, seed):
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    lin = np.convolve(x, h)
    circ = cv.circular_convolve(x, h, n_fft)
    wrapped = np.zeros(n_fft)
    for i, v in enumerate(lin):
        wrapped[i % n_fft] += v
    assert np.allclose(circ, wrapped, atol=1e-9 * max(1.0, np.abs(lin).max()))
    if n_fft >= n + m - 1:  # enough padding: no wrap-around at all
        assert np.allclose(circ[: n + m - 1], lin) and np.allclose(circ[n + m - 1 :], 0)


def test_circular_matches_the_dft_product():
    rng = np.random.default_rng(6)
    x, h = rng.standard_normal(32), rng.standard_normal(32)
    assert np.allclose(cv.circular_convolve(x, h, 32), np.fft.ifft(np.fft.fft(x) * np.fft.fft(h)).real)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 300), m=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_correlate_equals_scipy(n, m, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n) + 1j * rng.standard_normal(n), rng.standard_normal(m) + 1j * rng.standard_normal(m)
    r = cv.correlate(x, y)
    assert rel_err(r, ss.correlate(x, y, mode="full")) < 1e-9
    assert np.array_equal(cv.correlation_lags(n, m), ss.correlation_lags(n, m, mode="full"))


@pytest.mark.parametrize("snr_db", [0.0, -15.0])
def test_correlation_finds_a_chirp_buried_in_noise(snr_db):
    sr = 8000
    t = np.arange(int(0.25 * sr)) / sr
    chirp = ss.chirp(t, 300, t[-1], 3000)
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(2 * sr)
    start = 5_321
    x = noise.copy()
    x[start : start + len(chirp)] += chirp * np.std(noise) / np.std(chirp) * 10 ** (snr_db / 20)
    r = cv.correlate(x, chirp)
    lags = cv.correlation_lags(len(x), len(chirp))
    assert lags[np.argmax(r)] == start


def test_correlation_is_convolution_with_the_flipped_template():
    x, y = np.array([0, 0, 1, 2, 3, 0.0]), np.array([1, 2, 3.0])
    assert np.allclose(cv.correlate(x, y), np.convolve(x, y[::-1]))
    assert cv.correlation_lags(6, 3)[np.argmax(cv.correlate(x, y))] == 2  # the copy starts at sample 2


def test_auto_picks_by_size():
    assert cv.choose_method(1000, 8) == "direct"
    assert cv.choose_method(100_000, 2000) == "ola"
    assert cv.choose_method(10_000, 9_000) == "fft"
    assert 1 <= cv.best_block(100_000, 2000) <= 100_000


@pytest.mark.parametrize("bad, message", [
    (([], [1.0]), "empty"),
    (([1.0, np.nan], [1.0]), "NaN"),
    ((np.ones((3, 3)), [1.0]), "1-D"),
    ((["a"], [1.0]), "numbers"),
])
def test_bad_input_is_explained(bad, message):
    with pytest.raises(InputError, match=message):
        cv.convolve(*bad)


def test_bad_options_are_explained():
    with pytest.raises(InputError, match="Unknown convolution method"):
        cv.convolve([1.0], [1.0], method="magic")
    with pytest.raises(InputError, match="at least 1"):
        cv.convolve([1.0, 2.0], [1.0], method="ola", block=0)
    with pytest.raises(InputError, match="whole number"):
        cv.circular_convolve([1.0], [1.0], 2.5)
    with pytest.raises(InputError, match="limit"):
        cv.convolve(np.zeros(cv.MAX_OUTPUT_SAMPLES), [1.0, 2.0])
    with pytest.raises(InputError, match="too slow"):
        cv.convolve(np.zeros(100_000), np.zeros(30_000), method="direct")


@pytest.mark.parametrize("kwargs", [dict(block="a"), dict(block=float("inf")), dict(block=1e308),
                                    dict(block=-3), dict(block=True)])
def test_hostile_block_values_are_explained(kwargs):
    with pytest.raises(InputError):
        cv.convolve(np.ones(10), np.ones(3), method="ola", **kwargs)


@pytest.mark.parametrize("n_fft", ["8", float("nan"), 0, 1 << 40])
def test_hostile_dft_lengths_are_explained(n_fft):
    with pytest.raises(InputError):
        cv.circular_convolve(np.ones(10), np.ones(3), n_fft)


def test_parse_sequence():
    assert np.allclose(cv.parse_sequence("1, 0.5; -2  3"), [1, 0.5, -2, 3])
    for text, msg in (("", "empty"), ("1, x", "'x'"), ("1, inf", "finite"), (", ".join(["1"] * 30), "keep it")):
        with pytest.raises(InputError, match=msg):
            cv.parse_sequence(text)
