"""WhisperX behind one call: audio file in, WhisperX JSON out, with progress and clear failures.

The speech model is loaded once; alignment models are cached per language and the diarization pipeline
once loaded. Known failures become `TranscriptionError`s whose codes the Node client explains to users
(processor/engines/whisperx.transcriber.ts): no_align_model, diarization_auth, gpu_out_of_memory,
no_speech, bad_audio.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Optional

import whisperx

from settings import Settings

log = logging.getLogger("whisperx-worker")

SAMPLE_RATE = 16_000
# Each alignment model holds 0.4-1.2 GB of GPU memory; a server rarely sees more than a few languages.
MAX_CACHED_ALIGN_MODELS = 3

Progress = Callable[[str, float], None]


class TranscriptionError(Exception):
    """A failure with a code the client understands; the message is for logs and operators."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Job:
    language: Optional[str]
    diarize: bool
    min_speakers: Optional[int]
    max_speakers: Optional[int]


def is_out_of_memory(err: BaseException) -> bool:
    # torch: OutOfMemoryError "CUDA out of memory"; CTranslate2: RuntimeError "CUDA failed with error out
    # of memory"; cuBLAS/cuDNN: "..._STATUS_ALLOC_FAILED".
    text = str(err).lower()
    return type(err).__name__ == "OutOfMemoryError" or "out of memory" in text or "alloc_failed" in text


def looks_like_hub_auth_failure(err: BaseException) -> bool:
    # pyannote prints "Could not download ... gated" and returns None for a missing, invalid or unaccepted
    # token, so WhisperX then fails on `None.to(device)`; newer hubs raise 401/403 errors instead.
    text = str(err)
    if isinstance(err, AttributeError) and "NoneType" in text:
        return True
    if type(err).__name__ in ("GatedRepoError", "RepositoryNotFoundError"):
        return True
    return any(marker in text for marker in ("401", "403", "gated", "Unauthorized", "authenticat"))


def free_gpu_memory() -> None:
    gc.collect()
    try:
        import torch  # installed with whisperx; imported lazily so the service starts without it in tests
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class Transcriber:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._model: Any = None
        self._align_models: OrderedDict[str, tuple[Any, dict]] = OrderedDict()
        self._diarizer: Any = None

    def load(self) -> None:
        """Loads the speech model (and, with a token, the diarization pipeline) before the first job."""
        s = self._settings
        started = time.monotonic()
        self._model = whisperx.load_model(s.model, s.device, compute_type=s.compute_type)
        log.info("loaded %s on %s (%s) in %.1fs", s.model, s.device, s.compute_type, time.monotonic() - started)
        if s.hf_token:
            try:
                self._diarization_pipeline()
            except Exception as err:
                # Speech without speakers still works; jobs that ask for speakers try again and get the error.
                log.warning("diarization unavailable: %s", err.message if isinstance(err, TranscriptionError) else err)

    @property
    def diarization_ready(self) -> bool:
        return self._diarizer is not None

    def run(self, audio_path: str, job: Job, progress: Progress) -> dict:
        """Transcribes, aligns and (if asked) diarizes; raises TranscriptionError for known failures."""
        try:
            return self._run(audio_path, job, progress)
        except TranscriptionError:
            raise
        except Exception as err:
            if not is_out_of_memory(err):
                raise
            free_gpu_memory()
            raise TranscriptionError("gpu_out_of_memory", str(err)[:300]) from err

    def _run(self, audio_path: str, job: Job, progress: Progress) -> dict:
        try:
            audio = whisperx.load_audio(audio_path)
        except RuntimeError as err:
            # ffmpeg's last line says why ("Invalid data found when processing input"), after the file name.
            reason = str(err).strip().splitlines()[-1].replace(f"{audio_path}: ", "")
            raise TranscriptionError("bad_audio", f"the audio could not be decoded: {reason}"[:300]) from err
        if len(audio) == 0:
            raise TranscriptionError("no_speech", "the audio is empty")

        # Settings problems surface before minutes of GPU work rather than after.
        diarizer = self._diarization_pipeline() if job.diarize else None
        if job.language:
            self._align_model(job.language)

        progress("transcribe", 0)
        transcript = self._transcribe(audio, job.language, progress)
        language = transcript["language"]
        if not any(segment.get("text", "").strip() for segment in transcript["segments"]):
            raise TranscriptionError("no_speech", f"no speech found in {len(audio) / SAMPLE_RATE:.1f}s of audio")

        progress("align", 0)
        model, metadata = self._align_model(language)
        result = whisperx.align(
            transcript["segments"], model, metadata, audio, self._settings.device,
            return_char_alignments=False,
            progress_callback=lambda percent: progress("align", percent),
        )
        # align() drops the language; the CLI puts it back the same way.
        result["language"] = language

        if diarizer is not None:
            progress("diarize", 0)
            turns = diarizer(
                audio, min_speakers=job.min_speakers, max_speakers=job.max_speakers,
                progress_callback=lambda percent: progress("diarize", percent),
            )
            result = whisperx.assign_word_speakers(turns, result)
        return result

    def _transcribe(self, audio: Any, language: Optional[str], progress: Progress) -> dict:
        def attempt(batch_size: int) -> dict:
            return self._model.transcribe(
                audio, batch_size=batch_size, language=language,
                progress_callback=lambda percent: progress("transcribe", percent),
            )

        batch_size = self._settings.batch_size
        try:
            return attempt(batch_size)
        except Exception as err:
            if not is_out_of_memory(err) or batch_size == 1:
                raise
        free_gpu_memory()
        smaller = batch_size // 2
        log.warning("GPU out of memory at batch size %d; retrying once with %d", batch_size, smaller)
        progress("transcribe", 0)
        return attempt(smaller)

    def _align_model(self, language: str) -> tuple[Any, dict]:
        cached = self._align_models.get(language)
        if cached is not None:
            self._align_models.move_to_end(language)
            return cached
        try:
            loaded = whisperx.load_align_model(language_code=language, device=self._settings.device)
        except ValueError as err:
            if "No default align-model" in str(err):
                raise TranscriptionError("no_align_model", f"no alignment model for language {language!r}") from err
            raise
        self._align_models[language] = loaded
        if len(self._align_models) > MAX_CACHED_ALIGN_MODELS:
            evicted, _ = self._align_models.popitem(last=False)
            free_gpu_memory()
            log.info("unloaded the %s alignment model", evicted)
        log.info("loaded the alignment model for %s", language)
        return loaded

    def _diarization_pipeline(self) -> Any:
        if self._diarizer is not None:
            return self._diarizer
        token = self._settings.hf_token
        if not token:
            raise TranscriptionError(
                "diarization_auth", "HF_TOKEN is not set; diarization needs a Hugging Face token with the pyannote terms accepted",
            )
        from whisperx.diarize import DiarizationPipeline  # pulls in pyannote: only when speakers are wanted

        try:
            self._diarizer = DiarizationPipeline(token=token, device=self._settings.device)
        except Exception as err:
            if not looks_like_hub_auth_failure(err):
                raise
            raise TranscriptionError(
                "diarization_auth",
                "Hugging Face refused the diarization model: check HF_TOKEN and accept the terms of "
                "pyannote/speaker-diarization-community-1",
            ) from err
        log.info("loaded the diarization pipeline")
        return self._diarizer
