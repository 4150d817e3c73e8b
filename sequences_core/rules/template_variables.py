"""Which variables a step's template needs: the builder's variable notes and the
"some enrolled leads lack it" warning read them. A pure function over the source text.

A variable is *required* when some use of it has no fallback: not inside a `default` filter
(`{{ plan | default('your plan') }}`) and not guarded by an `{% if plan %}` test. Without a
fallback, a lead lacking the value pauses at the step instead of getting the email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError, meta, nodes

from sequences_core.rules.template_sandbox import BUILT_IN_VARIABLES, GLOBALS

# Always present when an email renders (compose builds them), so never missing.
ALWAYS_PRESENT = frozenset({"sender", "unsubscribe_url"})
# The lead's own columns a template may use; any other name is a custom field.
LEAD_VARIABLES = BUILT_IN_VARIABLES - ALWAYS_PRESENT
_PARSER = Environment(autoescape=True)  # parses only; never renders
_DEFAULTS = ("default", "d")


@dataclass(frozen=True)
class UsedVariables:
    required: frozenset[str]  # used somewhere without a fallback
    optional: frozenset[str]  # used only with one

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional


def _names(node: nodes.Node) -> Iterable[nodes.Name]:
    if isinstance(node, nodes.Name):
        yield node
    yield from node.find_all(nodes.Name)


def used_variables(source: str) -> UsedVariables:
    """The template's free variables (loop names and globals excluded); a template that does
    not parse uses none (its syntax error is reported by `check_template`)."""
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError:
        return UsedVariables(frozenset(), frozenset())
    free = meta.find_undeclared_variables(tree) - GLOBALS
    guarded = {
        id(name)
        for f in tree.find_all(nodes.Filter)
        if f.name in _DEFAULTS and f.node is not None
        for name in _names(f.node)
    }
    tested = {name.name for test in tree.find_all(nodes.If) for name in _names(test.test)}
    required = {
        name.name
        for name in tree.find_all(nodes.Name)
        if name.ctx == "load" and id(name) not in guarded and name.name not in tested
    }
    required &= free
    return UsedVariables(frozenset(required), frozenset(free - required))


def step_sources(step_type: str, config: dict[str, object]) -> dict[str, str]:
    """The template parts of a step's config, by field name."""
    parts = {
        "email": ("subject", "html", "text"),
        "task": ("title", "description"),
        "webhook": ("body",),
    }.get(step_type, ())
    return {part: value for part in parts if isinstance(value := config.get(part), str)}


def step_variables(step_type: str, config: dict[str, object]) -> UsedVariables:
    """Every part's variables together: required if any part requires it."""
    found = [used_variables(source) for source in step_sources(step_type, config).values()]
    required = frozenset().union(*(f.required for f in found))
    optional = frozenset().union(*(f.optional for f in found)) - required
    return UsedVariables(required, optional)
