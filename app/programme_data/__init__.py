"""Programme-level data of a year for the State's questionnaire: staff, funding, partners, territory."""
