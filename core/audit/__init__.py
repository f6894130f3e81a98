"""The tamper-evident audit trail: a hash chain per tenant (审计链)."""
