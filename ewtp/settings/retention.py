"""How long append-only rows are kept, and the beat entries of the jobs that drop them."""

RETENTION_BEAT_SCHEDULE: dict = {}
