"""Acceleration units: everything is converted to m/s² inside the app, the source unit is kept as metadata."""
from __future__ import annotations

import re
from typing import Optional

G0 = 9.80665  # standard gravity, m/s² (ISO 80000-3)

APP_UNIT = "m/s^2"

# factor that converts a value in the key unit to m/s²
_FACTORS = {
    "m/s^2": 1.0,
    "g": G0,
    "mg": G0 * 1e-3,
    "ug": G0 * 1e-6,
    "gal": 1e-2,
    "cm/s^2": 1e-2,
    "mm/s^2": 1e-3,
}


def normalise_unit(text: str) -> str:
    """Canonical spelling of an acceleration unit (``'m/s²'``, ``'m/s2'``, ``'m s-2'`` → ``'m/s^2'``)."""
    u = text.strip().lower().replace("²", "^2").replace("**", "^").replace(" ", "")
    u = u.replace("µ", "u").replace("μ", "u")
    u = re.sub(r"s-2$", "/s^2", u.replace("ms-2", "m/s^2"))
    u = re.sub(r"/s2$", "/s^2", u)
    u = re.sub(r"/sec\^?2$", "/s^2", u)
    u = re.sub(r"/(?:s|sec)/(?:s|sec)$", "/s^2", u)  # cm/sec/sec (CSMIP), m/s/s
    u = re.sub(r"s\^-2$", "/s^2", u).replace("//", "/")  # m s^-2, m.s^-2
    u = re.sub(r"^(m|cm|mm)\.?/s\^2$", r"\1/s^2", u)
    aliases = {"gals": "gal", "galileo": "gal", "g0": "g", "milli-g": "mg", "m/s/s": "m/s^2", "mps2": "m/s^2",
               "m.s^-2": "m/s^2", "m./s^2": "m/s^2", "g's": "g", "gn": "g", "micro-g": "ug"}
    return aliases.get(u, u)


def factor_to_si(unit: Optional[str]) -> Optional[float]:
    """Multiplier from ``unit`` to m/s², or None if the unit is not a known acceleration unit."""
    if unit is None or unit.strip() == "":
        return 1.0
    return _FACTORS.get(normalise_unit(unit))


def is_known(unit: Optional[str]) -> bool:
    return factor_to_si(unit) is not None


def known_units() -> list[str]:
    """The acceleration units the app converts, in their canonical spelling."""
    return list(_FACTORS)
