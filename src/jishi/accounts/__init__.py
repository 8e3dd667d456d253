"""Accounts (账户): users, credentials, sessions, roles and delivery addresses."""
