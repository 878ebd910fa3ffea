"""The EPS agenda and the coordinator's to-do lists (the rules of a parcours are in `app.parcours`)."""
