"""The worker's settings, read once from the environment; a bad value names its variable."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Mapping, Optional


class SettingsError(Exception):
    pass


# The Node processes' LOG_LEVEL names (pino), so one .env value serves every service.
LOG_LEVELS = {
    "trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
    "error": logging.ERROR, "fatal": logging.CRITICAL, "silent": logging.CRITICAL + 10,
}

# CTranslate2's compute types.
COMPUTE_TYPES = ("float16", "int8", "int8_float16", "int8_float32", "int8_bfloat16", "bfloat16", "float32")


@dataclass(frozen=True)
class Settings:
    model: str
    device: str
    compute_type: str
    batch_size: int
    hf_token: Optional[str]
    host: str
    port: int
    log_level: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        def integer(name: str, default: int, minimum: int, maximum: int) -> int:
            raw = get(name, str(default))
            if not raw.isdigit() or not minimum <= int(raw) <= maximum:
                raise SettingsError(f"Invalid environment variable {name}: must be a whole number from {minimum} to {maximum}")
            return int(raw)

        device = get("DEVICE", "cuda")
        if device not in ("cuda", "cpu"):
            raise SettingsError("Invalid environment variable DEVICE: must be cuda or cpu")
        # float16 on a GPU as WhisperX recommends; int8 is what makes large models usable on a CPU.
        compute_type = get("COMPUTE_TYPE", "float16" if device == "cuda" else "int8")
        if compute_type not in COMPUTE_TYPES:
            raise SettingsError(f"Invalid environment variable COMPUTE_TYPE: must be one of {', '.join(COMPUTE_TYPES)}")
        log_level = get("LOG_LEVEL", "info").lower()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"Invalid environment variable LOG_LEVEL: must be one of {', '.join(LOG_LEVELS)}")
        return cls(
            model=get("WHISPERX_MODEL", "large-v3"),
            device=device,
            compute_type=compute_type,
            batch_size=integer("BATCH_SIZE", 16 if device == "cuda" else 4, 1, 256),
            hf_token=env.get("HF_TOKEN", "").strip() or None,
            host=get("HOST", "0.0.0.0"),
            port=integer("PORT", 8000, 0, 65535),
            log_level=LOG_LEVELS[log_level],
        )
