"""Behaviors shared by element processors: variables and io mappings, incidents, jobs, event subscriptions."""
