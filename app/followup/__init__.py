"""The follow-up of a parcours: the journal (one `suivi` document per entry) and the actions."""
