"""Grant targets: which path parameters name objects, and whose those objects are."""

from __future__ import annotations

import pytest

from core.authz.scope import GrantTargets, Target, resolve_target
from core.contributions import GrantTarget
from core.db import Database
from core.inspection.tables import WorkingPaper
from core.plugins import Plugins
from tests.inspection.seed import seed_inspection


def test_a_grant_target_names_a_table_or_a_resolver() -> None:
    with pytest.raises(ValueError, match="either table or resolve"):
        GrantTarget(path_param="note_id")

    async def owners(session: object, row_id: int) -> None:
        return None

    with pytest.raises(ValueError, match="either table or resolve"):
        GrantTarget(path_param="note_id", table=WorkingPaper, resolve=owners)


def test_a_path_parameter_is_registered_once() -> None:
    same = GrantTarget(path_param="paper_id", table=WorkingPaper)
    assert "paper_id" in GrantTargets([same, same])  # the same target twice is harmless
    with pytest.raises(ValueError, match="paper_id is registered twice"):
        GrantTargets([same, GrantTarget(path_param="paper_id", resolve=lambda s, i: None)])  # type: ignore[arg-type,return-value]


def test_the_core_registers_its_workflow_objects(plugins: Plugins) -> None:
    targets = GrantTargets(plugins.gather_now("xuncha_grant_targets"))
    for name in ("paper_id", "finding_id", "clue_id", "item_id", "report_id",
                 "disclosure_id", "member_id", "attachment_id"):
        assert name in targets, name


async def test_objects_resolve_to_their_inspection_and_org(
        database: Database, tenant_ids: dict[str, int], plugins: Plugins) -> None:
    session = database.tenant(tenant_ids["ta.one"])
    ids = await seed_inspection(database, tenant_ids["ta.one"], "范围", stage="onsite")
    paper = await session.get(WorkingPaper, ids["paper_id"])
    assert paper is not None
    targets = GrantTargets(plugins.gather_now("xuncha_grant_targets"))
    found = await resolve_target(session, targets, {"paper_id": ids["paper_id"]}, {})
    assert found == Target(inspection_id=ids["inspection_id"], org_id=paper["org_id"],
                           named=True)
    # Another tenant's paper, and ids no row can have, are simply missing.
    elsewhere = database.tenant(tenant_ids["tb"])
    for session_, paper_id in ((elsewhere, ids["paper_id"]), (session, 0), (session, 2**31),
                               (session, 2**63), (session, "x")):
        missing = await resolve_target(session_, targets, {"paper_id": paper_id}, {})
        assert missing == Target(named=True, missing=True), paper_id


async def test_an_attachment_belongs_to_the_inspection_of_its_paper(
        database: Database, tenant_ids: dict[str, int], plugins: Plugins) -> None:
    session = database.tenant(tenant_ids["ta.one"])
    ids = await seed_inspection(database, tenant_ids["ta.one"], "附件范围", stage="onsite")
    targets = GrantTargets(plugins.gather_now("xuncha_grant_targets"))
    found = await resolve_target(session, targets, {"attachment_id": ids["attachment_id"]}, {})
    assert found.inspection_id == ids["inspection_id"] and found.named and not found.missing
