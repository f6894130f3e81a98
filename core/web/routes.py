"""Every route handler of the core, in one list for the core's ``xuncha_routes`` hook."""

from __future__ import annotations

from typing import Any

__all__ = ["core_handlers"]


def core_handlers() -> list[Any]:
    """The core's controllers and handlers: API, exports, pages, sign-in and system routes."""
    from core.web.api.accounts import AccountController
    from core.web.api.audit import audit_head
    from core.web.api.clues import ClueController
    from core.web.api.evaluation import evaluation_indicators
    from core.web.api.exports import export_handlers
    from core.web.api.inspections import InspectionController
    from core.web.api.ledger import LedgerController
    from core.web.api.papers import paper_handlers
    from core.web.api.planning import PlanningController
    from core.web.api.roles import RoleController
    from core.web.api.settings import SettingsController
    from core.web.api.special import special_handlers
    from core.web.api.team import TeamController
    from core.web.api.tenancy import OrgController, TenantController
    from core.web.api.tokens import TokenController
    from core.web.pages.accounts import account_pages
    from core.web.pages.clues import clue_page_handlers
    from core.web.pages.findings import finding_page_handlers
    from core.web.pages.home import page_handlers
    from core.web.pages.identity import identity_handlers
    from core.web.pages.inspection import workflow_pages
    from core.web.pages.inspection_forms import inspection_form_pages
    from core.web.pages.ledger import ledger_page_handlers
    from core.web.pages.planning import planning_pages
    from core.web.pages.report import report_page_handlers
    from core.web.pages.roles import role_pages
    from core.web.pages.settings import setting_pages
    from core.web.pages.special import special_pages
    from core.web.pages.sync import sync_pages
    from core.web.pages.team import team_pages
    from core.web.pages.tokens import token_pages
    from core.web.system import system_handlers

    return [
        OrgController, TenantController, RoleController, audit_head, TokenController,
        AccountController, SettingsController,
        PlanningController, InspectionController, TeamController, ClueController,
        LedgerController, evaluation_indicators, *export_handlers, *paper_handlers(),
        *workflow_pages, *report_page_handlers, *ledger_page_handlers, *planning_pages,
        *inspection_form_pages, *team_pages, *page_handlers, *identity_handlers,
        *system_handlers, *finding_page_handlers, *clue_page_handlers,
        *account_pages, *role_pages, *token_pages, *setting_pages, *special_handlers,
        *special_pages, *sync_pages,
    ]
