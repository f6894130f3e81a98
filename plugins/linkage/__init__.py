"""Up and down the hierarchy (上下联动): what counties report to their city and
what the city sends down, carried by sync as typed events."""
