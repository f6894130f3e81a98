"""Tables of linkage (上下联动) owned by a tenant.

What a tenant receives from others is not here: it is kept as replicas
(:class:`core.api.Replica`). Here are what a city issues and how a
county links its own ledger items to a directive it answers.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.api import RectificationItem, Tenant
from plugins.linkage.model import DirectiveKind

__all__ = ["Directive", "DirectiveItem"]


class Directive(Table, tablename="directive"):
    """A directive a city sends down (专项部署、工作指示、共性问题、知识更新、提级/交叉安排).

    ``targets`` lists the county codes addressed; an empty list means every
    county of the city. A withdrawn directive stays, marked, and counties are
    told.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    kind = Varchar(length=32, choices=DirectiveKind)
    inspection_kind = Varchar(length=32, default="")
    """For a deployment (专项巡察部署): the inspection kind the counties run (``""``: none)."""
    title = Varchar(length=200)
    body = Text(default="")
    due_date = Date(null=True, default=None)
    targets = JSON(default=[])
    issued_on = Date()
    issued_by = Varchar(length=128, default="")
    withdrawn = Boolean(default=False)
    withdrawn_on = Date(null=True, default=None)
    withdrawn_by = Varchar(length=128, default="")
    withdraw_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class DirectiveItem(Table, tablename="directive_item"):
    """A county's ledger item answering a directive of its city (共性问题联动整改).

    The directive is the replica ``(directive_origin, "directive",
    directive_id)``; an item answers at most one directive.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    directive_origin = Varchar(length=64)
    directive_id = Integer()
    item_id = ForeignKey(RectificationItem)
    created_at = Timestamptz(default=TimestamptzNow())
