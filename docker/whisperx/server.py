"""WhisperX worker: keeps the models loaded and transcribes one recording at a time (docs/architecture.md#whisperx-worker-contract).

    POST /v1/transcribe?language=en&diarize=true&min_speakers=2&max_speakers=4   (body: FLAC or WAV)
        200 application/x-ndjson, one event a line:
            {"type":"progress","stage":"transcribe|align|diarize","percent":n} ...
            then {"type":"result","result":{...WhisperX JSON...}} or {"type":"error","code":"...","message":"..."}
        400/411 {"type":"error","code":"bad_request",...}; 503 + Retry-After while loading or busy
    GET /healthz  ->  {"model","device","compute_type","ready","busy","diarization"}; 503 until the model is loaded

Standard library only besides whisperx: the service is one model behind one lock, not a web application.
"""

from __future__ import annotations

import json
import logging
import math
import re
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from settings import Settings, SettingsError
from transcription import Job, Transcriber, TranscriptionError

log = logging.getLogger("whisperx-worker")

# A job takes minutes; callers (the processor's queue) retry later rather than hold a connection open.
RETRY_AFTER_SECONDS = 15
READ_CHUNK_BYTES = 1 << 20
# Long enough for a slow upload chunk or a client reading slowly; a vanished client frees the GPU after it.
SOCKET_TIMEOUT_SECONDS = 300
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class ClientGone(Exception):
    """The caller hung up; the job in hand is abandoned."""


class BadRequest(ValueError):
    pass


def parse_job(query: str) -> Job:
    params = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}

    def speakers(name: str) -> Optional[int]:
        raw = params.get(name, "")
        if raw == "":
            return None
        if not raw.isdigit() or int(raw) < 1:
            raise BadRequest(f"{name} must be a positive integer, not {raw!r}")
        return int(raw)

    language = params.get("language", "").strip().lower() or None
    if language is not None and not LANGUAGE_CODE.match(language):
        raise BadRequest(f"language must be a language code such as en, not {language!r}")
    diarize = params.get("diarize", "false")
    if diarize not in ("true", "false"):
        raise BadRequest(f"diarize must be true or false, not {diarize!r}")
    job = Job(language, diarize == "true", speakers("min_speakers"), speakers("max_speakers"))
    if job.min_speakers and job.max_speakers and job.min_speakers > job.max_speakers:
        raise BadRequest("min_speakers must not exceed max_speakers")
    return job


def plain(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, NumPy scalars and arrays plain numbers and lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays, without importing NumPy
        return plain(value.tolist())
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def json_line(event: dict) -> bytes:
    return (json.dumps(plain(event), allow_nan=False, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def error_event(code: str, message: str) -> dict:
    return {"type": "error", "code": code, "message": message}


class ProgressLines:
    """Turns WhisperX's per-batch callbacks into progress lines, one per whole percent at most."""

    def __init__(self, send: Callable[[dict], None]):
        self._send = send
        self._last: Optional[tuple[str, int]] = None

    def __call__(self, stage: str, percent: float) -> None:
        current = (stage, int(min(100.0, max(0.0, percent))) if math.isfinite(percent) else 0)
        if current != self._last:
            self._last = current
            self._send({"type": "progress", "stage": stage, "percent": current[1]})


class WorkerServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, settings: Settings, transcriber: Transcriber):
        super().__init__((settings.host, settings.port), WorkerHandler)
        self.settings = settings
        self.transcriber = transcriber
        self.ready = threading.Event()
        # One job at a time: a second one would only compete for the same GPU memory.
        self.job_lock = threading.Lock()


class WorkerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    server: WorkerServer

    def do_GET(self) -> None:
        if urlsplit(self.path).path != "/healthz":
            self._send_json(404, error_event("not_found", f"no route GET {self.path}"))
            return
        s, ready = self.server.settings, self.server.ready.is_set()
        self._send_json(200 if ready else 503, {
            "model": s.model, "device": s.device, "compute_type": s.compute_type, "ready": ready,
            "busy": self.server.job_lock.locked(), "diarization": self.server.transcriber.diarization_ready,
        })

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = self._content_length()
        if length is None:
            self.close_connection = True
            self._send_json(411, error_event("bad_request", "send the audio with a Content-Length"))
            return
        # Refusals read the body first: closing on unread data resets the connection, losing the answer.
        if url.path != "/v1/transcribe":
            self._discard_body(length)
            self._send_json(404, error_event("not_found", f"no route POST {url.path}"))
            return
        try:
            job = parse_job(url.query)
        except BadRequest as err:
            self._discard_body(length)
            self._send_json(400, error_event("bad_request", str(err)))
            return
        if length == 0:
            self._send_json(400, error_event("bad_audio", "the request has no audio"))
            return
        if not self.server.ready.is_set():
            self._refuse_for_now(length, "loading", "the model is still loading")
            return
        if not self.server.job_lock.acquire(blocking=False):
            self._refuse_for_now(length, "busy", "another recording is being transcribed")
            return
        try:
            with tempfile.NamedTemporaryFile(prefix="whisperx-", suffix=".audio") as audio:
                self._receive_body(audio, length)
                self._transcribe(audio.name, job)
        except ClientGone:
            self.close_connection = True
            log.info("the client went away; job abandoned")
        finally:
            self.server.job_lock.release()

    def _transcribe(self, audio_path: str, job: Job) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        started = time.monotonic()
        try:
            result = self.server.transcriber.run(audio_path, job, ProgressLines(self._send_chunk))
            last = json_line({"type": "result", "result": result})
            log.info(
                "transcribed: language=%s diarize=%s segments=%d in %.1fs",
                result.get("language"), job.diarize, len(result.get("segments", [])), time.monotonic() - started,
            )
        except TranscriptionError as err:
            log.warning("job failed: %s", err)
            last = json_line(error_event(err.code, self._without_token(err.message)))
        except ClientGone:
            raise
        except Exception as err:
            log.exception("job failed unexpectedly")
            last = json_line(error_event("internal_error", self._without_token(f"{type(err).__name__}: {err}")[:500]))
        self._write_chunk(last)
        self._write(b"0\r\n\r\n")

    def _send_chunk(self, event: dict) -> None:
        self._write_chunk(json_line(event))

    def _write_chunk(self, data: bytes) -> None:
        self._write(b"%x\r\n%s\r\n" % (len(data), data))

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError as err:  # broken pipe, reset, timeout
            raise ClientGone() from err

    def _content_length(self) -> Optional[int]:
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit() or self.headers.get("Transfer-Encoding"):
            return None
        return int(raw)

    def _receive_body(self, target: Any, length: int) -> None:
        remaining = length
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(READ_CHUNK_BYTES, remaining))
                if not chunk:
                    raise ClientGone()
                target.write(chunk)
                remaining -= len(chunk)
        except OSError as err:
            raise ClientGone() from err
        target.flush()

    def _discard_body(self, length: int) -> None:
        try:
            self._receive_body(_Sink(), length)
        except ClientGone:
            self.close_connection = True

    def _refuse_for_now(self, length: int, code: str, message: str) -> None:
        self._discard_body(length)
        self._send_json(503, error_event(code, message), {"Retry-After": str(RETRY_AFTER_SECONDS)})

    def _send_json(self, status: int, body: dict, headers: Optional[dict] = None) -> None:
        data = json_line(body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _without_token(self, text: str) -> str:
        token = self.server.settings.hf_token
        return text.replace(token, "[redacted]") if token else text

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _Sink:
    def write(self, _data: bytes) -> None:
        pass

    def flush(self) -> None:
        pass


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as err:
        print(f"whisperx worker: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    server = WorkerServer(settings, Transcriber(settings))
    load_failed = threading.Event()

    def load() -> None:
        try:
            server.transcriber.load()
        except Exception:
            log.exception("could not load the model %s on %s", settings.model, settings.device)
            load_failed.set()
            server.shutdown()
            return
        server.ready.set()
        log.info("ready")

    def stop(signum: int, _frame: Any) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    # Health answers (not ready) while the model loads, which can take minutes on first start.
    log.info("listening on %s:%d", host, port)
    threading.Thread(target=load, name="model-loader", daemon=True).start()
    server.serve_forever()
    server.server_close()
    return 1 if load_failed.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
