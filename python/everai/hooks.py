"""Running an app's prepare hooks with one line each, as the TypeScript worker and CLI print them."""

from .app import App


def run_prepare_hooks(app: App, prepare_mode: bool, prefix: str = "") -> None:
    count = len(app.prepare_hooks)
    app.run_prepare_hooks(
        prepare_mode,
        lambda hook, index: print(f"{prefix}prepare hook {index + 1}/{count}: {getattr(hook, '__name__', '(anonymous)')}", flush=True),
    )
