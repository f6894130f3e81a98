"""The answer to the core's ``xuncha_recusal_conflicts``: the pool's recusal data and, if
the tenant refuses breaches of rotation, rotation too."""

from __future__ import annotations

from typing import Any

from core.api import RecusalConflict, TeamCandidate, Work
from plugins.talent_pool.recusal import candidate_record, load_recusal_data, person_conflicts
from plugins.talent_pool.rotation import load_history, overlap_of, refuses, rotation_issues

__all__ = ["team_conflicts"]


async def team_conflicts(person: TeamCandidate, inspection: dict[str, Any],
                         orgs: list[dict[str, Any]], work: Work) -> list[RecusalConflict]:
    """The conflicts of ``person`` joining ``inspection``'s team (targets ``orgs``).

    Only the tenant's own cadres have records here (a person seconded from
    another tenant is that tenant's pool's business).
    """
    settings = work.tenant.settings
    found: list[RecusalConflict] = []
    if person.home_tenant == work.tenant.code:
        record = await candidate_record(work.session, person.person)
        if record is not None:
            data = await load_recusal_data(work.session, orgs, work.clock.today(), settings,
                                           [record["id"]])
            found += person_conflicts(record, data)
    if refuses(settings):
        history = await load_history(work.session, int(inspection["id"]), work.clock.now(),
                                     {int(o["id"]): str(o["name"]) for o in orgs})
        key = (person.home_tenant, person.person)
        team = set(history.current) - {key}
        for issue in rotation_issues(history, key, person.name, person.role, team,
                                     overlap_of(settings)):
            found.append(RecusalConflict(reason=issue.reason, org_id=issue.org_id,
                                         rule=f"talent_pool_{issue.rule}"))
    return found
