"""The demo page (``/``) and the API docs (``/docs``), served from the package with no CDN.

``calendar_ner/static`` holds the page (plain HTML, JS and CSS, no build step) and Swagger UI's
browser bundle (``static/swagger-ui``, from the npm package ``swagger-ui-dist``, Apache-2.0,
its LICENSE beside it), so both work offline.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


def add_web_routes(app: FastAPI) -> None:
    """``/`` (the demo page), ``/static/…`` and ``/docs`` (Swagger UI from ``/static``)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} - API docs",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )
