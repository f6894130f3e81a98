"""The policy store: casbin rules in one shared table (``p`` and ``g`` lines)."""

from __future__ import annotations

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table

__all__ = ["CasbinRule", "PolicyVersion"]


class CasbinRule(Table, tablename="casbin_rule"):
    """One casbin line: ``p, role, tenant, action, effect`` or ``g, user, role, tenant``.

    A role grant's ``v3`` may hold a scope (``org:<id>`` for a unit liaison,
    ``body:<code>`` for a receiving-body liaison).
    """

    app_writable = True

    ptype = Varchar(length=8)
    v0 = Varchar(length=100, default="")
    v1 = Varchar(length=100, default="")
    v2 = Varchar(length=100, default="")
    v3 = Varchar(length=100, default="")
    v4 = Varchar(length=100, default="")
    v5 = Varchar(length=100, default="")


class PolicyVersion(Table, tablename="policy_version"):
    """One row whose ``version`` grows with every change of ``casbin_rule``.

    On PostgreSQL a statement trigger on ``casbin_rule`` adds one in the
    changing transaction, so every process of the deployment sees a grant or
    revocation (its own, another worker's, the CLI's) on its next request by
    reading this row (see :meth:`core.authz.policy.Authorizer.refresh`).
    """

    app_writable = True

    version = BigInt(default=0)
