"""An App gives the same spec document as the TypeScript SDK's `App.toSpec()` (src/sdk/app.ts), and refuses what that refuses."""

from collections.abc import Callable

import pytest

from everai.app import App, VolumeRequest
from everai.autoscaling import FreeWorkerAutoScalingPolicy, SimpleAutoScalingPolicy
from everai.errors import EveraiError
from everai.image import BasicAuth, Image
from everai.placeholder import Placeholder
from everai.resource_requests import ResourceRequests


def invalid_message(make: Callable[[], object]) -> str:
    with pytest.raises(EveraiError) as caught:
        make()
    assert caught.value.code == "EVERAI_APP_INVALID"
    return caught.value.message


def test_the_guide_app_becomes_the_spec_document() -> None:
    secret = "quay-secret"
    app = App(
        "get-start",
        image=Image.from_registry(
            "quay.io/someone/get-start:v1",
            auth=BasicAuth(username=Placeholder(secret, "username", kind="Secret"), password=Placeholder(secret, "password", kind="Secret")),
        ),
        volume_requests=[VolumeRequest(name="get-start-volume", create_if_not_exists=True)],
        secret_requests=[secret],
        configmap_requests=["get-start-configmap"],
        autoscaling_policy=SimpleAutoScalingPolicy(min_workers=1, max_workers=10, max_queue_size=3, max_idle_time=60),
        resource_requests=ResourceRequests(cpu_num=2, memory_mb=20480, gpu_num=1, gpu_constraints=["A100 40G"]),
    )
    secret_ref = {"kind": "Secret", "name": secret}
    assert app.to_spec() == {
        "name": "get-start",
        "image": "quay.io/someone/get-start:v1",
        "imageAuth": {
            "username": {"placeholder": {**secret_ref, "key": "username"}},
            "password": {"placeholder": {**secret_ref, "key": "password"}},
        },
        "concurrency": 1,
        "routeAuth": "private",
        "readyTimeoutSeconds": 600,
        "maxDrainSeconds": 3600,
        "volumeRequests": ["get-start-volume"],
        "secretRequests": [secret],
        "configmapRequests": ["get-start-configmap"],
        "resourceRequests": {"cpuNum": 2, "memoryMb": 20480, "gpuNum": 1, "gpuConstraints": {"models": ["A100 40G"]}},
        "autoscaler": {
            "kind": "SimpleAutoScaler",
            "args": {"minWorkers": 1, "maxWorkers": 10, "maxIdleTime": 60, "scaleUpStep": 1, "maxQueueSize": 3},
        },
    }


def test_defaults_and_the_free_worker_policy_with_a_placeholder() -> None:
    bare = App("bare").to_spec()
    assert bare["image"] is None and bare["imageAuth"] is None
    assert bare["resourceRequests"] is None and bare["autoscaler"] is None
    assert "queueTimeoutSeconds" not in bare
    app = App(
        "scaled",
        concurrency=4,
        route_auth="public",
        queue_timeout_seconds=30,
        autoscaling_policy=FreeWorkerAutoScalingPolicy(max_workers=Placeholder("scaling", "max", kind="ConfigMap"), min_free_workers=2),
    )
    spec = app.to_spec()
    assert (spec["concurrency"], spec["routeAuth"], spec["queueTimeoutSeconds"]) == (4, "public", 30)
    assert spec["autoscaler"] == {
        "kind": "FreeWorkerAutoScaler",
        "args": {
            "minWorkers": 1,
            "maxWorkers": {"placeholder": {"kind": "ConfigMap", "name": "scaling", "key": "max"}},
            "maxIdleTime": 60,
            "scaleUpStep": 1,
            "minFreeWorkers": 2,
        },
    }


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: App("Get_Start"), "app name 'Get_Start' is not valid"),
        (lambda: App("x", image="x:v1"), "image must be Image.from_registry(...)"),  # type: ignore[arg-type]
        (lambda: App("x", secret_requests="quay-secret"), "secret_requests must be a list"),
        (lambda: App("x", volume_requests=["v"]), "volume_requests must hold VolumeRequest(...) items"),  # type: ignore[list-item]
        (lambda: App("x", concurrency=0), "concurrency must be an integer >= 1, got 0"),
        (lambda: App("x", route_auth="open"), "route_auth must be 'private' or 'public'"),  # type: ignore[arg-type]
        (lambda: Image.from_registry("Get-Start:v1"), "'Get-Start' is not a valid repository name"),
        (lambda: Image.from_registry("x:.v1"), "'.v1' is not a valid tag"),
        (lambda: Image.from_registry("x:v1", auth=BasicAuth(username="me", password="pw")), "auth.username must be a Placeholder of a secret"),  # type: ignore[arg-type]
        (lambda: SimpleAutoScalingPolicy(min_workers=3, max_workers=2), "min_workers (3) is above max_workers (2)"),
        (lambda: SimpleAutoScalingPolicy(max_workers=True), "max_workers must be an integer >= 1, got True"),
        (lambda: ResourceRequests(cpu_num=0), "resource_requests.cpu_num must be a number > 0"),
        (lambda: ResourceRequests(gpu_constraints="A100"), "gpu_constraints must be a list"),
        (lambda: Placeholder("s", "k", kind="Secrets"), "kind must be 'Secret' or 'ConfigMap'"),  # type: ignore[arg-type]
        (lambda: VolumeRequest("../etc"), "is not a volume name"),
        (lambda: VolumeRequest("alice/models", create_if_not_exists=True), "belongs to another user"),
    ],
)
def test_a_wrong_option_is_refused_with_what_is_wrong(make: Callable[[], object], expected: str) -> None:
    assert expected in invalid_message(make)


def test_image_references_parse_as_docker_parses_them() -> None:
    for ref in ["get-start", "get-start:v1", "localhost:5000/team/app:v2", "quay.io/a/b@sha256:" + "0" * 64, "[::1]:8480/app"]:
        assert Image.from_registry(ref).ref == ref


def test_routes_and_prepare_hooks_are_marked_by_decorators() -> None:
    app = App("marked")

    @app.prepare()
    def first() -> None: ...

    @app.service.route("/sse", methods=["get"])
    def sse() -> str:
        return "x"

    @app.service.route("/items/<item>", methods=["PUT", "DELETE"])
    def item(item: str) -> str:
        return item

    assert app.prepare_hooks == (first,)
    assert [(r.path, r.methods) for r in app.service.routes] == [("/sse", ("GET",)), ("/items/<item>", ("PUT", "DELETE"))]


@pytest.mark.parametrize(
    ("path", "methods", "expected"),
    [
        ("sse", None, "route path 'sse' must start with '/'"),
        ("/.well-known/everai/ready", None, "is reserved for the platform"),
        ("/sse", "GET", "methods must be a list of HTTP methods"),
        ("/sse", ["GET"], "route GET /sse is defined twice"),
    ],
)
def test_a_wrong_route_is_refused(path: str, methods: object, expected: str) -> None:
    app = App("routes")
    app.service.route("/sse")(lambda: "first")
    assert expected in invalid_message(lambda: app.service.route(path, methods=methods)(lambda: "second"))  # type: ignore[arg-type]


def test_prepare_without_parentheses_says_how_to_write_it() -> None:
    app = App("hooks")
    assert "write @app.prepare() with its parentheses" in invalid_message(lambda: app.prepare(lambda: None))
