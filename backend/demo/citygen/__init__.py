"""Synthetic city generation: grid tree geometry, names and case catalogue."""
