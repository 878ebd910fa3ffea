"""Collective actions (parent workshops, groups, holidays): sessions, attendance, attendance sheets."""
