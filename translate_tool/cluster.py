"""Decoding on a Dask cluster: `export --workers N` (a LocalCluster) or `--cluster ADDRESS`.

Only the decoding leaves this process. The client keeps reading, the translation memory
(SQLite stays here), the glossary, the checks and the writing. It also keeps the tokenizing,
the length sorting and the joining (`engine.ArgosTranslator`): what goes to a worker is one
batch of token lists, exactly the batch a local run would decode in one call, so a cluster
run gives the same English as a local one.

- Each worker loads the model once, in a worker plugin, from a package path it can read
  (the client's path: a shared folder, or the same machine). A package file is checked on
  the worker against the SHA-256 the client computed, so every worker decodes with the model
  the client named.
- Batches are sent in the order of the length-sorted queue, at most `in_flight` at a time, and
  their results are taken back in that order: memory stays flat whatever the input size.
- A worker killed mid-batch: the scheduler runs its batch again on another worker; results are
  keyed by batch, so no passage is lost or duplicated.
- The cluster is left as it was found: the plugin is removed from a remote cluster when the run
  ends (also on Ctrl-C); a LocalCluster is shut down.

`distributed` is an optional extra: `pip install 'translate-tool[cluster]'`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ModelError, NetworkError
from .text import plural

log = logging.getLogger(__name__)

PLUGIN_NAME = "translate-tool-model"
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before giving up
EXTRA_HINT = "pip install 'translate-tool[cluster]'"


@dataclass(frozen=True)
class ClusterSpec:
    """Where to decode: the scheduler at `address`, or a new LocalCluster of `workers` processes."""

    address: str | None = None
    workers: int | None = None
    timeout: float = CONNECT_TIMEOUT

    def check(self) -> None:
        """Fail before any work if the extra is missing or the address is not one."""
        _distributed()
        if self.address is not None and not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://\S+", self.address):
            raise InputError(
                f"--cluster {self.address!r}: give the scheduler's address, e.g. tcp://HOST:8786"
            )

    def open(self, stack: contextlib.ExitStack, package_path: Path) -> ClusterDecoder:
        """Connect, load the model on every worker, and decode there until `stack` closes."""
        client = stack.enter_context(connect(self.address, self.workers, self.timeout))
        stack.enter_context(model_on_workers(client, package_path))
        workers = worker_count(client)
        where = self.address or "a local cluster"
        log.info("decoding on %s: %s", where, plural(workers, "worker"))
        # Two batches per worker: one decoding, one waiting, so no worker idles between batches.
        return ClusterDecoder(client, in_flight=2 * workers)


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(f"--cluster and --workers need the cluster extra: {EXTRA_HINT}") from None
    return distributed


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ModelPlugin:
    """Loads the model once per worker; `decode_on_worker` finds it by the plugin's name.

    Made a real `distributed.WorkerPlugin` by `_plugin()`, so this module imports without
    the extra installed.
    """

    name = PLUGIN_NAME

    def __init__(self, package_path: str, sha256: str | None, threads: int = 1):
        self.package_path, self.sha256, self.threads = package_path, sha256, threads
        self.decoder = None
        self.batches = 0  # decoded by this worker, for the logs and the tests

    def setup(self, worker) -> None:
        from .engine import LocalDecoder
        from .packages import open_model

        where = f"worker {worker.address}"
        path = Path(self.package_path)
        if not path.exists():
            raise ModelError(
                f"{where}: cannot read the model package {path}: no such file here "
                "(workers read the client's path: put the package on a folder they share)"
            )
        try:
            if self.sha256 and path.is_file() and file_sha256(path) != self.sha256:
                raise ModelError(f"{where}: {path} is not the package the client named (SHA-256 differs)")
            # Through the worker's unpacked-model cache, as a local run: unpacked once per
            # machine and package, not per run into TMPDIR (where a killed worker left it).
            package = open_model(path)
            self.decoder = LocalDecoder(package.model_dir, self.threads)
        except OSError as exc:
            self.teardown(worker)
            raise ModelError(
                f"{where}: cannot read the model package {path}: {exc.strerror or exc}"
            ) from None
        except Exception as exc:  # a worker's failure travels to the client as one line
            self.teardown(worker)
            message = str(exc)
            raise ModelError(message if message.startswith(where) else f"{where}: {message}") from None
        log.info("%s loaded %s", where, path)

    def teardown(self, worker) -> None:
        self.decoder = None


def decode_on_worker(batch: list[list[str]], options: dict) -> list[tuple[list[str], float]]:
    """One batch on whichever worker the scheduler chose, with that worker's loaded model."""
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None or plugin.decoder is None:
        raise ModelError(f"worker {worker.address}: the model is not loaded")
    plugin.batches += 1
    return plugin.decoder.decode_batch(batch, options)


class ClusterDecoder:
    """The `LocalDecoder` interface, decoding each batch on a cluster worker."""

    def __init__(self, client, in_flight: int):
        self.client, self.in_flight = client, max(1, in_flight)

    def decode(
        self, batches: Iterable[list[list[str]]], options: dict
    ) -> Iterator[list[tuple[list[str], float]]]:
        pending: deque = deque()
        done = 0
        try:
            for batch in batches:
                pending.append(self._submit(batch, options))
                if len(pending) >= self.in_flight:
                    done += 1
                    yield self._result(pending.popleft(), done)
            while pending:
                done += 1
                yield self._result(pending.popleft(), done)
        finally:
            for future in pending:  # an error or Ctrl-C: nothing of ours keeps running
                if future is not None:
                    with contextlib.suppress(Exception):
                        future.cancel()

    def _submit(self, batch, options):
        if not batch:
            return None
        # pure=False: two equal batches are two tasks, each with its own result
        return self.client.submit(decode_on_worker, batch, options, pure=False, retries=0)

    def _result(self, future, number: int):
        if future is None:
            return []
        distributed = _distributed()
        try:
            result = future.result()
        except distributed.KilledWorker as exc:
            raise ModelError(f"a batch of sentences killed every worker that tried it: {exc}") from None
        except (OSError, distributed.TimeoutError) as exc:
            raise NetworkError(f"lost the Dask cluster: {exc}") from None
        log.info("cluster: batch %d decoded", number)
        return result


@contextlib.contextmanager
def connect(address: str | None = None, workers: int | None = None, timeout: float = CONNECT_TIMEOUT):
    """A Dask client: to the scheduler at `address`, or to a new LocalCluster of `workers`."""
    distributed = _distributed()
    import dask

    with (
        dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}),
        contextlib.ExitStack() as stack,
    ):
        if address:
            try:
                client = stack.enter_context(
                    distributed.Client(address, timeout=timeout, set_as_default=False)
                )
            except (OSError, TimeoutError, distributed.TimeoutError) as exc:
                raise NetworkError(
                    f"cannot reach the Dask scheduler at {address} within {timeout:g} s: {exc}"
                ) from None
            except ValueError as exc:
                raise InputError(f"--cluster {address}: {exc}") from None
        else:
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    host="127.0.0.1",
                )
            )
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
            client.wait_for_workers(workers)
        yield client


def worker_count(client) -> int:
    return len(client.scheduler_info().get("workers", {}))


@contextlib.contextmanager
def model_on_workers(client, package_path: Path):
    """Load the model on every worker (and on workers that join later) for the duration."""
    if worker_count(client) == 0:
        raise NetworkError("the Dask cluster has no workers")
    path = package_path.resolve()
    sha = file_sha256(path) if path.is_file() else None
    plugin = _worker_plugin_class()(str(path), sha)
    try:
        responses = client.register_plugin(plugin, name=PLUGIN_NAME)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from None
    for worker, response in (responses or {}).items():
        if isinstance(response, dict) and response.get("status") == "error":
            raise ModelError(f"worker {worker}: {response.get('exception_text') or response}")
    try:
        yield
    finally:
        log.info("cluster: unloading the model from the workers")
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(PLUGIN_NAME)


def _worker_plugin_class():
    """`ModelPlugin` as a real `distributed.WorkerPlugin`, made on first use (the extra is optional).

    It is published as this module's `WorkerModelPlugin`, so workers unpickle it by reference.
    """
    cls = globals().get("WorkerModelPlugin")
    if cls is None:
        distributed = _distributed()
        cls = type("WorkerModelPlugin", (ModelPlugin, distributed.WorkerPlugin), {"__module__": __name__})
        globals()["WorkerModelPlugin"] = cls
    return cls


def __getattr__(name: str):
    if name == "WorkerModelPlugin":  # a worker unpickling the plugin before anything made it
        return _worker_plugin_class()
    raise AttributeError(name)
