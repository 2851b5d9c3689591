"""The backfill importer, `tasksync import` (SPEC 8): see `cli` for the command."""
