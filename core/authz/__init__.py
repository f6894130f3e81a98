"""Authorization: roles per tenant, casbin policies and the one guard of every route."""
