"""A schemathesis check for this API's kind of 400, loaded by ``SCHEMATHESIS_HOOKS``.

Schemathesis' ``positive_data_acceptance`` fails any 400 to data the schema
allows. This API answers 400 also for rules no schema states: a date before
another, an id in the body naming no row of the tenant, a liaison without
its scope. Those 400s come from handlers (``InputError``; the ``detail``
repeats the field and the reason). A 400 from the framework's validation of
schema-valid data (``detail`` "Validation failed for ...") means the
document promised more than the app accepts: that stays a failure, as do
405, 413, 415 and 422 to schema-valid data.
"""

from __future__ import annotations

from typing import Any

import schemathesis

__all__ = ["schema_valid_data_passes_validation"]

VALIDATION = "Validation failed for "
"""How litestar's ``ValidationException`` detail begins (a handler's rule never does)."""


@schemathesis.check
def schema_valid_data_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is never refused by validation or for its form."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status in (405, 413, 415, 422):
        raise AssertionError(f"schema-valid data answered {status}: {response.text[:300]}")
    if status == 400:
        try:
            detail = str(response.json().get("detail", ""))
        except ValueError:
            detail = ""
        if detail.startswith(VALIDATION):
            raise AssertionError(
                f"schema-valid data refused by validation (the document promises more "
                f"than the app accepts): {response.text[:500]}")
    return None
