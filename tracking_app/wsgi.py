"""The WSGI entry point gunicorn serves: `gunicorn -c tracking_app/gunicorn_conf.py`."""

from tracking_app import create_app

app = create_app()
