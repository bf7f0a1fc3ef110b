"""Tasks processors."""
