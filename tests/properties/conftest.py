"""Hypothesis settings for the property tests: no deadline (no timing assertions)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "lcore", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200
)
settings.load_profile("lcore")
