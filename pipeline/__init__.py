"""Batch jobs that outgrow a page.

``python -m pipeline.generate`` renders a reverberant, noisy speech dataset with the pure
per-example functions of :mod:`lib.dataset`, on Dask distributed: an embedded ``LocalCluster`` by
default, an existing cluster when given its scheduler address. Only this package talks to the
engine and to the file system.
"""
