"""Renderers: turn a Run or a Derivation into text, tables or JSON; they never print or exit."""
