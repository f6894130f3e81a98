"""The words of the workflow (DOMAIN.md, "One inspection, stage by stage").

Each enum's values are the code names stored in the database; the
``*_LABELS`` dicts give the Chinese an office worker reads.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CLUE_GRADE_LABELS",
    "CLUE_STATUS_LABELS",
    "DISCLOSURE_SCOPE_LABELS",
    "ESCALATION_LABELS",
    "ITEM_STATUS_LABELS",
    "PAPER_STATUS_LABELS",
    "PLAN_KIND_LABELS",
    "RECEIVING_BODY_LABELS",
    "REPORT_STEP_LABELS",
    "RETENTION_LABELS",
    "SEVERITY_LABELS",
    "SOURCE_LABELS",
    "STAGE_LABELS",
    "TEAM_ROLE_LABELS",
    "WITHHOLD_REASON_LABELS",
    "ClueGrade",
    "ClueStatus",
    "DisclosureScope",
    "Escalation",
    "ItemStatus",
    "PaperStatus",
    "PlanKind",
    "ReceivingBody",
    "ReportStep",
    "Retention",
    "Severity",
    "Source",
    "Stage",
    "TeamRole",
    "WithholdReason",
]


class Stage(StrEnum):
    """The stages of one inspection, in order."""

    planned = "planned"
    authorized = "authorized"
    briefing = "briefing"
    onsite = "onsite"
    withdrawn = "withdrawn"
    reporting = "reporting"
    reviewed = "reviewed"
    feedback = "feedback"
    referral = "referral"
    rectifying = "rectifying"
    rectification_reported = "rectification_reported"
    disclosed = "disclosed"
    sustained = "sustained"
    evaluated = "evaluated"
    archived = "archived"


STAGE_LABELS = {
    Stage.planned: "拟定计划",
    Stage.authorized: "组建授权",
    Stage.briefing: "了解情况",
    Stage.onsite: "进驻巡察",
    Stage.withdrawn: "撤离",
    Stage.reporting: "形成报告",
    Stage.reviewed: "审议报告",
    Stage.feedback: "反馈意见",
    Stage.referral: "移交线索",
    Stage.rectifying: "督促整改",
    Stage.rectification_reported: "报送整改报告",
    Stage.disclosed: "整改公开",
    Stage.sustained: "持续整改",
    Stage.evaluated: "成效评估",
    Stage.archived: "立卷归档",
}


class PlanKind(StrEnum):
    """A term plan (巡察规划) or a yearly plan (年度计划)."""

    term = "term"
    year = "year"


PLAN_KIND_LABELS = {PlanKind.term: "届内巡察规划", PlanKind.year: "年度巡察计划"}


class TeamRole(StrEnum):
    """A place in an inspection team (巡察组)."""

    leader = "leader"
    deputy = "deputy"
    member = "member"


TEAM_ROLE_LABELS = {TeamRole.leader: "组长", TeamRole.deputy: "副组长", TeamRole.member: "组员"}


class ReportStep(StrEnum):
    """The inspection report's way to the secretary's meeting, in order."""

    none = "none"
    drafted = "drafted"
    team_discussed = "team_discussed"
    leader_signed = "leader_signed"
    office_reviewed = "office_reviewed"
    leading_group_heard = "leading_group_heard"
    secretary_meeting_heard = "secretary_meeting_heard"


REPORT_STEP_LABELS = {
    ReportStep.none: "未起草",
    ReportStep.drafted: "起草完成",
    ReportStep.team_discussed: "巡察组集体讨论",
    ReportStep.leader_signed: "组长审签",
    ReportStep.office_reviewed: "巡察办审核",
    ReportStep.leading_group_heard: "领导小组听取汇报",
    ReportStep.secretary_meeting_heard: "书记专题会审议",
}


class Source(StrEnum):
    """Where a problem came from."""

    interview = "interview"
    petition = "petition"
    documents = "documents"
    survey = "survey"
    visit = "visit"


SOURCE_LABELS = {
    Source.interview: "个别谈话",
    Source.petition: "受理信访",
    Source.documents: "查阅资料",
    Source.survey: "问卷测评",
    Source.visit: "走访调研",
}


class PaperStatus(StrEnum):
    """A working paper's sign-off chain: author → deputy reviews → leader signs."""

    draft = "draft"
    reviewed = "reviewed"
    signed = "signed"


PAPER_STATUS_LABELS = {
    PaperStatus.draft: "起草",
    PaperStatus.reviewed: "副组长已审核",
    PaperStatus.signed: "组长已签字",
}


class Severity(StrEnum):
    """How serious a finding is."""

    general = "general"
    serious = "serious"
    grave = "grave"


SEVERITY_LABELS = {Severity.general: "一般", Severity.serious: "较重", Severity.grave: "严重"}


class ClueGrade(StrEnum):
    """How a clue is graded before referral."""

    further_examine = "further_examine"
    examine = "examine"
    reference_only = "reference_only"


CLUE_GRADE_LABELS = {
    ClueGrade.further_examine: "重点核查",
    ClueGrade.examine: "一般核查",
    ClueGrade.reference_only: "留存备查",
}


class ReceivingBody(StrEnum):
    """Who receives a referred clue."""

    discipline = "discipline"
    organisation = "organisation"
    other = "other"


RECEIVING_BODY_LABELS = {
    ReceivingBody.discipline: "纪委监委",
    ReceivingBody.organisation: "组织部",
    ReceivingBody.other: "其他有关部门",
}


class ClueStatus(StrEnum):
    """A clue's life: recorded → referred → received → concluded."""

    recorded = "recorded"
    referred = "referred"
    received = "received"
    concluded = "concluded"


CLUE_STATUS_LABELS = {
    ClueStatus.recorded: "已登记",
    ClueStatus.referred: "已移交",
    ClueStatus.received: "已签收",
    ClueStatus.concluded: "已办结",
}


class ItemStatus(StrEnum):
    """A rectification item's life, ending in closed (销号)."""

    open = "open"
    in_progress = "in_progress"
    submitted = "submitted"
    verified = "verified"
    closed = "closed"


ITEM_STATUS_LABELS = {
    ItemStatus.open: "未启动",
    ItemStatus.in_progress: "整改中",
    ItemStatus.submitted: "已报送",
    ItemStatus.verified: "已验收",
    ItemStatus.closed: "已销号",
}


class Escalation(StrEnum):
    """Notices sent for an overdue rectification item, in order."""

    none = "none"
    supervision_notice = "supervision_notice"
    reminder = "reminder"
    warning = "warning"
    accountability = "accountability"


ESCALATION_LABELS = {
    Escalation.none: "无",
    Escalation.supervision_notice: "督办通知",
    Escalation.reminder: "提醒",
    Escalation.warning: "预警",
    Escalation.accountability: "问责",
}


class DisclosureScope(StrEnum):
    """Where rectification is made known."""

    internal = "internal"
    public = "public"


DISCLOSURE_SCOPE_LABELS = {
    DisclosureScope.internal: "内部通报",
    DisclosureScope.public: "向社会公开",
}


class WithholdReason(StrEnum):
    """Listed reasons to withhold a disclosure (needs approval)."""

    state_secret = "state_secret"
    open_case = "open_case"
    stability = "stability"


WITHHOLD_REASON_LABELS = {
    WithholdReason.state_secret: "涉及国家秘密",
    WithholdReason.open_case: "涉及正在查办的案件",
    WithholdReason.stability: "可能影响社会稳定",
}


class Retention(StrEnum):
    """How long an archived file is kept."""

    permanent = "permanent"
    long_term = "long_term"
    short_term = "short_term"


RETENTION_LABELS = {
    Retention.permanent: "永久",
    Retention.long_term: "长期",
    Retention.short_term: "短期",
}
