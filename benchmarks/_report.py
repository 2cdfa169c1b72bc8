"""Shared output format: every benchmark prints ``ROW`` lines with its figure, its
anchor measured in the same run, and the ratio, so noisy machines still compare."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # scripts run as ``python benchmarks/x.py``
    sys.path.insert(0, str(ROOT))


def parser(doc: str | None) -> argparse.ArgumentParser:
    """Return an argument parser with the common ``--quick`` flag."""
    result = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    result.add_argument("--quick", action="store_true", help="a few seconds, smaller sizes")
    return result


def _num(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"


def row(label: str, figure: float, unit: str, anchor_label: str, anchor: float, goal: str, met: bool | None,
        extra: str = "") -> None:
    """Print one table row: figure, anchor, ratio, goal, met?"""
    ratio = figure / anchor if anchor else float("nan")
    verdict = "n/a" if met is None else ("MET" if met else "MISSED")
    line = (f"ROW | {label} | {_num(figure)} {unit} | {anchor_label}: {_num(anchor)} {unit} | "
            f"ratio {ratio:.2f}x | goal {goal} | {verdict}")
    if extra:
        line += f" | {extra}"
    print(line, flush=True)


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards ``wanted``; return the new soft limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target

