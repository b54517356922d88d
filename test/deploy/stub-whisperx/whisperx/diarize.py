"""Stand-in for whisperx.diarize (3.8): DiarizationPipeline(token=...) and its turns."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional

from whisperx import Audio, record


class DiarizationPipeline:
    def __init__(self, model_name: Optional[str] = None, token: Optional[str] = None, device: Any = "cpu", cache_dir: Any = None):
        record("DiarizationPipeline", model_name=model_name, device=str(device), with_token=token is not None)
        if token == "hf_stub_offline":
            # huggingface_hub when the hub is unreachable and nothing is cached.
            raise OSError("We couldn't connect to 'https://huggingface.co' to load the files, and couldn't find them in the cached files.")
        if token != os.environ.get("STUB_WHISPERX_VALID_TOKEN", "hf_stub_valid"):
            # What a missing, invalid or unaccepted token does in whisperx 3.8: pyannote prints this and
            # returns None, and whisperx calls .to(device) on it.
            print("Could not download 'pyannote/speaker-diarization-community-1' pipeline.\n"
                  "It might be because the pipeline is private or gated so make sure to authenticate.", file=sys.stderr)
            raise AttributeError("'NoneType' object has no attribute 'to'")

    def __call__(
        self, audio: Audio, num_speakers: Optional[int] = None, min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None, return_embeddings: bool = False,
        progress_callback: Optional[Callable[[float], None]] = None,
    ) -> list[dict]:
        """Turns (the rows of whisperx's DataFrame): one per sentence said, at most max_speakers labels."""
        record("diarize", min_speakers=min_speakers, max_speakers=max_speakers)
        labels: list[str] = []
        turns = []
        for speaker, _text, start, end in audio.sentences():
            if speaker not in labels:
                labels.append(speaker)
            if max_speakers and labels.index(speaker) >= max_speakers:
                speaker = labels[max_speakers - 1]
            turns.append({"start": start, "end": end, "speaker": speaker})
        if progress_callback is not None:
            progress_callback(50.0)
            progress_callback(100.0)
        return turns
