"""The EPS as a working meeting: séances, agenda, attendance, charter, decisions, relevé, letters."""
