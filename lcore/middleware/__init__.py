"""Middleware: the base class and pipeline (``base``); built-ins live one per module."""

from __future__ import annotations

from .base import Middleware, MiddlewareHook, MiddlewarePipeline, NextHandler
from .cors import CORSMiddleware

__all__ = ["CORSMiddleware", "Middleware", "MiddlewareHook", "MiddlewarePipeline", "NextHandler"]
