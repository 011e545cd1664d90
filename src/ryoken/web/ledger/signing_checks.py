"""System checks for who signs and who witnesses the ledger (registered by LedgerConfig)."""

from __future__ import annotations

import os
from typing import Any

from django.core import checks

from ryoken.errors import RyokenError


@checks.register("ryoken")
def check_witness_configuration(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from ryoken.web.ledger import signing, witnesses

    problems: list[checks.CheckMessage] = []
    for read, code in ((witnesses.configured, "ryoken.E020"), (signing.origin, "ryoken.E021")):
        try:
            read()
        except RyokenError as error:
            problems.append(checks.Error(error.message, id=code))
    return problems


@checks.register("ryoken", deploy=True)
def check_signing_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ryoken.web.ledger import signing, witnesses

    problems: list[checks.CheckMessage] = []
    try:
        if not witnesses.configured():
            problems.append(
                checks.Warning(
                    "no external witness cosigns the ledger's checkpoints",
                    hint="Set RYOKEN_WITNESSES to the audit bureau's witness URL and vkey; "
                    "see docs/operations.md, 'Who holds what'.",
                    id="ryoken.W010",
                )
            )
        if signing.origin() == signing.DEFAULT_ORIGIN:
            problems.append(
                checks.Warning(
                    f"the ledger origin is the default {signing.DEFAULT_ORIGIN}",
                    hint="Set RYOKEN_LEDGER_ORIGIN to a name unique to this office (e.g. "
                    "passport.pref.example.lg.jp/ryoken) before the first checkpoint.",
                    id="ryoken.W011",
                )
            )
        if signing.backend() == "file" and not os.environ.get("RYOKEN_LEDGER_SIGNER"):
            problems.append(
                checks.Warning(
                    "the ledger signing key is a file on this server",
                    hint="In production the security officer's HSM holds it: "
                    "RYOKEN_LEDGER_SIGNER=pkcs11; set RYOKEN_LEDGER_SIGNER=file to accept a key "
                    "file on purpose (docs/operations.md, 'Who holds what').",
                    id="ryoken.W012",
                )
            )
    except RyokenError:
        pass  # reported by check_witness_configuration
    return problems
