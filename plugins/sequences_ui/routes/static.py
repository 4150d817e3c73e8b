"""The UI's own CSS and JavaScript (vendored files carry their version and licence in
static/vendor/README.md); nothing is loaded from anywhere else."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from sequences_ui.pages import HERE

TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
ROOT = (HERE / "static").resolve()
router = APIRouter()


@router.get("/static/{name:path}", name="static")
def static(name: str) -> Response:
    path = (ROOT / name).resolve()
    if not path.is_relative_to(ROOT) or path.suffix not in TYPES or not path.is_file():
        raise HTTPException(404)
    return Response(
        path.read_bytes(),
        media_type=TYPES[path.suffix],
        headers={"Cache-Control": "private, max-age=300"},
    )
