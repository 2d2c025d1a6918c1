"""casusruimte's guard: a Synapse module that enforces the case-room rules.

Configured in synapse-config/homeserver.template.yaml as
`casusruimte_guard.CasusGuard`. The rules themselves (rules.py, schemas.py)
import nothing from Synapse, so their unit tests run without a homeserver;
the Synapse glue is imported only when Synapse asks for CasusGuard.
"""

from typing import Any

__all__ = ["CasusGuard"]


def __getattr__(name: str) -> Any:
    if name == "CasusGuard":
        from .module import CasusGuard

        return CasusGuard
    raise AttributeError(name)
