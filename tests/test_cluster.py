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


def start_worker(
    address: str, name: str, wrapper: list[str] | None = None, env: dict | None = None
) -> Process:
    worker = Process(
        [*(wrapper or []), str(BIN / "dask"), "worker", address, "--name", name, "--nthreads", "1"]
        + ["--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
        env=env,
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
    from translate_tool.pipeline import pending
    from translate_tool.readers import read_article

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


# --- the command line: `export --cluster ADDRESS` / `--workers N` ---------------------------

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2}| UTC)?")


def document_texts(folder: Path) -> dict[str, str]:
    """Every part of every document in `folder`, with the generated-at times blanked."""
    import zipfile

    texts: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    texts[f"{path.name}:{name}"] = TIMESTAMP.sub("TIME", archive.read(name).decode("utf-8"))
        else:
            texts[path.name] = TIMESTAMP.sub("TIME", path.read_text(encoding="utf-8"))
    return texts


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "translate_tool.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def variants(seed_path: Path, folder: Path, count: int) -> Path:
    """`count` articles of the seed's shape whose sentences all differ (a number in each)."""
    folder.mkdir()
    text = seed_path.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"article-{i:02d}.txt").write_text(text.replace(".", f" {i + 1}."), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_export(synthetic_model, seed_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    inputs = variants(seed_path, tmp / "in", 3)
    run = cli("export", inputs, "--model", synthetic_model, "--no-tm", "--out-dir", tmp / "out")
    assert run.returncode == 0, run.stderr
    return inputs, document_texts(tmp / "out")


def verbose_export(inputs: Path, model: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    """`export -v` without the memory, decoding where `flags` say."""
    return cli("-v", "export", inputs, "--model", model, "--no-tm", "--out-dir", out, *flags)


def test_export_on_a_two_worker_cluster_writes_the_documents_of_a_local_run(
    two_workers, synthetic_model, local_export, tmp_path
):
    address, _ = two_workers
    inputs, expected = local_export
    run = verbose_export(inputs, synthetic_model, tmp_path / "out", "--cluster", address)
    assert run.returncode == 0, run.stderr
    assert "decoding on tcp://127.0.0.1" in run.stderr and "2 workers" in run.stderr
    assert "loading model" not in run.stderr  # the client never loads the decoder
    assert document_texts(tmp_path / "out") == expected


def test_export_with_local_workers_writes_the_documents_of_a_local_run(
    synthetic_model, local_export, tmp_path
):
    inputs, expected = local_export
    run = verbose_export(inputs, synthetic_model, tmp_path / "out", "--workers", "2")
    assert run.returncode == 0, run.stderr
    assert "decoding on a local cluster: 2 workers" in run.stderr
    assert document_texts(tmp_path / "out") == expected


def test_cluster_address_from_the_environment(two_workers, synthetic_model, seed_path, tmp_path):
    address, _ = two_workers
    env = {**os.environ, "TRANSLATE_TOOL_CLUSTER": address}
    run = cli(
        "-v", "export", seed_path, "--model", synthetic_model, "--no-tm", "--out-dir", tmp_path, env=env
    )
    assert run.returncode == 0, run.stderr
    assert f"decoding on {address}" in run.stderr


def test_unreachable_scheduler_exits_1_with_one_line_and_writes_nothing(synthetic_model, seed_path, tmp_path):
    with socket_port() as port:
        run = cli(
            "export",
            seed_path,
            "--model",
            synthetic_model,
            "--no-tm",
            "--out-dir",
            tmp_path / "out",
            "--cluster",
            f"tcp://127.0.0.1:{port}",
        )
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "cannot reach the Dask scheduler" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flags", [["--cluster", "tcp://127.0.0.1:8786"], ["--workers", "2"]])
def test_without_the_extra_the_cluster_options_name_it(flags, seed_path, tmp_path):
    """`distributed` made unimportable, as on an install without the [cluster] extra."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from translate_tool.cli import main\n"
        f"sys.exit(main(['export', {str(seed_path)!r}, '--no-tm', '--out-dir', {str(tmp_path / 'out')!r}, *{flags!r}]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0
    assert "pip install 'translate-tool[cluster]'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_cluster_and_workers_together_are_a_usage_error(seed_path, tmp_path):
    run = cli(
        "export", seed_path, "--no-tm", "--out-dir", tmp_path, "--cluster", "tcp://x:1", "--workers", "2"
    )
    assert run.returncode == 2 and "not both" in run.stderr


def test_ctrl_c_mid_run_leaves_no_files_and_the_cluster_as_it_was(
    two_workers, synthetic_model, seed_path, tmp_path
):
    address, workers = two_workers
    inputs = variants(seed_path, tmp_path / "in", 12)
    out = tmp_path / "out"
    run = Process(
        [
            sys.executable,
            "-m",
            "translate_tool.cli",
            "-v",
            "export",
            str(inputs),
            "--model",
            str(synthetic_model),
            "--no-tm",
            "--out-dir",
            str(out),
            "--cluster",
            address,
        ],
    )
    # 12 articles are 18 batches, with at most 4 in flight. Once batch 1 is decoded both workers
    # are frozen, so at most batches 2 to 5 can be finished: the Ctrl-C lands mid-run however
    # loaded the machine is (a run left alone ends in about 1.5 s of decoding, which once
    # finished before the signal arrived). The workers go on when the client says it is
    # unloading the model, which it does on its way out and which needs the workers.
    frozen = False
    try:
        run.wait_for(r"cluster: batch 1 decoded")
        for worker in workers:
            worker.proc.send_signal(signal.SIGSTOP)
        frozen = True
        run.proc.send_signal(signal.SIGINT)
        run.wait_for(r"cluster: unloading the model from the workers")
        for worker in workers:
            worker.proc.send_signal(signal.SIGCONT)
        frozen = False
        assert run.proc.wait(timeout=120) == 130, "".join(run.seen)
    finally:
        if frozen:
            for worker in workers:
                worker.proc.send_signal(signal.SIGCONT)
        run.stop()
    assert not out.exists() or list(out.iterdir()) == []
    from distributed import Client

    with Client(address, timeout=10, set_as_default=False) as client:
        plugins = client.run(lambda dask_worker: cluster.PLUGIN_NAME in dask_worker.plugins)
        assert not any(plugins.values()), plugins

        # The interrupted client's batches are released: nothing of it is left on the scheduler.
        # The scheduler forgets a departed client's tasks on its own event loop, so the count
        # is awaited on the scheduler itself (an event, not a sleep), with a deadline.
        async def tasks_after_release(dask_scheduler, deadline_s: float = 30.0) -> int:
            import asyncio  # runs on the scheduler (a local function is sent by value)

            loop = asyncio.get_running_loop()
            end = loop.time() + deadline_s
            while dask_scheduler.tasks and loop.time() < end:
                await asyncio.sleep(0.05)  # yields to the scheduler's loop, which does the releasing
            return len(dask_scheduler.tasks)

        assert client.run_on_scheduler(tasks_after_release) == 0


def test_a_worker_unpacks_a_package_once_into_its_model_cache_and_nothing_into_tmpdir(
    synthetic_model, seed_path, tmp_path
):
    cache, tmp = tmp_path / "worker-cache", tmp_path / "worker-tmp"
    tmp.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "TMPDIR": str(tmp)}
    models = cache / "translate-tool" / "models"
    with running_scheduler() as address:
        worker = start_worker(address, "cached", env=env)
        try:
            seen = []
            for run_number in (1, 2):
                out = tmp_path / f"out{run_number}"
                run = verbose_export(seed_path, synthetic_model, out, "--cluster", address)
                assert run.returncode == 0, run.stderr
                (entry,) = [p for p in models.iterdir() if p.name != "stamps"]
                seen.append((entry.name, entry.stat().st_ino))
                # nothing of ours unpacked into, or left in, TMPDIR (dask keeps its scratch there)
                assert [p.name for p in tmp.iterdir()] == ["dask-scratch-space"]
            assert seen[0] == seen[1]  # the second run used the first run's entry
            assert entry.name == cluster.file_sha256(synthetic_model)
        finally:
            worker.stop()
