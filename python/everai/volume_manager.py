"""
`context.volume_manager`: pushes and pulls volumes' local caches through the everai CLI, which
owns the volume protocol (streamed uploads of only what the platform lacks, atomic revisions,
progress bars). `everai app prepare` and `app run` tell the SDK which CLI started them; elsewhere
the `everai` on PATH serves.
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from .contract import WORKER_ID_ENV
from .errors import EveraiError

# The argv of the CLI that runs this Python (`["/usr/bin/node", "/…/bin/everai.js"]`), as JSON.
CLI_ENV = "EVERAI_CLI"


@dataclass(frozen=True)
class PushResult:
    revision: str
    # False when the platform already had exactly these files: no revision was made.
    created: bool
    uploaded_files: int
    uploaded_bytes: int
    # The volume had moved past the cache's base, and the push was merged onto `merged_with`.
    merged: bool
    merged_with: str | None


@dataclass(frozen=True)
class PullResult:
    revision: str
    files: int
    downloaded_files: int
    downloaded_bytes: int
    deleted_files: int


def cli_command() -> list[str]:
    given = os.environ.get(CLI_ENV)
    if given:
        command = json.loads(given)
        if isinstance(command, list) and command and all(isinstance(word, str) for word in command):
            return command
        raise EveraiError("EVERAI_INTERNAL", f"{CLI_ENV} must be a JSON list of strings, got {given!r}")
    found = shutil.which("everai")
    if found is None:
        raise EveraiError(
            "EVERAI_USAGE",
            "context.volume_manager runs the everai CLI, and there is no `everai` on PATH: run the hooks with `everai app prepare`",
        )
    return [found]


class VolumeManager:
    def push(self, name: str) -> PushResult:
        """Uploads what the local cache has that the platform lacks, as a new revision."""
        result = self._transfer("push", name)
        return PushResult(
            revision=result["revision"],
            created=result["created"],
            uploaded_files=result["uploadedFiles"],
            uploaded_bytes=result["uploadedBytes"],
            merged=result["merged"],
            merged_with=result["mergedWith"],
        )

    def pull(self, name: str) -> PullResult:
        """Brings the local cache to the volume's newest revision."""
        result = self._transfer("pull", name)
        return PullResult(
            revision=result["revision"],
            files=result["files"],
            downloaded_files=result["downloadedFiles"],
            downloaded_bytes=result["downloadedBytes"],
            deleted_files=result["deletedFiles"],
        )

    def _transfer(self, verb: str, name: str) -> dict[str, Any]:
        # A worker's volumes are read-only revisions pinned by the platform; pushing happens in
        # `everai app prepare`, where the local cache is.
        if os.environ.get(WORKER_ID_ENV):
            raise EveraiError(
                "EVERAI_BAD_REQUEST", "a worker cannot push or pull volumes: its volumes are read-only; push from `everai app prepare`"
            )
        argv = [*cli_command(), "volume", verb, name, "-o", "json"]
        # Progress and errors go to this process's stderr as the CLI writes them; the result comes as JSON.
        done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            raise EveraiError("EVERAI_BAD_REQUEST", f"`everai volume {verb} {name}` failed (exit code {done.returncode}); its error is above")
        result: dict[str, Any] = json.loads(done.stdout)
        return result
