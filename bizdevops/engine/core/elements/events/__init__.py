"""Events processors."""
