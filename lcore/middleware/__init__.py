"""Middleware: the base class and pipeline (``base``); built-ins live one per module."""

from __future__ import annotations

from .base import Middleware, MiddlewareHook, MiddlewarePipeline, NextHandler
from .body_limit import BodyLimitMiddleware
from .compression import CompressionMiddleware
from .cors import CORSMiddleware
from .proxy_fix import ProxyFixMiddleware
from .request_id import RequestIDMiddleware
from .request_logger import RequestLoggerMiddleware
from .security_headers import SecurityHeadersMiddleware
from .timeout import TimeoutMiddleware

__all__ = [
    "BodyLimitMiddleware",
    "CORSMiddleware",
    "CompressionMiddleware",
    "Middleware",
    "MiddlewareHook",
    "MiddlewarePipeline",
    "NextHandler",
    "ProxyFixMiddleware",
    "RequestIDMiddleware",
    "RequestLoggerMiddleware",
    "SecurityHeadersMiddleware",
    "TimeoutMiddleware",
]
