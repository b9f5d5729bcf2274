"""Neural codec: what DAC's residual vector quantisation buys at each bitrate, against classic codecs."""

from __future__ import annotations

import os

import numpy as np
import streamlit as st

from components import codec_figures as cf
from components.audio_io import pick_audio, player
from components.errors import show_weights_unavailable, stop_on_input_error
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
    "k-means RVQ, 1 stage": {"codec_tab": "k-means RVQ (no weights)", "codec_rvq_stages": 1},
    "k-means RVQ, 8 stages": {"codec_tab": "k-means RVQ (no weights)", "codec_rvq_stages": 8},
    "Opus at 6 kbps": {"codec_tab": "Classic codecs", "codec_classic": "opus", "codec_classic_kbps": 6},
    "The curve": {"codec_tab": "Bitrate vs quality"},
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
    if random_dac:
        s = codec.MODELS[model]
        return codec.build_dac(s, encoder_hidden_size=2, decoder_hidden_size=32)
    return codec.load_dac(model, allow_download=False, num_threads=os.cpu_count() or 2)


@st.cache_data(max_entries=8, show_spinner=False)
def dac_encode(model: str, y: np.ndarray, sr: int, fast: bool = False) -> codec.Encoding:
    # (No progress callback in here: cached functions must not touch elements created outside them.)
    with codec.autocast_bf16(fast):
        return codec.encode_details(get_model(model, RANDOM_DAC), y, sr, chunk_s=5.0)


@st.cache_data(max_entries=16, show_spinner=False)
def dac_decode(model: str, h: str, codes: np.ndarray, n_codebooks: int, n_samples: int,
               fast: bool = False) -> np.ndarray:
    """Decoded audio, cached in memory and on disk by (clip hash, model, k)."""
    cache = codec.DiskCache()
    key = codec.cache_key(h, model + (RANDOM_DAC and "-random") + ("-bf16" if fast else ""), n_codebooks)
    hit = cache.get(key)
    if hit is not None:
        return hit["audio"]
    with codec.autocast_bf16(fast):
        out = codec.decode(get_model(model, RANDOM_DAC), codes, n_codebooks, n_samples=n_samples, chunk_s=5.0)
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
sr = spec.sr
if clip.sr != sr and not presenting():
    st.caption(f":material/info: The clip was resampled from {clip.sr} Hz to the model's {sr} Hz; "
               "every codec on this page gets the same resampled clip.")

TABS = ["Neural codec (DAC)", "Classic codecs", "k-means RVQ (no weights)", "Bitrate vs quality"]
tab_dac, tab_classic, tab_rvq, tab_curve = st.tabs(TABS, key="codec_tab", on_change="rerun", bind="query-params")

# ---------------------------------------------------------------------- DAC
if tab_dac.open:
    with tab_dac:
        if not weights_present(model_key, RANDOM_DAC):
            slot = figure_slot()  # presenting: the bitrate ladder first, the weights note folded below it
            note = st.expander("The DAC weights are not on this machine: how to get them",
                               icon=":material/cloud_off:") if presenting() else st.container()
            with note:
                show_weights_unavailable(WeightsUnavailable(codec.weights_help(model_key)))
            note.markdown(
                "**Without the weights this page still works:** the *Classic codecs*, *k-means RVQ* and "
                "*Bitrate vs quality* tabs run on this machine, and the bitrate arithmetic above is exact for "
                "the real model."
            )
            if note.button("Try to download the weights now", key="codec_download", icon=":material/download:"):
                bar = st.progress(0.0, text="Contacting the Hugging Face Hub…")
                try:
                    codec.download_dac(model_key, progress=lambda f, msg: bar.progress(f, text=msg))
                    weights_present.clear()
                    st.rerun()
                except WeightsUnavailable as exc:
                    bar.empty()
                    st.error(f"Could not download: {str(exc).split('.')[0]}. Use the command above on a "
                             "connected machine.", icon=":material/cloud_off:")
            chart(cf.bitrate_ladder(codec.MODELS, current=(model_key, k)), key="codec_ladder", slot=slot)
            st.dataframe(
                [{"model": s.repo_id, "sample rate (Hz)": s.sr, "hop": s.hop_length,
                  "frame rate (Hz)": round(s.frame_rate_hz, 2), "codebooks": s.n_codebooks,
                  "full bitrate (kbps)": round(s.full_bitrate_kbps, 2),
                  "parameters (M)": round(codec.count_parameters(s) / 1e6, 1)} for s in codec.MODELS.values()],
                hide_index=True, width="stretch",
            )
        else:
            if RANDOM_DAC:
                st.warning("Test mode: a tiny DAC with random weights (the output is noise, the code path is real).",
                           icon=":material/science:")
            fast = st.toggle("Fast bfloat16 inference", value=False, key="codec_bf16",
                             disabled=not codec.bf16_supported(),
                             help="About 1.5× faster on CPUs with AVX512-BF16 (bench/bench_codec.py); the audio "
                                  "differs by ~0.1 % of full scale and a few codes may flip.")
            run_key = f"{h}-{model_key}"
            if st.session_state.get("codec_encoded") != run_key:
                st.markdown(
                    f"Encoding {len(y) / sr:.1f} s once takes a few seconds on a laptop CPU; every codebook count is "
                    "then decoded from the same codes (and cached on disk)."
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
                try:
                    get_model(model_key, RANDOM_DAC)
                    bar.progress(0.05, text="Encoding…")
                    enc = dac_encode(model_key, y, sr, fast)
                    bar.progress(0.5, text=f"Decoding from {k} codebooks…")
                    z = dac_decode(model_key, h, enc.codes, k, len(y), fast)
                except WeightsUnavailable as exc:
                    bar.empty()
                    show_weights_unavailable(exc)
                    st.stop()
                bar.empty()
                compare(y, z, sr, label=f"DAC, {k} codebooks, {kbps:.2f} kbps", key="codec_dac")
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
        if st.session_state.get("codec_encoded") == f"{h}-{model_key}" and weights_present(model_key, RANDOM_DAC):
            fast = bool(st.session_state.get("codec_bf16"))
            curves["DAC latent"] = dac_encode(model_key, y, sr, fast).residual_energy
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
            if st.session_state.get("codec_encoded") == f"{h}-{model_key}" and weights_present(model_key, RANDOM_DAC):
                fast = bool(st.session_state.get("codec_bf16"))
                enc = dac_encode(model_key, y, sr, fast)
                levels = sorted(set([1, 2, 4, spec.n_codebooks // 2, spec.n_codebooks, k]))
                dbar = st.progress(0.0, text="DAC levels…")
                for i, kk in enumerate(levels):
                    zk = dac_decode(model_key, h, enc.codes, kk, len(y), fast)
                    rows.append({"codec": "DAC", "kbps": codec.bitrate_kbps(sr, spec.hop_length, kk),
                                 **quality(y, zk, sr)})
                    dbar.progress((i + 1) / len(levels), text=f"DAC with {kk} codebooks")
                dbar.empty()
            else:
                st.caption("DAC points appear here once the DAC tab has encoded this clip (needs the weights).")
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

show_code(codec.bitrate_kbps, codec.decode, rvq.train_rvq, metrics.mel_distance)
