"""Yearly archives: sealed PDFs, a signed manifest and the certificate, verifiable without Parcours."""
