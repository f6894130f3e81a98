"""Every route, walked as tenant A with tenant B's ids: no row of B ever shows.

A new route must be taught here (its path parameters and, for writes, a
body); the walker fails on a route it does not know, so none is left out.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection import tables as workflow
from core.tenancy.tables import Org
from plugins.elevated_cross.tables import (
    CrossAssignment,
    CrossGuest,
    ElevatedClue,
    ElevatedInspection,
)
from plugins.evaluation.tables import (
    EvaluationInterview,
    LookbackCarriedItem,
    LookbackLink,
    OfficeEvaluation,
    UnitEvaluation,
)
from plugins.linkage.tables import Directive
from plugins.talent_pool.tables import (
    TalentAppraisal,
    TalentHistory,
    TalentPerson,
    TalentSecondmentNominee,
    TalentSecondmentRequest,
)
from plugins.village_coverage.tables import CoverageDirective
from tests.conftest import TEST_TREE
from tests.identity.helpers import browser, signed_in
from tests.inspection.seed import seed_inspection

Client = AsyncTestClient[Litestar]

A, B = "ta", "tb"
B_ORG_NAMES = [o.name for spec in TEST_TREE if spec.code == B for o in spec.orgs]
B_SECRETS = list(B_ORG_NAMES)  # plus the texts of B's seeded inspection

# Body for each write route, filled with tenant B's ids by ``_fill``.
WRITE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/t/{tenant:str}/api/orgs"): {
        "code": "XT-PROBE", "name": "越权探测村", "kind": "village", "parent_id": "{b_township}"},
    ("PATCH", "/t/{tenant:str}/api/orgs/{org_id:int}"): {
        "name": "越权修改", "parent_id": "{b_township}"},
    # planning, inspections, team and stages
    ("POST", "/t/{tenant:str}/api/terms"): {"name": "越权届", "start_date": "2026-01-01"},
    ("PATCH", "/t/{tenant:str}/api/terms/{term_id:int}"): {"name": "越权修改"},
    ("POST", "/t/{tenant:str}/api/plans"): {
        "term_id": "{term_id}", "kind": "year", "year": 2027, "title": "越权计划"},
    ("PATCH", "/t/{tenant:str}/api/plans/{plan_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/api/rounds"): {"term_id": "{term_id}", "year": 2027, "number": 9},
    ("PATCH", "/t/{tenant:str}/api/rounds/{round_id:int}"): {"name": "越权修改"},
    ("POST", "/t/{tenant:str}/api/inspections"): {
        "round_id": "{round_id}", "kind": "regular", "org_ids": ["{org_id}"]},
    ("PATCH", "/t/{tenant:str}/api/inspections/{inspection_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/stage"): {"to": "authorized"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/notice"): {},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/report"): {
        "step": "drafted", "title": "越权报告"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/team"): {
        "person": "probe", "name": "越权人员", "role": "member"},
    ("PATCH", "/t/{tenant:str}/api/inspections/{inspection_id:int}/team/{member_id:int}"): {
        "recusal_declared": True},
    # working papers, attachments and findings
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/papers"): {
        "number": "XT-001", "title": "越权底稿", "paper_date": "2026-04-01",
        "org_id": "{org_id}", "source": "interview", "summary": "越权摘要"},
    ("PATCH", "/t/{tenant:str}/api/papers/{paper_id:int}"): {
        "title": "越权修改", "revision_reason": "越权修订"},
    ("POST", "/t/{tenant:str}/api/papers/{paper_id:int}/review"): {"remark": "越权审核"},
    ("POST", "/t/{tenant:str}/api/papers/{paper_id:int}/sign"): {"remark": "越权签字"},
    # multipart route: a JSON body has no file, so 400 (the paper is never looked up)
    ("POST", "/t/{tenant:str}/api/papers/{paper_id:int}/attachments"): {"file": "越权.pdf"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/findings"): {
        "category": "political", "source": "interview", "org_id": "{org_id}",
        "paper_id": "{paper_id}", "title": "越权问题"},
    ("PATCH", "/t/{tenant:str}/api/findings/{finding_id:int}"): {
        "title": "越权修改", "shared": True},
    # clues
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/clues"): {
        "title": "越权线索", "grade": "examine", "org_id": "{org_id}",
        "persons": [{"name": "越权人员", "position": "局长"}]},
    ("PATCH", "/t/{tenant:str}/api/clues/{clue_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/api/clues/{clue_id:int}/referral"): {
        "receiving_body": "discipline"},
    ("POST", "/t/{tenant:str}/api/clues/{clue_id:int}/receipt"): {},
    ("POST", "/t/{tenant:str}/api/clues/{clue_id:int}/outcome"): {"outcome": "越权办结"},
    # rectification ledger, reports and disclosures
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/rectification/items"): {
        "org_id": "{org_id}", "finding_id": "{finding_id}", "problem": "越权整改",
        "deadline": "2099-01-01"},
    ("PATCH", "/t/{tenant:str}/api/rectification/items/{item_id:int}"): {"measures": "越权修改"},
    ("POST", "/t/{tenant:str}/api/rectification/items/{item_id:int}/status"): {
        "to": "in_progress"},
    ("POST", "/t/{tenant:str}/api/rectification/items/{item_id:int}/verify"): {
        "to": "verified"},
    ("POST", "/t/{tenant:str}/api/rectification/scan"): {"inspection_id": "{inspection_id}"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/rectification/reports"): {
        "org_id": "{org_id}", "summary": "越权报送"},
    ("POST", "/t/{tenant:str}/api/inspections/{inspection_id:int}/disclosures"): {
        "scope": "public"},
    # exports
    # pages (form routes: a JSON body is refused with 400 before the id is looked up;
    # tests/inspection/test_pages.py posts real forms with B's ids and gets 404)
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/stage"): {"to": "authorized"},
    ("POST", "/t/{tenant:str}/papers/{paper_id:int}/review"): {"remark": "越权审核"},
    ("POST", "/t/{tenant:str}/papers/{paper_id:int}/sign"): {"remark": "越权签字"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/report"): {
        "step": "drafted", "title": "越权报告"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/rectification/items"): {
        "mode": "written", "org_id": "{org_id}", "problem": "越权整改", "deadline": "2099-01-01"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/rectification/reports"): {
        "org_id": "{org_id}", "summary": "越权报送"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/disclosures"): {"scope": "public"},
    ("POST", "/t/{tenant:str}/rectification/items/{item_id:int}"): {
        "deadline": "2099-01-01", "measures": "越权修改"},
    ("POST", "/t/{tenant:str}/rectification/items/{item_id:int}/status"): {"to": "in_progress"},
    ("POST", "/t/{tenant:str}/rectification/items/{item_id:int}/verify"): {"to": "verified"},
    ("POST", "/t/{tenant:str}/rectification/scan"): {
        "scope": "inspection", "inspection_id": "{inspection_id}"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/papers"): {
        "number": "XT-002", "title": "越权底稿", "org_id": "{org_id}"},
    ("POST", "/t/{tenant:str}/papers/{paper_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/papers/{paper_id:int}/attachments"): {"file": "越权.pdf"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/findings"): {
        "title": "越权问题", "org_id": "{org_id}", "paper_id": "{paper_id}"},
    ("POST", "/t/{tenant:str}/findings/{finding_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/clues"): {
        "title": "越权线索", "org_id": "{org_id}"},
    ("POST", "/t/{tenant:str}/clues/{clue_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/clues/{clue_id:int}/referral"): {"receiving_body": "discipline"},
    ("POST", "/t/{tenant:str}/clues/{clue_id:int}/receipt"): {},
    ("POST", "/t/{tenant:str}/clues/{clue_id:int}/outcome"): {"outcome": "越权办结"},
    # planning, inspection and team pages (forms; a JSON body is refused with 400, an id
    # of B is looked up first: 404; tests/web/pages/test_team.py posts real forms)
    ("POST", "/t/{tenant:str}/terms"): {"name": "越权届", "start_date": "2026-01-01"},
    ("POST", "/t/{tenant:str}/terms/{term_id:int}"): {"name": "越权修改"},
    ("POST", "/t/{tenant:str}/plans"): {
        "term_id": "{term_id}", "kind": "year", "year": 2027, "title": "越权计划"},
    ("POST", "/t/{tenant:str}/plans/{plan_id:int}"): {"title": "越权修改"},
    ("POST", "/t/{tenant:str}/rounds"): {"term_id": "{term_id}", "year": 2027, "number": 9},
    ("POST", "/t/{tenant:str}/rounds/{round_id:int}"): {"name": "越权修改"},
    ("POST", "/t/{tenant:str}/rounds/{round_id:int}/inspections"): {
        "kind": "regular", "org_ids": ["{org_id}"]},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/edit"): {"title": "越权修改"},
    # special inspections: checklist marks and extra fields
    ("PUT", "/t/{tenant:str}/api/inspections/{inspection_id:int}/checklist/{item_code:str}"): {
        "status": "checked", "note": "越权检查"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/checklist/{item_code:str}"): {
        "status": "checked", "note": "越权检查"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/extra"): {"area_mu": "1"},
    ("POST", "/t/{tenant:str}/findings/{finding_id:int}/extra"): {"amount": "1"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/notice"): {},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/team"): {
        "person": "probe", "name": "越权人员", "role": "member"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/team/check"): {
        "person": "probe", "name": "越权人员", "role": "member"},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/team/{member_id:int}"): {
        "recusal_declared": True},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/team/{member_id:int}/remove"): {},
    # identity: sign-in pages (no tenant) and API tokens
    ("POST", "/login"): {"username": "tester", "password": "越权"},
    ("POST", "/logout"): {},
    ("POST", "/t/{tenant:str}/api/tokens"): {"name": "越权令牌"},
    # roles
    ("POST", "/t/{tenant:str}/api/role-grants"): {"username": "nobody.here",
                                                  "role": "office_staff"},
    # accounts ({account} is B's account: unknown in A, 404; a weak password: 400)
    ("POST", "/t/{tenant:str}/api/accounts"): {
        "username": "xt.probe", "name": "越权账号", "password": "越权"},
    ("POST", "/t/{tenant:str}/api/accounts/{account:str}/disable"): {},
    ("POST", "/t/{tenant:str}/api/accounts/{account:str}/enable"): {},
    ("POST", "/t/{tenant:str}/api/accounts/{account:str}/password"): {
        "password": "Probe-pass-2026"},
    ("POST", "/t/{tenant:str}/admin/accounts"): {
        "username": "xt.probe", "name": "越权账号", "password": "越权"},
    ("POST", "/t/{tenant:str}/admin/accounts/{account:str}/disable"): {},
    ("POST", "/t/{tenant:str}/admin/accounts/{account:str}/enable"): {},
    ("POST", "/t/{tenant:str}/admin/accounts/{account:str}/password"): {
        "password": "Probe-pass-2026"},
    # role grants and API tokens pages (form routes: a JSON body is refused with 400)
    ("POST", "/t/{tenant:str}/admin/roles"): {"username": "nobody.here", "role": "office_staff"},
    ("POST", "/t/{tenant:str}/admin/roles/revoke"): {"username": "tester",
                                                     "role": "office_staff"},
    ("POST", "/t/{tenant:str}/admin/tokens"): {"name": "越权令牌"},
    ("POST", "/t/{tenant:str}/admin/tokens/{token_id:int}/revoke"): {},
    # tenant settings and plugins (refused values: 400, nothing changes)
    ("PATCH", "/t/{tenant:str}/api/settings"): {"values": {"rounds_per_year": 0}},
    ("PUT", "/t/{tenant:str}/api/plugins"): {"enabled": ["越权插件"]},
    ("POST", "/t/{tenant:str}/admin/settings"): {"rounds_per_year": 0},
    ("POST", "/t/{tenant:str}/admin/plugins"): {"enabled": ["越权插件"]},
    # directives down, answers up (another city's tenant is no county of A: 400)
    ("POST", "/t/{tenant:str}/api/directives"): {
        "kind": "directive", "title": "越权部署", "targets": [B]},
    ("POST", "/t/{tenant:str}/api/directives/{directive_id:int}/withdraw"): {"reason": "越权"},
    ("POST", "/t/{tenant:str}/api/directives/{directive_id:int}/items"): {
        "inspection_id": "{inspection_id}", "org_id": "{org_id}", "deadline": "2099-01-01"},
    ("POST", "/t/{tenant:str}/directives"): {"kind": "directive", "title": "越权部署"},
    ("POST", "/t/{tenant:str}/directives/{directive_id:int}/withdraw"): {"reason": "越权"},
    ("POST", "/t/{tenant:str}/directives/{directive_id:int}/items"): {
        "target": "1:1", "deadline": "2099-01-01"},
    # the city's view of its counties ({county} is B itself, no county of A: 404)
    ("POST", "/t/{tenant:str}/api/counties/{county:str}/audit-check"): {},
    ("POST", "/t/{tenant:str}/counties/{county:str}/audit-check"): {},
    # village coverage plugin (B's term, org and directive are unknown in A: 404; the form
    # routes refuse a JSON body: 400; B is no county of A: 400)
    ("PATCH", "/t/{tenant:str}/api/coverage/terms/{term_id:int}/targets/{org_id:int}"): {
        "note": "越权"},
    ("POST", "/t/{tenant:str}/api/coverage/terms/{term_id:int}/plan/propose"): {},
    ("POST", "/t/{tenant:str}/api/coverage/terms/{term_id:int}/plan/entries"): {
        "entries": [{"org_id": "{org_id}", "slot": None}]},
    ("POST", "/t/{tenant:str}/api/coverage/terms/{term_id:int}/plan/inspections"): {
        "slot": "2026-1"},
    ("POST", "/t/{tenant:str}/api/coverage/directives"): {
        "county": B, "kind": "elevated", "title": "越权指示", "village_codes": ["T09V001"]},
    ("POST", "/t/{tenant:str}/api/coverage/directives/{coverage_directive_id:int}/apply"): {},
    ("POST", "/t/{tenant:str}/coverage/plan/propose"): {"term_id": "{term_id}"},
    ("POST", "/t/{tenant:str}/coverage/plan/entries"): {
        "term_id": "{term_id}", "org_id": "{org_id}", "slot": ""},
    ("POST", "/t/{tenant:str}/coverage/plan/inspections"): {
        "term_id": "{term_id}", "slot": "2026-1"},
    ("POST", "/t/{tenant:str}/coverage/targets"): {
        "term_id": "{term_id}", "org_id": "{org_id}", "classification": "key"},
    ("POST", "/t/{tenant:str}/coverage/directives"): {
        "county": B, "kind": "elevated", "title": "越权指示", "village_codes": "T09V001"},
    ("POST", "/t/{tenant:str}/coverage/directives/{coverage_directive_id:int}/apply"): {},
    # talent pool plugin (B's person, lines and inspection are unknown in A: 404; the form
    # routes refuse a JSON body: 400; a body naming B's person: 400)
    ("POST", "/t/{tenant:str}/api/talent/persons"): {"name": "越权人员", "pools": []},
    ("PATCH", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}"): {"post": "越权"},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/eligibility"): {},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/decision"): {
        "approve": True},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/leave"): {
        "reason": "越权出库"},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/history"): {
        "kind": "work", "unit": "越权单位"},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/relations"): {
        "kind": "spouse", "name": "越权", "unit": "越权单位"},
    ("POST", "/t/{tenant:str}/api/talent/persons/{talent_person_id:int}/availability"): {
        "start_date": "2030-01-01", "end_date": "2030-02-01"},
    ("POST", "/t/{tenant:str}/api/talent/inspections/{inspection_id:int}/team"): {
        "members": [{"person_id": "{talent_person_id}", "role": "member"}]},
    ("POST", "/t/{tenant:str}/talent"): {"name": "越权人员"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}"): {"name": "越权修改"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/decision"): {"approve": True},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/leave"): {"reason": "越权出库"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/eligibility"): {},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/history"): {
        "kind": "work", "unit": "越权单位"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/history/{talent_line_id:int}/"
             "delete"): {},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/relations"): {
        "kind": "spouse", "name": "越权", "unit": "越权单位"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/relations/{talent_line_id:int}/"
             "delete"): {},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/availability"): {
        "start_date": "2030-01-01", "end_date": "2030-02-01"},
    ("POST", "/t/{tenant:str}/talent/{talent_person_id:int}/availability/"
             "{talent_line_id:int}/delete"): {},
    ("POST", "/t/{tenant:str}/inspections/{inspection_id:int}/talent"): {"pick": ["1:member"]},
    # elevated and cross inspections (B's inspection and assignment are unknown in A: 404;
    # a body naming B, a city and no county of A: 400; the form routes refuse JSON: 400)
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated"): {
        "county": B, "title": "越权提级", "org_ids": ["{b_village}"]},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/findings"): {
        "org_id": "{b_village}", "problem": "越权问题", "deadline": "2099-01-01"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/handover"): {},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/allow-county"): {
        "allow": True},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/verification"): {
        "accept": False, "reason": "越权退回"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/cross"): {
        "team_county": "ta.one", "host_county": B, "title": "越权交叉",
        "org_ids": ["{b_village}"]},
    ("POST", "/t/{tenant:str}/api/elevated-cross/cross/{cross_id:int}/decision"): {
        "accept": True},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated"): {
        "county": B, "title": "越权提级", "org_ids": ["{b_village}"]},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/findings"): {
        "org_id": "{b_village}", "problem": "越权问题", "deadline": "2099-01-01"},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/handover"): {},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/allow-county"): {
        "allow": "true"},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/verification"): {
        "decision": "return", "reason": "越权退回"},
    ("POST", "/t/{tenant:str}/elevated-cross/cross"): {
        "team_county": "ta.one", "host_county": B, "title": "越权交叉",
        "org_ids": ["{b_village}"]},
    ("POST", "/t/{tenant:str}/elevated-cross/cross/{cross_id:int}/decision"): {
        "decision": "accept"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/cancel"): {
        "reason": "越权撤销"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/cross/{cross_id:int}/resubmit"): {
        "note": "越权重提"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/cross/{cross_id:int}/cancel"): {
        "reason": "越权取消"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/cross/{cross_id:int}/guests/"
             "{cross_guest_id:int}/password"): {},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/cancel"): {
        "reason": "越权撤销"},
    ("POST", "/t/{tenant:str}/elevated-cross/cross/{cross_id:int}/resubmit"): {
        "note": "越权重提"},
    ("POST", "/t/{tenant:str}/elevated-cross/cross/{cross_id:int}/cancel"): {
        "reason": "越权取消"},
    ("POST", "/t/{tenant:str}/elevated-cross/cross/{cross_id:int}/guests/"
             "{cross_guest_id:int}/password"): {},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/clues"): {
        "org_id": "{b_village}", "title": "越权线索"},
    ("POST", "/t/{tenant:str}/api/elevated-cross/elevated/{elevated_id:int}/clues/"
             "{elevated_clue_id:int}/referral"): {},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/clues"): {
        "org_id": "{b_village}", "title": "越权线索"},
    ("POST", "/t/{tenant:str}/elevated-cross/elevated/{elevated_id:int}/clues/"
             "{elevated_clue_id:int}/referral"): {},
    # appraisals (B's round and members are unknown in A: 404) and secondment (B's request
    # and nominee are unknown in A: 404; a county of another city: 400)
    ("POST", "/t/{tenant:str}/api/talent/rounds/{round_id:int}/appraisals"): {
        "appraisals": [{"member_id": "{member_id}", "grade": "excellent"}]},
    ("POST", "/t/{tenant:str}/talent/rounds/{round_id:int}/appraisals"): {
        "grade_1": "excellent"},
    ("POST", "/t/{tenant:str}/api/talent/secondment-requests"): {
        "round_id": "{round_id}", "title": "越权上挂", "start_date": "2030-01-01",
        "end_date": "2030-02-01", "needs": [{"specialty": "finance", "count": 1}],
        "targets": [B]},
    ("POST", "/t/{tenant:str}/api/talent/secondment-requests/{secondment_request_id:int}/"
             "nominations"): {"person_id": "{talent_person_id}"},
    ("POST", "/t/{tenant:str}/api/talent/secondment-requests/{secondment_request_id:int}/"
             "nominees/{secondment_nominee_id:int}/decision"): {"accept": True},
    ("POST", "/t/{tenant:str}/talent/secondments"): {"title": "越权上挂"},
    ("POST", "/t/{tenant:str}/talent/secondments/{secondment_request_id:int}/nominations"): {
        "person_id": "{talent_person_id}"},
    ("POST", "/t/{tenant:str}/talent/secondments/{secondment_request_id:int}/nominees/"
             "{secondment_nominee_id:int}/decision"): {"accept": "true"},
    # multipart routes: a JSON body has no file, so 400
    ("POST", "/t/{tenant:str}/api/talent/roster"): {"file": "越权.xlsx"},
    ("POST", "/t/{tenant:str}/talent/import"): {"file": "越权.xlsx"},
    # evaluation plugin (B's evaluation, inspection and round are unknown in A: 404; the form
    # routes refuse a JSON body: 400)
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations"): {
        "inspection_id": "{inspection_id}", "org_id": "{org_id}", "group_members": "越权"},
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations/{unit_evaluation_id:int}/deductions"): {
        "deductions": [{"item": "tasks_funds", "points": 1, "evidence": "越权"}]},
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations/{unit_evaluation_id:int}/submit"): {},
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations/{unit_evaluation_id:int}/sign"): {},
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations/{unit_evaluation_id:int}/send-back"): {
        "reason": "越权退回"},
    ("POST", "/t/{tenant:str}/api/evaluation/lookback"): {
        "earlier_id": "{inspection_id}", "round_id": "{round_id}"},
    ("POST", "/t/{tenant:str}/evaluation"): {"target": "{inspection_id}"},
    ("POST", "/t/{tenant:str}/evaluation/lookback"): {
        "earlier_id": "{inspection_id}", "round_id": "{round_id}"},
    ("POST", "/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/deductions"): {
        "points.tasks_funds": "1", "evidence.tasks_funds": "越权"},
    ("POST", "/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/submit"): {},
    ("POST", "/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/sign"): {},
    ("POST", "/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/send-back"): {
        "reason": "越权退回"},
    ("POST", "/t/{tenant:str}/api/evaluation/evaluations/{unit_evaluation_id:int}/interview"): {
        "held_on": "2026-01-01", "interviewer": "越权", "interviewee": "越权"},
    ("POST", "/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/interview"): {
        "held_on": "2026-01-01", "interviewer": "越权", "interviewee": "越权"},
    # the city's evaluation of a county office: B's county is none of A's (400), B's
    # evaluation is unknown in A (404)
    ("POST", "/t/{tenant:str}/api/evaluation/offices"): {"county": "tb", "year": 2026},
    ("POST", "/t/{tenant:str}/api/evaluation/offices/{office_evaluation_id:int}/deductions"): {
        "deductions": [{"item": "office_training", "points": 1, "evidence": "越权"}]},
    ("POST", "/t/{tenant:str}/api/evaluation/offices/{office_evaluation_id:int}/submit"): {},
    ("POST", "/t/{tenant:str}/api/evaluation/offices/{office_evaluation_id:int}/sign"): {},
    ("POST", "/t/{tenant:str}/api/evaluation/offices/{office_evaluation_id:int}/send-back"): {
        "reason": "越权退回"},
    ("POST", "/t/{tenant:str}/evaluation/offices"): {"county": "tb", "year": "2026"},
    ("POST", "/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/deductions"): {
        "points.office_training": "1", "evidence.office_training": "越权"},
    ("POST", "/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/submit"): {},
    ("POST", "/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/sign"): {},
    ("POST", "/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/send-back"): {
        "reason": "越权退回"},
}


_B_OBJECTS: dict[str, Any] = {}


async def _b_ids(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    """Ids of tenant B's org and of a full inspection of B (seeded once)."""
    if not _B_OBJECTS:
        _B_OBJECTS.update(await seed_inspection(database, tenant_ids[B], "乙机密"))
        B_SECRETS.extend(_B_OBJECTS.pop("texts"))
        _B_OBJECTS["token_id"] = await _b_token(database, tenant_ids[B])
        B_SECRETS.extend(["乙机密程序", "乙机密人员"])
        (_B_OBJECTS["directive_id"],) = await database.tenant(tenant_ids[B]).insert(
            Directive, [{"kind": "directive", "title": "乙机密部署", "issued_on": date.today()}])
        B_SECRETS.append("乙机密部署")
        (_B_OBJECTS["coverage_directive_id"],) = await database.tenant(tenant_ids[B]).insert(
            CoverageDirective, [{"direction": "received", "county": "ta", "kind": "elevated",
                                 "title": "乙机密全覆盖指示", "village_codes": ["T09V001"],
                                 "issued_on": date.today()}])
        B_SECRETS.append("乙机密全覆盖指示")
        session_b = database.tenant(tenant_ids[B])
        (_B_OBJECTS["talent_person_id"],) = await session_b.insert(TalentPerson, [{
            "person_key": "b.secret.cadre", "name": "乙机密干部", "pools": ["general"],
            "status": "active", "phone": "13999990000"}])
        (_B_OBJECTS["talent_line_id"],) = await session_b.insert(TalentHistory, [{
            "person_id": _B_OBJECTS["talent_person_id"], "kind": "work",
            "unit": "乙机密履历单位"}])
        B_SECRETS.extend(["乙机密干部", "13999990000", "乙机密履历单位"])
        (_B_OBJECTS["elevated_id"],) = await session_b.insert(ElevatedInspection, [{
            "county": "tb.x", "title": "乙机密提级巡察", "planned_on": date.today(),
            "targets": [{"org_id": 1, "code": "X", "name": "乙机密提级对象", "kind": "village"}]}])
        (_B_OBJECTS["cross_id"],) = await session_b.insert(CrossAssignment, [{
            "title": "乙机密交叉巡察", "team_county": "tb.x", "host_county": "tb.y",
            "assigned_on": date.today()}])
        (_B_OBJECTS["cross_guest_id"],) = await session_b.insert(CrossGuest, [{
            "cross_id": _B_OBJECTS["cross_id"], "inspection_id": _B_OBJECTS["inspection_id"],
            "username": "guest-b-secret", "person": "乙机密派出人员", "name": "乙机密临时人员",
            "role": "member", "team_county": "tb.x"}])
        (_B_OBJECTS["elevated_clue_id"],) = await session_b.insert(ElevatedClue, [{
            "elevated_id": _B_OBJECTS["elevated_id"], "org_id": 1, "title": "乙机密提级线索"}])
        B_SECRETS.extend(["乙机密提级巡察", "乙机密提级对象", "乙机密交叉巡察", "乙机密临时人员",
                          "乙机密派出人员", "乙机密提级线索"])
        (_B_OBJECTS["secondment_request_id"],) = await session_b.insert(
            TalentSecondmentRequest, [{
                "round_id": _B_OBJECTS["round_id"], "title": "乙机密上挂需求",
                "needs": [{"specialty": "finance", "count": 1}],
                "start_date": date(2030, 1, 1), "end_date": date(2030, 2, 1),
                "issued_on": date.today()}])
        (_B_OBJECTS["secondment_nominee_id"],) = await session_b.insert(
            TalentSecondmentNominee, [{
                "request_id": _B_OBJECTS["secondment_request_id"], "county": "tb.x",
                "county_person_id": 1, "name": "乙机密上挂人选", "home_unit": "乙机密上挂单位"}])
        await session_b.insert(TalentAppraisal, [{
            "round_id": _B_OBJECTS["round_id"], "inspection_id": _B_OBJECTS["inspection_id"],
            "member_id": _B_OBJECTS["member_id"], "person": "b.secret.cadre",
            "member_name": "乙机密考核人", "team_role": "member", "grade": "excellent",
            "note": "乙机密考核意见"}])
        B_SECRETS.extend(["乙机密上挂需求", "乙机密上挂人选", "乙机密上挂单位", "乙机密考核意见"])
        (_B_OBJECTS["unit_evaluation_id"],) = await session_b.insert(UnitEvaluation, [{
            "inspection_id": _B_OBJECTS["inspection_id"], "org_id": _B_OBJECTS["org_id"],
            "status": "scored", "group_members": "乙机密评估组", "scored_by": "b.scorer",
            "deductions": [{"item": "tasks_funds", "points": 2, "evidence": "乙机密扣分依据"}],
            "total": 98, "grade": "good"}])
        await session_b.insert(LookbackLink, [{
            "inspection_id": _B_OBJECTS["inspection_id"], "earlier_id":
            _B_OBJECTS["inspection_id"], "reason": "乙机密回头看理由"}])
        B_SECRETS.extend(["乙机密评估组", "乙机密扣分依据", "乙机密回头看理由"])
        await session_b.insert(EvaluationInterview, [{
            "evaluation_id": _B_OBJECTS["unit_evaluation_id"], "held_on": date.today(),
            "interviewer": "乙机密约谈人", "interviewee": "乙机密被约谈人",
            "notes": "乙机密约谈情况"}])
        await session_b.insert(LookbackCarriedItem, [{
            "inspection_id": _B_OBJECTS["inspection_id"],
            "earlier_id": _B_OBJECTS["inspection_id"], "item_id": _B_OBJECTS["item_id"],
            "status_then": "open"}])
        (_B_OBJECTS["office_evaluation_id"],) = await session_b.insert(OfficeEvaluation, [{
            "county": "tb.x", "county_name": "乙机密县委巡察办", "year": 2026,
            "status": "scored", "scored_by": "b.scorer", "group_members": "乙机密市评估组",
            "deductions": [{"item": "office_training", "points": 1,
                            "evidence": "乙机密巡察工作扣分"}], "total": 99,
            "grade": "good"}])
        B_SECRETS.extend(["乙机密约谈人", "乙机密约谈情况", "乙机密县委巡察办", "乙机密市评估组",
                          "乙机密巡察工作扣分"])
    rows = await database.tenant(tenant_ids[B]).list(Org, limit=None)
    return {
        **_B_OBJECTS,
        "org_id": next(r["id"] for r in rows if r["kind"] == "department"),
        "b_township": next(r["id"] for r in rows if r["kind"] == "township"),
        "b_village": next(r["id"] for r in rows if r["kind"] == "village"),
        "username": "tester", "role": "office_staff",  # /role-grants/{username}/{role}
        "county": B,  # /counties/{county}
        "item_code": "funds",  # /checklist/{item_code}: an item code, not a row
    }


async def _b_token(database: Database, tenant_id: int) -> int:
    """An API token of an account of B, scoped to B (its id is probed from A)."""
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    account = await create_account(database, f"b.probe.{secrets.token_hex(3)}", "乙机密人员",
                                   B, "Probe-pass-2026", now=now, actor="test")
    _B_OBJECTS["account"] = account.username  # /accounts/{account}: B's, unknown in A
    made = await create_token(database, account_id=account.id, actor="test",
                              tenant_id=tenant_id, tenant_code=B, name="乙机密程序", days=30,
                              now=now)
    return made.id


async def _snapshot(database: Database, tenant_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tenant in the org registry and the workflow tables."""
    session = database.tenant(tenant_id)
    tables = [Org, *(getattr(workflow, name) for name in workflow.__all__), TalentPerson,
              TalentHistory, TalentAppraisal, TalentSecondmentRequest, TalentSecondmentNominee,
              UnitEvaluation, LookbackLink, EvaluationInterview, LookbackCarriedItem,
              OfficeEvaluation, ElevatedInspection, CrossAssignment, CrossGuest, ElevatedClue]
    return {t._meta.tablename: await session.list(t, limit=None) for t in tables}


def _names_b(body: dict[str, Any]) -> bool:
    """Whether a write body refers to B's rows (a ``"{name}"`` placeholder)."""
    return re.search(r"'\{\w+\}'", repr(body)) is not None


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _path_for(template: str, ids: dict[str, Any], tenant: str = A) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name == "tenant":
            return tenant
        if name == "file_path":
            return "app.css"
        if name == "path":  # /schema/{path}
            return "openapi.json"
        assert name in ids, f"cross-tenant walker does not know path parameter {name!r}"
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", replace, template)


async def _walker(app: Litestar, client: Client, database: Database) -> dict[str, str]:
    """Headers of an account of tenant A only: office admin of A, nothing in B.

    ``token``: its API token (scoped to A); ``session``: a web session of the
    same account (cookie and CSRF header), so the guard decides on roles, not
    on the token's scope.
    """
    from core.identity.accounts import create_account
    from core.identity.sessions import COOKIE, SessionPolicy, create_session
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    username = f"walker.{secrets.token_hex(3)}"
    account = await create_account(database, username, "甲方巡察员", A, "Walker-pass-2026",
                                   now=now, actor="test")
    await app.state.runtime.authz.grant(username, "office_admin", A)
    tenant_a = (await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}', [A]))[0]["id"]
    token = await create_token(database, account_id=account.id, actor="test",
                               tenant_id=tenant_a, tenant_code=A, name="walker", days=30,
                               now=now)
    session = await create_session(database, account.id, now=now, policy=SessionPolicy())
    return {"token": f"Bearer {token.token}", "username": username,
            "cookie": f"{COOKIE}={session.token}", "csrf": session.csrf_token}


def _requests(app: Litestar, ids: dict[str, Any], tenant: str) -> Any:
    """Every (method, route path, concrete path, json body) of the app, as ``tenant``."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            path = _path_for(route.path, ids, tenant)
            body = None
            if method in ("POST", "PUT", "PATCH"):
                key = (method, route.path)
                assert key in WRITE_BODIES, f"cross-tenant walker needs a body for {key}"
                body = _fill(WRITE_BODIES[key], ids)
            yield method, route.path, path, body


async def test_no_route_leaks_tenant_b_to_tenant_a(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """A user of A, in A's paths with B's ids: nothing of B shows, nothing of B changes."""
    ids = await _b_ids(database, tenant_ids)
    who = await _walker(app, client, database)
    before = await _snapshot(database, tenant_ids[B])
    walked = 0
    for method, template, path, body in _requests(app, ids, A):
        response = await client.request(method, path, json=body,
                                         headers={"Authorization": who["token"]})
        walked += 1
        assert response.status_code < 500, (method, path, response.text)
        for secret in B_SECRETS:
            assert secret not in response.text, (method, path, secret)
        if re.search(r"\{\w+_id", template):
            # Another tenant's id is unknown here: 404 (400 where the body is refused
            # first), never its row.
            assert response.status_code in (400, 404), (method, path, response.status_code)
        elif body is not None and _names_b(WRITE_BODIES[(method, template)]):
            # The body names B's rows: refused as unknown.
            assert response.status_code in (400, 404), (method, path, response.status_code)
    assert walked >= 8
    assert await _snapshot(database, tenant_ids[B]) == before
    probe = await database.tenant(tenant_ids[A]).count(Org, {"code": "XT-PROBE"})
    assert probe == 0


async def test_a_user_of_a_is_refused_everywhere_in_b(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """The same user, signed in on the web, in B's paths: every tenant route refuses."""
    ids = await _b_ids(database, tenant_ids)
    who = await _walker(app, client, database)
    before = await _snapshot(database, tenant_ids[B])
    async with browser(app, client) as web:
        headers = {"X-CSRF-Token": await signed_in(web, who["username"], "Walker-pass-2026")}
        responses = [(method, template, path, await web.request(method, path, json=body,
                                                                 headers=headers))
                     for method, template, path, body in _requests(app, ids, B)
                     if template != "/logout"]  # stay signed in for the whole walk
    refused = 0
    for method, template, path, response in responses:
        assert response.status_code < 500, (method, path, response.text)
        for secret in B_SECRETS:
            assert secret not in response.text, (method, path, secret)
        if template.startswith("/t/{tenant"):
            assert response.status_code == 403, (method, path, response.status_code, response.text)
            refused += 1
    assert refused >= 40
    assert await _snapshot(database, tenant_ids[B]) == before


async def test_the_probe_is_meaningful(client: Client, database: Database,
                                       tenant_ids: dict[str, int]) -> None:
    """The same requests as tenant B do return B's rows (so A's empty answers mean something)."""
    ids = await _b_ids(database, tenant_ids)
    own = await client.get(f"/t/{B}/api/orgs/{ids['org_id']}")
    assert own.status_code == 200 and own.json()["name"] in B_ORG_NAMES
    listing = await client.get(f"/t/{B}/orgs")  # the org directory (the home is a desk)
    assert all(secret in listing.text for secret in B_ORG_NAMES)
    for page in ("", "orgs"):
        other = await client.get(f"/t/{A}/{page}")
        assert not any(secret in other.text for secret in B_SECRETS)
