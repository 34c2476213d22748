"""Hypothesis properties of the parsers, the body readers and the router."""
