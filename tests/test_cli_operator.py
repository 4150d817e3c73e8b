"""The operator's verbs from the command line, on real PostgreSQL: the same services as the
API, org-scoped, with field-naming messages and the audit log saying `cli:<user>`."""

from __future__ import annotations

import getpass
import json
import uuid

import pytest
from click.testing import CliRunner

from sequences_core.cli import main
from sequences_core.db.models import Mailbox
from sequences_core.services.organizations import create_organization
from sequences_core.services.suppressions import add_suppression


@pytest.fixture
def run(db_url, clean_db):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), env={"SEQUENCES_DATABASE_URL": db_url})

    return invoke


def test_keys_mailboxes_org_and_suppressions_from_the_cli(run, uow):
    acme = create_organization(uow, "Acme").organization.id
    rival = create_organization(uow, "Rival").organization.id
    box = Mailbox(organization_id=acme, from_email="dana@acme.example")
    uow.session.add(box)
    uow.commit()
    org = str(acme)

    made = run("keys", "create", "--org", org, "--name", "crm", "--json")
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)
    assert key["key"].startswith(f"sq_{key['prefix']}_")
    listed = json.loads(run("keys", "list", "--org", org, "--json").stdout)
    assert {k["name"] for k in listed} == {"default", "crm"} and "key" not in listed[0]
    assert run("keys", "revoke", "--org", str(rival), key["id"]).exit_code == 2  # not theirs
    assert json.loads(run("keys", "revoke", "--org", org, key["id"], "--json").stdout)["revoked_at"]

    updated = run("mailboxes", "update", "--org", org, str(box.id), "--daily-limit", "80",
                  "--warmup", "10,5,60", "--json")  # fmt: skip
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.stdout)["todays_limit"] == 10
    bad = run("mailboxes", "update", "--org", org, str(box.id), "--timezone", "Mars/Base")
    assert bad.exit_code == 2 and "timezone" in bad.stderr and "Traceback" not in bad.output
    assert run("mailboxes", "pause", "--org", org, str(box.id), "--reason", "dns").exit_code == 0
    resumed = run("mailboxes", "resume", "--org", org, str(box.id), "--reason", "fixed", "--json")
    assert json.loads(resumed.stdout)["status"] == "active"
    assert (
        run("mailboxes", "pause", "--org", str(rival), str(box.id), "--reason", "x").exit_code == 2
    )

    settings = run("org", "settings", "--org", org, "--daily-limit", "500", "--store-full-ip",
                   "--json")  # fmt: skip
    assert json.loads(settings.stdout)["store_full_ip"] is True
    assert run("org", "settings", "--org", org, "--daily-limit", "-3").exit_code == 2
    reputation = run("org", "reputation", "--org", org, "--json")
    assert [r["name"] for r in json.loads(reputation.stdout)] == ["Acme", "dana@acme.example"]

    row, _ = add_suppression(uow, acme, "ann@lead.example", "test", "cli:test")
    row.reason = "complaint"
    uow.commit()
    refused = run("suppressions", "remove", "--org", org, str(row.id), "--reason", "asked")
    assert refused.exit_code == 2 and "force" in refused.stderr
    forced = run(
        "suppressions", "remove", "--org", org, str(row.id), "--reason", "asked", "--force"
    )
    assert forced.exit_code == 0, forced.output

    entries = json.loads(run("org", "audit", "--org", org, "--json").stdout)
    me = f"cli:{getpass.getuser()}"
    assert [e["action"] for e in entries if e["actor"] == me] == [
        "suppression.remove", "organization.update", "mailbox.resume", "mailbox.pause",
        "mailbox.update", "api_key.revoke", "api_key.create",
    ]  # fmt: skip
    assert json.loads(run("org", "audit", "--org", str(rival), "--json").stdout) == []
    assert run("org", "show", "--org", str(uuid.uuid4())).exit_code == 2
