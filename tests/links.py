"""A shared link for every bound parameter of every page (issue 14, item 2).

``LINKS[page]`` is a list of views; each view maps a widget key (= URL parameter) to
``(url_value, value)``: what the link carries (a string, or a list for range sliders) and the value
the widget must then hold. One view per tab or mode, because only the open tab's widgets exist. Every
value differs from the widget's default, so a link that is ignored shows up as a wrong value.

``tests/app/test_links.py`` checks that these views cover every bound widget and that each value
arrives (AppTest); ``tests/e2e/test_presenter_links.py`` opens the first view of each page in a
fresh Chromium context and reads every control back from the page.
"""

from __future__ import annotations

S = "sample"

LINKS: dict[str, list[dict[str, tuple]]] = {
    "app_pages/time_domain.py": [
        {S: ("Drum loop (percussive)", "Drum loop (percussive)"), "td_frame": ("2048", 2048), "td_hop": ("256", 256),
         "td_grid": ("true", True), "td_k": ("40", 40), "td_zcr_thr": ("0.2", 0.2), "td_rms_thr": ("-30", -30)},
    ],
    "app_pages/aliasing.py": [
        {"alias_f": ("130.5", 130.5), "alias_fs": ("200.0", 200.0), "alias_phase": ("45", 45),
         "alias_ghosts": ("3", 3), "alias_recon": ("Linear (connect the dots)", "linear"),
         "alias_sweep_fs": ("16000", 16000), "alias_sweep_end": ("9000", 9000), "alias_sweep_dur": ("2.5", 2.5),
         "alias_sweep_play": ("Staircase DAC: zero-order hold", "zoh")},
        {"alias_tab": ("Real audio: decimation", "Real audio: decimation"),
         S: ("Chirp 50 Hz to 10 kHz", "Chirp 50 Hz to 10 kHz"), "alias_seg_start": ("0.5", 0.5),
         "alias_seg_len": ("2.0", 2.0), "alias_factor": ("6", 6),
         "alias_filter": ("Chebyshev II IIR (60 dB stopband)", "cheby2"), "alias_cutoff": ("0.8", 0.8),
         "alias_order": ("6", 6)},
        {"alias_tab": ("Harmonics fold too", "Harmonics fold too"), "alias_wave": ("Sawtooth", "sawtooth"),
         "alias_f0": ("700", 700), "alias_nh": ("20", 20), "alias_h_fs": ("11025", 11025)},
        {"alias_tab": ("Wagon wheel", "Wagon wheel"), "alias_rps": ("5.5", 5.5), "alias_fps": ("30", 30),
         "alias_spokes": ("4", 4), "alias_paint": ("true", True)},
    ],
    "app_pages/fourier.py": [
        {"fourier_shape": ("Triangle", "triangle"), "fourier_n": ("15", 15),
         "fourier_smooth": ("Fejér (Cesàro mean)", "fejer"), "fourier_highlight": ("n = 3", 3),
         "fourier_db": ("true", True), "fourier_f0": ("330.0", 330.0), "fourier_sr": ("44100", 44100),
         "fourier_bandlimit": ("false", False), "fourier_seed": ("7", 7), "fourier_epi_t": ("0.37", 0.37)},
        {"fourier_shape": ("Pulse", "pulse"), "fourier_duty": ("0.4", 0.4),
         "fourier_scramble_kind": ("Schroeder", "schroeder")},
        {"fourier_mode": ("Analyse a recording", "Analyse a recording"),
         S: ("Plucked string 220 Hz", "Plucked string 220 Hz"), "fourier_an_start": ("0.3", 0.3),
         "fourier_an_n": ("12", 12), "fourier_an_periods": ("6", 6), "fourier_an_range": (["80", "500"], (80, 500))},
    ],
    "app_pages/spectrum.py": [
        {S: ("Sine 440 Hz", "Sine 440 Hz"), "sp_len": ("200", 200), "sp_start": ("0.5", 0.5), "sp_pad": ("8", 8),
         "sp_window": ("Kaiser", "kaiser"), "sp_beta": ("5.0", 5.0), "sp_logx": ("false", False),
         "sp_db": ("true", True), "sp_ref": ("Segment maximum", "Segment maximum")},
        {"sp_tab": ("Leakage lab", "Leakage lab"), "lk_k": ("9.25", 9.25), "lk_window": ("Hann", "hann")},
        {"sp_db": ("false", False)},
    ],
    "app_pages/spectrogram.py": [
        {S: ("Two close tones 440 + 460 Hz", "Two close tones 440 + 460 Hz"), "sg_nfft": ("4096", 4096),
         "sg_win": ("1024", 1024), "sg_hop": ("256", 256), "sg_window": ("hamming", "hamming"),
         "sg_scale": ("log", "log"), "sg_topdb": ("60", 60), "sg_amp": ("magnitude (dB)", "magnitude (dB)"),
         "sg_cmap": ("Viridis", "Viridis"), "sg_fview": (["300.0", "2000.0"], (300.0, 2000.0)),
         "sg_seg": (["0.5", "1.5"], (0.5, 1.5))},
        {"sg_scale": ("mel", "mel"), "sg_nmels": ("64", 64), "sg_fmin": ("100.0", 100.0),
         "sg_fmax": ("8000.0", 8000.0), "sg_htk": ("HTK (torchaudio)", "HTK (torchaudio)")},
        {"sg_kind": ("Synthetic test signal", "Synthetic test signal"), "sg_synth": ("White noise", "White noise")},
    ],
    "app_pages/convolution.py": [
        {"cv_x": ("1 2 3", "1 2 3"), "cv_h": ("1 -1", "1 -1"), "cv_n": ("3", 3),
         S: ("Drum loop (percussive)", "Drum loop (percussive)")},
        {"cv_tab": ("Linear vs circular", "Linear vs circular"), "cv_nfft": ("7", 7), "cv_circ_pad": ("true", True)},
        {"cv_tab": ("Correlation & matched filter", "Correlation & matched filter"), "cv_snr": ("-25", -25),
         "cv_chirp_ms": ("400", 400), "cv_seed": ("11", 11)},
        {"cv_tab": ("Causality", "Causality"), "cv_caus_room": ("Small room (0.3 s)", "Small room (0.3 s)")},
        {"cv_tab": ("Speed & blocks", "Speed & blocks"), "cv_block": ("1024", 1024)},
        {"cv_tab": ("Auralise", "Auralise"), "cv_aur_room": ("Classroom (0.7 s)", "Classroom (0.7 s)"),
         "cv_aur_rev": ("true", True)},
        {"cv_tab": ("Auralise", "Auralise"),
         "cv_aur_irsrc": ("Upload an impulse response", "Upload an impulse response")},
    ],
    "app_pages/room.py": [
        {"room_preset": ("Church", "Church"), "room_L": ("28.0", 28.0), "room_W": ("15.0", 15.0),
         "room_H": ("12.0", 12.0), "room_mat_0": ("Rendered brickwork", "Rendered brickwork"),
         "room_mat_1": ("Ceramic tiles", "Ceramic tiles"), "room_mat_2": ("Rough concrete", "Rough concrete"),
         "room_mat_3": ("Wooden lining", "Wooden lining"), "room_mat_4": ("Marble floor", "Marble floor"),
         "room_mat_5": ("Acoustic plaster 25 mm", "Acoustic plaster 25 mm"),
         "room_sx": ("5.0", 5.0), "room_sy": ("6.0", 6.0), "room_sz": ("1.5", 1.5),
         "room_mx": ("18.0", 18.0), "room_my": ("4.0", 4.0), "room_mz": ("1.4", 1.4),
         "room_sr": ("8000", 8000), "room_hybrid": ("false", False), "room_auto_order": ("false", False),
         "room_order": ("6", 6)},
        {"room_tab": ("Impulse response", "Impulse response"), "room_plan_order": ("2", 2)},
        {"room_tab": ("Decay", "Decay"), "room_cmp_band": ("500 Hz", "500 Hz")},
        {"room_tab": ("Listen", "Listen"), "room_mix": ("0.5", 0.5), S: ("Drum loop (percussive)", "Drum loop (percussive)")},
        {"room_mode": ("Uniform absorption α", "Uniform absorption α"), "room_alpha": ("0.3", 0.3)},
        {"room_mode": ("Target RT60", "Target RT60"), "room_target": ("1.2", 1.2)},
    ],
    "app_pages/sync_training.py": [
        {"train_held_out": ("bin_blue", "bin_blue"), "train_epochs": ("5", 5), "train_max_shift": ("4", 4),
         "train_margin": ("1.5", 1.5), "train_seed": ("7", 7)},
        {"train_source": ("Your own talking-face video", "upload")},
    ],
    "app_pages/measure_room.py": [
        {"mr_f1": ("100", 100), "mr_f2": ("8000", 8000), "mr_dur": ("2.0", 2.0), "mr_fade": ("20", 20),
         "mr_sr": ("16000", 16000), "mr_level": ("-30", -30), "mr_tail": ("2.0", 2.0)},
        {"mr_tab": ("Simulated room", "Simulated room"), "mr_sr": ("16000", 16000), "mr_f2": ("4000", 4000),
         "mr_room": ("Classroom (0.7 s)", "Classroom (0.7 s)"), "mr_noise": ("-60", -60), "mr_asym": ("0.2", 0.2),
         S: ("Drum loop (percussive)", "Drum loop (percussive)")},
        {"mr_tab": ("Record in the browser", "Record in the browser")},
        {"mr_tab": ("Sound card", "Sound card")},
    ],
    "app_pages/codec.py": [
        {"codec_model": ("24 kHz · 32 codebooks · 24 kbps", "24khz"), "codec_k_24khz": ("8", 8),
         S: ("Sung vowel /a/ 120 Hz (sustained)", "Sung vowel /a/ 120 Hz (sustained)")},
        {"codec_tab": ("Classic codecs", "Classic codecs"),
         "codec_classic": ("MP3 (LAME): the bitrate target (sample rate chosen like LAME does at low rates)", "mp3"),
         "codec_classic_kbps": ("24", 24)},
        {"codec_tab": ("k-means RVQ (no weights)", "k-means RVQ (no weights)"), "codec_rvq_bits": ("6", 6),
         "codec_rvq_dim": ("8", 8), "codec_rvq_stages": ("3", 3)},
        {"codec_tab": ("Bitrate vs quality", "Bitrate vs quality"), "codec_metric": ("SI-SDR", "si_sdr_db"),
         "codec_k_16khz": ("6", 6)},
        {"codec_tab": ("Tokens", "Tokens"), "codec_pattern": ("Flattened", "flatten"), "codec_random": ("true", True)},
        {"codec_tab": ("One quantiser step", "One quantiser step"), "codec_step_t": ("1.2", 1.2),
         "codec_step_stage": ("3", 3), "codec_step_sub": ("5", 5), "codec_swap_snr": ("20", 20),
         "codec_swap_src": ("DAC", "DAC")},
        {"codec_tab": ("One quantiser step", "One quantiser step"), "codec_step_quantiser": ("DAC", "DAC")},
        {"codec_tab": ("The arithmetic of bits", "The arithmetic of bits"), "codec_pcm_sr": ("48000", 48000),
         "codec_pcm_bits": ("24", 24), "codec_pcm_ch": ("mono", 1), "codec_qbits": ("4", 4),
         "codec_mp3_kbps": ("64", 64), "codec_mp3_sr": ("48000", 48000)},
    ],
    "app_pages/dataset.py": [
        {"ds_rt60": (["0.3", "1.5"], (0.3, 1.5)), "ds_snr": (["5.0", "20.0"], (5.0, 20.0)), "ds_target": ("dry", "dry"),
         "ds_seed": ("5", 5), "ds_nprev": ("2", 2), "ds_start": ("3", 3), "ds_pick": ("#4", "#4")},
        {"ds_len": (["4.0", "8.0"], (4.0, 8.0)), "ds_wid": (["3.5", "6.0"], (3.5, 6.0)),
         "ds_hei": (["2.5", "3.5"], (2.5, 3.5)), "ds_abs": ("Both (half each)", "Both (half each)"),
         "ds_rt_kind": ("log-uniform", "log-uniform"), "ds_walls": (["Glass window", "Wooden lining"],
                                                                    ["Glass window", "Wooden lining"]),
         "ds_floors": (["Carpet, cotton"], ["Carpet, cotton"]), "ds_ceilings": (["Fissured ceiling tile"],
                                                                               ["Fissured ceiling tile"]),
         "ds_models": (["hybrid", "image-source"], ["hybrid", "image-source"]), "ds_min_wall": ("0.6", 0.6),
         "ds_min_dist": ("1.0", 1.0), "ds_max_dist": ("4.0", 4.0), "ds_src_h": (["1.3", "1.8"], (1.3, 1.8)),
         "ds_mic_h": (["0.8", "1.5"], (0.8, 1.5)), "ds_kinds": (["pink", "babble"], ["pink", "babble"]),
         "ds_level": (["-30.0", "-20.0"], (-30.0, -20.0)), "ds_clip_p": ("0.1", 0.1),
         "ds_clip_h": (["2.0", "8.0"], (2.0, 8.0)), "ds_bl_p": ("0.3", 0.3),
         "ds_cutoff": (["2500.0", "6000.0"], (2500.0, 6000.0)), "ds_codec_p": ("0.5", 0.5),
         "ds_codecs": (["opus"], ["opus"]), "ds_bitrate": (["10.0", "24.0"], (10.0, 24.0)),
         "ds_early": ("30.0", 30.0), "ds_sr": ("22050", 22050), "ds_dur": ("3.0", 3.0), "ds_nprev": ("1", 1)},
        {"ds_speech_src": ("A clip of yours or a sample", "A clip of yours or a sample"),
         S: ("Sung vowel /a/ 120 Hz (sustained)", "Sung vowel /a/ 120 Hz (sustained)"), "ds_nprev": ("1", 1)},
        {"ds_tab": ("Distributions", "Distributions"), "ds_ndraw": ("200", 200), "ds_ncheck": ("8", 8)},
        {"ds_tab": ("Generate", "Generate"), "ds_cli_speech": ("/data/clean", "/data/clean"),
         "ds_cli_noise": ("/data/noise", "/data/noise"), "ds_cli_out": ("/data/out", "/data/out"),
         "ds_cli_sched": ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"), "ds_hours": ("250.0", 250.0),
         "ds_run_n": ("4", 4), "ds_engine": ("Local Dask cluster", "Local Dask cluster"), "ds_workers": ("1", 1),
         "ds_dur": ("2.0", 2.0)},
    ],
}

#: Keyed widgets that are deliberately not in links: actions (buttons, downloads), uploads and
#: recordings (a link cannot carry a file), the source radio (a link opens with the built-in
#: sample), the exact-value boxes that mirror a bound slider, and the Fourier page's coefficient
#: table (edits of a table are not a URL parameter), and the data generator's actions (draw the next
#: examples, run a job, render a check).
NOT_IN_LINKS = (r"_demo_\d+$", r"_fetch$", r"_source$", r"_num$", r"_upload$", r"_mic$", r"_local$", r"_reset$",
                r"_curve_go$", r"_go$", r"_download$", r"_npz$", r"_encode$", r"^td_cmp$", r"^present_exit$",
                r"^fourier_table_", r"^room_meas_",
                # convolution/measurement: the preset boxes follow the typed numbers (which are in the link),
                # the timing button, responses that exist only in this session, IR uploads
                r"^cv_[xh]_preset$", r"^cv_time$", r"_measured$", r"_irup$",
                # How SyncNet learns: the Train button
                r"^train_run$",
                # the data generator's actions: draw the next examples, run a job, render a check
                r"^ds_(next|run|check)$")


def url_params(view: dict) -> dict:
    """The view as query parameters (strings, or lists for range sliders)."""
    return {k: v[0] for k, v in view.items()}


def query_string(view: dict) -> str:
    from urllib.parse import urlencode

    pairs = []
    for k, (u, _) in view.items():
        pairs += [(k, x) for x in u] if isinstance(u, list) else [(k, u)]
    return urlencode(pairs)
