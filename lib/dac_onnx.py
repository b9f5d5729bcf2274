"""DAC's encoder and decoder run by ONNX Runtime: exported once per checkpoint, cached on disk, checked.

PyTorch's eager CPU path runs DAC's convolution stacks at about half the speed ONNX Runtime reaches
on the same 2 cores (bench/bench_codec.py measures both in one run). The graphs are exported from
the loaded ``transformers.DacModel`` with a dynamic time axis, so one file serves every clip length
and chunk; it is stored under a key made of the weights' hash and the library versions, so a second
run (or a restarted app) only loads it. Before use, each graph is checked against the eager module on
a probe input: if the largest difference exceeds ``atol`` (1e-4 of full scale), it is not used.

Only the convolution stacks go to ONNX. The quantiser (projections, nearest-codeword search, codebook
look-ups) stays in torch: it is a small share of the work and is what the page opens up and explains.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from lib.errors import InputError

#: Largest difference (full scale = 1) an exported graph may have against eager PyTorch.
ATOL = 1e-4
PARTS = ("encoder", "decoder")


def available() -> bool:
    """Whether ONNX Runtime is installed (the page falls back to PyTorch when it is not)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def default_cache_dir() -> Path:
    """Where exported graphs live: ``$AVE_ONNX_CACHE`` or ``<tmp>/ave_codec_cache/onnx``."""
    return Path(os.environ.get("AVE_ONNX_CACHE") or Path(tempfile.gettempdir()) / "ave_codec_cache" / "onnx")


def weights_fingerprint(net) -> str:
    """SHA-1 over the config and every parameter and buffer (names, shapes and bytes) of the model."""
    import torch

    h = hashlib.sha1(net.config.to_json_string().encode())
    for name, t in list(net.state_dict().items()):
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.detach().to(torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()[:20]


def _versions() -> str:
    import onnxruntime
    import torch

    return f"torch{torch.__version__}-ort{onnxruntime.__version__}".replace("+", "_")


def _module(net, part: str):
    if part not in PARTS:
        raise InputError(f"Can export the DAC encoder or decoder; got {part!r}.")
    return net.encoder if part == "encoder" else net.decoder


def _example(net, part: str, frames: int = 64):
    import torch

    hop = int(net.config.hop_length)
    if part == "encoder":
        return torch.zeros(1, 1, frames * hop)
    return torch.zeros(1, int(net.config.hidden_size), frames)


def export(net, part: str, path: str | os.PathLike) -> Path:
    """Write ``net.encoder`` or ``net.decoder`` to ``path`` as ONNX with a dynamic time axis.

    Uses the TorchScript exporter (several times quicker to export than the ``torch.export`` one
    here; DAC's only data-dependent branch, the residual units' crop, is zero for every length);
    falls back to the ``torch.export`` exporter if a future torch has removed it.
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    module = _module(net, part)
    x = _example(net, part)
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(module, (x,), str(tmp), input_names=["x"], output_names=["y"], dynamo=False,
                              opset_version=17, dynamic_axes={"x": {2: "time"}, "y": {2: "time_out"}})
        except Exception:  # the legacy exporter is gone: use torch.export
            dim = torch.export.Dim("time", min=8, max=2**31 - 2)
            prog = torch.onnx.export(module, (x,), input_names=["x"], output_names=["y"], dynamo=True,
                                     dynamic_shapes=({2: dim},))
            prog.save(str(tmp))
    os.replace(tmp, path)
    return path


class OnnxPart:
    """One exported stack (encoder or decoder) in an ONNX Runtime session, checked against eager torch."""

    def __init__(self, net, part: str, *, cache_dir: str | os.PathLike | None = None, threads: int | None = None,
                 fingerprint: str | None = None, atol: float = ATOL):
        import onnxruntime as ort

        self.part = part
        fp = fingerprint or weights_fingerprint(net)
        self.path = Path(cache_dir or default_cache_dir()) / f"dac-{part}-{fp}-{_versions()}.onnx"
        self.exported_now = not self.path.exists()
        if self.exported_now:
            export(net, part, self.path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads or os.cpu_count() or 2)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No CPU memory arena: it keeps every decode's largest buffers, and the 44.1 kHz decoder's grew the
        # process from 1.7 to 2.2 GB over two 5-s decodes (over the page's 2 GB goal); without it, 1.7 GB.
        opts.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self.max_error = self._check(net)
        if self.max_error > atol:
            raise RuntimeError(f"The exported DAC {part} differs from PyTorch by {self.max_error:.2g} (> {atol:g}).")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Run on a ``(1, channels, time)`` float32 array."""
        return self.session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32)})[0]

    def _check(self, net) -> float:
        import torch

        rng = np.random.default_rng(0)
        x = _example(net, self.part, frames=24).numpy()
        x = (rng.standard_normal(x.shape) * (0.1 if self.part == "encoder" else 1.0)).astype(np.float32)
        with torch.inference_mode():
            ref = _module(net, self.part)(torch.from_numpy(x)).numpy()
        out = self(x)
        if out.shape != ref.shape:
            return float("inf")
        return float(np.max(np.abs(out - ref)))


class OnnxDac:
    """ONNX Runtime sessions for a DAC model's encoder and decoder (see the module docstring).

    ``lib.codec.encode_details`` / ``lib.codec.decode`` take it as ``runtime=`` and then run the
    convolution stacks here and the quantiser in torch. Building one exports the graphs if they are
    not cached yet (seconds to a minute for the large models) and checks them.
    """

    def __init__(self, net, *, cache_dir: str | os.PathLike | None = None, threads: int | None = None,
                 parts=PARTS, atol: float = ATOL):
        fp = weights_fingerprint(net)
        self.fingerprint = fp
        self.parts = {p: OnnxPart(net, p, cache_dir=cache_dir, threads=threads, fingerprint=fp, atol=atol)
                      for p in parts}

    @property
    def encoder(self) -> OnnxPart | None:
        return self.parts.get("encoder")

    @property
    def decoder(self) -> OnnxPart | None:
        return self.parts.get("decoder")

    @property
    def max_error(self) -> float:
        return max(p.max_error for p in self.parts.values())

    @property
    def exported_now(self) -> bool:
        return any(p.exported_now for p in self.parts.values())


def cached(net, *, cache_dir: str | os.PathLike | None = None, fingerprint: str | None = None, parts=PARTS) -> bool:
    """Whether every graph of ``parts`` for these weights is already exported in ``cache_dir``."""
    fp = fingerprint or weights_fingerprint(net)
    root = Path(cache_dir or default_cache_dir())
    return all((root / f"dac-{p}-{fp}-{_versions()}.onnx").exists() for p in parts)


class BackgroundRuntime:
    """An :class:`OnnxDac` that never makes a user wait for its export, plus a background level decoder.

    If the graphs of these weights are on disk, they are loaded (and checked) at once. If not, the
    export runs in a background thread and :attr:`runtime` stays ``None`` until it is ready, so the
    first decode runs in PyTorch instead of waiting. With ``defer_export=True`` both the export and the
    loading of cached graphs wait for :meth:`start_export` (or :meth:`decode_levels`): on 2 cores an
    export running beside the first decode would take half the CPU from it, and a fresh ONNX Runtime
    session's first runs are slow (at 44.1 kHz, load + first encode + first decode of 5 s took 20 s
    against 7.8 s in PyTorch, bench/bench_codec.py --page-only), so the first audio comes from PyTorch. :meth:`decode_levels` decodes the codebook counts a user
    has not asked for yet into the disk cache, in a background thread; it lets a running export finish
    first (ONNX Runtime decodes about twice as fast, which repays the export's half a minute within a
    few levels of the large models); a newer request stops the older job after its current level.
    """

    #: ONNX Runtime holds its own copy of the weights (~300 MB for the 44.1 kHz model) next to PyTorch's: on a
    #: machine with less free memory than this (a 1 GB cloud instance), PyTorch alone runs the model.
    MIN_FREE_MB = 1200
    #: Exporting holds the traced graph and its serialisation beside both copies of the weights: at 44.1 kHz the
    #: process peaked at 2.4 GB on a first run against 1.4 GB for PyTorch alone (bench/bench_codec.py --page-only),
    #: so the export starts only with this much memory free after the model is loaded.
    EXPORT_FREE_MB = 1600

    def __init__(self, net, *, cache_dir: str | os.PathLike | None = None, threads: int | None = None,
                 min_free_mb: float | None = None, defer_export: bool = False):
        from lib.codec import available_memory_mb

        self.net = net
        self.runtime: OnnxDac | None = None
        self.error: str | None = None
        self._kwargs = dict(cache_dir=cache_dir, threads=threads)
        self._job: tuple[threading.Thread, threading.Event] | None = None
        self._lock = threading.Lock()
        self._builder = None
        free = available_memory_mb()
        need = self.MIN_FREE_MB if min_free_mb is None else float(min_free_mb)
        self._export_mb = max(need, self.EXPORT_FREE_MB) if min_free_mb is None else need
        if not available():
            self.error = "onnxruntime is not installed"
            return
        if free is not None and free < need:
            self.error = f"only {free:.0f} MB of memory free; ONNX Runtime's copy of the weights needs more"
            return
        self.fingerprint = weights_fingerprint(net)
        self._cached = cached(net, cache_dir=cache_dir, fingerprint=self.fingerprint)
        if self._cached and not defer_export:
            self._build()
        elif not defer_export:
            self.start_export()

    def start_export(self) -> None:
        """Export (and check) the graphs in a background thread, once; a no-op when ready or running."""
        from lib.codec import available_memory_mb

        with self._lock:
            if self.runtime is not None or self._builder is not None or self.error is not None:
                return
            free = available_memory_mb()
            if free is not None and not self._cached and free < self._export_mb:
                self.error = (f"only {free:.0f} MB of memory free; exporting the ONNX graphs needs about "
                              f"{self._export_mb:.0f} MB")
                return
            self._builder = threading.Thread(target=self._build, name="dac-onnx-export", daemon=True)
            self._builder.start()

    def _build(self) -> None:
        try:
            self.runtime = OnnxDac(self.net, **self._kwargs)
        except Exception as exc:  # export or check failed: PyTorch keeps working
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def exporting(self) -> bool:
        return self._builder is not None and self._builder.is_alive()

    @property
    def pending(self) -> bool:
        """Deferred: ONNX Runtime could run here but its export has not been started yet."""
        return self.runtime is None and self.error is None and self._builder is None

    def wait(self, timeout: float | None = None) -> OnnxDac | None:
        """Block until the export (if any) is done; return the runtime (``None`` if it failed)."""
        if self._builder is not None:
            self._builder.join(timeout)
        return self.runtime

    def status(self) -> str:
        if self.runtime is not None:
            return f"ONNX Runtime (checked: largest difference to PyTorch {self.runtime.max_error:.1e})"
        if self.exporting or self.pending:
            return "PyTorch (the ONNX graphs are exported in the background for what follows)"
        return f"PyTorch ({self.error or 'ONNX Runtime unavailable'})"

    def decode_levels(self, codes: np.ndarray, **kwargs) -> threading.Thread:
        """Start :func:`lib.codec.decode_levels` in a background thread (``runtime`` = the ready one, if any).

        Stops the previous job first and starts a deferred export; the job lets the export finish
        before its first level. Returns the thread (daemon).
        """
        from lib import codec

        self.start_export()
        with self._lock:
            if self._job is not None:
                self._job[1].set()
            stop = threading.Event()

            def work():
                try:
                    while self.exporting and not stop.is_set():
                        self._builder.join(0.5)
                    codec.decode_levels(self.net, codes, runtime=self.runtime, stop=stop, **kwargs)
                except Exception:  # a cache folder removed under us, a session gone: nothing to report to
                    pass

            thread = threading.Thread(target=work, name="dac-levels", daemon=True)
            self._job = (thread, stop)
            thread.start()
            return thread

    def stop(self) -> None:
        with self._lock:
            if self._job is not None:
                self._job[1].set()
