"""CPU time of reading an upload's header and delimiter (runs on the request thread).

    DEBUG=1 .venv/bin/python bench/import_detect.py [--runs 7] [--old]

Prints the median CPU milliseconds of `csv_detect` for each case: the worst inputs known
(issue 15: 64 KB of quotes and newlines took csv.Sniffer 77-174 s) and a normal 100,000-row
file. Target: well under a second for any input. `--old` also times `csv.Sniffer` on the
first hostile case, bounded to a few KB so that it ends (its cost grows much faster than the
sample).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = {
    "quotes and newlines, 64 KB": b'"\n' * 32768,
    "header, then quotes and newlines": b"title,value\n" + b'"\n' * 32762,
    "header, then one unclosed quoted value": b"title;value\n" + b'a;"' * 21000,
    "normal file, 100,000 rows": b"title,value,stage\n" + b"Acme,1 000,Lead in\n" * 100_000,
}


def _median_ms(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--old", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from pipeline.services.imports.csvfiles import CsvFormatError, csv_detect

    def detect(data: bytes) -> None:
        with contextlib.suppress(CsvFormatError):
            csv_detect(io.BytesIO(data))

    for name, data in CASES.items():
        ms = _median_ms(lambda data=data: detect(data), args.runs)
        print(f"csv_detect  {name:<42} {ms:8.2f} ms CPU (median of {args.runs})")
    if args.old:
        for size in (1024, 2048, 4096):
            text = (b'"\n' * (size // 2)).decode()

            def sniff(text: str = text) -> None:
                with contextlib.suppress(csv.Error):
                    csv.Sniffer().sniff(text, delimiters=",;\t")

            ms = _median_ms(sniff, 1)
            print(f"old Sniffer quotes and newlines, {size // 1024} KB{'':<21} {ms:8.2f} ms CPU")


if __name__ == "__main__":
    main()
