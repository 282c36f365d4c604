"""Indicators: counts and rates computed from the case history, one definition each."""
