"""Importing existing caseloads from a CSV file (format in INTERFACES.md)."""
