"""The class session's web server: a small ASGI app (Starlette) over one `ClassSession`.

Pages are plain HTML and JavaScript (`sim/classmode/pages/`: one shell, `page.html`, around
each page's body) over a JSON API:

- `GET /` the student's page, `GET /teacher` the teacher's (opened once with `?key=` from the
  console; the key is then kept in a cookie);
- `POST /api/join` {code, name, region?}: a place in the class, held by a secret token in an
  HttpOnly cookie, so a reloaded page gets its region and decisions back;
- `GET /api/student`, `POST /api/decide` {year, proposals, accepted, delegation,
  funding_share}: the student's own region only, whatever the request says;
- `GET /api/teacher`, `POST /api/teacher/start`, `POST /api/teacher/step`,
  `GET /api/teacher/debrief`: the teacher's key only.

Every request body is JSON of at most `MAX_BODY` bytes; a bad one gets status 400 and one
message, a refused one 403 (or 409 when it is not the time), both as `{"error": ...}` in the
page's language. The session's methods run in worker threads, so that a step does not hold up
the students' pages.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sim.classmode.session import ClassSession, Refused
from sim.classmode.texts import messages, refusal
from sim.data import region_names
from sim.errors import InputError
from sim.i18n import LANGUAGES, N_, language_name

PAGES = Path(__file__).parent / "pages"
MAX_BODY = 4096  # bytes: a decision is a few hundred
STUDENT_COOKIE, TEACHER_COOKIE, LANG_COOKIE = "tf_student", "tf_teacher", "tf_lang"


def _language(request: Request, default: str) -> str:
    """The page's language: `?lang=`, else the cookie, else the server's."""
    for lang in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if lang in LANGUAGES:
            return lang
    return default


def create_app(session: ClassSession, lang: str = "en") -> Starlette:
    """The ASGI app serving `session`'s pages and API; `lang` is the default language."""

    def error(request: Request, exc: Exception) -> JSONResponse:
        page_lang = _language(request, lang)
        if isinstance(exc, Refused):
            names = region_names(page_lang)
            fields = {
                k: names.get(v, v) if k in ("region", "other") else v for k, v in exc.fields.items()
            }
            status = 409 if exc.wait else 403
            return JSONResponse(
                {"error": refusal(page_lang, exc.template, fields)}, status_code=status
            )
        return JSONResponse({"error": str(exc)}, status_code=400)

    async def body(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            raise InputError("send JSON (Content-Type: application/json)", source="request")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise InputError(f"a request is at most {MAX_BODY} bytes", source="request")
        try:
            value = json.loads(raw or b"{}")
        except ValueError as exc:
            raise InputError(f"malformed JSON: {exc}", source="request") from exc
        if not isinstance(value, dict):
            raise InputError("send a JSON object", source="request")
        return value

    def endpoint(handler: Callable[..., Any], teacher: bool = False) -> Callable:
        async def run(request: Request) -> Response:
            try:
                if teacher and not session.is_teacher(request.cookies.get(TEACHER_COOKIE)):
                    raise Refused(N_("only the teacher may do that"))
                return await handler(request)
            except (Refused, InputError) as exc:
                return error(request, exc)

        return run

    def page(name: str, request: Request) -> HTMLResponse:
        page_lang = _language(request, lang)
        shell = (PAGES / "page.html").read_text(encoding="utf-8")
        text = shell.replace("__BODY__", (PAGES / f"{name}.html").read_text(encoding="utf-8"))
        settings = {
            "lang": page_lang,
            "t": messages(page_lang),
            "names": region_names(page_lang),
            "border": {r: region_names(page_lang)[r] for r in session.border},
            "languages": {code: language_name(code) for code in LANGUAGES},
        }
        script = json.dumps(settings, ensure_ascii=False).replace("</", "<\\/")
        text = text.replace("__SETTINGS__", script).replace("__LANG__", page_lang)
        response = HTMLResponse(text, headers={"Cache-Control": "no-store"})
        response.set_cookie(LANG_COOKIE, page_lang, samesite="strict")
        return response

    async def student_page(request: Request) -> Response:
        return page("student", request)

    async def teacher_page(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None:
            if not session.is_teacher(key):
                return JSONResponse({"error": "not the teacher's key"}, status_code=403)
            response = RedirectResponse("/teacher", status_code=303)
            response.set_cookie(TEACHER_COOKIE, key, httponly=True, samesite="strict")
            return response
        if not session.is_teacher(request.cookies.get(TEACHER_COOKIE)):
            return JSONResponse(
                {"error": "open the teacher's address the server printed"}, status_code=403
            )
        return page("teacher", request)

    async def join(request: Request) -> Response:
        data = await body(request)
        token, _ = await run_in_threadpool(
            session.join, data.get("code"), data.get("name"), data.get("region")
        )
        response = JSONResponse(await run_in_threadpool(session.student_state, token))
        response.set_cookie(STUDENT_COOKIE, token, httponly=True, samesite="strict")
        return response

    async def student(request: Request) -> Response:
        token = request.cookies.get(STUDENT_COOKIE)
        return JSONResponse(await run_in_threadpool(session.student_state, token))

    async def decide(request: Request) -> Response:
        token = request.cookies.get(STUDENT_COOKIE)
        data = await body(request)
        await run_in_threadpool(session.decide, token, data)
        return JSONResponse(await run_in_threadpool(session.student_state, token))

    async def teacher(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(session.teacher_state))

    async def start(_: Request) -> Response:
        await run_in_threadpool(session.start)
        return JSONResponse(await run_in_threadpool(session.teacher_state))

    async def step(_: Request) -> Response:
        await run_in_threadpool(session.step)
        return JSONResponse(await run_in_threadpool(session.teacher_state))

    async def debrief(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(session.debrief))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        kinds = {"class.js": "text/javascript", "class.css": "text/css"}
        if name not in kinds:
            return Response(status_code=404)
        return Response((PAGES / name).read_text(encoding="utf-8"), media_type=kinds[name])

    routes = [
        Route("/", endpoint(student_page)),
        Route("/teacher", teacher_page),
        Route("/assets/{name}", asset),
        Route("/api/join", endpoint(join), methods=["POST"]),
        Route("/api/student", endpoint(student)),
        Route("/api/decide", endpoint(decide), methods=["POST"]),
        Route("/api/teacher", endpoint(teacher, teacher=True)),
        Route("/api/teacher/start", endpoint(start, teacher=True), methods=["POST"]),
        Route("/api/teacher/step", endpoint(step, teacher=True), methods=["POST"]),
        Route("/api/teacher/debrief", endpoint(debrief, teacher=True)),
    ]
    return Starlette(routes=routes)


class ClassServer:
    """`create_app` served by uvicorn on `host:port` (0: a free port), in this thread or another.

    Args:
        session: The class session.
        host: Interface to listen on (default: this machine only).
        port: TCP port; 0 picks a free one.
        lang: The pages' default language.
    """

    def __init__(
        self, session: ClassSession, host: str = "127.0.0.1", port: int = 0, lang: str = "en"
    ):
        import uvicorn

        self.session = session
        self.socket = socket.create_server((host, port))
        self.host, self.port = host, self.socket.getsockname()[1]
        config = uvicorn.Config(create_app(session, lang), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The students' address."""
        return f"http://{self.host}:{self.port}/"

    @property
    def teacher_url(self) -> str:
        """The teacher's address, with the key that opens the teacher's page."""
        return f"{self.url}teacher?key={self.session.teacher_key}"

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        self.server.run(sockets=[self.socket])

    def start_in_thread(self, timeout: float = 30.0) -> None:
        """Serve from a background thread; return once it answers."""
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the class server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop a server started with `start_in_thread`."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.socket.close()
