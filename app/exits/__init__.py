"""Exits the coordinator closes without the family (perte de contact, déménagement, refus)."""
