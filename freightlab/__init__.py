"""Freightlab shared pieces: resources, atomic files, the CLI registry, the main window."""
