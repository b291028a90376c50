"""The design editor moved to :mod:`freightlab.ui.design_editor` (the Lab and Rehearse share
it, and neither UI may import the other's); this name stays for code written before."""

from freightlab.ui.design_editor import DesignEditor

__all__ = ["DesignEditor"]
