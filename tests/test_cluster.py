"""Decoding on a real Dask cluster: `dask scheduler` and `dask worker` processes on 127.0.0.1.

Every wait here is on an event: a line the scheduler or a worker prints, or the client's own
progress callback. Nothing sleeps.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from translate_tool import cluster  # noqa: E402
from translate_tool.engine import ArgosTranslator, DecodeSettings  # noqa: E402
from translate_tool.errors import ModelError, NetworkError  # noqa: E402

BIN = Path(sys.executable).parent
START_TIMEOUT = 60.0


class Process:
    """A child process whose stderr is read line by line, so a test can wait for a line."""

    def __init__(self, args: list[str], **kwargs):
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, **kwargs)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match:
        regex = re.compile(pattern)
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern!r} within {timeout} s: {self.seen}"
                ) from None
            if not line:
                raise AssertionError(f"process ended before {pattern!r}: {''.join(self.seen)}")
            self.seen.append(line)
            if match := regex.search(line):
                return match

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def start_worker(address: str, name: str, wrapper: list[str] | None = None) -> Process:
    worker = Process(
        [*(wrapper or []), str(BIN / "dask"), "worker", address, "--name", name, "--nthreads", "1"]
        + ["--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
    )
    worker.wait_for(r"Registered to:")
    return worker


@contextlib.contextmanager
def running_scheduler():
    proc = Process([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"])
    try:
        yield proc.wait_for(r"Scheduler at:\s+(tcp://\S+)").group(1)
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def scheduler():
    with running_scheduler() as address:
        yield address


@pytest.fixture(scope="module")
def two_workers(scheduler):
    workers = [start_worker(scheduler, f"w{i}") for i in (1, 2)]
    yield scheduler, workers
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="module")
def package(synthetic_model, tmp_path_factory):
    from translate_tool.packages import open_model

    return open_model(synthetic_model, tmp_path_factory.mktemp("unpacked"))


def seed_sentences(seed_path) -> list[str]:
    from translate_tool.readers import read_article
    from translate_tool.pipeline import pending

    article = read_article(seed_path)
    return [s.source for block in pending([article]) for s in block.sentences]


SMALL_BATCHES = DecodeSettings(sentences_per_call=4, threads=1)


def test_batches_decoded_on_two_workers_equal_a_local_run(two_workers, synthetic_model, package, seed_path):
    address, _ = two_workers
    sentences = seed_sentences(seed_path)
    local = ArgosTranslator(package, SMALL_BATCHES).translate(sentences)
    with cluster.connect(address) as client, cluster.model_on_workers(client, synthetic_model):
        decoder = cluster.ClusterDecoder(client, in_flight=4)
        remote = ArgosTranslator(package, SMALL_BATCHES, decoder=decoder).translate(sentences)
        batches = client.run(lambda dask_worker: dask_worker.plugins[cluster.PLUGIN_NAME].batches)
    assert all(n > 0 for n in batches.values()) and len(batches) == 2, batches
    assert sum(batches.values()) == -(-len(sentences) // SMALL_BATCHES.sentences_per_call)
    assert remote == local
    assert all(h.text for h in remote)


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(synthetic_model, package, seed_path):
    """SIGKILL a worker the scheduler shows holding a batch, from the client's progress callback."""
    sentences = seed_sentences(seed_path)
    expected = ArgosTranslator(package, SMALL_BATCHES).translate(sentences)
    with running_scheduler() as address:  # its own cluster: only these two workers get batches
        workers = [start_worker(address, f"k{i}") for i in (1, 2)]
        try:
            with cluster.connect(address) as client, cluster.model_on_workers(client, synthetic_model):
                names = {meta["name"]: addr for addr, meta in client.scheduler_info()["workers"].items()}
                by_address = {names["k1"]: workers[0], names["k2"]: workers[1]}
                killed: list[str] = []

                def kill_a_busy_worker(done: int) -> None:
                    busy = [addr for addr, tasks in client.processing().items() if tasks]
                    if busy and not killed:  # else try again when the next batch comes back
                        killed.append(busy[0])
                        os.kill(by_address[busy[0]].proc.pid, signal.SIGKILL)

                decoder = cluster.ClusterDecoder(client, in_flight=4)
                translator = ArgosTranslator(package, SMALL_BATCHES, decoder=decoder)
                got = translator.translate(sentences, kill_a_busy_worker)
            assert killed, "no worker was seen holding a batch"
            assert by_address[killed[0]].proc.wait(timeout=30) == -signal.SIGKILL
            assert got == expected  # every sentence once, in its place
        finally:
            for worker in workers:
                worker.stop()


def test_unreachable_scheduler_is_one_network_error_within_the_timeout():
    with (
        socket_port() as port,
        pytest.raises(NetworkError, match="cannot reach the Dask scheduler"),
        cluster.connect(f"tcp://127.0.0.1:{port}", timeout=2),
    ):
        pass


@contextlib.contextmanager
def socket_port():
    """A port on 127.0.0.1 that nothing listens on (bound, never listened, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_a_worker_that_cannot_read_the_package_is_named(scheduler, synthetic_model, tmp_path):
    """The client's package is on a folder this worker does not see (an empty mount over it)."""
    hidden = Path(tempfile.mkdtemp(prefix="tt-shared-", dir="/tmp"))
    try:
        package = hidden / "model.argosmodel"
        shutil.copy(synthetic_model, package)
        probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("cannot make a mount namespace here (unshare --mount)")
        wrapper = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            f'mount -t tmpfs none "{hidden}" && exec "$0" "$@"',
        ]
        blind = start_worker(scheduler, "blind", wrapper)
        try:
            with (
                cluster.connect(scheduler) as client,
                pytest.raises(
                    ModelError, match=r"worker tcp://127\.0\.0\.1:\d+: cannot read the model package"
                ),
                cluster.model_on_workers(client, package),
            ):
                pass
        finally:
            blind.stop()
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
