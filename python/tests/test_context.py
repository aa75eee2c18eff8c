"""`context` reads what the platform gives a worker (EVERAI_VOLUMES, EVERAI_SECRETS, EVERAI_CONFIGMAPS), as the TypeScript SDK's does."""

import json
import sys
from pathlib import Path

import pytest

from everai.app import App, context
from everai.contract import CONFIGMAPS_ENV, SECRETS_ENV, VOLUMES_ENV, WORKER_ID_ENV
from everai.errors import EveraiError
from everai.volume_manager import CLI_ENV, PullResult, PushResult


def test_volumes_secrets_and_configmaps_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VOLUMES_ENV, json.dumps({"models": {"path": "/workspace/volumes/models", "revision": "000002-0ab", "ready": True}}))
    monkeypatch.setenv(SECRETS_ENV, json.dumps({"quay-secret": {"username": "me"}}))
    monkeypatch.setenv(CONFIGMAPS_ENV, json.dumps({"settings": {"greeting": "hello"}}))
    volume = context.get_volume("models")
    assert (volume.name, volume.path, volume.revision, volume.ready) == ("models", "/workspace/volumes/models", "000002-0ab", True)
    assert context.get_secret("quay-secret").get("username") == "me"
    assert context.get_secret("quay-secret").get("password") is None
    assert context.get_configmap("settings").keys() == ["greeting"]


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (lambda: context.get_volume("models"), "volume 'models' is not available here (is it in the app's volume_requests?)"),
        (lambda: context.get_secret("s"), "secret 's' is not available here (is it in the app's secret_requests?)"),
        (lambda: context.get_configmap("c"), "configmap 'c' is not available here (is it in the app's configmap_requests?)"),
    ],
)
def test_what_the_app_did_not_request_is_not_there(read: object, expected: str) -> None:
    with pytest.raises(EveraiError) as caught:
        read()  # type: ignore[operator]
    assert (caught.value.code, caught.value.message) == ("EVERAI_NOT_FOUND", expected)


def test_prepare_mode_holds_while_the_hooks_run() -> None:
    app = App("modes")
    seen: list[bool] = []
    app.prepare()(lambda: seen.append(context.is_prepare_mode))
    app.run_prepare_hooks(prepare_mode=True)
    app.run_prepare_hooks(prepare_mode=False)
    assert seen == [True, False]
    assert context.is_prepare_mode is False


def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: dict[str, object], exit_code: int = 0) -> Path:
    """An `everai` that records its arguments and prints `answer` as `-o json` would."""
    calls = tmp_path / "calls"
    script = tmp_path / "everai.py"
    script.write_text(
        "import json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"print(json.dumps({answer!r}))\n"
        f"sys.exit({exit_code})\n"
    )
    monkeypatch.setenv(CLI_ENV, json.dumps([sys.executable, str(script)]))
    return calls


def test_the_volume_manager_pushes_and_pulls_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pushed = {"revision": "000001-08a", "created": True, "uploadedFiles": 1, "uploadedBytes": 11, "merged": False, "mergedWith": None}
    calls = fake_cli(tmp_path, monkeypatch, pushed)
    assert context.volume_manager.push("get-start-volume") == PushResult("000001-08a", True, 1, 11, False, None)
    pulled = {"revision": "000001-08a", "files": 1, "downloadedFiles": 0, "downloadedBytes": 0, "deletedFiles": 0}
    fake_cli(tmp_path, monkeypatch, pulled)
    assert context.volume_manager.pull("get-start-volume") == PullResult("000001-08a", 1, 0, 0, 0)
    assert [json.loads(line) for line in calls.read_text().splitlines()] == [
        ["volume", "push", "get-start-volume", "-o", "json"],
        ["volume", "pull", "get-start-volume", "-o", "json"],
    ]


def test_a_failed_push_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_cli(tmp_path, monkeypatch, {}, exit_code=4)
    with pytest.raises(EveraiError, match=r"`everai volume push nope` failed \(exit code 4\)"):
        context.volume_manager.push("nope")


def test_a_worker_cannot_push(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_cli(tmp_path, monkeypatch, {})
    monkeypatch.setenv(WORKER_ID_ENV, "NVrBVHfZhGHvd6zKn6KHk3")
    with pytest.raises(EveraiError, match="a worker cannot push or pull volumes"):
        context.volume_manager.push("get-start-volume")
    assert not calls.exists()
