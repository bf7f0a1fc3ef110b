"""Containers processors."""
