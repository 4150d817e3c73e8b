"""The template language's fence: what a step's Jinja may do, checked at save and enforced
at render, so a template can neither reach Python's internals nor run away with a worker.

Two layers, because templates saved before a rule existed (or written straight into the
database) still reach the renderer:

- `check_template` refuses at save what can be known from the source, naming the line:
  syntax, filters and tests outside the list below, `include`/`import`/`extends`/`macro`/
  `call` blocks, `namespace`, names starting with `_`, calls other than `range`, `dict`,
  `cycler`, `joiner` and a few string methods.
- `SandboxEnvironment` enforces at render what only running shows: every loop and call
  draws on an iteration budget, CPU time is checked as it goes, operators and filters that
  allocate refuse results past `MAX_VALUE` before allocating, and the output stops at its
  part's limit. Any failure is a `RenderFailed` with a reason for the enrollment's pause.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import do_replace
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_VALUE = 1_000_000  # characters of a string, items of a list, made inside one render
MAX_ITERATIONS = 100_000  # loop turns and calls in one render
MAX_CPU_SECONDS = 1.0
MAX_INT_ARGUMENT = 10_000  # widths and counts given to filters
# Output limits per part: SES takes 10 MB a message (both parts, encoded); a subject is one
# header line (RFC 5322: 998 characters).
OUTPUT_LIMITS = {
    "subject": 998,
    "html": 4_000_000,
    "text": 2_000_000,
    "title": 300,
    "body": 1_000_000,
}

FILTERS = frozenset(
    [
        "abs",
        "batch",
        "capitalize",
        "count",
        "d",
        "default",
        "dictsort",
        "e",
        "escape",
        "filesizeformat",
        "first",
        "float",
        "groupby",
        "indent",
        "int",
        "items",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "replace",
        "reverse",
        "round",
        "select",
        "selectattr",
        "slice",
        "sort",
        "string",
        "striptags",
        "sum",
        "title",
        "tojson",
        "trim",
        "truncate",
        "unique",
        "upper",
        "urlencode",
        "urlize",
        "wordcount",
        "wordwrap",
    ]
)
TESTS = frozenset(
    [
        "!=",
        "<",
        "<=",
        "==",
        ">",
        ">=",
        "boolean",
        "defined",
        "divisibleby",
        "eq",
        "equalto",
        "escaped",
        "even",
        "false",
        "float",
        "ge",
        "gt",
        "in",
        "integer",
        "iterable",
        "le",
        "lower",
        "lt",
        "mapping",
        "ne",
        "none",
        "number",
        "odd",
        "sequence",
        "string",
        "true",
        "undefined",
        "upper",
    ]
)
GLOBALS = frozenset({"range", "dict", "cycler", "joiner"})
# The variables every email has besides the lead's custom fields (`compose.compose_email`
# builds them). A custom field of one of these names would be hidden by the built-in, as
# would one named like a global above or a word Jinja itself gives a meaning (`loop` in a
# for, `self`, the literals), so such names are refused when a lead is saved.
BUILT_IN_VARIABLES = frozenset(
    {"first_name", "last_name", "company", "title", "email", "sender", "unsubscribe_url"}
)
JINJA_NAMES = frozenset({"loop", "self", "true", "false", "none", "True", "False", "None", "not"})
METHODS = frozenset(
    [
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "get",
        "items",
        "keys",
        "values",
        "cycle",
        "reset",
        "next",
    ]
)
_FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "import",
    nodes.Extends: "extends", nodes.Block: "block", nodes.Macro: "macro",
    nodes.CallBlock: "call blocks", nodes.NSRef: "namespace", nodes.ExprStmt: "do",
}  # fmt: skip


class RenderFailed(Exception):
    """A template that cannot be rendered safely for this lead: the reason says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TemplateProblem(Exception):
    message: str
    line: int | None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


# --- at save ------------------------------------------------------------------------------


def check_template(source: str) -> None:
    """Raise TemplateProblem for the first thing the template may not do, with its line."""
    try:
        tree = _CHECKER.parse(source)
    except TemplateSyntaxError as err:
        raise TemplateProblem(f"syntax error: {err.message}", err.lineno) from None
    for node in tree.find_all(nodes.Node):
        problem = _problem(node)
        if problem:
            raise TemplateProblem(problem, node.lineno)


def _problem(node: nodes.Node) -> str | None:
    for kind, name in _FORBIDDEN_NODES.items():
        if isinstance(node, kind):
            return f"{name} is not available in email templates"
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        return f"unknown filter {node.name!r}"
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        return f"unknown test {node.name!r}"
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        return f"names starting with '_' are not available ({node.name!r})"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"attributes starting with '_' are not available ({node.attr!r})"
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and "__" in node.value:
        return "strings containing '__' are not available (they name Python internals)"
    if isinstance(node, nodes.Call):
        return _call_problem(node.node)
    return None


def _call_problem(callee: nodes.Expr) -> str | None:
    if isinstance(callee, nodes.Name) and callee.name in GLOBALS | {"loop"}:
        return None
    if isinstance(callee, nodes.Getattr) and callee.attr in METHODS:
        return None
    what = callee.name if isinstance(callee, nodes.Name) else getattr(callee, "attr", "this")
    return f"calling {what!r} is not available (use filters)"


# --- at render ----------------------------------------------------------------------------


class _Budget(threading.local):
    """The current render's allowance, per thread (the dispatcher renders in one thread while
    the tracking app renders previews in others)."""

    turns = 0
    deadline = math.inf

    def spend(self, turns: int = 1) -> None:
        self.turns += turns
        if self.turns > MAX_ITERATIONS:
            raise RenderFailed(f"more than {MAX_ITERATIONS:,} loop turns or calls")
        if self.turns % 256 == 0 and time.thread_time() > self.deadline:
            raise RenderFailed(f"took more than {MAX_CPU_SECONDS:g} s of CPU")


_budget = _Budget()


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict) and len(value) > MAX_VALUE:
        raise RenderFailed(f"a value grew past {MAX_VALUE:,} characters or items")
    return value


def _guarded(items: Iterable[Any]) -> Iterator[Any]:
    """Every loop's iterable: one turn of the budget an item."""
    for item in items:
        _budget.spend()
        yield item


def _range(*args: int) -> Iterator[int]:
    if any(abs(a) > MAX_VALUE for a in args):
        raise RenderFailed(f"range past {MAX_VALUE:,}")
    return _guarded(range(*args))


def _int_args(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses large widths and counts and checks what it made."""
    skip = 2 if hasattr(fn, "jinja_pass_arg") else 1  # (context,) value, then the arguments

    def checked(*args: Any, **kwargs: Any) -> Any:
        _budget.spend()
        numbers = [a for a in (*args[skip:], *kwargs.values()) if isinstance(a, int)]
        if any(abs(n) > MAX_INT_ARGUMENT for n in numbers):
            raise RenderFailed(f"filter {name}: arguments above {MAX_INT_ARGUMENT:,}")
        return _sized(fn(*args, **kwargs))

    if hasattr(fn, "jinja_pass_arg"):  # jinja passes the context/environment first to these
        checked.jinja_pass_arg = fn.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


@pass_eval_context
def _replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: int | None = None) -> Any:
    """Jinja's replace, refused before it runs when its result could pass MAX_VALUE."""
    text, old_s, new_s = str(value), str(old), str(new)
    worst = len(text) + (len(text) // max(len(old_s), 1) + 1) * len(new_s)
    if worst > MAX_VALUE:
        raise RenderFailed(f"filter replace could grow past {MAX_VALUE:,} characters")
    return do_replace(eval_ctx, value, old, new, count)


class _CheckedConcat(CodeGenerator):
    """`a ~ b` compiles to a join the environment checks (Jinja's own join is not hookable)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _CheckedConcat
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {
            name: _int_args(name, fn) for name, fn in self.filters.items() if name in FILTERS
        }
        self.filters["replace"] = _int_args("replace", _replace)
        self.filters["sequences_guarded"] = _guarded
        self.tests = {name: fn for name, fn in self.tests.items() if name in TESTS}
        self.globals = {name: fn for name, fn in self.globals.items() if name in GLOBALS}
        self.globals["range"] = _range

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every `for` loop iterates through the budget (an empty loop body yields nothing,
        so counting output alone would let three nested loops run for hours)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, "sequences_guarded", [], [], None, None, lineno=loop.lineno
            )
        return tree

    def checked_concat(self, joined: Any) -> Any:
        return _sized(joined)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget.spend()
        if operator == "%" and isinstance(left, str):
            raise RenderFailed("string formatting with % is not available (use filters)")
        if operator == "**" and _too_big_power(left, right):
            raise RenderFailed("a power too large to compute")
        if operator == "*" and _too_big_product(left, right):
            raise RenderFailed(f"a repetition past {MAX_VALUE:,} characters or items")
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _budget.spend()
        for value in (*args, *kwargs.values()):
            _sized(value)
        return _sized(super().call(__context, __obj, *args, **kwargs))


def _too_big_power(left: Any, right: Any) -> bool:
    if not isinstance(left, int | float) or not isinstance(right, int | float):
        return False
    return abs(right) > 64 or abs(left) > 2**64


def _too_big_product(left: Any, right: Any) -> bool:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(times, int):
            return len(seq) * times > MAX_VALUE
    return False


_CHECKER = ImmutableSandboxedEnvironment()  # parses only: the source as the author wrote it


def render_bounded(
    generate: Callable[[Mapping[str, Any]], Iterator[str]], variables: Mapping[str, Any],
    part: str,
) -> str:  # fmt: skip
    """Stream a template's output under the budget and the part's output limit.

    Undefined-variable errors pass through (the caller names the missing variable); every
    other failure becomes RenderFailed.
    """
    limit = OUTPUT_LIMITS[part]
    chunks: list[str] = []
    size = 0
    outer = (_budget.turns, _budget.deadline)  # a render inside a render keeps the outer's
    _budget.turns, _budget.deadline = 0, time.thread_time() + MAX_CPU_SECONDS
    try:
        for chunk in generate(variables):  # loops spend the budget; chunks only grow output
            size += len(chunk)
            if size > limit:
                raise RenderFailed(f"{part} renders past {limit:,} characters")
            chunks.append(chunk)
    except (RenderFailed, UndefinedError):
        raise
    except TemplateError as err:  # security errors, unknown filters in old templates
        raise RenderFailed(f"{part}: {err.message or type(err).__name__}") from None
    except RecursionError:
        raise RenderFailed(f"{part}: recursion too deep") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError) as err:
        raise RenderFailed(f"{part}: {type(err).__name__}: {err}"[:300]) from None
    finally:
        _budget.turns, _budget.deadline = outer
    return "".join(chunks)


def compile_bounded(env: SandboxEnvironment, source: str, part: str) -> Any:
    """Compile, turning what an old template may hold (an unknown filter) into RenderFailed."""
    try:
        return env.from_string(source)
    except TemplateError as err:
        raise RenderFailed(f"{part}: {err.message or type(err).__name__}") from None
