"""Rules of a parcours: EPS decision, référent, overlap of periods, end of support."""
