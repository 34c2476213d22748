"""Security schemes that check what they document.

A scheme reads credentials from the request (an API key in a header, the query or a
cookie; an HTTP bearer token; HTTP basic credentials; an OAuth2 bearer token), hands them
to the ``verify`` function the app gives it, and answers 401 (with ``WWW-Authenticate``)
when they are missing or refused, 403 when a principal lacks a required scope. The
principal ``verify`` returns is the value of the parameter that depends on the scheme and
``ctx.user``. The same object describes itself in the OpenAPI document, and a route is
documented with a scheme only where a scheme guards it:

- as a dependency: ``user: Annotated[User, Depends(bearer)]`` (or ``Security(bearer,
  scopes=[...])``);
- as a route option: ``@app.delete("/x", security=[bearer])`` (or the name given to
  ``app.add_security_scheme``); several entries are alternatives, any one will do;
- for a whole app: ``app.add_security_scheme("bearerAuth", bearer, default=True)``.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from types import CoroutineType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, TypeVar, cast

from .concurrency import run_coroutine
from .context import context_var
from .http import parse_auth
from .request import Request
from .response import HTTPError

if TYPE_CHECKING:
    from .app import Lcore
    from .route import Route

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "BasicCredentials",
    "HTTPBasic",
    "HTTPBearer",
    "OAuth2ClientCredentials",
    "OAuth2PasswordBearer",
    "SecurityScheme",
    "apps_of",
    "auth_basic",
    "guards_itself",
    "origin_of",
    "requirement_objects",
    "resolve_requirements",
    "route_requirements",
    "scheme_from_description",
    "security_guard",
]

P = TypeVar("P")
C = TypeVar("C")
if TYPE_CHECKING:
    # NOTE: a type parameter's default is for type checkers only (PEP 696): a scheme made
    # without ``verify`` gives its credential, ``HTTPBearer()`` is an ``HTTPBearer[str]``.
    from typing_extensions import TypeVar as DefaultedTypeVar

    K = DefaultedTypeVar("K", default=str)
    B = DefaultedTypeVar("B", default="BasicCredentials")
else:
    K = typing.TypeVar("K")
    B = typing.TypeVar("B")
F = TypeVar("F", bound=Callable[..., Any])

#: A requirement as the document lists it: scheme name to the scopes it needs.
Requirement = dict[str, list[str]]


class BasicCredentials(NamedTuple):
    """What HTTP basic authentication sends."""

    username: str
    password: str


class SecurityScheme(Generic[C, P]):
    """A way to authenticate: reads a credential of type ``C``, verifies it into a
    principal of type ``P``.

    Subclasses say where the credential is (:meth:`credentials`), how a client is asked
    for it (:meth:`challenge`) and how the document describes it (:meth:`describe`).

    Args:
        verify: Turns the credential into the principal (a user, a dict of claims...), or
            returns ``None`` to refuse it (401); may raise ``HTTPError(403)`` itself, and
            may be ``async``. Without it the credential itself is the principal: lcore
            then checks only that one was sent, and ``ctx.user`` stays ``None``.
        scheme_name: The name in ``components.securitySchemes``.
        description: Shown in the document.
        scopes_of: The scopes a principal holds, for ``Security(scheme, scopes=[...])``;
            by default its ``scopes`` attribute or key (a list, or a space-separated
            string as in OAuth2).
    """

    #: The name in the document unless ``scheme_name`` is given.
    default_name: ClassVar[str] = "auth"

    def __init__(
        self,
        verify: Callable[[C], Any] | None = None,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        scopes_of: Callable[[P], Iterable[str]] | None = None,
    ) -> None:
        self.verify = verify
        self.scheme_name: str = scheme_name or self.default_name
        self.description = description
        self.scopes_of = scopes_of

    # -- what a subclass says ------------------------------------------------------------

    def credentials(self, request: Request) -> C | None:
        """The credential the request carries, or ``None``."""
        raise NotImplementedError

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value sent with a 401."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """The OpenAPI security scheme object."""
        raise NotImplementedError

    def where(self) -> list[str]:
        """Where the credential is, for the ``loc`` of a 401 (``["header", "X-Key"]``)."""
        return ["header", "Authorization"]

    # -- the check -----------------------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """:meth:`describe`, with the description."""
        scheme = self.describe()
        if self.description:
            scheme["description"] = self.description
        return scheme

    def authenticate(self, request: Request, scopes: Sequence[str] = ()) -> P:
        """The principal of ``request``, also set as ``ctx.user`` when ``verify`` gave it.

        Raises:
            HTTPError: 401 without a credential or when ``verify`` refuses it; 403 when the
                principal lacks one of ``scopes``.
        """
        credential = self.credentials(request)
        if credential is None:
            raise self.unauthorized("Not authenticated", "not_authenticated")
        verify = self.verify
        if verify is None:
            principal: Any = credential
        else:
            principal = verify(credential)
            if type(principal) is CoroutineType:  # PERF: inspect.iscoroutine's test, inline
                principal = run_coroutine(cast("Coroutine[Any, Any, Any]", principal))
            if principal is None or principal is False:
                raise self.unauthorized("Invalid credentials", "invalid_credentials")
            context = context_var.get()
            if context is not None:
                context.user = principal
        if scopes:
            self._check_scopes(principal, scopes)
        result: P = principal
        return result

    def __call__(self, request: Request) -> P:
        """Authenticate the current request: a scheme is a dependency."""
        return self.authenticate(request)

    def unauthorized(self, message: str, error_type: str) -> HTTPError:
        """A 401 in the one error shape, with this scheme's challenge."""
        return _refusal(401, message, error_type, self.where(), self.challenge())

    def _check_scopes(self, principal: Any, scopes: Sequence[str]) -> None:
        held = set(self.scopes_of(principal) if self.scopes_of else _scopes_of(principal))
        missing = [scope for scope in scopes if scope not in held]
        if missing:
            message = "Missing scope: " + " ".join(missing)
            challenge = f'{self.challenge()} error="insufficient_scope", scope="{" ".join(scopes)}"'
            raise _refusal(403, message, "insufficient_scope", self.where(), challenge)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scheme_name={self.scheme_name!r})"


def _refusal(
    status: int, message: str, error_type: str, loc: list[str], challenge: str
) -> HTTPError:
    """A 401 or 403 in the one error shape, with its ``WWW-Authenticate`` challenge."""
    where: list[str | int] = list(loc)
    error = HTTPError(status, message, detail=[{"loc": where, "msg": message, "type": error_type}])
    error.set_header("WWW-Authenticate", challenge)
    return error


def _scopes_of(principal: Any) -> Iterable[str]:
    found: Any
    if isinstance(principal, Mapping):
        claims: Mapping[str, Any] = principal  # pyright: ignore[reportUnknownVariableType]  # any mapping
        found = claims.get("scopes", claims.get("scope"))
    else:
        found = getattr(principal, "scopes", None)
    if found is None:
        return ()
    if isinstance(found, str):
        return found.split()
    items: list[Any] = list(found)  # pyright: ignore[reportUnknownArgumentType]  # any iterable
    return [str(item) for item in items]


# -- API keys -----------------------------------------------------------------------------


class _APIKey(SecurityScheme[str, K]):
    location: ClassVar[str] = "header"

    def __init__(
        self,
        name: str,
        verify: Callable[[str], K | None] | None = None,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        scopes_of: Callable[[K], Iterable[str]] | None = None,
    ) -> None:
        if not name:
            raise ValueError("an API key needs the name of its header, parameter or cookie")
        super().__init__(
            verify, scheme_name=scheme_name, description=description, scopes_of=scopes_of
        )
        self.name = name

    def challenge(self) -> str:
        return f'APIKey in="{self.location}", name="{self.name}"'

    def describe(self) -> dict[str, Any]:
        return {"type": "apiKey", "name": self.name, "in": self.location}

    def where(self) -> list[str]:
        return [self.location, self.name]


class APIKeyHeader(_APIKey[K]):
    """An API key in a request header: ``APIKeyHeader("X-API-Key", verify=find_client)``.

    Args:
        name: The header.
        verify: As for :class:`SecurityScheme`, given the key.
    """

    default_name = "apiKeyHeader"

    location = "header"

    def credentials(self, request: Request) -> str | None:
        key = "HTTP_" + self.name.upper().replace("-", "_")
        return request.environ.get(key) or None


class APIKeyQuery(_APIKey[K]):
    """An API key in the query string: ``APIKeyQuery("api_key", verify=find_client)``."""

    default_name = "apiKeyQuery"

    location = "query"

    def credentials(self, request: Request) -> str | None:
        return request.query.get(self.name) or None


class APIKeyCookie(_APIKey[K]):
    """An API key in a cookie: ``APIKeyCookie("session", verify=find_session)``."""

    default_name = "apiKeyCookie"

    location = "cookie"

    def credentials(self, request: Request) -> str | None:
        return request.cookies.get(self.name) or None


# -- HTTP authentication ------------------------------------------------------------------


class _BearerToken(SecurityScheme[str, K]):
    """A scheme whose credential is a bearer token (``Authorization: Bearer <token>``):
    HTTP bearer, the OAuth2 flows, and schemes described by a dict."""

    def credentials(self, request: Request) -> str | None:
        header: str = request.environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        return token

    def challenge(self) -> str:
        return "Bearer"


class HTTPBearer(_BearerToken[K]):
    """A bearer token (``Authorization: Bearer <token>``), RFC 6750.

    Args:
        verify: As for :class:`SecurityScheme`, given the token.
        bearer_format: A hint for the document, such as ``"JWT"``.
    """

    default_name = "bearerAuth"

    def __init__(
        self,
        verify: Callable[[str], K | None] | None = None,
        *,
        bearer_format: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        scopes_of: Callable[[K], Iterable[str]] | None = None,
    ) -> None:
        super().__init__(
            verify, scheme_name=scheme_name, description=description, scopes_of=scopes_of
        )
        self.bearer_format = bearer_format

    def describe(self) -> dict[str, Any]:
        scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
        if self.bearer_format:
            scheme["bearerFormat"] = self.bearer_format
        return scheme


class HTTPBasic(SecurityScheme[BasicCredentials, B]):
    """HTTP basic authentication (RFC 7617): ``verify`` gets :class:`BasicCredentials`.

    Args:
        verify: As for :class:`SecurityScheme`.
        realm: Sent in the challenge (``WWW-Authenticate: Basic realm="..."``).
    """

    default_name = "basicAuth"

    def __init__(
        self,
        verify: Callable[[BasicCredentials], B | None] | None = None,
        *,
        realm: str = "private",
        scheme_name: str | None = None,
        description: str | None = None,
        scopes_of: Callable[[B], Iterable[str]] | None = None,
    ) -> None:
        super().__init__(
            verify, scheme_name=scheme_name, description=description, scopes_of=scopes_of
        )
        if '"' in realm or "\\" in realm:
            raise ValueError("a realm may not contain quotes or backslashes")
        self.realm = realm

    def credentials(self, request: Request) -> BasicCredentials | None:
        parsed = parse_auth(request.environ.get("HTTP_AUTHORIZATION", ""))
        return BasicCredentials(*parsed) if parsed is not None else None

    def challenge(self) -> str:
        return f'Basic realm="{self.realm}", charset="UTF-8"'

    def describe(self) -> dict[str, Any]:
        return {"type": "http", "scheme": "basic"}


# -- OAuth2 -------------------------------------------------------------------------------


class _OAuth2Bearer(_BearerToken[K]):
    """An OAuth2 flow: documented with its token URL and scopes, checked as a bearer token
    (the token endpoint itself is the app's own route or another service)."""

    flow: ClassVar[str] = "password"
    default_name = "oauth2"

    def __init__(
        self,
        token_url: str,
        verify: Callable[[str], K | None] | None = None,
        *,
        scopes: Mapping[str, str] | None = None,
        refresh_url: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        scopes_of: Callable[[K], Iterable[str]] | None = None,
    ) -> None:
        super().__init__(
            verify, scheme_name=scheme_name, description=description, scopes_of=scopes_of
        )
        self.token_url = token_url
        self.scopes: dict[str, str] = dict(scopes or {})
        self.refresh_url = refresh_url

    def describe(self) -> dict[str, Any]:
        flow: dict[str, Any] = {"tokenUrl": self.token_url, "scopes": dict(self.scopes)}
        if self.refresh_url:
            flow["refreshUrl"] = self.refresh_url
        return {"type": "oauth2", "flows": {self.flow: flow}}


class OAuth2PasswordBearer(_OAuth2Bearer[K]):
    """OAuth2's password flow: clients get a token at ``token_url`` and send it as a
    bearer token, which ``verify`` checks.

    Args:
        token_url: Where clients get a token (a route of the app, or another service).
        verify: As for :class:`SecurityScheme`, given the token.
        scopes: The scopes the document lists, name to description.
        refresh_url: Where tokens are refreshed, if anywhere.
    """

    flow = "password"


class OAuth2ClientCredentials(_OAuth2Bearer[K]):
    """OAuth2's client-credentials flow (service to service), checked as a bearer token;
    arguments as for :class:`OAuth2PasswordBearer`."""

    flow = "clientCredentials"


# -- schemes described by a dict -----------------------------------------------------------


def scheme_from_description(name: str, description: Mapping[str, Any]) -> SecurityScheme[Any, Any]:
    """The scheme that checks what an OpenAPI scheme object (a dict, as
    ``lcore.openapi.http_bearer()`` returns) describes. Without a ``verify`` function it
    checks that a credential was sent, nothing more.

    Raises:
        ValueError: A scheme lcore cannot check (``mutualTLS``, an HTTP scheme other than
            bearer and basic).
    """
    kind = description.get("type")
    text = description.get("description")
    if kind == "apiKey":
        classes: dict[str, type[_APIKey[Any]]] = {
            "header": APIKeyHeader,
            "query": APIKeyQuery,
            "cookie": APIKeyCookie,
        }
        return classes[str(description["in"])](
            str(description["name"]), scheme_name=name, description=text
        )
    if kind == "http":
        http_scheme = str(description.get("scheme", "")).lower()
        if http_scheme == "bearer":
            return HTTPBearer(
                scheme_name=name, description=text, bearer_format=description.get("bearerFormat")
            )
        if http_scheme == "basic":
            return HTTPBasic(scheme_name=name, description=text)
    if kind in ("oauth2", "openIdConnect"):
        return _DescribedBearer(name, description)
    raise ValueError(
        f"security scheme {name!r} ({dict(description)!r}) cannot be checked by lcore: check"
        " it in a middleware and leave it out of the document, or use an lcore scheme"
    )


class _DescribedBearer(_BearerToken[str]):
    """An OAuth2 or OpenID Connect scheme given as a dict: a bearer token must be sent."""

    def __init__(self, name: str, description: Mapping[str, Any]) -> None:
        super().__init__(scheme_name=name, description=description.get("description"))
        self._described = {k: v for k, v in description.items() if k != "description"}

    def describe(self) -> dict[str, Any]:
        return dict(self._described)


# -- which schemes guard a route ---------------------------------------------------------

#: A requirement resolved: each scheme with the scopes it must grant.
Resolved = list[tuple[SecurityScheme[Any, Any], tuple[str, ...]]]


def apps_of(route: Route) -> list[Lcore]:
    """The apps a route belongs to, innermost first: for a mounted route its sub-apps,
    then the app it is mounted in."""
    apps: list[Lcore] = []
    origin: Route | None = route
    while origin is not None:
        apps.insert(0, origin.app)
        origin = origin.mounted_from
    return apps


def origin_of(route: Route) -> Route:
    """The route a mounted copy was made from (the route itself when not mounted)."""
    while route.mounted_from is not None:
        route = route.mounted_from
    return route


def route_requirements(route: Route) -> list[Resolved] | None:
    """The alternatives that guard ``route`` before its handler runs (any one will do),
    ``[]`` for a public route, ``None`` when the route names no requirement, the handler
    checks credentials itself (a scheme dependency, :func:`auth_basic`), and no app it
    belongs to has a default. The innermost app's default wins."""
    apps = apps_of(route)
    option = route.config.get("security")
    if option is not None:
        return resolve_requirements(apps, option)
    if guards_itself(origin_of(route)):
        return None
    for app in apps:
        if app.default_security:
            return resolve_requirements(apps, app.default_security)
    return None


def guards_itself(route: Route) -> bool:
    """Whether the handler checks credentials itself: a scheme dependency, or a
    decorator such as :func:`auth_basic`."""
    if getattr(route.callback, "__lcore_security__", None):
        return True
    try:
        spec = route.spec
    except (NameError, TypeError):
        return False
    return any(isinstance(dep.target, SecurityScheme) for dep in spec.all_dependencies())


def resolve_requirements(apps: Sequence[Lcore], option: object) -> list[Resolved]:
    """The ``security`` option (or an app's default) as schemes: names are looked up in
    ``apps``, innermost first.

    Raises:
        ValueError: A name no app declared, or an entry that is neither a name, a scheme
            nor a requirement object.
    """
    entries: list[Any]
    if isinstance(option, str | SecurityScheme):
        entries = [option]
    elif isinstance(option, Iterable):
        entries = list(option)  # pyright: ignore[reportUnknownArgumentType]  # any iterable
    else:
        raise ValueError(f"route option security must be a list, not {option!r}")
    alternatives: list[Resolved] = []
    for entry in entries:
        if isinstance(entry, SecurityScheme):
            alternatives.append([(entry, ())])
        elif isinstance(entry, str):
            alternatives.append([(_named_scheme(apps, entry), ())])
        elif isinstance(entry, Mapping):
            requirement: Mapping[Any, Any] = entry  # pyright: ignore[reportUnknownVariableType]
            alternatives.append(
                [(_named_scheme(apps, str(k)), tuple(v)) for k, v in requirement.items()]
            )
        else:
            raise ValueError(
                "route option security must list schemes, scheme names or requirement"
                f" objects, not {entry!r}"
            )
    return alternatives


def _named_scheme(apps: Sequence[Lcore], name: str) -> SecurityScheme[Any, Any]:
    """The scheme declared as ``name`` by ``apps`` or the apps they are mounted in."""
    queue = list(apps)
    seen: set[int] = set()
    while queue:
        app = queue.pop(0)
        if id(app) in seen:
            continue
        seen.add(id(app))
        scheme = app.security_checks.get(name)
        if scheme is not None:
            return scheme
        queue.extend(app.mounted_in)
    raise ValueError(
        f"a route names security scheme {name!r}, which was never declared"
        " (app.add_security_scheme)"
    )


def requirement_objects(alternatives: list[Resolved]) -> list[Requirement]:
    """The document's form of resolved alternatives."""
    return [
        {scheme.scheme_name: list(scopes) for scheme, scopes in alternative}
        for alternative in alternatives
    ]


def security_guard(route: Route) -> Callable[[Request], None] | None:
    """The check a route runs before its handler, from :func:`route_requirements`;
    ``None`` when nothing guards it here. A mounted copy is guarded only where its
    sub-app's route is not (its parent's default then holds)."""
    if route.mounted_from is not None and route_requirements(route.mounted_from) is not None:
        return None
    alternatives = route_requirements(route)
    if not alternatives or any(not alternative for alternative in alternatives):
        return None  # public, or one alternative asks for nothing (optional auth)
    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        scheme, scopes = alternatives[0][0]
        authenticate = scheme.authenticate

        def guard_one(request: Request) -> None:
            authenticate(request, scopes)

        return guard_one

    def guard(request: Request) -> None:
        failures: list[HTTPError] = []
        for alternative in alternatives:
            try:
                for scheme, scopes in alternative:
                    scheme.authenticate(request, scopes)
            except HTTPError as exc:
                if exc.status_code not in (401, 403):
                    raise
                failures.append(exc)
            else:
                return
        forbidden = next((f for f in failures if f.status_code == 403), None)
        if forbidden is not None:
            raise forbidden  # credentials that verified, without the scope
        challenges = list(
            dict.fromkeys(s.challenge() for alternative in alternatives for s, _ in alternative)
        )
        first = failures[0]
        first.set_header("WWW-Authenticate", ", ".join(challenges))
        raise first

    return guard


# -- auth_basic ---------------------------------------------------------------------------


def auth_basic(
    check: Callable[[str, str], bool], realm: str = "private", text: str = "Access denied"
) -> Callable[[F], F]:
    """A decorator that asks for HTTP basic credentials and lets ``check(user, password)``
    decide: 401 with ``WWW-Authenticate: Basic realm="<realm>"`` when it says no, else the
    handler runs with ``ctx.user`` set to the user name. The route's OpenAPI operation
    lists the basic scheme and its 401.

    Args:
        check: Returns true for good credentials.
        realm: The realm of the challenge.
        text: The message of the 401.
    """

    def verify(credentials: BasicCredentials) -> str | None:
        return credentials.username if check(*credentials) else None

    scheme = HTTPBasic(verify, realm=realm)

    def decorator(func: F) -> F:
        if getattr(func, "__lcore_route__", False):
            raise TypeError(
                f"auth_basic on {getattr(func, '__name__', func)!r}: the route is registered"
                " already and would stay unguarded; put @auth_basic below @app.get(...)"
            )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            context = context_var.get()
            if context is None:
                raise RuntimeError("auth_basic: called outside a request")
            try:
                scheme.authenticate(context.request)
            except HTTPError as exc:
                exc.body = text
                if exc.detail:
                    exc.detail = [{**exc.detail[0], "msg": text}]
                raise
            return func(*args, **kwargs)

        setattr(wrapper, "__lcore_security__", [scheme])  # noqa: B010 - read by the document
        return cast(F, wrapper)  # functools.wraps keeps the signature

    return decorator
