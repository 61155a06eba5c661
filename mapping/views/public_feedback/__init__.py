"""Freshness and the public's feedback: stale reminders, problem reports, suggestions, numbers."""
