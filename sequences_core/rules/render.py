"""Personalising an email step: sandboxed Jinja2, compiled once per step version.

A variable the lead lacks, used without a `default`, stops the send: better no
email than "Hi ," to a prospect. HTML output is autoescaped so lead data cannot
inject markup; subject and text are not (they are not HTML). What a template may do,
and how long and how large it may run, is `template_sandbox`'s: a template that breaks
a rule raises RenderFailed for the one lead it was rendering.
"""

from __future__ import annotations

import html as html_lib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jinja2 import StrictUndefined, Template, UndefinedError

from sequences_core.rules.html_text import text_from_html
from sequences_core.rules.template_sandbox import (
    SandboxEnvironment,
    compile_bounded,
    render_bounded,
)
from sequences_core.rules.tokens import Tokens


class MissingVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"missing_variable: {name}")
        self.name = name


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _missing(err: UndefinedError) -> MissingVariable:
    found = _UNDEFINED_NAME.search(str(err.message))
    return MissingVariable(next(filter(None, found.groups())) if found else "?")


_ENV_TEXT = SandboxEnvironment(undefined=StrictUndefined, autoescape=False)
_ENV_HTML = SandboxEnvironment(undefined=StrictUndefined, autoescape=True)
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class TrackingLinks:
    """What the tracking rewrite needs to know about one email."""

    execution_id: uuid.UUID
    base_url: str
    tokens: Tokens
    opens: bool
    clicks: bool


def lead_variables(lead: Mapping[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """Template variables from a lead: empty values count as missing."""
    merged = {**custom, **lead}
    return {k: v for k, v in merged.items() if v is not None and v != ""}


class Renderer:
    """Caches compiled templates by (step id, step version, part)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[uuid.UUID, int, str], Template] = {}

    def _template(self, key: tuple[uuid.UUID, int, str], source: str, html: bool) -> Template:
        template = self._cache.get(key)
        if template is None:
            template = compile_bounded(_ENV_HTML if html else _ENV_TEXT, source, key[2])
            self._cache[key] = template
        return template

    def _render(
        self, key: tuple[uuid.UUID, int, str], source: str, html: bool,
        variables: Mapping[str, Any],
    ) -> str:  # fmt: skip
        """MissingVariable for a variable the lead lacks, RenderFailed for a broken rule."""
        template = self._template(key, source, html)
        try:
            return render_bounded(template.generate, variables, key[2])
        except UndefinedError as err:
            raise _missing(err) from None

    def render_text(
        self, step_id: uuid.UUID, version: int, part: str, source: str, variables: Mapping[str, Any]
    ) -> str:
        return self._render((step_id, version, part), source, False, variables)

    def render(
        self,
        step_id: uuid.UUID,
        version: int,
        config: Mapping[str, Any],
        variables: Mapping[str, Any],
        *,
        subject_fallback: str | None = None,
    ) -> Rendered:
        """Raise MissingVariable naming the first variable the lead lacks."""
        subject_source = config.get("subject")
        if subject_source:
            subject = self.render_text(step_id, version, "subject", subject_source, variables)
        else:
            subject = subject_fallback or ""
        html = self._render((step_id, version, "html"), config["html"], True, variables)
        text_source = config.get("text")
        if text_source:
            text = self.render_text(step_id, version, "text", text_source, variables)
        else:
            text = text_from_html(html)
        return Rendered(subject=" ".join(subject.split()), html=html, text=text)


def add_tracking(html: str, links: TrackingLinks, skip: Callable[[str], bool]) -> str:
    """Rewrite http(s) links to the click endpoint and add the open pixel."""
    if links.clicks:
        index = 0

        def rewrite(match: re.Match[str]) -> str:
            nonlocal index
            url = html_lib.unescape(match.group(3))
            if skip(url):
                return match.group(0)
            token = links.tokens.click_token(links.execution_id, index, url)
            index += 1
            target = f"{links.base_url}/api/sequences/track/click?" + urlencode(
                {"eid": token, "url": url}
            )
            return f"{match.group(1)}{match.group(2)}{html_lib.escape(target)}{match.group(2)}"

        html = _HREF.sub(rewrite, html)
    if links.opens:
        token = links.tokens.open_token(links.execution_id)
        pixel = (
            f'<img src="{links.base_url}/api/sequences/track/open?eid={token}" width="1" '
            'height="1" alt="" style="display:block;border:0;width:1px;height:1px">'
        )
        html, found = _BODY_END.subn(pixel + "</body>", html, count=1)
        if not found:
            html += pixel
    return html
