"""Administration pages: user accounts and the audit log (admins of a programme)."""
