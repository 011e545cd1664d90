"""ryoken (旅券): a passport office's system with least exposure and a disclosure ledger.

The pure core (`domain`, `privacy`, `audit`, `detect`, `incident`, `sim`) has no Django,
database, clock or randomness of its own. `web` wires it to Django; `cli` is the `ryoken`
command. See docs/architecture.md.
"""

from ryoken.errors import RyokenError

__all__ = ["RyokenError", "__version__"]
__version__ = "0.1.0"
