"""The Sequences UI inside Airflow: Airflow loads this module from its plugins folder.

Kept thin: the pages live in the `sequences_ui` package (which `.airflowignore` hides from
Airflow's file-by-file plugin import); this module only tells Airflow where they mount and
that "Sequences" belongs in its navigation. Every Airflow process imports it, task runs
included, so it imports nothing heavy: the app is built on its first request.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from sequences_ui.mount import URL_PREFIX, LazyApp


class SequencesPlugin(AirflowPlugin):
    name = "sequences"
    fastapi_apps = [{"name": "sequences_ui", "app": LazyApp(), "url_prefix": URL_PREFIX}]
    # Opens inside Airflow's own frame at /plugin/sequences; the iframe loads the href.
    external_views = [
        {
            "name": "Sequences",
            "href": f"{URL_PREFIX}/",
            "url_route": "sequences",
            "destination": "nav",
            "nav_top_level": True,
        }
    ]
