"""The dashboard's routes, mounted at /dasbor (on the webhook listener, or on its own).

Every request is a GET: nothing here changes state, so there is nothing to forge (CSRF). A
link from /dasbor (`/dasbor/masuk?t=…`) becomes a session cookie (HttpOnly, Secure,
SameSite=Lax — Lax, so the first page after following the link from Telegram has it); every
page and download loads the person again and checks the run against them
(`application.dashboard`). Refusals are pages that say what to do, never data. Every answer
carries the security headers: a CSP without scripts, no framing, no sniffing, no referrer
(the link's token must not travel on), no caching.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

from aiohttp import web

from application.context import AppContext
from application.dashboard import exports, overview, run_page
from application.dashboard.access import LINK, SESSION, DashboardKeys, Verdict, session_for
from application.dashboard.access import verify as verify_token
from application.dashboard.scope import signed_in
from messages.web import page, stylesheet

log = logging.getLogger(__name__)

DASHBOARD_PATH = "/dasbor"
COOKIE = "kinerja_dasbor"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The headers on every answer, errors included; an unknown page is a page too."""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = _page("refused", "id", 404, reason="not_found", viewer_name="")
    except web.HTTPMethodNotAllowed:
        response = web.Response(status=405, text="read-only", headers={"Allow": "GET, HEAD"})
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def _page(name: str, lang: str, status: int = 200, **ctx: object) -> web.Response:
    """An HTML page of the dashboard."""
    return web.Response(
        status=status, text=page(name, lang, **ctx), content_type="text/html", charset="utf-8"
    )


def _file(name: str, mime: str, data: bytes) -> web.Response:
    """A download, named (UTF-8 names kept) and never shown inline."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return web.Response(body=data, content_type=mime, headers={"Content-Disposition": disposition})


class Dashboard:
    """The route handlers over the application context."""

    def __init__(self, ctx: AppContext, keys: DashboardKeys) -> None:
        self.ctx = ctx
        self.keys = keys

    def app(self) -> web.Application:
        """The sub-application to mount at DASHBOARD_PATH (read-only: GET routes only)."""
        app = web.Application(middlewares=[security_headers])
        get = app.router.add_get
        get("/", self.overview)
        get("/masuk", self.sign_in)
        get("/keluar", self.sign_out)
        get("/gaya.css", self.css)
        get("/ekspor.{kind:xlsx|csv}", self.overview_export)
        get("/proses/{run}", self.run)
        get("/proses/{run}/grafik.png", self.chart)
        get("/proses/{run}/jejak.{kind:xlsx|csv}", self.trail_export)
        get("/proses/{run}/berkas.pdf", self.dossier)
        get("/proses/{run}/arsip.zip", self.bundle)
        get("/proses/{run}/dokumen/{document}", self.document)
        return app

    # --- the session -------------------------------------------------------------------

    def _person(self, request: web.Request) -> str | None:
        """The person of a valid session cookie, if any."""
        token = request.cookies.get(COOKIE, "")
        verdict, person_id = verify_token(self.keys.key, SESSION, token, self.ctx.clock())
        return person_id if verdict is Verdict.VALID else None

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        """A link from /dasbor: a session for its person, then the overview."""
        now = self.ctx.clock()
        verdict, person_id = verify_token(self.keys.key, LINK, request.query.get("t", ""), now)
        v = await signed_in(self.ctx, person_id) if person_id is not None else None
        if verdict is not Verdict.VALID or v is None:
            reason = "link_expired" if verdict is Verdict.EXPIRED else "link_invalid"
            log.info("dashboard sign-in refused: %s", verdict.value)
            return _page("refused", "id", 403, reason=reason, viewer_name="")
        token, seconds = session_for(self.keys, v.person.id, now)
        response = web.Response(status=303, headers={"Location": f"{DASHBOARD_PATH}/"})
        response.set_cookie(
            COOKIE,
            token,
            max_age=seconds,
            path=DASHBOARD_PATH,
            secure=True,
            httponly=True,
            samesite="Lax",
        )
        return response

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        """Forget the session on this browser."""
        response = _page("refused", "id", 200, reason="left", viewer_name="")
        response.del_cookie(COOKIE, path=DASHBOARD_PATH)
        return response

    def _signed_out(self) -> web.Response:
        return _page("refused", "id", 401, reason="signed_out", viewer_name="")

    async def _not_yours(self, person_id: str) -> web.Response:
        """The run is not the viewer's to see (or does not exist): a page saying so, 403."""
        v = await signed_in(self.ctx, person_id)
        if v is None:
            return self._signed_out()
        lang, name = v.person.language, v.person.name
        return _page("refused", lang, 403, reason="not_yours", viewer_name=name)

    # --- pages ----------------------------------------------------------------------------

    async def css(self, request: web.Request) -> web.StreamResponse:
        """The stylesheet (public: it holds no data)."""
        return web.Response(body=stylesheet(), content_type="text/css", charset="utf-8")

    async def _overview(self, request: web.Request, person_id: str) -> overview.Overview | None:
        q = request.query
        period, sort = q.get("periode") or None, q.get("urut", "kantor")
        return await overview.overview(self.ctx, person_id, period, sort, q.get("arah") == "turun")

    async def overview(self, request: web.Request) -> web.StreamResponse:
        """The overview: offices × the chosen period's runs."""
        person_id = self._person(request)
        view = await self._overview(request, person_id) if person_id else None
        if view is None:
            return self._signed_out()
        return _page(
            "overview",
            view.lang,
            view=view,
            viewer_name=view.viewer_name,
            period_param=view.period or overview.ALL_PERIODS,
        )

    async def overview_export(self, request: web.Request) -> web.StreamResponse:
        """The overview as XLSX or CSV."""
        person_id = self._person(request)
        view = await self._overview(request, person_id) if person_id else None
        if view is None:
            return self._signed_out()
        rows = exports.overview_rows(view, view.lang)
        name = f"ikhtisar-{(view.period or 'semua').lower().replace(' ', '-')}"
        title = f"{view.kabupaten or view.office} — {view.period or ''}".rstrip(" —")
        return _table(request, name, rows, title, "Ikhtisar")

    async def _of_run(
        self, request: web.Request, find: Callable[[AppContext, str, str], Awaitable[T | None]]
    ) -> T | web.Response:
        """What `find` gives the signed-in viewer of the requested run; else the page that
        says why not (signed out: 401; not the viewer's run, or none: 403)."""
        person_id = self._person(request)
        if person_id is None:
            return self._signed_out()
        found = await find(self.ctx, person_id, request.match_info["run"])
        if found is None:
            return await self._not_yours(person_id)
        return found

    async def run(self, request: web.Request) -> web.StreamResponse:
        """A run's page."""
        view = await self._of_run(request, run_page.run_page)
        if isinstance(view, web.Response):
            return view
        return _page("run", view.lang, run=view, viewer_name=view.viewer_name)

    async def trail_export(self, request: web.Request) -> web.StreamResponse:
        """A run's trail as XLSX or CSV."""
        view = await self._of_run(request, run_page.run_page)
        if isinstance(view, web.Response):
            return view
        rows = exports.trail_rows(view, view.lang, self.ctx.timezone)
        name = f"jejak-{exports.slug(view.title)}"
        return _table(request, name, rows, f"{view.org} — {view.title}", "Jejak")

    async def chart(self, request: web.Request) -> web.StreamResponse:
        """A run's timeline chart (PNG)."""
        png = await self._of_run(request, run_page.chart)
        if isinstance(png, web.Response):
            return png
        return web.Response(body=png, content_type="image/png")

    async def _download(
        self,
        request: web.Request,
        find: Callable[[AppContext, str, str], Awaitable[run_page.Download | None]],
    ) -> web.StreamResponse:
        """A file of the run, when the viewer may have it."""
        found = await self._of_run(request, find)
        if isinstance(found, web.Response):
            return found
        return _file(found.name, found.mime_type, found.data)

    async def dossier(self, request: web.Request) -> web.StreamResponse:
        """The run's dossier (PDF), for full access."""
        return await self._download(request, lambda c, p, r: run_page.archive(c, p, r, "pdf"))

    async def bundle(self, request: web.Request) -> web.StreamResponse:
        """The run's archive bundle (ZIP), for full access."""
        return await self._download(request, lambda c, p, r: run_page.archive(c, p, r, "zip"))

    async def document(self, request: web.Request) -> web.StreamResponse:
        """One document of the run, when the viewer may download it."""
        doc = request.match_info["document"]
        return await self._download(request, lambda c, p, r: run_page.document(c, p, r, doc))


def _table(
    request: web.Request, name: str, rows: Sequence[Sequence[exports.Cell]], title: str, sheet: str
) -> web.Response:
    """A table as the download its route asks for: CSV, else XLSX with a title row."""
    if request.match_info["kind"] == "csv":
        return _file(f"{name}.csv", "text/csv", exports.as_csv(rows))
    return _file(f"{name}.xlsx", exports.XLSX_MIME, exports.as_xlsx(rows, title, sheet))


def dashboard_app(ctx: AppContext) -> web.Application | None:
    """The dashboard's sub-application, or None when this server publishes no dashboard."""
    return Dashboard(ctx, ctx.dashboard).app() if ctx.dashboard is not None else None
