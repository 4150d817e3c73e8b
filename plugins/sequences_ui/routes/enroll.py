"""The enrollment "modal" (a page of its own: Airflow frames plugin pages, which cannot pop
up windows), reached from a sequence's row and from a lead's page. Pick leads by search,
filter or CSV upload, choose when to start, see before confirming how many will be enrolled
and why the others will not (the dry run, `services.enrollment_plan`), then enrol through the
bulk service; with JavaScript, in chunks behind a progress bar."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import Conflict, InvalidInput, NotFound
from sequences_core.rules.lead_csv import CsvFatal
from sequences_core.services.enrollment_plan import enroll_as_planned, plan_enrollment
from sequences_core.services.enrollment_views import leads_by_id, select_leads
from sequences_core.services.lead_import import import_leads_csv
from sequences_core.services.templates import get_template
from sequences_ui.editing import EditorDep
from sequences_ui.enroll_forms import FieldErrors, FilterForm, StartForm
from sequences_ui.pages import Workspace
from sequences_ui.routes.sequences import EditPageDep, not_found

router = APIRouter()
SHOWN = 50  # leads listed by name on the page (all are counted)
MAX_UPLOAD = 20 * 1024 * 1024


def _plan_context(
    uow: UnitOfWork, ws: Workspace, template_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[str, Any]:
    """The dry run for the chosen leads and what the page lists of it."""
    plan = plan_enrollment(uow, ws.org_id, template_id, ids)
    skipped_ids = [uuid.UUID(lead) for lead, _ in plan.skipped[:SHOWN] if _is_uuid(lead)]
    shown = leads_by_id(
        uow, ws.org_id, plan.enrolled[:SHOWN] + skipped_ids + list(plan.missing)[:SHOWN]
    )
    emails = {str(ident): lead.email for ident, lead in shown.items()}
    return {"plan": plan, "shown": shown, "emails": emails, "lead_ids": ",".join(map(str, ids))}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _render(
    ws: Workspace,
    uow: UnitOfWork,
    template_id: str,
    ids: list[uuid.UUID] | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    template = get_template(uow, ws.org_id, template_id)
    values: dict[str, Any] = {"filters": FilterForm(), "start": StartForm(), "errors": {}}
    values.update(context)
    if ids is not None:
        try:
            values.update(_plan_context(uow, ws, template.id, ids))
        except Conflict as conflict:  # no steps yet
            values["blocked"] = conflict.message
    return ws.page("enroll.html", status, template=template, selection=ids is not None, **values)


@router.get("/enroll/{template_id}", response_class=HTMLResponse, name="enroll")
def enroll_page(
    ws: EditPageDep,
    template_id: str,
    q: Annotated[str, Query(max_length=200)] = "",
    company: Annotated[str, Query(max_length=300)] = "",
    field_key: Annotated[str, Query(max_length=200)] = "",
    field_value: Annotated[str, Query(max_length=1000)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    lead: Annotated[str, Query(max_length=40)] = "",
    pick: str = "",
) -> HTMLResponse:
    """Without `pick`: the ways to choose leads. With it: the chosen leads' dry run."""
    filters = FilterForm(q, company, field_key, field_value, since)
    try:
        with ws.uow() as uow:
            if lead:
                return _render(ws, uow, template_id, [_lead_id(lead)], filters=filters, single=True)
            if not pick:
                return _render(ws, uow, template_id, None, filters=filters)
            try:
                chosen = filters.parsed(ws.zone)
            except FieldErrors as bad:
                return _render(ws, uow, template_id, None, status=422, filters=filters,
                               errors=bad.errors)  # fmt: skip
            ids, more = select_leads(uow, ws.org_id, chosen)
            return _render(ws, uow, template_id, ids, filters=filters, too_many=more)
    except (NotFound, InvalidInput):
        return not_found(ws)


def _lead_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("lead not found") from None


@router.get("/enroll-lead", name="enroll_lead")
def enroll_lead(
    ws: EditPageDep,
    lead: Annotated[str, Query(max_length=40)] = "",
    template: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """From a lead's page: the chosen template's enrollment page with this lead chosen."""
    if not (_is_uuid(lead) and _is_uuid(template)):
        return not_found(ws)
    return RedirectResponse(ws.url(f"/enroll/{template}?lead={lead}"), status_code=303)


@router.post("/enroll/{template_id}/csv", response_class=HTMLResponse, name="enroll_csv")
def enroll_csv(ws: EditorDep, template_id: str, csv: UploadFile | None = None) -> HTMLResponse:
    """Import a CSV of leads (the API's import: per-line errors shown), then the dry run for
    the leads it holds. Not `async`: the import runs in a worker thread, never on the API
    server's event loop."""
    data = csv.file.read(MAX_UPLOAD + 1) if csv is not None else b""
    try:
        with ws.uow() as uow:
            get_template(uow, ws.org_id, template_id)
            problem = _upload_problem(data)
            if problem is None:
                try:
                    report = import_leads_csv(uow, ws.org_id, data)
                except CsvFatal as fatal:
                    problem = str(fatal)
            if problem is not None:
                return _render(ws, uow, template_id, None, status=422, errors={"csv": problem})
            return _render(ws, uow, template_id, report.lead_ids, imported=report,
                           filename=csv.filename if csv else "")  # fmt: skip
    except (NotFound, InvalidInput):
        return not_found(ws)


def _upload_problem(data: bytes) -> str | None:
    if not data:
        return "choose a CSV file with a header row (email, first_name, company, …)"
    if len(data) > MAX_UPLOAD:
        return f"the file is over {MAX_UPLOAD // (1024 * 1024)} MB; split it"
    return None


def _chosen_ids(raw: str) -> list[str]:
    return [part for part in raw.split(",") if part.strip()]


def _enroll(
    ws: Workspace, template_id: str, lead_ids: str, start: StartForm, leave_out: bool
) -> tuple[int, list[tuple[str, str]]]:
    """Enrol as planned; FieldErrors for a start that cannot be read."""
    chosen = start.parsed()
    with ws.uow() as uow:
        done = enroll_as_planned(
            uow, ws.org_id, template_id, _chosen_ids(lead_ids), start=chosen,
            leave_out_missing=leave_out,
        )  # fmt: skip
    return done.count, done.skipped


def start_form(
    start_mode: Annotated[str, Form(max_length=10)] = "now",
    start_date: Annotated[str, Form(max_length=40)] = "",
    start_time: Annotated[str, Form(max_length=40)] = "",
    start_zone: Annotated[str, Form(max_length=100)] = "",
) -> StartForm:
    """The start fields both enrol routes read (read, not yet checked)."""
    return StartForm(start_mode, start_date, start_time, start_zone)


StartDep = Annotated[StartForm, Depends(start_form)]


@router.post("/enroll/{template_id}", name="enroll_confirm")
def enroll_confirm(
    ws: EditorDep,
    template_id: str,
    start: StartDep,
    lead_ids: Annotated[str, Form()] = "",
    leave_out_missing: Annotated[bool, Form()] = False,
) -> Response:
    """Enrol every chosen lead in one go (the page's JavaScript posts chunks instead)."""
    try:
        try:
            count, skipped = _enroll(ws, template_id, lead_ids, start, leave_out_missing)
        except FieldErrors as bad:
            with ws.uow() as uow:
                ids = [uuid.UUID(i) for i in _chosen_ids(lead_ids) if _is_uuid(i)]
                return _render(ws, uow, template_id, ids, status=422, start=start,
                               errors=bad.errors)  # fmt: skip
    except (NotFound, InvalidInput):
        return not_found(ws)
    except Conflict as conflict:
        with ws.uow() as uow:
            return _render(ws, uow, template_id, None, status=409, blocked=conflict.message)
    target = f"/enrollments/{template_id}?done=enrolled&n={count}&skipped={len(skipped)}"
    return RedirectResponse(ws.url(target), status_code=303)


@router.post("/enroll/{template_id}/chunk", name="enroll_chunk")
def enroll_chunk(
    ws: EditorDep,
    template_id: str,
    start: StartDep,
    lead_ids: Annotated[str, Form()] = "",
    leave_out_missing: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """One chunk of leads for the page's progress bar: counts and each lead left out."""
    try:
        count, skipped = _enroll(ws, template_id, lead_ids, start, leave_out_missing)
    except FieldErrors as bad:
        return JSONResponse({"errors": bad.errors}, status_code=422)
    except (NotFound, InvalidInput) as err:
        return JSONResponse(
            {"errors": {"lead_ids": err.message}},
            status_code=404 if isinstance(err, NotFound) else 422,
        )
    except Conflict as conflict:
        return JSONResponse({"errors": {"template": conflict.message}}, status_code=409)
    return JSONResponse(
        {
            "enrolled": count,
            "skipped": [{"lead": lead, "reason": reason} for lead, reason in skipped],
        }
    )
