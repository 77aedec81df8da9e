"""Licences by SPDX id: the Creative Commons ones by name and with their deed, others as given."""

from __future__ import annotations

from dataclasses import dataclass

_KINDS = {
    "BY": "Attribution",
    "BY-SA": "Attribution-ShareAlike",
    "BY-ND": "Attribution-NoDerivatives",
    "BY-NC": "Attribution-NonCommercial",
    "BY-NC-SA": "Attribution-NonCommercial-ShareAlike",
    "BY-NC-ND": "Attribution-NonCommercial-NoDerivatives",
}
_VERSIONS = {"4.0": "International", "3.0": "Unported"}


@dataclass(frozen=True)
class Licence:
    """A licence as readers see it: its name, and the address of its text when known."""

    spdx: str
    name: str
    url: str | None = None


def licence(spdx: str | None) -> Licence | None:
    """The licence an SPDX id names (None for none)."""
    if not spdx:
        return None
    if spdx.upper() == "CC0-1.0":
        url = "https://creativecommons.org/publicdomain/zero/1.0/"
        return Licence(spdx, "CC0 1.0 Universal", url)
    parts = spdx.upper().split("-")
    if parts[0] == "CC" and len(parts) >= 3:
        kind, version = "-".join(parts[1:-1]), parts[-1]
        if kind in _KINDS and version in _VERSIONS:
            name = f"Creative Commons {_KINDS[kind]} {version} {_VERSIONS[version]}"
            name += f" (CC {kind} {version})"
            url = f"https://creativecommons.org/licenses/{kind.lower()}/{version}/"
            return Licence(spdx, name, url)
    return Licence(spdx, spdx)
