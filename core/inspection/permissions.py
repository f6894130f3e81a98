"""The actions the workflow's routes declare, with Chinese labels."""

from __future__ import annotations

from core.contributions import Permission

__all__ = ["WORKFLOW_PERMISSIONS"]

WORKFLOW_PERMISSIONS = [
    Permission(action="plan:read", label="查看届、规划、计划和轮次"),
    Permission(action="plan:write", label="编制届、规划、计划和轮次"),
    Permission(action="inspection:read", label="查看巡察任务"),
    Permission(action="inspection:write", label="编制巡察任务"),
    Permission(action="inspection:advance", label="推进巡察环节"),
    Permission(action="team:write", label="组建巡察组"),
    Permission(action="team:override_recusal", label="批准回避例外（办主任）"),
    Permission(action="report:write", label="办理巡察报告"),
    Permission(action="paper:read", label="查阅问题底稿（保密）"),
    Permission(action="paper:write", label="起草问题底稿"),
    Permission(action="paper:review", label="审核问题底稿（副组长）"),
    Permission(action="paper:sign", label="签发问题底稿（组长）"),
    Permission(action="attachment:read", label="查阅附件（保密）"),
    Permission(action="attachment:write", label="上传附件"),
    Permission(action="finding:read", label="查看问题"),
    Permission(action="finding:write", label="登记问题"),
    Permission(action="clue:read", label="查看问题线索"),
    Permission(action="clue:read_persons", label="查阅线索涉及人员（保密）"),
    Permission(action="clue:write", label="登记问题线索"),
    Permission(action="clue:refer", label="移交问题线索"),
    Permission(action="clue:answer", label="反馈线索办理结果"),
    Permission(action="rectification:read", label="查看整改台账"),
    Permission(action="rectification:write", label="填报整改事项"),
    Permission(action="rectification:verify", label="验收和销号整改事项"),
    Permission(action="rectification:scan", label="执行超期督办扫描"),
    Permission(action="disclosure:write", label="登记整改公开"),
    Permission(action="export:read", label="导出台账和文书"),
]
