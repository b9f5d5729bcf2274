"""Neural codec: what DAC's residual vector quantisation buys at each bitrate, against classic codecs."""

from __future__ import annotations

import os
import time

import numpy as np
import streamlit as st

from components import codec_figures as cf
from components import token_grid
from components.audio_io import pick_audio, player
from components.errors import offer_download, show_weights_unavailable, stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs, presenting
from components.teach import in_depth, intro, show_code
from lib import codec, metrics, rvq
from lib.audio import clip_hash, level_dbfs, match_level, resample
from lib.errors import WeightsUnavailable

#: Longest clip this page codes (DAC on a 2-core CPU is slower than real time).
MAX_DURATION_S = 10.0
CLASSIC_KBPS = list(codec.CURVE_CLASSIC_KBPS)
#: Seconds of work per second of audio for "Compute the curve" (classic points + k-means points, each
#: scored by every quality measure). bench/bench_codec_curve.py on the 5.49 s speech clip: 27.8 s of CPU
#: (whole process, median of 2; the work is single-threaded, so this is the wall time of a quiet machine),
#: i.e. 4.7 s per second of audio after start-up; a machine loaded 10-16x over its 2 cores took 181-229 s.
#: The page's estimate comes from this figure and its progress bar from the live measurement.
CURVE_S_PER_AUDIO_S = 5.0
#: Test hook: build the chosen architecture with tiny widths and random weights instead of loading weights.
RANDOM_DAC = os.environ.get("AVE_CODEC_RANDOM_DAC", "")
RANDOM_NOTE = ("**Random weights**, not the trained DAC: the architecture, the cost and every code path are the real "
               "ones, but the codebooks were never trained, so the sound is noise and the codes mean nothing yet.")

intro(
    "Neural codec bitrate",
    "A neural codec like DAC turns every 12-20 ms of audio into a short column of integers: a convolutional "
    "encoder makes one vector per frame and **residual vector quantisation** replaces it by one 10-bit index "
    "per codebook, each codebook coding what the previous ones missed. Sending fewer codebooks lowers the "
    "bitrate and the quality from the *same* encoding, and here you can hear and measure that trade-off "
    "against Opus, MP3, AAC and plain PCM tricks.",
    "move **Codebooks sent** from all the way down to 1 and watch the bitrate and compression ratio; then open "
    "the *k-means RVQ* tab (it works without any weights) and do the same with its stages.",
)

demo_scenarios({
    "RVQ, 1 stage": {"codec_tab": "k-means RVQ (no weights)", "codec_rvq_stages": 1},
    "RVQ, 8 stages": {"codec_tab": "k-means RVQ (no weights)", "codec_rvq_stages": 8},
    "Opus 6 kbps": {"codec_tab": "Classic codecs", "codec_classic": "opus", "codec_classic_kbps": 6},
    "The curve": {"codec_tab": "Bitrate vs quality"},
    "Delay pattern": {"codec_tab": "Tokens", "codec_pattern": "delay"},
    "4-bit audio": {"codec_tab": "The arithmetic of bits", "codec_qbits": 4},
}, key="codec")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Audio")
    clip = pick_audio("codec", default="Speech with fricatives", uploads=src.main, max_duration_s=MAX_DURATION_S)

labels = {k: s.label for k, s in codec.MODELS.items()}
c1, c2 = st.columns([0.4, 0.6])
model_key = c1.selectbox("DAC model", list(codec.MODELS), format_func=labels.get, key="codec_model",
                         bind="query-params", help="The 16 kHz model is the smallest input and the fastest.")
spec = codec.MODELS[model_key]
# One slider per model (its own range and remembered value; the URL carries it as codec_k_<model>).
k = c2.slider("Codebooks sent (n_quantizers)", 1, spec.n_codebooks, value=spec.n_codebooks, key=f"codec_k_{model_key}",
              bind="query-params", help="RVQ: the first k codebooks of one encoding decode to a coarser version.")
# Without the checkpoint, a random-weight model of the same architecture is offered as a labelled
# control: it costs exactly what the real one costs and every code path is real; its sound is noise.
has_weights = bool(RANDOM_DAC) or codec.find_dac(model_key) is not None
use_random = st.toggle(
    "No DAC weights on this machine: use a **random-weight** DAC of the same architecture",
    value=False, key="codec_random", bind="query-params", disabled=has_weights,
    help="Same layers, same cost, same code paths as the real checkpoint, so the tokens, the quantiser walk "
         "and the speed are real; what you hear is noise. Every number from it is labelled.")
#: "" = the real checkpoint; "random" = full-size random weights (user's choice); "tiny" = the tests' hook.
DAC_MODE = RANDOM_DAC or ("random" if use_random and not has_weights else "")
kbps = codec.bitrate_kbps(spec.sr, spec.hop_length, k, spec.codebook_bits)
ratio = codec.compression_ratio(spec.sr, kbps)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Bitrate", f"{kbps:.2f} kbps", help="frame rate × codebooks × 10 bits")
m2.metric("Frame rate", f"{spec.frame_rate_hz:.2f} Hz", help=f"{spec.sr} Hz / hop {spec.hop_length}")
m3.metric("Bits per frame", f"{k * spec.codebook_bits}", help=f"{k} codebooks × {spec.codebook_bits} bits")
m4.metric("vs 16-bit PCM", f"{ratio:.0f}×", help=f"{codec.pcm_bitrate_kbps(spec.sr):.0f} kbps PCM / {kbps:.2f} kbps")
if not presenting():  # the metrics above carry it on a projector
    st.caption(
        f"{spec.sr} Hz / {spec.hop_length} samples per frame = {spec.frame_rate_hz:.2f} frames/s × {k} codebooks × "
        f"{spec.codebook_bits} bits (1024 entries) = **{kbps:.2f} kbps**; mono 16-bit PCM at {spec.sr} Hz is "
        f"{codec.pcm_bitrate_kbps(spec.sr):.0f} kbps. All {spec.n_codebooks} codebooks: {spec.full_bitrate_kbps:.2f} kbps."
    )


# ------------------------------------------------------------------ cached work
@st.cache_data(max_entries=8, show_spinner=False)
def at_model_rate(y: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    return resample(y, sr, target_sr)


@st.cache_data(ttl=20, show_spinner=False)
def weights_present(model: str, random_dac: str = "") -> bool:
    return bool(random_dac) or codec.find_dac(model) is not None


@st.cache_resource(max_entries=1, show_spinner=False)
def get_model(model: str, random_dac: str = ""):
    """One model in memory at a time (a 1 GB Cloud instance cannot hold two)."""
    if random_dac == "random":  # full size: the real cost
        return codec.build_dac(codec.MODELS[model], seed=0)
    if random_dac:
        s = codec.MODELS[model]
        return codec.build_dac(s, encoder_hidden_size=2, decoder_hidden_size=32)
    return codec.load_dac(model, allow_download=False, num_threads=os.cpu_count() or 2)


@st.cache_resource(max_entries=1, show_spinner=False)
def get_runtime(model: str, random_dac: str = ""):
    """ONNX Runtime for the model's convolutions: loaded from disk, or exported in the background (lib.dac_onnx)."""
    from lib import dac_onnx

    # The export (once per checkpoint) waits until the chosen level is decoded: on 2 cores it would halve
    # the speed of that first decode; the background levels start it and use it.
    return dac_onnx.BackgroundRuntime(get_model(model, random_dac), defer_export=True)


def dac_cache_name(model: str, mode: str, fast: bool) -> str:
    return model + (mode and f"-{mode}") + ("-bf16" if fast else "")


@st.cache_data(max_entries=8, show_spinner=False)
def dac_head(model: str, y: np.ndarray, sr: int, fast: bool = False, mode: str = "") -> codec.StreamHead:
    """The clip's first second, encoded alone (one fixed-length window; the start of the streamed path)."""
    runtime = None if fast else get_runtime(model, mode).runtime  # bf16 is a PyTorch option
    with codec.autocast_bf16(fast):
        return codec.encode_head(get_model(model, mode), y, sr, first_s=codec.FIRST_CHUNK_S, runtime=runtime)


@st.cache_data(max_entries=16, show_spinner=False)
def dac_head_audio(model: str, h: str, n_codebooks: int, fast: bool = False, mode: str = "",
                   _head: codec.StreamHead | None = None) -> np.ndarray:
    """The first second decoded from ``n_codebooks`` (keyed by the clip hash ``h``; ``_head`` is its dac_head)."""
    runtime = None if fast else get_runtime(model, mode).runtime
    with codec.autocast_bf16(fast):
        return codec.decode_head(get_model(model, mode), _head, n_codebooks, runtime=runtime)


@st.cache_data(max_entries=8, show_spinner=False)
def dac_encode(model: str, y: np.ndarray, sr: int, fast: bool = False, mode: str = "") -> codec.Encoding:
    # (No progress callback in here: cached functions must not touch elements created outside them.)
    # The rest of the clip after the streamed head (whose codes are reused; same codes as a whole-clip encode).
    runtime = None if fast else get_runtime(model, mode).runtime  # bf16 is a PyTorch option
    head = dac_head(model, y, sr, fast, mode)
    with codec.autocast_bf16(fast):
        return codec.encode_details(get_model(model, mode), y, sr, chunk_s=5.0, runtime=runtime, head=head)


def dac_decoded_on_disk(model: str, h: str, n_codebooks: int, fast: bool = False, mode: str = "") -> bool:
    return codec.DiskCache().path(codec.cache_key(h, dac_cache_name(model, mode, fast), n_codebooks)).exists()


@st.cache_data(max_entries=16, show_spinner=False)
def dac_decode(model: str, h: str, codes: np.ndarray, n_codebooks: int, n_samples: int,
               fast: bool = False, mode: str = "", _head: codec.StreamHead | None = None,
               _head_audio: np.ndarray | None = None) -> np.ndarray:
    """Decoded audio, cached in memory and on disk by (clip hash, model, k).

    With the streamed head (and its audio) only the frames after it are decoded: the same audio.
    """
    cache = codec.DiskCache()
    key = codec.cache_key(h, dac_cache_name(model, mode, fast), n_codebooks)
    hit = cache.get(key)
    if hit is not None:
        return hit["audio"]
    with codec.autocast_bf16(fast):
        runtime = None if fast else get_runtime(model, mode).runtime
        out = codec.decode(get_model(model, mode), codes, n_codebooks, n_samples=n_samples, chunk_s=5.0,
                           runtime=runtime, head=_head, head_audio=_head_audio)
    cache.put(key, audio=out)
    return out


@st.cache_data(max_entries=16, show_spinner=False)
def classic(y: np.ndarray, sr: int, name: str, rate_kbps: float) -> np.ndarray:
    return codec.classic_codec(y, sr, name, rate_kbps)


@st.cache_data(max_entries=64, show_spinner=False)
def quality(y: np.ndarray, z: np.ndarray, sr: int) -> dict:
    return metrics.quality_report(y, z, sr)


@st.cache_data(max_entries=8, show_spinner=False)
def kmeans_rvq(y: np.ndarray, sr: int, bits: int, dim: int) -> rvq.MdctRVQResult:
    return rvq.mdct_rvq(y, sr, n_stages=8, bits=bits, n_bins=256, dim=dim, seed=0)


@st.cache_data(max_entries=512, show_spinner=False)
def curve_point(y: np.ndarray, sr: int, name: str, rate: float) -> dict:
    z = codec.classic_codec(y, sr, name, rate)
    return {"codec": name, "kbps": codec.classic_effective_kbps(name, sr, rate), **metrics.quality_report(y, z, sr)}


def classic_curve(y: np.ndarray, sr: int, progress=None) -> list[dict]:
    """Every classic codec at the curve's bitrates (each point cached); ``progress(fraction, text)``."""
    import time

    jobs = codec.curve_jobs(sr)
    rows, t0 = [], time.perf_counter()
    for i, (name, rate) in enumerate(jobs):
        rows.append(curve_point(y, sr, name, rate))
        if progress:
            spent = time.perf_counter() - t0
            left = spent / (i + 1) * (len(jobs) - i - 1)
            progress((i + 1) / len(jobs), f"{name} at {rate:g} kbps · about {left:.0f} s left (measured so far)")
    return rows


def fmt(v, spec_: str) -> str:
    return "n/a" if v is None else format(v, spec_)


def compare(y: np.ndarray, z: np.ndarray, sr: int, *, label: str, key: str) -> dict:
    """Players (level-matched), objective metrics and spectrograms for original / decoded / residual."""
    resid = y - z
    q = quality(y, z, sr)
    p1, p2, p3 = st.columns(3)
    with p1:
        player(y, sr, label="Original", key=f"{key}_orig")
    with p2:
        player(match_level(z, y), sr, label=f"Decoded: {label} (level-matched)", key=f"{key}_dec")
    with p3:
        rel_db = level_dbfs(float(np.sqrt(np.mean(resid**2)))) - level_dbfs(float(np.sqrt(np.mean(y**2))))
        player(match_level(resid, y), sr, label="Residual = original − decoded", key=f"{key}_res")
        st.caption(f"Played at the original's level; its true level is {rel_db:+.1f} dB re the original.")
    q1, q2, q3, q4, q5 = st.columns(5)
    q1.metric("SI-SDR", f"{q['si_sdr_db']:.1f} dB")
    q2.metric("Mel distance", f"{q['mel_distance']:.2f}")
    q3.metric("STFT distance", f"{q['stft_distance']:.2f}")
    q4.metric("PESQ", fmt(q["pesq"], ".2f"), help="Wide-band PESQ, 16 kHz speech only (MOS 1-4.6)")
    q5.metric("STOI", fmt(q["stoi"], ".2f"), help="Speech intelligibility 0-1, 16 kHz only")
    chart(cf.spectrogram_trio({"Original": y, f"Decoded ({label})": z, "Residual": resid}, sr), key=f"{key}_spec")
    return q


y = at_model_rate(clip.samples, clip.sr, spec.sr)
h = clip_hash(y, spec.sr)
RUN_KEY = f"{h}-{model_key}-{DAC_MODE}"  # the encoding the DAC tab made (clip, model, weights)
sr = spec.sr
if clip.sr != sr and not presenting():
    st.caption(f":material/info: The clip was resampled from {clip.sr} Hz to the model's {sr} Hz; "
               "every codec on this page gets the same resampled clip.")

TABS = ["Neural codec (DAC)", "Tokens", "One quantiser step", "k-means RVQ (no weights)", "Classic codecs",
        "The arithmetic of bits", "Bitrate vs quality"]
tab_dac, tab_tokens, tab_step, tab_rvq, tab_classic, tab_bits, tab_curve = st.tabs(
    TABS, key="codec_tab", on_change="rerun", bind="query-params")

# ---------------------------------------------------------------------- DAC
if tab_dac.open:
    with tab_dac:
        if not weights_present(model_key, DAC_MODE):
            slot = figure_slot()  # presenting: the bitrate ladder first, the weights note folded below it
            note = st.expander("The DAC weights are not on this machine: how to get them",
                               icon=":material/cloud_off:") if presenting() else st.container()
            with note:
                show_weights_unavailable(WeightsUnavailable(codec.weights_help(model_key)))
            note.markdown(
                "**Without the weights this page still works:** the *Tokens* arithmetic and orders, the "
                "*k-means RVQ* (also opened stage by stage in *One quantiser step*), *Classic codecs*, *The "
                "arithmetic of bits* and *Bitrate vs quality* tabs run on this machine, and the bitrate arithmetic "
                "above is exact for the real model. The **random-weight** switch above runs the real architecture "
                "(its cost, its tokens, its quantiser) with untrained weights, labelled as such."
            )
            offer_download(lambda progress: codec.download_dac(model_key, progress=progress), key="codec_download",
                           what=f"the DAC {model_key} weights", on_done=weights_present.clear, where=note)
            chart(cf.bitrate_ladder(codec.MODELS, current=(model_key, k)), key="codec_ladder", slot=slot)
            st.dataframe(
                [{"model": s.repo_id, "sample rate (Hz)": s.sr, "hop": s.hop_length,
                  "frame rate (Hz)": round(s.frame_rate_hz, 2), "codebooks": s.n_codebooks,
                  "full bitrate (kbps)": round(s.full_bitrate_kbps, 2),
                  "parameters (M)": round(codec.count_parameters(s) / 1e6, 1)} for s in codec.MODELS.values()],
                hide_index=True, width="stretch",
            )
        else:
            if DAC_MODE:
                st.warning(RANDOM_NOTE, icon=":material/science:")
            fast = st.toggle("Fast bfloat16 inference", value=False, key="codec_bf16",
                             disabled=not codec.bf16_supported(),
                             help="About 1.5× faster on CPUs with AVX512-BF16 (bench/bench_codec.py); the audio "
                                  "differs by ~0.1 % of full scale and a few codes may flip.")
            run_key = RUN_KEY
            if st.session_state.get("codec_encoded") != run_key:
                st.markdown(
                    f"Encoding {len(y) / sr:.1f} s once takes a few seconds on a laptop CPU, so it is **streamed**: "
                    f"the first {codec.FIRST_CHUNK_S:g} s are encoded and decoded on their own and play as soon as "
                    "they are ready, then the whole clip replaces them. Every codebook count is then decoded from "
                    "the same codes (and cached on disk)."
                )
                free_mb = codec.available_memory_mb()
                if free_mb is not None and free_mb < codec.DAC_MEMORY_MB:
                    st.warning(f"Only {free_mb:.0f} MB of memory is free; the model needs about "
                               f"{codec.DAC_MEMORY_MB} MB with its working space. Close other apps or use the "
                               "16 kHz model and a short clip.", icon=":material/memory:")
                if st.button("Encode with DAC", key="codec_encode", type="primary", icon=":material/play_arrow:"):
                    st.session_state["codec_encoded"] = run_key
                    st.rerun()
                chart(cf.bitrate_ladder(codec.MODELS, current=(model_key, k)), key="codec_ladder")
            else:
                bar = st.progress(0.0, text=f"Loading {spec.repo_id}…")
                first_slot = st.empty()
                try:
                    get_model(model_key, DAC_MODE)
                    rt = get_runtime(model_key, DAC_MODE)
                    head = head_audio = None
                    t_start = time.perf_counter()
                    if not dac_decoded_on_disk(model_key, h, k, fast, DAC_MODE):
                        # Streamed: code the first second alone and play it while the rest is coded.
                        bar.progress(0.05, text=f"Encoding the first {codec.FIRST_CHUNK_S:g} s…")
                        head = dac_head(model_key, y, sr, fast, DAC_MODE)
                        bar.progress(0.15, text=f"Decoding the first {codec.FIRST_CHUNK_S:g} s…")
                        head_audio = dac_head_audio(model_key, h, k, fast, DAC_MODE, _head=head)
                        t_first = time.perf_counter() - t_start
                        if not head.whole:
                            with first_slot.container():
                                player(match_level(head_audio, y[: len(head_audio)]), sr,
                                       label=f"First {head.duration_s:.1f} s, DAC {k} codebooks (the rest is "
                                             "decoding)", key="codec_first")
                                st.caption(f"First audio after {t_first:.1f} s: the first {head.duration_s:.1f} s "
                                           "were coded on their own, with just enough context (the codec's "
                                           "receptive field) to be exactly what the whole clip gives.")
                    bar.progress(0.3, text="Encoding the rest…" if head is not None else "Encoding…")
                    enc = dac_encode(model_key, y, sr, fast, DAC_MODE)
                    bar.progress(0.6, text=f"Decoding the rest from {k} codebooks…" if head is not None
                                 else f"Decoding from {k} codebooks…")
                    z = dac_decode(model_key, h, enc.codes, k, len(y), fast, DAC_MODE, _head=head,
                                   _head_audio=head_audio)
                    if head is not None:
                        st.session_state["codec_stream_times"] = (RUN_KEY, k, t_first, time.perf_counter() - t_start,
                                                                  head.duration_s)
                    if not fast and st.session_state.get("codec_levels_bg") != RUN_KEY:
                        # The chosen level first (above); every other level now, in the background, to disk.
                        st.session_state["codec_levels_bg"] = RUN_KEY
                        rt.decode_levels(enc.codes, n_samples=len(y), clip_hash=h, cache=codec.DiskCache(),
                                         model=dac_cache_name(model_key, DAC_MODE, False), chunk_s=5.0,
                                         levels=[kk for kk in range(spec.n_codebooks, 0, -1) if kk != k])
                except WeightsUnavailable as exc:
                    bar.empty()
                    show_weights_unavailable(exc)
                    st.stop()
                bar.empty()
                first_slot.empty()
                compare(y, z, sr, label=f"DAC, {k} codebooks, {kbps:.2f} kbps", key="codec_dac")
                times = st.session_state.get("codec_stream_times")
                streamed = (f"Streamed: first {times[4]:.1f} s heard after {times[2]:.1f} s, the whole clip after "
                            f"{times[3]:.1f} s (timed from the model in memory). "
                            if times and times[:2] == (RUN_KEY, k) else "")
                st.caption(f"{streamed}Ran on {'PyTorch (bfloat16)' if fast else rt.status()}. The other codebook "
                           "counts are decoded in the background after the one you asked for and kept on disk, so "
                           "moving the slider soon costs nothing.")
                n_frames = enc.codes.shape[1]
                chart(cf.code_heatmap(enc.codes, spec.frame_rate_hz, n_used=k), key="codec_heat")
                st.caption(f"{enc.codes.shape[0]} codebooks × {n_frames} frames = {enc.codes.size} codes; "
                           f"sending the first {k} costs {k * n_frames * 10} bits for {len(y) / sr:.2f} s.")
                usage = codec.codebook_usage(enc.codes, spec.codebook_size)
                ent = codec.codebook_entropy_bits(enc.codes, spec.codebook_size)
                u1, u2 = st.columns(2)
                with u1:
                    which = st.slider("Codebook to inspect", 1, spec.n_codebooks, 1, key="codec_usage_cb")
                    chart(cf.usage_histogram(usage[which - 1], codebook=which, entropy_bits=ent[which - 1]), key="codec_usage")
                with u2:
                    chart(cf.entropy_bars(ent, n_frames=n_frames), key="codec_entropy")
                st.caption(
                    f"Mean entropy of the first {k} codebooks: {ent[:k].mean():.2f} bits per code; an entropy coder "
                    f"could send this clip at about {ent[:k].sum() * spec.frame_rate_hz / 1000:.2f} kbps instead of "
                    f"{kbps:.2f} (a short clip under-estimates entropy: at most log2({n_frames}) = "
                    f"{np.log2(n_frames):.1f} bits can show)."
                )
                chart(cf.residual_energy({"DAC latent": enc.residual_energy}), key="codec_dac_resid")
                st.download_button(
                    "Download codes and decoded audio (.npz)",
                    data=codec.npz_bytes(codes=enc.codes, audio=z, original=y.astype(np.float32),
                                         sr=np.int32(sr), n_codebooks=np.int32(k), hop_length=np.int32(spec.hop_length)),
                    file_name=f"dac_{model_key}_{k}cb.npz", mime="application/octet-stream", key="codec_npz",
                    icon=":material/download:",
                )
                st.caption("Load with `np.load(path, allow_pickle=False)`; `codes[:k]` are what a receiver needs.")

# ------------------------------------------------------------------ classic
if tab_classic.open:
    with tab_classic:
        cc1, cc2 = st.columns(2)
        name = cc1.selectbox("Codec", list(codec.CLASSIC_CODECS), format_func=lambda c: codec.CLASSIC_CODECS[c],
                             key="codec_classic", bind="query-params")
        rate = cc2.select_slider("Target bitrate (kbps)", CLASSIC_KBPS + [96, 128], value=12, key="codec_classic_kbps",
                                 bind="query-params")
        eff = codec.classic_effective_kbps(name, sr, rate)
        with stop_on_input_error():
            with st.spinner(f"Encoding with {name}…"):
                zc = classic(y, sr, name, float(rate))
        st.caption(f"Effective bitrate **{eff:.1f} kbps** ({codec.compression_ratio(sr, eff):.0f}× smaller than "
                   f"16-bit PCM); same clip at {sr} Hz as the DAC tab. The codec's delay is removed by "
                   "cross-correlation before comparing.")
        compare(y, zc, sr, label=f"{name} {eff:.1f} kbps", key="codec_cl")

# --------------------------------------------------------------------- RVQ
if tab_rvq.open:
    with tab_rvq:
        st.markdown(
            "The same residual trick with no neural network: the clip's own MDCT coefficients, cut into short "
            "vectors, quantised by a codebook learned with **k-means**; each further stage quantises what is left."
        )
        r1, r2, r3 = st.columns(3)
        bits = r1.select_slider("Bits per stage (codebook of 2^bits)", [4, 6, 8], value=8, key="codec_rvq_bits", bind="query-params")
        dim = r2.select_slider("Vector size (MDCT coefficients)", [8, 16, 32], value=16, key="codec_rvq_dim", bind="query-params")
        stages = r3.slider("Stages used", 1, 8, 4, key="codec_rvq_stages", bind="query-params")
        with stop_on_input_error():
            with st.spinner("Training 8 k-means codebooks on this clip…"):
                res = kmeans_rvq(y, sr, bits, dim)
        zr = res.decode(stages)
        s1, s2, s3, s4 = st.columns(4)
        s1.metric("RVQ bitrate", f"{res.bitrate_kbps(stages):.1f} kbps")
        s2.metric("Bits per MDCT frame", f"{res.bits_per_frame(stages)}",
                  help=f"{stages} stages × {res.vectors_per_frame} vectors × {bits} bits")
        s3.metric("Residual energy", f"{10 * np.log10(res.residual_energy[stages]):.1f} dB")
        s4.metric("Per stage (theory)", f"−{6.02 * bits / dim:.1f} dB", help="6.02 dB per bit per dimension")
        st.caption(
            f"{sr} Hz / {res.n_bins} samples per MDCT frame = {sr / res.n_bins:.1f} frames/s × "
            f"{res.vectors_per_frame} vectors × {bits} bits × {stages} stages = {res.bitrate_kbps(stages):.1f} kbps. "
            "The 8 codebooks themselves (trained on this clip) are not counted; a real codec trains them once "
            "on lots of audio and ships them with the decoder, as DAC does."
        )
        compare(y, zr, sr, label=f"k-means RVQ, {stages} stages", key="codec_rv")
        curves = {"k-means RVQ (MDCT)": res.residual_energy}
        if st.session_state.get("codec_encoded") == RUN_KEY and weights_present(model_key, DAC_MODE):
            fast = bool(st.session_state.get("codec_bf16"))
            curves["DAC latent"] = dac_encode(model_key, y, sr, fast, DAC_MODE).residual_energy
        chart(cf.residual_energy(curves, theory_db_per_stage=6.02 * bits / dim), key="codec_rvq_resid")
        ent = rvq.codebook_entropy_bits(res.codes, 2**bits)
        st.caption(f"Entropy of each stage's codes (of {bits} bits sent): " + ", ".join(f"{e:.2f}" for e in ent)
                   + ". Quiet frames all map to a few entries, so entropy coding would save a lot here.")
        st.download_button(
            "Download the RVQ codes, codebooks and decoded audio (.npz)",
            data=codec.npz_bytes(codes=res.codes[:stages].astype(np.int16),
                                 codebooks=np.stack(res.rvq.codebooks[:stages]).astype(np.float32),
                                 audio=zr, sr=np.int32(sr), mdct_bins=np.int32(res.n_bins), vector_dim=np.int32(dim)),
            file_name=f"kmeans_rvq_{stages}stages.npz", mime="application/octet-stream", key="codec_rvq_npz",
            icon=":material/download:",
        )

# ------------------------------------------------------------- tokens, one step, bits (cached work)
@st.cache_data(max_entries=4, show_spinner=False)
def dac_latent(model: str, y: np.ndarray, sr: int, mode: str = "") -> np.ndarray:
    return codec.encoder_latent(get_model(model, mode), y, sr)


@st.cache_data(max_entries=4, show_spinner=False)
def mdct_vectors(y: np.ndarray, n_bins: int, dim: int) -> np.ndarray:
    return rvq.mdct(y, n_bins).reshape(-1, dim)


@st.cache_data(max_entries=4, show_spinner=False)
def rvq_swap(y: np.ndarray, sr: int, snr_db: float) -> tuple[list[dict], np.ndarray, dict]:
    noisy = codec.noisy_copy(y, snr_db, seed=0)
    rc, rn = rvq.mdct_rvq_shared([y, noisy], sr, n_stages=8, bits=8, dim=16)
    rows = codec.swap_experiment(rc.decode_codes, rc.codes, rn.codes, y, noisy, sr)
    hybrids = {r["k"]: rc.decode_codes(codec.swap_codebooks(rc.codes, rn.codes, r["k"])) for r in rows}
    return rows, noisy, hybrids


def swap_levels(n: int) -> list[int]:
    """Codebook counts the DAC swap decodes (all of them up to 12; a spread beyond)."""
    return list(range(n + 1)) if n <= 12 else sorted({0, 1, 2, 3, 4, 6, 8, 12, 16, 24, n})


@st.cache_data(max_entries=2, show_spinner=False)
def dac_swap(model: str, mode: str, y: np.ndarray, sr: int, snr_db: float) -> tuple[list[dict], np.ndarray, dict]:
    net = get_model(model, mode)
    noisy = codec.noisy_copy(y, snr_db, seed=0)
    a, b = codec.encode(net, y, sr, chunk_s=5.0), codec.encode(net, noisy, sr, chunk_s=5.0)
    decoded = {}

    def dec(codes: np.ndarray) -> np.ndarray:
        key = codes.tobytes()
        if key not in decoded:
            decoded[key] = codec.decode(net, codes, n_samples=len(y), chunk_s=5.0)
        return decoded[key]

    ks = swap_levels(a.shape[0])
    rows = codec.swap_experiment(dec, a, b, y, noisy, sr, ks=ks)
    hybrids = {kk: dec(codec.swap_codebooks(a, b, kk)) for kk in ks}
    return rows, noisy, hybrids


@st.cache_data(max_entries=8, show_spinner=False)
def quantised_clip(y: np.ndarray, bits: int) -> np.ndarray:
    return codec.quantize_bits(y, bits).astype(np.float32)


@st.cache_data(max_entries=4, show_spinner=False)
def snr_by_bits(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bits = np.arange(2, 17)
    return bits, np.array([metrics.snr_db(y, codec.quantize_bits(y, int(b))) for b in bits])


@st.cache_data(max_entries=4, show_spinner=False)
def flac_size(y: np.ndarray, sr: int) -> int:
    return codec.flac_bytes(y, sr)


def dac_ready() -> bool:
    return st.session_state.get("codec_encoded") == RUN_KEY and weights_present(model_key, DAC_MODE)


def encode_here(where_key: str) -> None:
    """An "Encode" button for tabs that need the DAC codes (the same encoding as the DAC tab's)."""
    if not weights_present(model_key, DAC_MODE):
        st.info("This needs the DAC: without its weights, switch on the **random-weight** DAC above (labelled "
                "as such everywhere) to see the real code path.", icon=":material/info:")
    elif st.button("Encode this clip with DAC", key=where_key, type="primary", icon=":material/play_arrow:"):
        st.session_state["codec_encoded"] = RUN_KEY
        st.rerun()


# ---------------------------------------------------------------------- tokens
if tab_tokens.open:
    with tab_tokens:
        f = codec.token_facts(model_key)
        n_fr_clip = codec.n_frames(len(y), spec.hop_length)
        t1, t2, t3, t4 = st.columns(4)
        t1.metric("Tokens per second", f"{f['tokens_per_s']:.0f}",
                  help=f"{f['frame_rate_hz']:.2f} frames/s × {f['n_codebooks']} codebooks")
        t2.metric("Bits per token", f"{f['bits_per_token']}", help=f"log2({f['codebook_size']}) entries")
        t3.metric("This clip", f"{n_fr_clip * f['n_codebooks']:,} tokens",
                  help=f"{n_fr_clip} frames × {f['n_codebooks']} codebooks for {len(y) / sr:.2f} s")
        t4.metric("Flat vocabulary", f"10^{f['flat_vocab_log10']:.1f}",
                  help=f"{f['codebook_size']}^{f['n_codebooks']} = 2^{f['flat_vocab_bits']}")
        st.markdown(
            f"A language model over codec tokens predicts **{f['tokens_per_s']:.0f} tokens for every second** of sound "
            f"({f['frame_rate_hz']:.2f} frames/s × {f['n_codebooks']} codebooks). Treating a whole frame as one token "
            f"would need a vocabulary of {f['codebook_size']}^{f['n_codebooks']} = 2^{f['flat_vocab_bits']} ≈ "
            f"10^{f['flat_vocab_log10']:.1f} symbols, a softmax no one can build; instead the model has "
            f"**{f['n_codebooks']} heads of {f['codebook_size']} outputs** ({f['factorised_outputs']:,} in all), one per "
            "codebook. Tokens are *parallel in time* (any frame can be coded independently once you know it) but "
            "*sequential across codebooks* (codebook k codes what codebooks 1…k−1 missed), so how the heads take turns "
            "is a design choice:"
        )
        pattern = st.segmented_control("Token order", list(codec.TOKEN_PATTERNS), default="delay",
                                       format_func=lambda p: {"parallel": "Parallel", "flatten": "Flattened",
                                                              "delay": "Delay (MusicGen)", "vall-e": "VALL-E (AR + NAR)"}[p],
                                       key="codec_pattern", bind="query-params") or "delay"
        show_k = min(spec.n_codebooks, 12)
        grid_steps = codec.token_schedule(show_k, 12, pattern)
        chart(cf.token_schedule_grid(grid_steps, title=f"{codec.TOKEN_PATTERNS[pattern].split(':')[0]}: the step at "
                                                       f"which each token is predicted ({show_k} codebooks × 12 frames)"),
              key="codec_pattern_grid")
        st.caption(codec.TOKEN_PATTERNS[pattern] + (f" (Showing the first {show_k} of {spec.n_codebooks} codebooks.)"
                                                    if show_k < spec.n_codebooks else ""))
        st.dataframe([{"order": p, "steps for this clip": int(codec.token_schedule(f["n_codebooks"], n_fr_clip, p).max()) + 1,
                       "tokens per step (mean)": round(n_fr_clip * f["n_codebooks"] /
                                                       (codec.token_schedule(f["n_codebooks"], n_fr_clip, p).max() + 1), 2)}
                      for p in codec.TOKEN_PATTERNS], hide_index=True, width="stretch")
        st.markdown("**This clip's tokens.** One row per codebook, one column per frame; greyed rows are not sent at "
                    f"the {k}-codebook bitrate chosen above.")
        if dac_ready():
            enc = dac_encode(model_key, y, sr, bool(st.session_state.get("codec_bf16")), DAC_MODE)
            if DAC_MODE:
                st.warning(RANDOM_NOTE, icon=":material/science:")
            from lib.audio import to_wav_bytes

            hover_sr = min(sr, 22050)
            grid_html = token_grid.token_grid_html(enc.codes, spec.frame_rate_hz,
                                                   to_wav_bytes(at_model_rate(y, sr, hover_sr), hover_sr), n_used=k)
            st.iframe(grid_html, height=token_grid.grid_height(enc.codes.shape[0]))  # our own HTML: integers only
            st.caption(f"{enc.codes.shape[0]} × {enc.codes.shape[1]} tokens; hovering plays "
                       f"{token_grid.HOVER_WINDOW_S * 1000:.0f} ms of the original clip from the frame's start "
                       f"(one frame is {1000 / spec.frame_rate_hz:.1f} ms, too short to hear).")
        else:
            encode_here("codec_tokens_encode")

# ------------------------------------------------------------- one quantiser step
if tab_step.open:
    with tab_step:
        st.markdown("Pick a frame and a stage and follow one vector through one residual-quantiser stage, with the "
                    "numbers. Stage *s* receives what stages 1…*s*−1 left over.")
        use_dac = dac_ready()
        source = st.segmented_control("Quantiser", ["k-means RVQ", "DAC"], default="k-means RVQ",
                                      key="codec_step_quantiser", bind="query-params") or "k-means RVQ"
        if source == "DAC" and not use_dac:
            encode_here("codec_step_encode")
            st.caption("Meanwhile, the *k-means RVQ* walk-through works without any weights.")
        else:
            n_fr_clip = codec.n_frames(len(y), spec.hop_length)
            q1, q2 = st.columns(2)
            if source == "DAC":
                frame_rate = spec.frame_rate_hz
                n_frames_src, n_stages_src = n_fr_clip, spec.n_codebooks
            else:
                res8 = kmeans_rvq(y, sr, 8, 16)
                frame_rate = sr / res8.n_bins
                n_frames_src, n_stages_src = res8.n_frames, 8
            t_frame = q1.slider("Time of the frame (s)", 0.0, round(len(y) / sr, 2), round(min(0.5, len(y) / sr / 2), 2),
                                0.01, key="codec_step_t", bind="query-params")
            stage = q2.slider("Stage (codebook)", 1, n_stages_src, 1, key="codec_step_stage", bind="query-params")
            frame = int(np.clip(int(t_frame * frame_rate), 0, n_frames_src - 1))
            with stop_on_input_error():
                if source == "DAC":
                    net = get_model(model_key, DAC_MODE)
                    if DAC_MODE:
                        st.warning(RANDOM_NOTE, icon=":material/science:")
                    z0 = dac_latent(model_key, y, sr, DAC_MODE)[:, frame]
                    walk = codec.quantizer_walk(net, z0, stage)
                    what = f"frame {frame} ({frame / frame_rate:.3f} s), DAC stage {stage}"
                else:
                    sub = st.slider("Which 16-coefficient vector of the MDCT frame", 1, res8.vectors_per_frame, 2,
                                    key="codec_step_sub", bind="query-params",
                                    help="The k-means RVQ cuts each 256-coefficient MDCT frame into 16 vectors of 16 "
                                         "neighbouring coefficients (1 = lowest frequencies).")
                    z0 = mdct_vectors(y, res8.n_bins, res8.dim)[frame * res8.vectors_per_frame + sub - 1]
                    walk = codec.quantizer_walk(res8.rvq, z0, stage)
                    what = f"MDCT frame {frame} ({frame / frame_rate:.3f} s), vector {sub}, stage {stage}"
            step = walk[-1]
            r_in = z0 if stage == 1 else walk[-2]["residual"]
            d = np.asarray(step["distances"])
            order = np.argsort(d, kind="stable")
            e_in, e_out = float(np.sum(r_in**2)), float(np.sum(step["residual"] ** 2))
            s1, s2, s3, s4 = st.columns(4)
            s1.metric("Vector in", f"|r| = {np.sqrt(e_in):.3g}", help=f"{len(r_in)} dimensions; its Euclidean length")
            s2.metric("Chosen entry", f"#{step['index']}", help=f"of {len(d)} entries")
            if step["cosine"] is not None:
                cos = np.asarray(step["cosine"])
                s3.metric("Cosine to it", f"{cos[order[0]]:.4f}", f"runner-up {cos[order[1]]:.4f}", delta_color="off", delta_arrow="off")
            else:
                s3.metric("Squared distance", f"{d[order[0]]:.4g}", f"runner-up {d[order[1]]:.4g}", delta_color="off", delta_arrow="off")
            s4.metric("Energy handed on", f"{10 * np.log10(max(e_out, 1e-30) / max(e_in, 1e-30)):+.1f} dB",
                      help="10·log10(|residual out|² / |vector in|²): negative = this stage removed error")
            slot = figure_slot()
            chart(cf.quantizer_vectors(r_in, step["reconstruction"], step["residual"],
                                       title=f"What stage {stage} receives, adds back and hands on ({what})"),
                  key="codec_step_vectors", slot=slot)
            v1, v2 = st.columns(2)
            if source == "DAC":
                cw = np.asarray(step["codeword"])
                chart(cf.codebook_space(step["projected"], step["normalised"], cw, cw / max(np.linalg.norm(cw), 1e-12),
                                        title=f"In the {len(cw)}-d codebook space: projected, normalised, chosen"),
                      key="codec_step_space", where=v1)
                dist_name = "2 − 2·cos (between unit vectors)"
            else:
                chart(cf.codebook_space(step["projected"], None, step["codeword"], None,
                                        title="No projection: the vector itself and the chosen entry"),
                      key="codec_step_space", where=v1)
                dist_name = "squared Euclidean distance"
            chart(cf.nearest_entries(d, step["index"], title=f"All {len(d)} entries by distance ({dist_name})"),
                  key="codec_step_nearest", where=v2)
            st.dataframe([{"rank": i + 1, "entry": int(j), "distance": round(float(d[j]), 5),
                           **({"cosine": round(float(step["cosine"][j]), 5)} if step["cosine"] is not None else {})}
                          for i, j in enumerate(order[:6])], hide_index=True, width="stretch")
            energies = [float(np.sum(z0**2))] + [float(np.sum(w["residual"] ** 2)) for w in walk]
            st.caption("Energy left after each stage for this vector (dB re the input): " +
                       ", ".join(f"{10 * np.log10(max(e, 1e-30) / max(energies[0], 1e-30)):+.1f}" for e in energies[1:]) +
                       (". With random weights nothing is learned, so stages need not reduce the error."
                        if source == "DAC" and DAC_MODE else "."))
            if source == "DAC":
                st.markdown(
                    f"**The steps.** 1. The encoder's {len(z0)}-d latent (or what earlier stages left) is projected to "
                    f"{len(step['projected'])} dimensions (`in_proj`, a 1×1 convolution). 2. Projection and every codebook "
                    "entry are L2-normalised. 3. The entry with the smallest distance between unit vectors, i.e. the "
                    "largest cosine, wins. 4. The entry *as stored* (not normalised) is projected back to "
                    f"{len(z0)} dimensions (`out_proj`). 5. The difference goes to the next stage.")
        st.divider()
        st.markdown("#### Swap codebooks between a clean and a noisy take")
        st.markdown("Encode the clip and a noisy copy (same level), build hybrids whose first *k* codebooks come from "
                    "the noisy take and the rest from the clean one, and score every hybrid against **both** takes "
                    "after matching its level to each. Where the curves cross tells which codebooks carry the noise.")
        w1, w2 = st.columns(2)
        snr = w1.slider("Noise (SNR of the noisy take, dB)", 0, 30, 10, key="codec_swap_snr", bind="query-params")
        swap_src = w2.segmented_control("Codec", ["k-means RVQ", "DAC"], default="k-means RVQ", key="codec_swap_src",
                                        bind="query-params") or "k-means RVQ"
        if swap_src == "DAC" and not dac_ready():
            encode_here("codec_swap_encode")
        elif st.session_state.get("codec_swap_run") != (h, swap_src, snr, RUN_KEY):
            cost = ("about 10 s" if swap_src == "k-means RVQ" else
                    f"{len(swap_levels(spec.n_codebooks))} decodes of this clip")
            if st.button(f"Run the swap experiment ({cost})", key="codec_swap_go", icon=":material/swap_horiz:"):
                st.session_state["codec_swap_run"] = (h, swap_src, snr, RUN_KEY)
                st.rerun()
        else:
            with stop_on_input_error(), st.spinner("Encoding both takes and decoding the hybrids…"):
                if swap_src == "DAC":
                    rows, noisy, hybrids = dac_swap(model_key, DAC_MODE, y, sr, float(snr))
                else:
                    rows, noisy, hybrids = rvq_swap(y, sr, float(snr))
            if swap_src == "DAC" and DAC_MODE:
                st.warning(RANDOM_NOTE, icon=":material/science:")
            chart(cf.swap_curves(rows, title=f"Hybrids of the clean and the noisy take ({swap_src}, noise at {snr} dB SNR)"),
                  key="codec_swap_fig")
            cross = next((r["k"] for r in rows if r["si_sdr_noisy"] > r["si_sdr_clean"]), None)
            st.caption("Both references are at the same level and every hybrid is matched to the reference it is "
                       "compared with; without that, the louder noisy take shifts every log-mel distance and hides "
                       "the crossing. " + (f"The hybrid is closer to the noisy take from k = {cross} codebooks on."
                                           if cross is not None else "No hybrid is closer to the noisy take."))
            ks = [r["k"] for r in rows]
            kk = st.select_slider("Listen to the hybrid with the first k codebooks from the noisy take", ks,
                                  value=ks[len(ks) // 2], key="codec_swap_k")
            p1, p2, p3 = st.columns(3)
            with p1:
                player(y, sr, label="Clean take", key="codec_swap_clean")
            with p2:
                player(noisy, sr, label=f"Noisy take ({snr} dB SNR)", key="codec_swap_noisy")
            with p3:
                player(match_level(hybrids[kk], y), sr, label=f"Hybrid, k = {kk} (level-matched)", key="codec_swap_hyb")

# ------------------------------------------------------------ the arithmetic of bits
if tab_bits.open:
    with tab_bits:
        st.markdown("**Plain PCM.** Every sample is one integer: bitrate = sample rate × bits × channels.")
        b1, b2, b3 = st.columns(3)
        pcm_sr = b1.selectbox("Sample rate (Hz)", [8000, 16000, 22050, 24000, 44100, 48000, 96000], index=4,
                              key="codec_pcm_sr", bind="query-params")
        pcm_bits = b2.segmented_control("Bits per sample", [8, 16, 24], default=16, key="codec_pcm_bits",
                                        bind="query-params") or 16
        pcm_ch = b3.segmented_control("Channels", [1, 2], default=2, format_func=lambda c: "mono" if c == 1 else "stereo",
                                      key="codec_pcm_ch", bind="query-params") or 2
        p_kbps = codec.pcm_bitrate_kbps(pcm_sr, pcm_bits, pcm_ch)
        n1, n2, n3, n4 = st.columns(4)
        n1.metric("PCM bitrate", f"{p_kbps:,.1f} kbps", help=f"{pcm_sr} × {pcm_bits} × {pcm_ch} / 1000")
        n2.metric("Per minute", f"{codec.pcm_bytes_per_minute(pcm_sr, pcm_bits, pcm_ch) / 1e6:.2f} MB")
        n3.metric("Dynamic range", f"{20 * np.log10(2 ** pcm_bits):.1f} dB", help="20·log10(2^bits) ≈ 6.02 dB per bit")
        n4.metric("Full-scale sine SNR", f"{codec.quantization_snr_db(pcm_bits):.1f} dB", help="6.02·bits + 1.76 dB")

        st.markdown("**6.02 dB per bit, heard.** Quantise this clip to fewer bits and listen to what is lost.")
        qb = st.segmented_control("Bits", [16, 12, 8, 4], default=8, key="codec_qbits", bind="query-params") or 8
        zq = quantised_clip(y, int(qb))
        bits_axis, snr_meas = snr_by_bits(y)
        rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
        rms_db = level_dbfs(rms)
        theory = 6.02 * bits_axis + 4.77 + rms_db
        slot = figure_slot()
        o1, o2, o3 = st.columns(3)
        o1.metric(f"SNR at {qb} bits (measured)", f"{metrics.snr_db(y, zq):.1f} dB")
        o2.metric("Theory for this clip", f"{6.02 * qb + 4.77 + rms_db:.1f} dB",
                  help=f"6.02·b + 4.77 + 20·log10(RMS) with RMS = {rms_db:.1f} dBFS (a full-scale sine has −3.01)")
        o3.metric("Levels", f"{2 ** int(qb):,}")
        chart(cf.snr_per_bit(bits_axis, snr_meas, theory, clip_rms_dbfs=rms_db, chosen=int(qb)), key="codec_bits_snr",
              slot=slot)
        a1, a2 = st.columns(2)
        with a1:
            player(zq, sr, label=f"Quantised to {qb} bits", key="codec_q_audio")
        with a2:
            player(zq - y, sr, label="The quantisation noise alone (true level)", key="codec_q_noise")
        st.caption("Below ~8 bits the error stops being a steady hiss and follows the signal (granular distortion): "
                   "the uniform-noise model behind 6.02 dB per bit needs many levels per waveform swing. Dither "
                   "would trade that distortion for hiss.")

        st.markdown("**Lossless: FLAC.** Predicts each sample from the previous ones and codes the prediction error; "
                    "the bits come back exactly, so the ratio depends on how predictable the clip is.")
        pcm_b = len(y) * 2
        fb = flac_size(y, sr)
        l1, l2, l3 = st.columns(3)
        l1.metric("16-bit PCM", f"{pcm_b / 1024:.1f} KiB")
        l2.metric("FLAC (measured)", f"{fb / 1024:.1f} KiB", f"{pcm_b / fb:.2f}× smaller", delta_color="off", delta_arrow="off")
        l3.metric("FLAC bitrate", f"{fb * 8 / (len(y) / sr) / 1000:.0f} kbps",
                  help="Includes the FLAC headers; mono, at the page's sample rate")

        st.markdown("**Lossy: MP3's frames.** MP3 cuts the signal into frames of 1152 samples (576 at 24 kHz and "
                    "below) and spends a fixed bit budget on each at a constant bitrate.")
        f1, f2 = st.columns(2)
        mp3_kbps = f1.select_slider("MP3 bitrate (kbps)", [32, 48, 64, 96, 128, 192, 256, 320], value=128,
                                    key="codec_mp3_kbps", bind="query-params")
        mp3_sr = f2.selectbox("Sample rate (Hz)", [16000, 22050, 24000, 32000, 44100, 48000], index=4,
                              key="codec_mp3_sr", bind="query-params")
        fr = codec.mp3_frame(mp3_kbps, mp3_sr)
        g1, g2, g3, g4 = st.columns(4)
        g1.metric("Samples per MP3 frame", f"{fr['samples']}")
        g2.metric("Frame length", f"{fr['duration_ms']:.1f} ms")
        g3.metric("Bits per MP3 frame", f"{fr['bits']:,.0f}", f"{fr['bytes']:.2f} bytes", delta_color="off", delta_arrow="off")
        g4.metric("Bits per sample", f"{fr['bits_per_sample']:.2f}", help="vs 16 for CD-quality PCM")

        st.markdown("**Per bit.** What each coder spends on one sample (mono, at each codec's own rate).")
        ladder = [
            {"label": f"PCM 16-bit ({sr / 1000:g} kHz)", "bits_per_sample": 16.0, "family": "PCM"},
            {"label": "PCM 8-bit", "bits_per_sample": 8.0, "family": "PCM"},
            {"label": "FLAC, this clip (lossless)", "bits_per_sample": fb * 8 / len(y), "family": "FLAC"},
            {"label": "MP3 128 kbps (44.1 kHz)", "bits_per_sample": 128 / 44.1, "family": "MP3"},
            {"label": "AAC 64 kbps (44.1 kHz)", "bits_per_sample": 64 / 44.1, "family": "AAC"},
            {"label": "Opus 24 kbps (48 kHz)", "bits_per_sample": 24 / 48, "family": "Opus"},
            {"label": "Opus 6 kbps (48 kHz)", "bits_per_sample": 6 / 48, "family": "Opus"},
        ] + [{"label": f"DAC {s.sr / 1000:g} kHz, all {s.n_codebooks} codebooks",
              "bits_per_sample": s.full_bitrate_kbps * 1000 / s.sr, "family": "DAC"} for s in codec.MODELS.values()]
        if k < spec.n_codebooks:
            ladder.append({"label": f"DAC {sr / 1000:g} kHz, {k} codebooks (chosen)",
                           "bits_per_sample": kbps * 1000 / sr, "family": "DAC"})
        chart(cf.bits_per_sample_ladder(ladder), key="codec_bits_ladder")
        saved = st.session_state.get("codec_curve_rows")
        if saved and saved[0] == h:
            per_bit = [{**r, "kbps": r["kbps"] * 1000 / sr} for r in saved[1]]
            fig = cf.quality_curve(per_bit, "mel_distance")
            fig.update_layout(title=dict(text="The page's quality curve per sample: mel distance against bits per sample"))
            fig.update_xaxes(title_text="Bits per sample at this clip's rate (log scale)")
            chart(fig, key="codec_bits_curve")
            st.caption("Same points as the *Bitrate vs quality* tab, divided by the sample rate: the bit-depth points "
                       "are plain PCM at 1-16 bits per sample; perceptual codecs reach the same mel distance with "
                       "a fraction of a bit.")
        else:
            st.caption("Compute the curve in the *Bitrate vs quality* tab to see where each codec sits per bit on "
                       "this clip.")

# -------------------------------------------------------------------- curve
if tab_curve.open:
    with tab_curve:
        metric_names = ["si_sdr_db", "mel_distance", "stft_distance"] + (["pesq", "stoi"] if sr == 16000 else [])
        which = st.segmented_control("Quality measure", metric_names, default="mel_distance",
                                     format_func=lambda m: cf.METRIC_LABELS[m].split(" (")[0], key="codec_metric",
                                     bind="query-params") or "mel_distance"
        rows: list[dict] = []
        done = st.session_state.get("codec_curve") == h
        if not done:
            n_points = len(codec.curve_jobs(sr)) + 8
            est = CURVE_S_PER_AUDIO_S * len(y) / sr
            st.markdown(f"Runs Opus, MP3 and AAC at 6-64 kbps and μ-law / bit-depth / sample-rate reduction at "
                        f"16-256 kbps on this clip, plus 8 k-means RVQ levels, and scores all {n_points} points "
                        f"with every quality measure. Measured on a quiet 2-core machine: about "
                        f"{CURVE_S_PER_AUDIO_S:g} s per second of audio, so about **{est:.0f} s** for this "
                        f"{len(y) / sr:.1f} s clip the first time (instant afterwards); a busy machine takes "
                        "longer, and the bar shows the time left as it goes.")
            if st.button("Compute the curve", key="codec_curve_go", type="primary", icon=":material/monitoring:"):
                st.session_state["codec_curve"] = h
                st.rerun()
        if done:
            bar = st.progress(0.0, text="Classic codecs…")
            rows = classic_curve(y, sr, progress=lambda f, m: bar.progress(f, text=m))
            bar.empty()
            res8 = kmeans_rvq(y, sr, 8, 16)
            for s in range(1, 9):
                rows.append({"codec": "k-means RVQ", "kbps": res8.bitrate_kbps(s),
                             **quality(y, res8.decode(s), sr)})
            if st.session_state.get("codec_encoded") == RUN_KEY and weights_present(model_key, DAC_MODE):
                fast = bool(st.session_state.get("codec_bf16"))
                enc = dac_encode(model_key, y, sr, fast, DAC_MODE)
                levels = sorted(set([1, 2, 4, spec.n_codebooks // 2, spec.n_codebooks, k]))
                dbar = st.progress(0.0, text="DAC levels…")
                for i, kk in enumerate(levels):
                    zk = dac_decode(model_key, h, enc.codes, kk, len(y), fast, DAC_MODE)
                    rows.append({"codec": "DAC", "kbps": codec.bitrate_kbps(sr, spec.hop_length, kk),
                                 **quality(y, zk, sr)})
                    dbar.progress((i + 1) / len(levels), text=f"DAC with {kk} codebooks")
                dbar.empty()
            else:
                st.caption("DAC points appear here once the DAC tab has encoded this clip (needs the weights).")
            st.session_state["codec_curve_rows"] = (h, rows)  # the bits tab shows them per sample
        paper = [dict(p) for p in codec.PAPER_RESULTS]
        chart(cf.quality_curve(rows, which, paper=paper if which in ("mel_distance", "si_sdr_db") else None,
                                         marker_kbps=kbps), key="codec_curve_fig")
        t1, t2 = st.columns(2)
        with t1:
            st.markdown("**Published (DAC paper, 44.1 kHz, their test set)**")
            st.dataframe([{"codec": p["codec"], "kbps": p["kbps"], "mel distance": p["mel_distance"],
                           "SI-SDR (dB)": p["si_sdr_db"]} for p in paper], hide_index=True, width="stretch")
        with t2:
            st.markdown("**Ours (this clip)**")
            if rows:
                st.dataframe([{"codec": r["codec"], "kbps": round(r["kbps"], 2),
                               "mel distance": round(r["mel_distance"], 3), "SI-SDR (dB)": round(r["si_sdr_db"], 2),
                               "STFT distance": round(r["stft_distance"], 3),
                               "PESQ": None if r["pesq"] is None else round(r["pesq"], 2),
                               "STOI": None if r["stoi"] is None else round(r["stoi"], 3)} for r in rows],
                             hide_index=True, width="stretch", height=300)
            else:
                st.caption("Press *Compute the curve*.")
        st.caption(f"Dashed red line: the DAC setting chosen above ({kbps:.2f} kbps). One clip is not a test set: compare shapes and orders of magnitude with the paper, not decimals. "
                   "Neural codecs do not preserve the waveform's phase, so their SI-SDR is low even when they sound "
                   "good; mel distance tracks what they optimise.")

in_depth(r"""
**Bitrate.** An RVQ codec with frame rate $f_r = f_s / \text{hop}$, $N_q$ codebooks of $K = 2^{b}$ entries sends
$$R = f_r \, N_q \, b \ \text{bit/s}, \qquad \text{e.g. } \tfrac{44100}{512}\cdot 9 \cdot 10 = 7752\ \text{bit/s}.$$
Against mono 16-bit PCM ($16 f_s$ bit/s) that is $705.6 / 7.75 \approx 91\times$ smaller.

**Residual vector quantisation.** With latent $z$, stage $i$ picks $q_i = \arg\min_{c \in C_i} \lVert r_{i-1} - c\rVert$
where $r_0 = z$, $r_i = r_{i-1} - q_i$. The decoder sees $\hat z_k = \sum_{i \le k} q_i$: the first $k$ codes of one
encoding *are* the $k$-codebook encoding, so one encode serves every bitrate. DAC trains with *quantizer dropout*
(random $k$ per example) so that every prefix decodes well; it also projects to 8 dimensions and compares
L2-normalised vectors (cosine distance) to keep all 1024 entries in use.

**Tokens.** $f_r N_q$ tokens per second (16 kHz model: $50 \times 12 = 600$) of $b = 10$ bits each. One symbol per
frame would need $K^{N_q} = 1024^{12} = 2^{120}$ classes; a codec language model instead has $N_q$ heads of $K$ outputs
and chooses an order: *parallel* ($T$ steps, codebooks of a frame independent given the past), *flattened*
($T N_q$ steps, exact; AudioLM), *delay* ($T + N_q - 1$ steps, codebook $k$ shifted by $k-1$; MusicGen, Copet et al.
2023), or *VALL-E*'s first codebook autoregressive and the rest non-autoregressive, one step per codebook (Wang et
al. 2023).

**One quantiser step (DAC).** With residual $r$: $p = W_{in} r + b_{in}$ (1024 → 8), $\hat p = p/\lVert p\rVert$,
$i^\star = \arg\min_i \lVert \hat p - \hat c_i\rVert^2 = \arg\max_i \cos(p, c_i)$ since $\lVert \hat p - \hat c\rVert^2 =
2 - 2\cos$; then $q = W_{out} c_{i^\star} + b_{out}$ with the entry *as stored* (not normalised), and $r' = r - q$.
Factorised low-dimensional codes and the L2 normalisation come from Improved VQGAN (Yu et al. 2022) and keep all
1024 entries in use. With random weights the stages do not reduce the error: nothing was learned.

**Streaming and the receptive field.** Every layer of DAC is a convolution, so each code frame depends on a
fixed stretch of input samples and each output sample on a fixed stretch of code frames: walking an interval back
through the layers (kernel 7 with dilations 1, 3, 9 in the residual units, kernel $2s$ with stride $s$ in the
resampling convs) gives 8 frames either side for the encoder and 10 for the decoder, for every official model
(0.12 s at 44.1 kHz). So the page encodes the first second plus $10 + 8$ frames, decodes it plus 10, and gets exactly
the whole clip's codes and first second (`lib.codec.receptive_field`, tested against perturbing one sample of a
tiny model in float64: beyond the field nothing changes). The rest starts 8 (encoder) and 10 (decoder) frames
before the cut, so the whole clip costs one pass plus those frames twice.

**Codebook swap.** Hybrid $h_k$ = the first $k$ codebooks of the noisy take + the rest of the clean one. Score every
$h_k$ against both takes *after matching its level to each*: the noisy take is louder unless matched, and a level
offset adds a constant to every log-mel distance that can hide the crossing.

**The arithmetic of bits.** PCM: $R = f_s \cdot b \cdot C$ (CD: $44100 \cdot 16 \cdot 2 = 1411.2$ kbit/s, 10.58 MB per
minute). A uniform quantiser with step $\Delta = 2/2^b$ adds error of power $\Delta^2/12$, so
$\text{SNR} = 6.02\,b + 4.77 + 20\log_{10}\text{RMS}$ dB (full-scale sine: $6.02\,b + 1.76$; 16 bits ≈ 96 dB of range).
FLAC (linear prediction + Rice-coded residual) is lossless, so its ratio depends on the signal. MP3 (MPEG-1 Layer
III) spends $1152 \cdot R / f_s$ bits per 1152-sample frame (417.96 bytes at 128 kbit/s, 44.1 kHz; frames of 417 or
418 bytes with a padding byte now and then).

**Error vs stages.** High-rate theory: $b$ bits on a $d$-dimensional vector lower the error by about
$6.02\,b/d$ dB per stage. A k-means codebook learned on the data does better in early stages because it learns
the spectrum's shape; later stages face nearly white residuals and settle near the theory line.

**Metrics.** SI-SDR $= 10\log_{10}\frac{\lVert\alpha s\rVert^2}{\lVert \hat s - \alpha s\rVert^2}$,
$\alpha = \langle \hat s, s\rangle/\lVert s\rVert^2$ (gain-invariant, phase-sensitive). The paper's mel distance is the
mean $|\log_{10} M - \log_{10}\hat M|$ of mel magnitudes (clamped at $10^{-5}$) summed over 7 scales
(windows 32...2048, 5...320 mels, hop = window/4); the STFT distance sums log-power and magnitude L1 over windows
2048 and 512. PESQ/STOI are speech measures at 16 kHz.

**Pitfalls.** (1) Entropy: codes that are not uniformly used could be entropy-coded below 10 bits; a few seconds
cannot estimate 1024-entry distributions (at most $\log_2$ frames bits). (2) Log-mel distance punishes noise in
bands the original leaves nearly empty (μ-law at full bandwidth scores worse than at half). (3) Classic codecs
add delay (Opus pre-skip, AAC priming); comparing without aligning gives nonsense SI-SDR. (4) The k-means
codebooks are fitted to this clip and not counted in its bitrate.

**Implementation.** The PyPI `descript-audio-codec` package cannot be installed next to current Streamlit and torch
(it pins old protobuf and needs a torchaudio matching torch); this page runs the same architecture and the official
checkpoints through `transformers.DacModel`.

**References.** Kumar et al. 2023, *High-Fidelity Audio Compression with Improved RVQGAN* (DAC) and
github.com/descriptinc/descript-audio-codec; Zeghidour et al. 2021 (SoundStream, RVQ); Défossez et al. 2022
(EnCodec); Valin et al., RFC 6716 (Opus); Le Roux et al. 2019 (SI-SDR); Taal et al. 2011 (STOI); ITU-T P.862.2 (PESQ).
""")

show_code(codec.bitrate_kbps, codec.decode, codec.receptive_field, codec.quantizer_step, codec.token_schedule,
          codec.swap_experiment,
          rvq.train_rvq, metrics.mel_distance)
