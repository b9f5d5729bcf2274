"""Octave-band absorption coefficients of common room surfaces.

Source of the numbers: M. Vorländer, *Auralization: Fundamentals of Acoustics,
Modelling, Simulation, Algorithms and Acoustic Virtual Reality*, Springer 2008,
Annex (tables of absorption coefficients), as transcribed into the materials
database that pyroomacoustics ships (``pyroomacoustics/data/materials.json``).
We keep the 125 Hz - 4 kHz octave bands; values are random-incidence energy
absorption coefficients (0 = perfectly reflecting, 1 = perfectly absorbing).
"""

from __future__ import annotations

import numpy as np

from lib.errors import InputError

#: Octave-band centre frequencies of the table, in Hz.
OCTAVE_BANDS_HZ: tuple[int, ...] = (125, 250, 500, 1000, 2000, 4000)

#: Surfaces of a shoebox room, in the order every per-surface array uses:
#: x = 0 wall, x = L wall, y = 0 wall, y = W wall, floor (z = 0), ceiling (z = H).
SURFACES: tuple[str, ...] = ("wall x=0", "wall x=L", "wall y=0", "wall y=W", "floor", "ceiling")

#: name -> (description, absorption per octave band 125 Hz ... 4 kHz).
MATERIALS: dict[str, tuple[str, tuple[float, ...]]] = {
    "Hard surface (average)": ("Walls, hard surfaces average (brick, plaster, hard floors)", (0.02, 0.02, 0.03, 0.03, 0.04, 0.05)),
    "Rendered brickwork": ("Walls, rendered brickwork", (0.01, 0.02, 0.02, 0.03, 0.03, 0.04)),
    "Rough concrete": ("Rough concrete", (0.02, 0.03, 0.03, 0.03, 0.04, 0.07)),
    "Limestone wall": ("Limestone walls", (0.02, 0.02, 0.03, 0.04, 0.05, 0.05)),
    "Ceramic tiles": ("Ceramic tiles with a smooth surface", (0.01, 0.01, 0.01, 0.02, 0.02, 0.02)),
    "Marble floor": ("Marble floor", (0.01, 0.01, 0.01, 0.02, 0.02, 0.02)),
    "Concrete floor": ("Concrete floor", (0.01, 0.03, 0.05, 0.02, 0.02, 0.02)),
    "Plasterboard on frame": ("2 x 13 mm plasterboard on steel frame, 50 mm mineral wool in cavity, painted", (0.15, 0.10, 0.06, 0.04, 0.04, 0.05)),
    "Wooden lining": ("Wooden lining, 12 mm fixed on frame", (0.27, 0.23, 0.22, 0.15, 0.10, 0.07)),
    "Glass window": ("Glass window, 0.68 kg/m2", (0.10, 0.05, 0.04, 0.03, 0.03, 0.03)),
    "Wood on studs (16 mm)": ("16 mm wood on 40 mm studs", (0.18, 0.12, 0.10, 0.09, 0.08, 0.07)),
    "Stage floor (wood)": ("Wood, stage floor, 2 layers, 27 mm over airspace", (0.10, 0.07, 0.06, 0.06, 0.06, 0.06)),
    "Linoleum on concrete": ("Linoleum, asphalt, rubber or cork tile on concrete", (0.02, 0.03, 0.03, 0.03, 0.03, 0.02)),
    "Carpet, cotton": ("Cotton carpet", (0.07, 0.31, 0.49, 0.81, 0.66, 0.54)),
    "Carpet, tufted 9 mm on felt": ("9 mm tufted pile carpet on felt underlay", (0.08, 0.08, 0.30, 0.60, 0.75, 0.80)),
    "Curtains, cotton draped": ("Cotton curtains (0.5 kg/m2) draped to 3/4 area, 130 mm from wall", (0.30, 0.45, 0.65, 0.56, 0.59, 0.71)),
    "Studio curtains": ("Studio curtains, 22 cm from wall", (0.36, 0.26, 0.51, 0.45, 0.62, 0.76)),
    "Audience on wooden chairs (1/m2)": ("Audience on wooden chairs, 1 per m2", (0.16, 0.24, 0.56, 0.69, 0.81, 0.78)),
    "Audience, upholstered chairs": ("Audience in moderately upholstered chairs 0.85 m x 0.63 m", (0.72, 0.82, 0.91, 0.93, 0.94, 0.87)),
    "Rockwool 50 mm (80 kg/m3)": ("Rockwool, 50 mm thick, 80 kg/m3", (0.22, 0.60, 0.92, 0.90, 0.88, 0.88)),
    "Fabric-covered panel (6 pcf)": ("Fabric-covered panel, 6 pcf rockwool core", (0.46, 0.93, 1.00, 1.00, 1.00, 1.00)),
    "Acoustic plaster 25 mm": ("Acoustical plaster, approx. 25 mm thick", (0.17, 0.36, 0.66, 0.65, 0.62, 0.68)),
    "Fissured ceiling tile": ("Fissured ceiling tile", (0.49, 0.53, 0.53, 0.75, 0.92, 0.99)),
    "Plasterboard ceiling": ("Plasterboard ceiling on battens with large air-space above", (0.20, 0.15, 0.10, 0.08, 0.04, 0.02)),
}


def material_absorption(name: str) -> np.ndarray:
    """Absorption coefficients of one material, one per octave band (125 Hz ... 4 kHz)."""
    if not isinstance(name, str) or name not in MATERIALS:
        raise InputError(f"Unknown material {name!r}; choose one of: {', '.join(MATERIALS)}.")
    return np.asarray(MATERIALS[name][1], dtype=float)


def surface_absorption(materials: dict[str, str] | list[str] | tuple[str, ...]) -> np.ndarray:
    """Absorption table ``(6 surfaces, 6 bands)`` from one material name per surface.

    ``materials`` is either a sequence of six names in :data:`SURFACES` order or a
    dict keyed by surface name.
    """
    if isinstance(materials, dict):
        missing = [s for s in SURFACES if s not in materials]
        if missing:
            raise InputError(f"No material chosen for: {', '.join(missing)}.")
        names = [materials[s] for s in SURFACES]
    elif isinstance(materials, (list, tuple, np.ndarray)):
        names = list(materials)
        if len(names) != len(SURFACES):
            raise InputError(f"Need one material per surface ({len(SURFACES)}); got {len(names)}.")
    else:
        raise InputError(f"Give six material names (a list or a dict by surface); got a {type(materials).__name__}.")
    return np.stack([material_absorption(n) for n in names])
