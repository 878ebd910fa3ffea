"""Yearly indicators of a programme, computed from the clear code-only columns."""
