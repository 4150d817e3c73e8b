"""The baseline for benchmarks/tracking.py: a bare Flask route answering the same GIF."""

from flask import Flask, Response

from tracking_app.tracking import NO_STORE, PIXEL

app = Flask(__name__)


@app.get("/pixel.gif")
def pixel() -> Response:
    return Response(PIXEL, mimetype="image/gif", headers=NO_STORE)


@app.get("/healthz")
def health() -> Response:
    return Response("ok")
