"""lcore: a fully typed, zero-dependency WSGI micro-framework.

Only re-exports live here; importing lcore imports nothing outside the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import load, load_app
    from .reloader import AsyncReloader, FileCheckerThread, WatchdogReloader
    from .servers import on_shutdown
    from .testing import TestClient, TestResponse

from .app import Lcore, Route, RouteReset, yieldroutes
from .auth import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    BasicCredentials,
    HTTPBasic,
    HTTPBearer,
    OAuth2ClientCredentials,
    OAuth2PasswordBearer,
    SecurityScheme,
    auth_basic,
)
from .config import ConfigDict, load_dotenv
from .datastructures import FormsDict, HeaderDict, MultiDict, WSGIHeaderDict
from .defaults import (
    AppStack,
    app,
    apps,
    default_app,
    delete,
    error,
    exception_handler,
    get,
    hook,
    inject,
    install,
    make_default_app_wrapper,
    mount,
    patch,
    post,
    put,
    route,
    uninstall,
    url,
    use,
)
from .di import DependencyContainer
from .errors import (
    HTTP_CODES,
    ClientError,
    ConfigError,
    ExceptionHandler,
    LcoreException,
    MultipartError,
    PluginError,
    RouteBuildError,
    RouteError,
    RouterUnknownModeError,
    RouteSyntaxError,
    TemplateError,
)
from .http import (
    html_escape,
    html_quote,
    http_date,
    parse_auth,
    parse_date,
    parse_range_header,
    path_shift,
)
from .jsonutil import json_dumps, json_loads
from .limits import Limits
from .middleware.base import Middleware, MiddlewareHook, MiddlewarePipeline
from .middleware.body_limit import BodyLimitMiddleware
from .middleware.compression import CompressionMiddleware
from .middleware.cors import CORSMiddleware
from .middleware.proxy_fix import ProxyFixMiddleware
from .middleware.request_id import RequestIDMiddleware
from .middleware.request_logger import RequestLoggerMiddleware
from .middleware.security_headers import SecurityHeadersMiddleware
from .middleware.timeout import TimeoutMiddleware
from .params import Body, Cookie, Depends, Header, Inject, Param, Path, Query, Security
from .plugins import JSONPlugin, Plugin
from .request import BaseRequest, Request
from .response import BaseResponse, HTTPError, HTTPResponse, Response, abort
from .routing import Router
from .security import (
    cookie_decode,
    cookie_encode,
    cookie_is_encoded,
    hash_password,
    verify_password,
)
from .tasks import BackgroundTaskPool, TaskQueueFull
from .typeinfo import forbid_extra

# NOTE: imported last on purpose: the proxies `request` and `response` share their names
# with the submodules lcore.request and lcore.response, and type checkers bind a package
# attribute to whichever import comes last.
# isort: split
from .context import (
    LocalContext,
    LocalRequest,
    LocalResponse,
    RequestContext,
    ctx,
    redirect,
    request,
    response,
)

__version__ = "0.1.0"
__author__ = "The lcore developers"
__license__ = "MIT"

__all__ = [
    "HTTP_CODES",
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "AppStack",
    "AsyncReloader",
    "BackgroundTaskPool",
    "BaseRequest",
    "BaseResponse",
    "BasicCredentials",
    "Body",
    "BodyLimitMiddleware",
    "CORSMiddleware",
    "ClientError",
    "CompressionMiddleware",
    "ConfigDict",
    "ConfigError",
    "Cookie",
    "DependencyContainer",
    "Depends",
    "ExceptionHandler",
    "FileCheckerThread",
    "FormsDict",
    "HTTPBasic",
    "HTTPBearer",
    "HTTPError",
    "HTTPResponse",
    "Header",
    "HeaderDict",
    "Inject",
    "JSONPlugin",
    "Lcore",
    "LcoreException",
    "Limits",
    "LocalContext",
    "LocalRequest",
    "LocalResponse",
    "Middleware",
    "MiddlewareHook",
    "MiddlewarePipeline",
    "MultiDict",
    "MultipartError",
    "OAuth2ClientCredentials",
    "OAuth2PasswordBearer",
    "Param",
    "Path",
    "Plugin",
    "PluginError",
    "ProxyFixMiddleware",
    "Query",
    "Request",
    "RequestContext",
    "RequestIDMiddleware",
    "RequestLoggerMiddleware",
    "Response",
    "Route",
    "RouteBuildError",
    "RouteError",
    "RouteReset",
    "RouteSyntaxError",
    "Router",
    "RouterUnknownModeError",
    "Security",
    "SecurityHeadersMiddleware",
    "SecurityScheme",
    "TaskQueueFull",
    "TemplateError",
    "TestClient",
    "TestResponse",
    "TimeoutMiddleware",
    "WSGIHeaderDict",
    "WatchdogReloader",
    "__version__",
    "abort",
    "app",
    "apps",
    "auth_basic",
    "cookie_decode",
    "cookie_encode",
    "cookie_is_encoded",
    "ctx",
    "default_app",
    "delete",
    "error",
    "exception_handler",
    "forbid_extra",
    "get",
    "hash_password",
    "hook",
    "html_escape",
    "html_quote",
    "http_date",
    "inject",
    "install",
    "json_dumps",
    "json_loads",
    "load",
    "load_app",
    "load_dotenv",
    "make_default_app_wrapper",
    "mount",
    "on_shutdown",
    "parse_auth",
    "parse_date",
    "parse_range_header",
    "patch",
    "path_shift",
    "post",
    "put",
    "redirect",
    "request",
    "response",
    "route",
    "run",
    "uninstall",
    "url",
    "use",
    "verify_password",
    "yieldroutes",
]


def run(app: Any = None, **kwargs: Any) -> None:
    """Serve an app (the default app when omitted); see :func:`lcore.servers.run`."""
    from .servers import run as serve

    serve(app, **kwargs)


def __getattr__(name: str) -> Any:
    # NOTE: the test client (and wsgiref.validate) load on first use: `import lcore`
    # stays fast for production processes.
    if name in ("TestClient", "TestResponse"):
        from . import testing

        return getattr(testing, name)
    if name == "on_shutdown":
        from .servers import on_shutdown

        return on_shutdown
    if name in ("AsyncReloader", "FileCheckerThread", "WatchdogReloader"):
        from . import reloader

        return getattr(reloader, name)
    if name in ("load", "load_app"):
        from . import cli

        return getattr(cli, name)
    raise AttributeError(f"module 'lcore' has no attribute {name!r}")
