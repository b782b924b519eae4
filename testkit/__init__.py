"""Test and benchmark support shared by tests/ and bench/: a fake Discord API, a throwaway PostgreSQL server,
bot-process helpers, shared load and durability scenarios, and the golden questions. Never imported by the
product packages (an import-linter contract says so)."""
