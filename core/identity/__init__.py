"""Accounts, sign-in sessions and API tokens."""
