"""The HTTP layer: JSON API, web pages, errors and the tenant dependency."""
