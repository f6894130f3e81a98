"""The app of a serving process (core.app): its startup heap is frozen, a test's is not."""

from __future__ import annotations

import subprocess
import sys

from core.app import create_app, freeze_startup_heap
from core.settings import Settings
from tests.conftest import REPO


def test_only_a_serving_app_freezes_its_startup_heap(settings: Settings) -> None:
    assert create_app(settings, serving=True).on_startup == [freeze_startup_heap]
    assert create_app(settings).on_startup == []


def test_freezing_leaves_the_startup_heap_out_of_full_collections() -> None:
    # In a process of its own: a frozen heap stays frozen for the process's life.
    script = (
        "import gc\n"
        "from core.app import freeze_startup_heap\n"
        "kept = [[i] for i in range(100_000)]\n"
        "before = gc.get_freeze_count()\n"
        "freeze_startup_heap(None)\n"
        "print(before, gc.get_freeze_count(), len(gc.get_objects(generation=2)))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    before, frozen, scanned = map(int, done.stdout.split())
    assert before == 0 and frozen > 100_000 and scanned < frozen // 10
