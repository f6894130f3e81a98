"""Tenants (巡察机构) and their org registry (被巡察对象)."""
