"""Tenant and org specifications as declared in ``tenants/*.toml``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.tenancy.tables import OrgKind, TenantLevel

__all__ = ["CODE_PATTERN", "ORG_KIND_LABELS", "OrgSpec", "TenantInfo", "TenantSpec"]

CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
ORG_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

ORG_KIND_LABELS: dict[str, str] = {
    OrgKind.department.value: "党政部门",
    OrgKind.people_org.value: "人民团体",
    OrgKind.soe.value: "国有企业",
    OrgKind.institution.value: "事业单位",
    OrgKind.agency.value: "派出机构",
    OrgKind.township.value: "乡镇（街道）",
    OrgKind.village.value: "村",
    OrgKind.community.value: "社区",
}

LEVEL_LABELS: dict[str, str] = {
    TenantLevel.province.value: "省级",
    TenantLevel.city.value: "市级",
    TenantLevel.county.value: "县级",
}

OrgCode = Annotated[str, msgspec.Meta(pattern=ORG_CODE_PATTERN, max_length=64)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class OrgSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An org as declared in a tenant file."""

    code: OrgCode
    name: Name
    kind: OrgKind
    parent: OrgCode | None = None


class TenantSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A tenant as declared in a tenant file."""

    code: Annotated[str, msgspec.Meta(pattern=CODE_PATTERN, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    level: TenantLevel
    region: Annotated[str, msgspec.Meta(max_length=64)] = ""
    parent: str | None = None
    plugins: list[str] = msgspec.field(default_factory=lambda: ["*"])
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    orgs: list[OrgSpec] = msgspec.field(default_factory=list)


class TenantInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant as the running app knows it (cached; no orgs)."""

    id: int
    code: str
    name: str
    region: str
    level: str
    parent_id: int | None
    plugins: tuple[str, ...]
    settings: dict[str, Any]
    parent_code: str | None = None
    #: What the tenant's file says, before the office admin's changes (``tenant_preference``).
    file_plugins: tuple[str, ...] = ()
    file_settings: dict[str, Any] = msgspec.field(default_factory=dict)
    #: The settings the office admin set in the browser (merged into ``settings``).
    admin_settings: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def level_label(self) -> str:
        """The level in Chinese."""
        return LEVEL_LABELS.get(self.level, self.level)

