"""The organization's webhook allow-list (`webhook_allow`): validated and normalised, through
the API and the CLI, and read back by the guard."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sequences_core.cli import main
from sequences_core.webhooks.guard import AllowList
from tests.api_support import API


def test_the_allow_list_through_the_api(acme, rival):
    assert acme.get(f"{API}/organization").json["webhook_allow"] == []
    patch = acme.client.patch
    changed = patch(
        f"{API}/organization", headers=acme.auth,
        json={"webhook_allow": ["127.0.0.1", "10.1.2.3/8", " CRM.internal ", "127.0.0.1"]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.json
    assert changed.json["webhook_allow"] == ["127.0.0.1", "10.0.0.0/8", "crm.internal"]
    assert acme.get(f"{API}/organization").json["webhook_allow"] == changed.json["webhook_allow"]
    assert rival.get(f"{API}/organization").json["webhook_allow"] == []
    for body, field in (
        ({"webhook_allow": ["ok.internal", "0.0.0.0/0"]}, "body.webhook_allow.1"),
        ({"webhook_allow": ["not a host"]}, "body.webhook_allow.0"),
        ({"webhook_allow": [f"h{i}.internal" for i in range(51)]}, "body.webhook_allow"),
        ({"webhook_allow": None}, "body.webhook_allow"),
    ):
        refused = patch(f"{API}/organization", headers=acme.auth, json=body)
        assert refused.status_code == 422 and field in refused.json["error"]["fields"], body
    assert (
        patch(f"{API}/organization", headers=acme.auth, json={"webhook_allow": []}).json[
            "webhook_allow"
        ]
        == []
    )
    allow = AllowList.parse(changed.json["webhook_allow"])
    assert allow.admits_host("crm.internal") and not allow.admits_host("db.internal")


def test_the_allow_list_from_the_cli(db_url, clean_db, org_id):
    def run(*args: str):
        return CliRunner().invoke(main, list(args), env={"SEQUENCES_DATABASE_URL": db_url})

    org = str(org_id)
    done = run("org", "settings", "--org", org, "--webhook-allow", "crm.internal, 10.0.0.0/8",
               "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["webhook_allow"] == ["crm.internal", "10.0.0.0/8"]
    bad = run("org", "settings", "--org", org, "--webhook-allow", "0.0.0.0/0")
    assert bad.exit_code == 2 and "too broad" in bad.stderr
    emptied = run("org", "settings", "--org", org, "--webhook-allow", "", "--json")
    assert json.loads(emptied.stdout)["webhook_allow"] == []
    assert json.loads(run("org", "show", "--org", org, "--json").stdout)["webhook_allow"] == []
