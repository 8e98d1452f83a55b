"""Real servers for the fault tests: a private Redis, a private PostgreSQL cluster and the app
under gunicorn, each on its own loopback port so that nothing shared on this machine (Redis on
6379, PostgreSQL on 5432) is ever stopped."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port(start: int, end: int) -> int:
    for port in range(start, end):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{end}")


def wait_for(check, timeout: float, what: str) -> None:  # noqa: ANN001 - a callable
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivateRedis:
    """redis-server on its own port, without persistence; stop() and start() at will."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            raise FileNotFoundError("redis-server is not installed")
        self.port = free_port(6390, 6399)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: _port_open(self.port), 10, "Redis start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        wait_for(lambda: not _port_open(self.port), 10, "Redis stop")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) on its own port, run as the
    `postgres` system user when we are root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise FileNotFoundError("no /usr/lib/postgresql/*/bin/initdb")
        self.bindir = Path(bins[-1]).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if not runuser:
                raise FileNotFoundError("running as root without runuser")
            self.as_user = [runuser, "-u", "postgres", "--"]
        self.port = free_port(5440, 5449)
        self.dir = Path(tempfile.mkdtemp(prefix="stagecoach-wt9-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "pg.log"
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.url_base = f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_user, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr[-1500:]}")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def createdb(self, name: str) -> str:
        subprocess.run(
            ["psql", f"{self.url_base}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True
        )
        return f"{self.url_base}/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def app_env(*, database_url: str, redis_url: str = "", static_root: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        # The test process signs the session it hands to the client with its own key.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        # Reminder emails are accepted in memory: the tests look at ReminderSent.sent_at.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.update(extra)
    if not redis_url:
        env.pop("REDIS_URL")
    return env


def collect_static(static_root: Path) -> None:
    env = app_env(database_url="sqlite:///:memory:", static_root=static_root)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )


class AppServer:
    """The app under gunicorn, the way production runs it (DEBUG off, WhiteNoise)."""

    def __init__(self, env: dict, workers: int = 2) -> None:
        self.port = free_port(8091, 8099)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
            + ["--timeout", "60", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        wait_for(lambda: _port_open(self.port), 30, "gunicorn start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def browser(base: str, session_key: str) -> httpx.Client:
    """An HTTP client holding a logged-in session. With DEBUG off the app marks its cookies
    Secure, which a client on plain http would not send back: the client clears that flag."""
    client = httpx.Client(base_url=base, timeout=30)

    def insecure(response: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            cookie.secure = False

    client.event_hooks["response"] = [insecure]
    client.cookies.set("sessionid", session_key, domain="127.0.0.1")
    return client


def csrf_from(client: httpx.Client, response: httpx.Response) -> str:
    """The CSRF token the page set as a cookie, for the X-CSRFToken header."""
    token = client.cookies.get("csrftoken")
    assert token, "the page set no CSRF cookie"
    return token


def start_worker(env: dict, *, name: str, pool: str = "solo") -> subprocess.Popen:
    """A real Celery worker on the default queue of the broker `env` names."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", pool, "-c", "1"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        + ["-n", f"{name}@%h", "-l", "warning"],
        cwd=ROOT,
        env=env,
    )


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def form_login(base: str, username: str, password: str) -> httpx.Client:
    """Log in through the real login form (CSRF cookie and token) and return the client."""
    client = browser(base, "")
    client.cookies.delete("sessionid")
    page = client.get("/accounts/login/")
    assert page.status_code == 200, page.status_code
    done = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_from(client, page),
        },
    )
    assert done.status_code == 302, f"login as {username} failed: {done.status_code}"
    return client


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


class SmtpSink:
    """A minimal SMTP server on a loopback port that keeps every message it accepts
    (`messages`: raw text), for mail sent by a real server or worker process."""

    def __init__(self) -> None:
        import socketserver
        import threading

        sink = self
        self.messages: list[str] = []

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 sink ESMTP")
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip().split(" ")[0].upper()
                    if verb == "DATA":
                        self.reply("354 end with <CRLF>.<CRLF>")
                        lines = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(chunk.decode(errors="replace"))
                        sink.messages.append("".join(lines))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    elif verb == "EHLO":
                        self.reply("250 sink")
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
