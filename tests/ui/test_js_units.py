"""Unit tests of the UI's JavaScript modules (the example generator and the safe Markdown
renderer), run in Chromium: each case imports the module from the test server and calls
it on a page that has nothing else to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from . import harness

pytestmark = pytest.mark.skipif(harness.missing() is not None, reason=str(harness.missing()))


@pytest.fixture(scope="module")
def js(browser: Any, base_url: str) -> Iterator[Any]:
    """A page on the test server, so the modules load from the same origin."""
    context = browser.new_context()
    context.set_default_timeout(harness.TIMEOUT_MS)
    try:
        page = context.new_page()
        errors: list[Any] = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(f"{base_url}/docs")
        page.wait_for_selector("body[data-ready]")
        yield page
        assert errors == []
    finally:
        context.close()


def example(js: Any, schema: Any, doc: Any = None, mode: str = "response") -> Any:
    return js.evaluate(
        """async ([schema, doc, mode]) => {
            const m = await import('./docs/static/examples.js');
            return JSON.stringify(m.exampleFor(schema, doc, {mode}));
        }""",
        [schema, doc or {}, mode],
    )


def markdown(js: Any, text: str) -> str:
    html: str = js.evaluate(
        """async (text) => {
            const m = await import('./docs/static/markdown.js');
            const div = document.createElement('div');
            div.append(m.renderMarkdown(text));
            return div.innerHTML;
        }""",
        text,
    )
    return html


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# -- the example generator ----------------------------------------------------------------

NODE = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": ref("Node")},
        "parent": {"anyOf": [ref("Node"), {"type": "null"}]},
        "next": ref("Node"),
    },
    "required": ["name", "children", "parent"],
}
COMPONENTS = {
    "components": {
        "schemas": {
            "Genre": {"type": "string", "enum": ["novel", "poetry"]},
            "Pet": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "genre": ref("Genre")},
                "required": ["name"],
            },
            "Node": NODE,
            "Loop": {"type": "object", "properties": {"self": ref("Loop")}, "required": ["self"]},
            "a/b": {"type": "integer", "minimum": 4},
        }
    }
}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({"type": "string", "format": "date-time"}, "2024-01-15T09:30:00Z"),
        ({"type": "string", "format": "date"}, "2024-01-15"),
        ({"type": "string", "format": "uuid"}, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "format": "decimal"}, "1.50"),
        ({"type": "string", "format": "made-up"}, "string"),
        ({"type": "string", "minLength": 10}, "stringxxxx"),
        ({"type": "string", "maxLength": 3}, "str"),
        ({"type": "integer"}, 0),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "exclusiveMinimum": 5}, 6),
        ({"type": "integer", "maximum": -3}, -3),
        ({"type": "integer", "exclusiveMaximum": 0}, -1),
        ({"type": "integer", "minimum": 1, "multipleOf": 5}, 5),
        ({"type": "number", "minimum": 1.5}, 1.5),
        ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, 0.5),
        ({"type": "boolean"}, True),
        ({"type": "null"}, None),
        ({}, None),
        ({"enum": ["a", "b"]}, "a"),
        ({"enum": [None, "x"]}, "x"),
        ({"const": 7, "type": "integer"}, 7),
        ({"type": "string", "default": "d"}, "d"),
        ({"type": "string", "examples": ["e1", "e2"], "default": "d"}, "e1"),
        ({"type": "string", "example": "legacy"}, "legacy"),
        ({"type": ["string", "null"]}, "string"),
        ({"type": ["null", "integer"]}, 0),
        ({"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}, 3),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "string"),
        ({"type": "array", "items": {"type": "integer"}}, [0]),
        ({"type": "array", "items": {"type": "string"}, "minItems": 3}, ["string"] * 3),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 0}, []),
        ({"type": "array"}, []),
        (
            {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]},
            [0, "string"],
        ),
        (
            {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}}},
            {"a": 0, "b": True},
        ),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, {"key": 0}),
        ({"properties": {"x": {"type": "string"}}}, {"x": "string"}),  # type left out
        (
            {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"b": {}}}]},
            {"a": 0, "b": None},
        ),
        (ref("Pet"), {"name": "string", "genre": "novel"}),
        ({"$ref": "#/components/schemas/Genre", "default": "poetry"}, "poetry"),
        ({"$ref": "#/components/schemas/a~1b"}, 4),  # JSON pointer escapes
        ({"$ref": "#/components/schemas/Missing"}, None),
        ({"$ref": "https://elsewhere.example/schema.json"}, None),  # never fetched
        (ref("Node"), {"name": "string", "children": [], "parent": None}),
        (ref("Loop"), {"self": None}),
        ({"type": "array", "items": ref("Loop")}, [{"self": None}]),
    ],
)
def test_example_generator(js: Any, schema: Any, expected: Any) -> None:
    assert json.loads(example(js, schema, COMPONENTS)) == expected


def test_read_only_and_write_only_properties_follow_the_direction(js: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "password": {"type": "string", "format": "password", "writeOnly": True},
            "name": {"type": "string"},
        },
    }
    assert json.loads(example(js, schema, mode="request")) == {
        "password": "secret",
        "name": "string",
    }
    assert json.loads(example(js, schema, mode="response")) == {"id": 0, "name": "string"}


def test_deep_nesting_is_cut_off(js: Any) -> None:
    schema: dict[str, Any] = {"type": "integer"}
    for _ in range(40):
        schema = {"type": "object", "properties": {"x": schema}, "required": ["x"]}
    value = json.loads(example(js, schema))
    depth = 0
    while isinstance(value, dict):
        value, depth = value["x"], depth + 1
    assert value is None and 5 < depth < 40


def test_examples_of_an_lcore_document_validate_against_their_schemas(
    js: Any, demo: ModuleType
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = demo.app.openapi()
    schemas = document["components"]["schemas"]
    resolver_root = {"components": {"schemas": schemas}}
    for name in schemas:
        value = json.loads(example(js, ref(name), document))
        validator = jsonschema.Draft202012Validator({**resolver_root, **ref(name)})
        assert list(validator.iter_errors(value)) == [], name


# -- the Markdown renderer ----------------------------------------------------------------

EXTERNAL = 'rel="noopener noreferrer" target="_blank"'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Hello **world**", "<p>Hello <strong>world</strong></p>"),
        ("*one* and _two_", "<p><em>one</em> and <em>two</em></p>"),
        ("**bold *and em* inside**", "<p><strong>bold <em>and em</em> inside</strong></p>"),
        ("snake_case_name and a * b * c", "<p>snake_case_name and a * b * c</p>"),
        ("**unclosed and * lone", "<p>**unclosed and * lone</p>"),
        ("\\*not em\\* \\_nor this\\_", "<p>*not em* _nor this_</p>"),
        ("`a <b> & c`", "<p><code>a &lt;b&gt; &amp; c</code></p>"),
        ("``code with ` tick``", "<p><code>code with ` tick</code></p>"),
        ("`**not bold**`", "<p><code>**not bold**</code></p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        ("&lt;b&gt; &amp;", "<p>&amp;lt;b&amp;gt; &amp;amp;</p>"),  # entities stay text
        ("[x](javascript:alert)", '<p><span class="md-unsafe-link">x</span></p>'),
        ("[x](JaVaScRiPt:alert)", '<p><span class="md-unsafe-link">x</span></p>'),
        ("[x](data:text/html;base64,PGI+)", '<p><span class="md-unsafe-link">x</span></p>'),
        ("[x](vbscript:msgbox)", '<p><span class="md-unsafe-link">x</span></p>'),
        ("[x](file:///etc/passwd)", '<p><span class="md-unsafe-link">x</span></p>'),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        (
            "[docs](https://example.com/a?b=1&c=2)",
            f'<p><a href="https://example.com/a?b=1&amp;c=2" {EXTERNAL}>docs</a></p>',
        ),
        ('[t](https://e.com "A title")', f'<p><a href="https://e.com" {EXTERNAL}>t</a></p>'),
        ("[rel](/books#top)", '<p><a href="/books#top">rel</a></p>'),
        ("[mail](mailto:a@b.example)", f'<p><a href="mailto:a@b.example" {EXTERNAL}>mail</a></p>'),
        ("[**b**](/x)", '<p><a href="/x"><strong>b</strong></a></p>'),
        ("[a [b](/in)](/out)", '<p><a href="/out">a [b](/in)</a></p>'),  # no nested links
        (
            "<https://example.com>",
            f'<p><a href="https://example.com" {EXTERNAL}>https://example.com</a></p>',
        ),
        (
            "![alt](https://img.example/x.png)",
            f'<p><a href="https://img.example/x.png" {EXTERNAL}>alt</a></p>',
        ),
        ("# Title", '<h3 class="md-heading">Title</h3>'),
        ("###### Small ##", '<h6 class="md-heading">Small</h6>'),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("* a\n+ b", "<ul><li>a</li><li>b</li></ul>"),
        ("1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"),
        ("3. x\n4. y", '<ol start="3"><li>x</li><li>y</li></ol>'),
        ("- a\n  - b\n- c", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"),
        ("- a\n\n- b", "<ul><li><p>a</p></li><li><p>b</p></li></ul>"),
        ("- a\ncontinued", "<ul><li>a\ncontinued</li></ul>"),
        (
            "```\n<b>x</b>\n\n*y*\n```",
            '<pre class="md-code"><code>&lt;b&gt;x&lt;/b&gt;\n\n*y*</code></pre>',
        ),
        ("~~~python\nprint(1)\n~~~", '<pre class="md-code"><code>print(1)</code></pre>'),
        ("```\nnever closed", '<pre class="md-code"><code>never closed</code></pre>'),
        (
            "text\n\n    indented code\n    more",
            '<p>text</p><pre class="md-code"><code>indented code\nmore</code></pre>',
        ),
        ("> quoted *text*\n> more", "<blockquote><p>quoted <em>text</em>\nmore</p></blockquote>"),
        ("a\nb", "<p>a\nb</p>"),
        ("a  \nb", "<p>a<br>b</p>"),
        ("a\\\nb", "<p>a<br>b</p>"),
        ("one\n\ntwo", "<p>one</p><p>two</p>"),
        ("text\n- item", "<p>text</p><ul><li>item</li></ul>"),
        ("---", "<hr>"),
        ("", ""),
        ("   \n\n  ", ""),
    ],
)
def test_markdown(js: Any, text: str, html: str) -> None:
    assert markdown(js, text) == html


NASTY = [
    '<a href="javascript:alert(1)">x</a>',
    "[x](java\tscript:alert)",
    "[x]( javascript:alert)",
    "[x](<javascript:alert>)",
    "[x](\u0001javascript:alert)",
    '[x](https://e.com/"onmouseover="alert)',
    "[x](https://e.com/'><script>alert)",
    "<javascript:alert(1)>",
    "<svg/onload=alert(1)>",
    '**<iframe src="//evil">**',
    "`</code><script>x</script>`",
    "- <b onclick=x>item</b>\n  > <style>*{}</style>",
    "[![img](javascript:x)](javascript:y)",
    "_[" * 200 + "x" + "](" * 200,
    "*" * 5000 + "x",
    "`" * 3000,
    "[" * 3000 + "](/" + ")" * 3000,
]
ALLOWED_TAGS = {"P", "STRONG", "EM", "CODE", "PRE", "A", "SPAN", "UL", "OL", "LI", "BLOCKQUOTE"}
ALLOWED_TAGS |= {"HR", "BR", "H3", "H4", "H5", "H6"}


@pytest.mark.parametrize("text", NASTY)
def test_markdown_builds_only_safe_nodes(js: Any, text: str) -> None:
    found = js.evaluate(
        """async (text) => {
            const m = await import('./docs/static/markdown.js');
            const div = document.createElement('div');
            div.append(m.renderMarkdown(text));
            return [...div.querySelectorAll('*')].map(el => [
                el.tagName, el.getAttributeNames(), el.getAttribute('href')]);
        }""",
        text,
    )
    for tag, attributes, href in found:
        assert tag in ALLOWED_TAGS
        assert set(attributes) <= {"href", "rel", "target", "class", "start"}
        if href is not None:
            assert href.startswith(("https:", "http:", "mailto:", "/", "#")), href


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com", True),
        ("http://example.com", True),
        ("mailto:a@b.example", True),
        ("/relative/path?q=1", True),
        ("#fragment", True),
        ("other.html", True),
        ("javascript:alert(1)", False),
        (" JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\u0000javascript:alert(1)", False),
        ("data:text/html,<b>", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_safe_url(js: Any, url: str, safe: bool) -> None:
    result = js.evaluate(
        "async (url) => (await import('./docs/static/markdown.js')).safeUrl(url)", url
    )
    assert (result is not None) == safe


def test_very_long_markdown_is_shown_as_plain_text(js: Any) -> None:
    text = "**x** " * 20_000
    assert markdown(js, text) == f'<p class="md-plain">{text}</p>'


def test_error_summary_lists_every_problem(js: Any) -> None:
    lines = js.evaluate(
        """async () => {
            const m = await import('./docs/static/tryit.js');
            const box = m.errorSummary({error: 'Unprocessable Entity', status: 422, detail: [
                {loc: ['body', 'year'], msg: 'expected an integer', type: 'int_parsing'},
                {loc: ['query', 'tags', 0], msg: '<b>bad</b>', type: 'x'}]}, 422);
            return [box.firstChild.textContent, ...[...box.querySelectorAll('li')].map(li => li.textContent)];
        }"""
    )
    assert lines == [
        "422 Unprocessable Entity",
        "body → year: expected an integer (int_parsing)",
        "query → tags → 0: <b>bad</b> (x)",
    ]
