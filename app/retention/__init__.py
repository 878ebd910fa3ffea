"""Retention as the law reads it: élimination under the archives départementales' visa, with a
sealed bordereau, and the information notice given to families."""
