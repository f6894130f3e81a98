"""Working papers (问题底稿): one evidence record per problem, and its sign-off chain.

A paper is drafted by a team member (the author), reviewed by a deputy
leader and signed by the leader (DOMAIN.md: author → deputy reviews →
leader signs). Who may take each step is the inspection's own team, not a
tenant role: only a deputy leader (or the leader) of that inspection's team
reviews, never the paper's author; only that inspection's leader signs,
never the one who reviewed it (:func:`signoff_refusal`, which the page also asks before showing its
buttons). A signed paper is frozen: a change then needs a reason and is
kept as a :class:`~core.inspection.tables.WorkingPaperRevision`. Reading a
paper's content is a confidential read and is audited (``paper.read``).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import msgspec

from core.db import TenantSession
from core.errors import Conflict, DomainError, FieldError, Forbidden, Invalid
from core.fields import IdField, changes_of
from core.inspection.attachments import AttachmentOut, attachments_of, save_attachment
from core.inspection.common import (
    get_or_not_found,
    load_inspection,
    require_stage,
    require_target,
    stages_from,
)
from core.inspection.events import WorkingPaperSigned
from core.inspection.model import (
    PAPER_STATUS_LABELS,
    SOURCE_LABELS,
    TEAM_ROLE_LABELS,
    PaperStatus,
    Source,
    Stage,
    TeamRole,
)
from core.inspection.tables import InspectionLog, TeamMember, WorkingPaper, WorkingPaperRevision
from core.pagination import Page
from core.tenancy.tables import Org
from core.work import Work

__all__ = [
    "PAPER_STAGES",
    "REVISION_STAGES",
    "PaperBrief",
    "PaperCreate",
    "PaperOut",
    "PaperPage",
    "PaperUpdate",
    "RevisionOut",
    "RevisionPage",
    "SignOff",
    "Signers",
    "attach_to_paper",
    "create_paper",
    "list_papers",
    "list_revisions",
    "org_names",
    "read_paper",
    "review_paper",
    "sign_paper",
    "signers",
    "signoff_refusal",
    "update_paper",
]

PAPER_STAGES = stages_from(Stage.onsite, Stage.reporting)
"""Papers are drafted, edited, reviewed and signed while on site and while reporting."""
REVISION_STAGES = stages_from(Stage.onsite, Stage.evaluated)
"""A signed paper may be revised (with a reason) until the inspection is archived."""

Number = Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="底稿编号")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="标题")]
Summary = Annotated[str, msgspec.Meta(min_length=1, max_length=20000, description="问题摘要")]
HowFound = Annotated[str, msgspec.Meta(max_length=10000, description="发现方式及过程")]
Material = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Materials = Annotated[list[Material], msgspec.Meta(max_length=100, description="佐证材料清单")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, description="修订理由")]
Remark = Annotated[str, msgspec.Meta(max_length=500, description="审核或签字意见")]


class PaperCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new working paper; ``number`` must be unused within the inspection."""

    number: Number
    title: Title
    paper_date: date
    org_id: IdField
    source: Source
    summary: Summary
    how_found: HowFound = ""
    materials: Materials = msgspec.field(default_factory=list)


class PaperUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; absent fields stay. A signed paper needs ``revision_reason``."""

    number: Number | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    paper_date: date | msgspec.UnsetType = msgspec.UNSET
    org_id: IdField | msgspec.UnsetType = msgspec.UNSET
    source: Source | msgspec.UnsetType = msgspec.UNSET
    summary: Summary | msgspec.UnsetType = msgspec.UNSET
    how_found: HowFound | msgspec.UnsetType = msgspec.UNSET
    materials: Materials | msgspec.UnsetType = msgspec.UNSET
    revision_reason: Reason | msgspec.UnsetType = msgspec.UNSET


class SignOff(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A review or a signature, with an optional remark (kept in the audit trail)."""

    remark: Remark = ""


class PaperBrief(msgspec.Struct, kw_only=True):
    """A paper in a list: its identity and sign-off state, not its content."""

    id: int
    inspection_id: int
    org_id: int
    org_name: str
    number: str
    title: str
    paper_date: date
    source: str
    source_label: str
    status: str
    status_label: str
    author: str
    reviewed_by: str
    signed_by: str
    revision: int
    updated_at: datetime


class PaperOut(PaperBrief, kw_only=True):
    """A paper with its content, attachments and number of revisions."""

    summary: str
    how_found: str
    materials: list[str]
    reviewed_at: datetime | None
    signed_at: datetime | None
    created_at: datetime
    attachments: list[AttachmentOut]
    revisions: int


PaperPage = Page[PaperBrief]
"""A page of papers and the total matching."""


class RevisionOut(msgspec.Struct, kw_only=True):
    """A recorded change of a signed paper: ``changes`` is ``{field: [old, new]}``."""

    id: int
    paper_id: int
    revision: int
    changes: dict[str, Any]
    reason: str
    actor: str
    at: datetime


RevisionPage = Page[RevisionOut]
"""A page of revisions and the total."""


_BRIEF = tuple(f for f in PaperBrief.__struct_fields__ if f not in ("org_name", "source_label",
                                                                    "status_label"))


async def org_names(session: TenantSession, ids: set[int]) -> dict[int, str]:
    """Names of the tenant's orgs ``ids``."""
    if not ids:
        return {}
    rows = await session.list(Org, {"id": sorted(ids)}, limit=None)
    return {r["id"]: r["name"] for r in rows}


def _brief(row: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    return {
        **{f: row[f] for f in _BRIEF},
        "org_name": names.get(row["org_id"], ""),
        "source_label": SOURCE_LABELS.get(Source(row["source"]), row["source"]),
        "status_label": PAPER_STATUS_LABELS.get(PaperStatus(row["status"]), row["status"]),
    }


async def _paper_out(session: TenantSession, row: dict[str, Any]) -> PaperOut:
    names = await org_names(session, {row["org_id"]})
    revisions = await session.count(WorkingPaperRevision, {"paper_id": row["id"]})
    return PaperOut(
        **_brief(row, names), summary=row["summary"], how_found=row["how_found"],
        materials=list(row["materials"] or []), reviewed_at=row["reviewed_at"],
        signed_at=row["signed_at"], created_at=row["created_at"],
        attachments=await attachments_of(session, "working_paper", row["id"]),
        revisions=revisions,
    )


async def _load(session: TenantSession, paper_id: int) -> dict[str, Any]:
    return await get_or_not_found(session, WorkingPaper, paper_id, "问题底稿")


async def _check_number(session: TenantSession, inspection_id: int, number: str,
                        own_id: int | None = None) -> str:
    number = number.strip()
    if not number:
        raise Invalid([FieldError("number", "底稿编号不能为空")])
    where: dict[str, Any] = {"inspection_id": inspection_id, "number": number}
    if own_id is not None:
        where["id__ne"] = own_id
    if await session.count(WorkingPaper, where):
        raise Conflict([FieldError("number", f"本次巡察已有编号为 {number} 的底稿")])
    return number


def _check_date(work: Work, day: date) -> None:
    if day > work.clock.today():
        raise Invalid([FieldError("paper_date", "底稿日期不能晚于今天")])


async def create_paper(work: Work, inspection_id: int, data: PaperCreate) -> PaperOut:
    """Draft a paper for one target of the inspection (author: the actor)."""
    session = work.session
    async with work.transaction():
        inspection = await load_inspection(session, inspection_id)
        require_stage(inspection, PAPER_STAGES, "起草问题底稿")
        await require_target(session, inspection_id, data.org_id)
        number = await _check_number(session, inspection_id, data.number)
        _check_date(work, data.paper_date)
        now = work.clock.now()
        (paper_id,) = await session.insert(WorkingPaper, [{
            "inspection_id": inspection_id, "org_id": data.org_id, "number": number,
            "title": data.title, "paper_date": data.paper_date, "source": data.source.value,
            "summary": data.summary, "how_found": data.how_found,
            "materials": list(data.materials), "status": PaperStatus.draft.value,
            "author": work.actor[:64], "created_at": now, "updated_at": now,
        }])
        await work.audit("paper.create", "working_paper", paper_id,
                         {"inspection_id": inspection_id, "number": number})
        row = await _load(session, paper_id)
    return await _paper_out(session, row)


async def list_papers(session: TenantSession, inspection_id: int, *, org_id: int | None,
                      status: PaperStatus | None, limit: int, offset: int) -> PaperPage:
    """Papers of an inspection (404 for an unknown inspection), by number."""
    await load_inspection(session, inspection_id)
    where: dict[str, Any] = {"inspection_id": inspection_id}
    if org_id is not None:
        where["org_id"] = org_id
    if status is not None:
        where["status"] = status.value
    rows, total = await session.page(WorkingPaper, where, order_by=("number", "id"),
                                     limit=limit, offset=offset)
    names = await org_names(session, {r["org_id"] for r in rows})
    items = msgspec.convert([_brief(r, names) for r in rows], list[PaperBrief])
    return PaperPage(items=items, total=total, limit=limit, offset=offset)


async def read_paper(work: Work, paper_id: int) -> PaperOut:
    """One paper with its content: a confidential read, audited as ``paper.read``."""
    async with work.transaction():
        row = await _load(work.session, paper_id)
        await work.audit("paper.read", "working_paper", paper_id,
                         {"inspection_id": row["inspection_id"]})
    return await _paper_out(work.session, row)


def _plain(value: Any) -> Any:
    """A JSON value for a revision's record of a change."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Source):
        return value.value
    if isinstance(value, list):
        return list(value)
    return value


async def update_paper(work: Work, paper_id: int, data: PaperUpdate) -> PaperOut:
    """Change a paper's fields.

    A draft changes in place. A **reviewed** paper that changes drops back to
    ``draft`` (its review no longer covers what it says, so the deputy must
    review it again). A **signed** paper is frozen: a change needs
    ``revision_reason`` (409 without it), keeps the paper signed, and is
    recorded as a revision (``{field: [old, new]}``, reason, actor) with
    ``paper.revision`` counting up. ``revision_reason`` is ignored for a paper
    that is not signed. A request that changes nothing changes nothing.
    """
    session = work.session
    asked = {k: v for k, v in changes_of(data).items() if k != "revision_reason"}
    async with work.transaction():
        row = await _load(session, paper_id)
        inspection = await load_inspection(session, row["inspection_id"])
        signed = row["status"] == PaperStatus.signed.value
        require_stage(inspection, REVISION_STAGES if signed else PAPER_STAGES, "修改问题底稿")
        if "number" in asked:
            asked["number"] = await _check_number(session, row["inspection_id"],
                                                  asked["number"], own_id=paper_id)
        if "org_id" in asked:
            await require_target(session, row["inspection_id"], asked["org_id"])
        if "paper_date" in asked:
            _check_date(work, asked["paper_date"])
        changes = {k: [_plain(row[k]), _plain(v)] for k, v in asked.items()
                   if _plain(row[k]) != _plain(v)}
        if not changes:
            return await _paper_out(session, row)
        values: dict[str, Any] = {k: new for k, (_, new) in changes.items()}
        if "paper_date" in values:
            values["paper_date"] = asked["paper_date"]
        values["updated_at"] = work.clock.now()
        detail: dict[str, Any] = {"changed": sorted(changes)}
        if signed:
            if data.revision_reason is msgspec.UNSET or not data.revision_reason.strip():
                raise Conflict([FieldError("revision_reason",
                                             "底稿已签字，修改需说明修订理由")])
            values["revision"] = row["revision"] + 1
            await session.insert(WorkingPaperRevision, [{
                "paper_id": paper_id, "revision": values["revision"], "changes": changes,
                "reason": data.revision_reason.strip(), "actor": work.actor[:128],
                "at": values["updated_at"],
            }])
            detail |= {"revision": values["revision"], "reason": data.revision_reason.strip()}
        elif row["status"] == PaperStatus.reviewed.value:
            values |= {"status": PaperStatus.draft.value, "reviewed_by": "", "reviewed_at": None}
            detail["review_withdrawn"] = True
        await _guarded_update(session, row, values)
        await work.audit("paper.revise" if signed else "paper.update", "working_paper",
                         paper_id, detail)
        row = await _load(session, paper_id)
    return await _paper_out(session, row)


async def _guarded_update(session: TenantSession, row: dict[str, Any],
                          values: dict[str, Any]) -> None:
    """Update only if nobody changed the paper's status or revision meanwhile."""
    changed = await session.update(
        WorkingPaper, {"id": row["id"], "status": row["status"], "revision": row["revision"]},
        values)
    if not changed:
        raise Conflict([FieldError("status", "底稿已被他人修改，请刷新后重试")])


class Signers(msgspec.Struct, kw_only=True, frozen=True):
    """Who holds the sign-off places of an inspection's team (person ids and names).

    A team place counts unless the person was taken off the team: the roster
    only changes before the team goes on site, so a place released before
    the inspection entered 进驻巡察 was a removal, while one released later
    (at withdrawal, or when the grant ran out) still names the team's
    leader and deputies for the papers they wrote.
    """

    leaders: dict[str, str]
    deputies: dict[str, str]

    def may_review(self, person: str) -> bool:
        """Whether ``person`` is a deputy leader or the leader of the team."""
        return person in self.deputies or person in self.leaders

    def may_sign(self, person: str) -> bool:
        """Whether ``person`` is the team's leader."""
        return person in self.leaders


async def signers(session: TenantSession, inspection_id: int, now: datetime) -> Signers:
    """The leader and deputies of the inspection's team (see :class:`Signers`)."""
    rows = await session.list(TeamMember, {
        "inspection_id": inspection_id,
        "role": [TeamRole.leader.value, TeamRole.deputy.value]}, order_by=("id",), limit=None)
    entered = await session.list(InspectionLog, {
        "inspection_id": inspection_id, "kind": "stage", "to_value": Stage.onsite.value},
        order_by=("at", "id"), limit=1)
    cutoff = entered[0]["at"] if entered else now
    places: dict[str, dict[str, str]] = {TeamRole.leader.value: {}, TeamRole.deputy.value: {}}
    for row in rows:
        released = row["released_at"]
        if released is not None and released <= cutoff:
            continue
        places[row["role"]][row["person"]] = row["name"]
    return Signers(leaders=places[TeamRole.leader.value],
                   deputies=places[TeamRole.deputy.value])


_STEPS = {"review": "审核问题底稿", "sign": "签发问题底稿"}
_EXPECTED = {"review": PaperStatus.draft.value, "sign": PaperStatus.reviewed.value}
_OUT_OF_ORDER = {
    "review": {PaperStatus.reviewed.value: "底稿已审核，无需重复审核",
               PaperStatus.signed.value: "底稿已签字，不能再审核"},
    "sign": {PaperStatus.draft.value: "底稿须经副组长审核后方可由组长签字",
             PaperStatus.signed.value: "底稿已签字，不能重复签字"},
}


def _names(people: dict[str, str]) -> str:
    return "、".join(people.values())


def signoff_refusal(step: str, paper: dict[str, Any], inspection: dict[str, Any],
                    team: Signers, actor: str) -> DomainError | None:
    """Why ``actor`` may not take sign-off ``step`` (``"review"`` or ``"sign"``) now, or None.

    In this order: the inspection's stage (409), the paper's status (409),
    then the person (403): a review only by a deputy leader or the leader of
    this inspection's team and never by the paper's author; a signature only
    by this inspection's leader, and never by the person who reviewed the
    paper (separation of duties: author, reviewer and signer are three
    steps, the reviewer and the signer two people).
    """
    if Stage(inspection["stage"]) not in PAPER_STAGES:
        try:
            require_stage(inspection, PAPER_STAGES, _STEPS[step])
        except Conflict as exc:
            return exc
    if paper["status"] != _EXPECTED[step]:
        return Conflict([FieldError("status", _OUT_OF_ORDER[step][paper["status"]])])
    role = TEAM_ROLE_LABELS[TeamRole.leader]
    if step == "review":
        if not team.may_review(actor):
            who = _names({**team.deputies, **team.leaders})
            return Forbidden("只有本次巡察的副组长或组长可以审核底稿"
                                + (f"（{who}）" if who else "，本组尚未确定"))
        if actor == paper["author"]:
            return Forbidden("审核人不能是底稿起草人，请由其他副组长或组长审核")
    elif not team.may_sign(actor):
        who = _names(team.leaders)
        return Forbidden(f"只有本次巡察的{role}可以签字"
                            + (f"（{who}）" if who else "，本组尚未确定组长"))
    elif paper["reviewed_by"] and actor[:64] == paper["reviewed_by"]:
        return Forbidden("签字人不能是审核人（本底稿由您审核），请由其他组长签字；"
                         "或修改底稿撤回审核，改由副组长审核")
    return None


async def _sign_off(work: Work, paper_id: int, remark: str, step: str) -> PaperOut:
    session = work.session
    async with work.transaction():
        row = await _load(session, paper_id)
        inspection = await load_inspection(session, row["inspection_id"])
        team = await signers(session, row["inspection_id"], work.clock.now())
        refusal = signoff_refusal(step, row, inspection, team, work.actor)
        if refusal is not None:
            raise refusal
        to = PaperStatus.reviewed if step == "review" else PaperStatus.signed
        now = work.clock.now()
        who = "reviewed" if step == "review" else "signed"
        values = {"status": to.value, f"{who}_by": work.actor[:64], f"{who}_at": now,
                  "updated_at": now}
        await _guarded_update(session, row, values)
        await work.audit(f"paper.{step}", "working_paper", paper_id,
                         {"inspection_id": row["inspection_id"], "remark": remark})
        work.emit(WorkingPaperSigned(paper_id=paper_id, inspection_id=row["inspection_id"],
                                     status=to.value))
        row = await _load(session, paper_id)
    return await _paper_out(session, row)


async def review_paper(work: Work, paper_id: int, remark: str = "") -> PaperOut:
    """A deputy leader (or the leader) of the inspection's team reviews a draft paper
    (副组长审核); not its author."""
    return await _sign_off(work, paper_id, remark, "review")


async def sign_paper(work: Work, paper_id: int, remark: str = "") -> PaperOut:
    """The inspection's leader signs a reviewed paper (组长签字); it is frozen from then on."""
    return await _sign_off(work, paper_id, remark, "sign")


async def list_revisions(work: Work, paper_id: int, *, limit: int,
                         offset: int) -> RevisionPage:
    """The recorded revisions of a paper, oldest first (audited: they hold its content)."""
    session = work.session
    async with work.transaction():
        row = await _load(session, paper_id)
        await work.audit("paper.read", "working_paper", paper_id,
                         {"inspection_id": row["inspection_id"], "view": "revisions"})
    rows, total = await session.page(WorkingPaperRevision, {"paper_id": paper_id},
                                     order_by=("revision", "id"), limit=limit, offset=offset)
    items = [RevisionOut(id=r["id"], paper_id=r["paper_id"], revision=r["revision"],
                         changes=dict(r["changes"] or {}), reason=r["reason"], actor=r["actor"],
                         at=r["at"]) for r in rows]
    return RevisionPage(items=items, total=total, limit=limit, offset=offset)


async def attach_to_paper(work: Work, home: Path, paper_id: int, filename: str,
                          source: IO[bytes]) -> AttachmentOut:
    """Attach an uploaded file to a paper that is not signed yet, while papers are open.

    The file's name, type, content and size are checked by
    :func:`core.inspection.attachments.save_attachment`; the paper must exist,
    its inspection be in a paper stage (409) and the paper not be signed (409).
    """
    session = work.session

    async def guard() -> None:
        paper = await _load(session, paper_id)
        inspection = await load_inspection(session, paper["inspection_id"])
        require_stage(inspection, PAPER_STAGES, "上传底稿附件")
        if paper["status"] == PaperStatus.signed.value:
            raise Conflict([FieldError("file", "底稿已签字，不能再上传附件")])

    return await save_attachment(work, home, owner_type="working_paper", owner_id=paper_id,
                                 filename=filename, source=source, guard=guard)
