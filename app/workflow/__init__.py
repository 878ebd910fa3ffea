"""The parcours workflow: EPS decisions, référent assignment, closing, and the EPS agenda."""
