"""Data the app ships: maps, sample fleets, icons (read through freightlab.resources)."""
