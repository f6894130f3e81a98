"""The actions of the evaluation plugin and who may take them by default.

The office head (``office_admin``) holds every action through the core's
``*`` rule. Reading indicators is the core's ``evaluation:read``. Scoring and
signing are separate actions, and the service also refuses a sign-off by the
scorer, so one person never both scores and signs.
"""

from __future__ import annotations

from core.api import Permission, PolicyRule

__all__ = ["EVALUATION_PERMISSIONS", "EVALUATION_POLICIES"]

EVALUATION_PERMISSIONS: list[Permission] = [
    Permission(action="evaluation:score",
               label="开展整改评估（建立评估、登记扣分和证据、提交评分）"),
    Permission(action="evaluation:sign", label="审核签发整改评估结果"),
    Permission(action="evaluation:lookback", label="确定巡察“回头看”对象并建立回头看任务"),
    Permission(action="evaluation:interview", label="登记整改评估“一般”“差”单位的约谈"),
    Permission(action="evaluation:performance", label="查看巡察组工作成效"),
    Permission(action="evaluation:rollup", label="查看下级整改评估结果汇总"),
]

_READ = ["evaluation:performance", "evaluation:rollup"]

EVALUATION_POLICIES: list[PolicyRule] = [
    *(PolicyRule(role="office_staff", action=a)
      for a in ["evaluation:score", "evaluation:lookback", "evaluation:interview", *_READ]),
    *(PolicyRule(role="leading_group", action=a)
      for a in ["evaluation:sign", "evaluation:interview", *_READ]),
    PolicyRule(role="city_supervisor", action="evaluation:rollup"),
]
