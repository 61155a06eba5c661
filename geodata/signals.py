"""Signals geodata sends to the layers above it (which subscribe; geodata imports none of them)."""

from django.dispatch import Signal

# Sent after a city's geography was (re)loaded and committed; kwargs: municipality.
# The directory re-runs its spatial join so locations point at the new areas.
geography_loaded = Signal()
