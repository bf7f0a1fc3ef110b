"""Gateways processors."""
