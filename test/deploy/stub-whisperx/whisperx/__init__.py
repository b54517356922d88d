"""A stand-in for whisperx 3.8 (m-bain/whisperX) for tests on machines without models or a GPU.

Same functions, arguments and output shapes as the real package (quirks included: words of digits carry
only "word", a score can be NaN, `align` drops "language"), computed from the audio itself:
- `load_audio` decodes with ffmpeg exactly as whisperx does, so undecodable bodies fail the same way;
- audio whose loudest sample is near zero has no speech (the real VAD finds no segments);
- what was "said" is read from the audio's `comment` tag, a JSON object:
    {"said": [["SPEAKER_00", "First sentence."], ...], "language": "de", "hold": "/path/to/file"}
  ("language" is what detection finds; "hold" keeps transcription running until that file exists).
Environment:
- STUB_WHISPERX_CALLS: a file that gets one JSON line per call, for assertions;
- STUB_WHISPERX_GPU_MAX_BATCH: larger batches fail as CUDA out of memory;
- STUB_WHISPERX_LOAD_HOLD: a file; loading the model lasts until it exists;
- STUB_WHISPERX_VALID_TOKEN: the one HF token accepted ("hf_stub_offline" acts as if the hub were unreachable).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from array import array
from typing import Any, Callable, Optional

SAMPLE_RATE = 16000
SILENCE_PEAK = 300  # of 32767
DEFAULT_SAID = [["SPEAKER_00", "Hello from the stand-in model."]]
ALIGNABLE = {"en", "fr", "de", "es", "it", "nl", "ja", "zh", "pt", "pl", "ru"}  # a subset of whisperx's defaults
HOLD_LIMIT_SECONDS = 60


def record(fn: str, **details: Any) -> None:
    path = os.environ.get("STUB_WHISPERX_CALLS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"fn": fn, **details}) + "\n")


def wait_for(path: Optional[str]) -> None:
    """Blocks until the file exists (a test's signal to go on), for a minute at most."""
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while path and not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)


class Audio:
    """What load_audio returns (a float32 NumPy array in whisperx): samples, plus the stub's script."""

    def __init__(self, samples: array, script: dict):
        self.samples = samples
        self.script = script

    def __len__(self) -> int:
        return len(self.samples)

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def speech_span(self) -> Optional[tuple[float, float]]:
        """First and last loud 100 ms frame: where the "speech" is."""
        frame = SAMPLE_RATE // 10
        loud = [i for i in range(0, len(self.samples), frame) if max(map(abs, self.samples[i:i + frame]), default=0) > SILENCE_PEAK]
        if not loud:
            return None
        return loud[0] / SAMPLE_RATE, min(self.seconds, (loud[-1] + frame) / SAMPLE_RATE)

    def sentences(self) -> list[tuple[str, str, float, float]]:
        """(speaker, text, start, end) of each sentence said, sharing the speech span evenly."""
        span = self.speech_span()
        if span is None:
            return []
        said = self.script.get("said") or DEFAULT_SAID
        slot = (span[1] - span[0]) / len(said)
        return [(speaker, text, span[0] + i * slot, span[0] + (i + 1) * slot) for i, (speaker, text) in enumerate(said)]


def load_audio(file: str, sr: int = SAMPLE_RATE) -> Audio:
    cmd = ["ffmpeg", "-nostdin", "-threads", "0", "-i", file, "-f", "s16le", "-ac", "1", "-acodec", "pcm_s16le", "-ar", str(sr), "-"]
    try:
        out = subprocess.run(cmd, capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"Failed to load audio: {e.stderr.decode()}") from e
    samples = array("h")
    samples.frombytes(out)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_entries", "format_tags", file], capture_output=True, check=True,
    )
    tags = {k.lower(): v for k, v in json.loads(probe.stdout).get("format", {}).get("tags", {}).items()}
    script = json.loads(tags["comment"]) if tags.get("comment", "").startswith("{") else {}
    record("load_audio", seconds=round(len(samples) / sr, 3))
    return Audio(samples, script)


class FasterWhisperPipeline:
    def __init__(self, arch: str, language: Optional[str]):
        self.arch = arch
        self.preset_language = language

    def transcribe(
        self, audio: Audio, batch_size: Optional[int] = None, num_workers: int = 0, language: Optional[str] = None,
        task: Optional[str] = None, chunk_size: int = 30, print_progress: bool = False, combined_progress: bool = False,
        verbose: bool = False, progress_callback: Optional[Callable[[float], None]] = None,
    ) -> dict:
        record("transcribe", batch_size=batch_size, language=language)
        gpu_max_batch = os.environ.get("STUB_WHISPERX_GPU_MAX_BATCH")
        if gpu_max_batch and (batch_size or 1) > int(gpu_max_batch):
            # CTranslate2's words for it.
            raise RuntimeError("CUDA failed with error out of memory")
        language = language or self.preset_language or audio.script.get("language", "en")
        sentences = audio.sentences()
        wait_for(audio.script.get("hold"))
        segments = []
        for i, (_speaker, text, start, end) in enumerate(sentences):
            segments.append({"text": " " + text, "start": round(start, 3), "end": round(end, 3), "avg_logprob": -0.21 - i / 100})
            if progress_callback is not None:
                progress_callback((i + 1) / len(sentences) * 100)
        return {"segments": segments, "language": language}


def load_model(
    whisper_arch: str, device: str, device_index: int = 0, compute_type: str = "default", asr_options: Optional[dict] = None,
    language: Optional[str] = None, vad_model: Any = None, vad_method: Optional[str] = "pyannote", vad_options: Optional[dict] = None,
    model: Any = None, task: str = "transcribe", download_root: Optional[str] = None, local_files_only: bool = False,
    threads: int = 4, use_auth_token: Any = None,
) -> FasterWhisperPipeline:
    record("load_model", arch=whisper_arch, device=device, compute_type=compute_type)
    wait_for(os.environ.get("STUB_WHISPERX_LOAD_HOLD"))
    if whisper_arch.startswith("missing"):
        raise RuntimeError(f"Unable to open file 'model.bin' in model '{whisper_arch}'")
    return FasterWhisperPipeline(whisper_arch, language)


def load_align_model(language_code: str, device: str, model_name: Optional[str] = None, model_dir: Any = None, model_cache_only: bool = False):
    record("load_align_model", language=language_code, device=device)
    if model_name is None and language_code not in ALIGNABLE:
        raise ValueError(f"No default align-model for language: {language_code}")
    return object(), {"language": language_code, "dictionary": {}, "type": "torchaudio"}


def align(
    transcript: list, model: Any, align_model_metadata: dict, audio: Audio, device: str, interpolate_method: str = "nearest",
    return_char_alignments: bool = False, print_progress: bool = False, combined_progress: bool = False,
    progress_callback: Optional[Callable[[float], None]] = None,
) -> dict:
    record("align", language=align_model_metadata["language"], segments=len(transcript))
    segments = []
    for sdx, segment in enumerate(transcript):
        tokens = segment["text"].split()
        step = (segment["end"] - segment["start"]) / max(1, len(tokens))
        words = []
        for k, token in enumerate(tokens):
            if not any(ch.isalpha() for ch in token):
                words.append({"word": token})  # no characters in the alignment dictionary: no times
                continue
            start = segment["start"] + k * step
            words.append({"word": token, "start": round(start, 3), "end": round(start + 0.85 * step, 3), "score": round(0.8 + (k % 4) * 0.05, 3)})
        if sdx == 0 and words:
            words[-1]["score"] = math.nan  # as interpolation can leave it
        aligned = {"start": segment["start"], "end": segment["end"], "text": segment["text"].strip(), "words": words}
        if "avg_logprob" in segment:
            aligned["avg_logprob"] = segment["avg_logprob"]
        segments.append(aligned)
        if progress_callback is not None:
            progress_callback((sdx + 1) / len(transcript) * 100)
    return {"segments": segments, "word_segments": [w for s in segments for w in s["words"]]}


def assign_word_speakers(diarize_df: list, transcript_result: dict, speaker_embeddings: Any = None, fill_nearest: bool = False) -> dict:
    def speaker_of(start: float, end: float) -> Optional[str]:
        overlaps: dict[str, float] = {}
        for turn in diarize_df:
            overlap = min(turn["end"], end) - max(turn["start"], start)
            if overlap > 0:
                overlaps[turn["speaker"]] = overlaps.get(turn["speaker"], 0.0) + overlap
        return max(overlaps, key=overlaps.__getitem__) if overlaps else None

    for segment in transcript_result.get("segments", []):
        speaker = speaker_of(segment["start"], segment["end"])
        if speaker:
            segment["speaker"] = speaker
        for word in segment.get("words", []):
            if "start" in word:
                speaker = speaker_of(word["start"], word.get("end", word["start"]))
                if speaker:
                    word["speaker"] = speaker
    return transcript_result
