"""Which Airflow users work in which organization: none listed means every user works in
every organization; once anyone is listed, each user sees only their own, and another
organization's pages are a 404 for them."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from sequences_core.cli import main
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.schemas import TemplateCreate
from sequences_core.services import members
from sequences_core.services.audit import list_audit
from sequences_core.services.organizations import create_organization
from sequences_core.services.templates import create_template
from tests.ui_support import signed_in  # noqa: F401 - a fixture


def _two_orgs(clean_db):  # type: ignore[no-untyped-def]
    with UnitOfWork(clean_db) as uow:
        first = create_organization(uow, "A first").organization
        second = create_organization(uow, "B second").organization
        kept = create_template(uow, second.id, TemplateCreate(name="Second's"))
    return first, second, kept


def test_nobody_listed_means_everyone_works_everywhere_then_only_members(clean_db):
    first, second, _ = _two_orgs(clean_db)
    with UnitOfWork(clean_db) as uow:
        assert [o.name for o in members.organizations_for(uow, "alice")] == ["A first", "B second"]
        members.add_member(uow, second.id, "alice", "test")
        members.add_member(uow, second.id, "alice", "test")  # twice is once
        assert [o.name for o in members.organizations_for(uow, "alice")] == ["B second"]
        assert members.organizations_for(uow, "bob") == []
        assert members.list_members(uow, second.id) == ["alice"]
        assert members.list_members(uow, first.id) == []
        with pytest.raises(NotFound):
            members.remove_member(uow, first.id, "alice", "test")
        with pytest.raises(InvalidInput) as bad:
            members.add_member(uow, first.id, " ", "test")
        assert "user" in bad.value.fields
        members.remove_member(uow, second.id, "alice", "test")
        assert len(members.organizations_for(uow, "bob")) == 2
        actions = [e.action for e in list_audit(uow, second.id).items]
        assert actions.count("member.add") == 2 and "member.remove" in actions


def test_a_member_sees_only_their_organizations_pages(signed_in, clean_db):
    client, users = signed_in
    first, second, kept = _two_orgs(clean_db)
    with UnitOfWork(clean_db) as uow:
        members.add_member(uow, first.id, "alice", "test")
    page = client.get("/sequences/").text
    assert "A first" in page  # the page itself, not an error page
    assert "B second" not in page and "Second&#39;s" not in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    refused = client.post(
        "/sequences/organization", data={"organization": str(second.id), "csrf": csrf}
    )
    assert refused.status_code == 422 and "Second&#39;s" not in client.get("/sequences/").text
    assert client.get(f"/sequences/builder/{kept.id}").status_code == 404
    users["name"] = "bob"  # listed nowhere while others are: no organization to work in
    answer = client.get("/sequences/")
    assert "No organization to work in" in answer.text and "--add bob" in answer.text


def test_the_cli_adds_lists_and_removes_members(clean_db, db_url):
    first, _, _ = _two_orgs(clean_db)

    def run(*args: str):  # type: ignore[no-untyped-def]
        env = {"SEQUENCES_DATABASE_URL": db_url}
        return CliRunner().invoke(main, ["org", "members", "--org", str(first.id), *args], env=env)

    added = run("--add", "alice", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output) == {"members": ["alice"]}
    gone = run("--remove", "carol")
    assert gone.exit_code != 0 and "not a member" in gone.output
