"""Loading a 10,000-line national tariff schedule (two 8-digit lines under each of 5,000 HS
2022 subheadings): the whole load — two streamed readings of the file, every row and the
file as a whole checked, then the lines inserted in one transaction — next to a baseline
that bulk-inserts the same 10,000 lines with no reading or checks. Also: loading the same
file again (nothing changes), and the peak memory of checking it next to a 1,000-line file.

On SQLite always; on PostgreSQL too when DATABASE_URL points at one. Each database runs in
its own process, on a throw-away test database.
"""

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

LINES = 10_000
GOAL_SECONDS = 10


def schedule(lines: int):
    from customs.selectors import tariff_nomenclature
    from tests.customs.tariff_files import national_line, schedule_file

    subheadings = sorted(tariff_nomenclature().subheadings)
    rows = [
        national_line("MY", subheading + suffix)
        for subheading in subheadings
        for suffix in ("10", "90")
    ]
    return schedule_file(rows[:lines])


def load(file, edition="PDK 2022", check_only=False):
    from customs.services.tariff_schedules import tariff_schedule_load

    return tariff_schedule_load(
        file=file,
        edition=edition,
        legal_source="Customs Duties Order 2022",
        actor_label="bench",
        check_only=check_only,
    )


def baseline_insert(file) -> float:
    """The same lines bulk-inserted as they are, committed, then removed (not measured)."""
    import csv
    import io

    from django.db import transaction

    from customs.models import TariffLine, TariffSchedule

    rows = list(csv.DictReader(io.TextIOWrapper(io.BytesIO(file.getvalue()), encoding="utf-8")))
    started = time.perf_counter()
    with transaction.atomic():
        plain = TariffSchedule.objects.create(
            country="MY",
            edition="baseline",
            version=1,
            legal_source="baseline",
            effective_from="2024-01-01",
            sha256="baseline",
            line_count=len(rows),
            loaded_by_label="bench",
        )
        TariffLine.objects.bulk_create(
            [
                TariffLine(
                    schedule=plain,
                    country="MY",
                    hs_code=row["hs_code"],
                    description=row["description"],
                    quantity_unit=row["quantity_unit"],
                    effective_from=row["effective_from"],
                    legal_source=row["legal_source"],
                    duty_percent=row["duty_percent"],
                    sales_tax_percent=row["sales_tax_percent"],
                )
                for row in rows
            ],
            batch_size=2_000,
        )
    elapsed = time.perf_counter() - started
    TariffLine.objects.filter(schedule=plain).delete()
    plain.delete()
    return elapsed


def peak_mb(file) -> float:
    tracemalloc.start()
    load(file, check_only=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def run(engine: str) -> None:
    from django.db import connection

    from customs.models import TariffLine

    started = time.perf_counter()
    file = schedule(LINES)
    small = schedule(1_000)
    load(schedule(10), edition="warm-up")  # the nomenclature, read once per process
    size_kb = len(file.getvalue()) / 1024
    print(f"tariff load  {LINES:,}-line schedule ({size_kb:,.0f} KiB CSV), {engine}")
    print(f"  set-up        {time.perf_counter() - started:6.2f} s (file written, not measured)")
    baseline = baseline_insert(file)
    print(
        f"  baseline      {baseline:6.2f} s   bulk INSERT of the same lines, no reading or checks"
    )
    started = time.perf_counter()
    report = load(file)
    elapsed = time.perf_counter() - started
    assert report.loaded and report.error_count == 0, report.errors[:3]
    lines = TariffLine.objects.filter(schedule=report.schedule).count()
    print(
        f"  load          {elapsed:6.2f} s   ratio {elapsed / baseline:.2f}x   "
        f"{lines:,} lines in {report.schedule}, {report.rows / elapsed:,.0f} rows/s"
    )
    before = TariffLine.objects.count()
    started = time.perf_counter()
    again = load(file)
    print(
        f"  load again    {time.perf_counter() - started:6.2f} s   "
        f"already loaded: {again.already_loaded}, lines added {TariffLine.objects.count() - before}"
    )
    print(
        f"  peak memory   {peak_mb(file):6.1f} MB checking {LINES:,} lines, "
        f"{peak_mb(small):.1f} MB checking 1,000 (Python allocations, tracemalloc)"
    )
    verdict = "met" if elapsed < GOAL_SECONDS else "NOT met"
    print(f"  target: the {LINES:,}-line load under {GOAL_SECONDS} s ({verdict})")
    connection.close()


def child(engine: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.test")
    import django

    django.setup()
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    # nothing to restore between tests here: no serialized copy of the database
    state = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        run(engine)
    finally:
        teardown_databases(state, verbosity=0)
        teardown_test_environment()


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    runs = [("SQLite", {k: v for k, v in os.environ.items() if k != "DATABASE_URL"})]
    if url.startswith(("postgres://", "postgresql://")):
        runs.append(("PostgreSQL", dict(os.environ)))
    failed = 0
    for engine, env in runs:
        command = [sys.executable, __file__, "--engine", engine]
        failed += subprocess.run(command, env=env, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--engine"]:
        child(sys.argv[2])
    else:
        sys.exit(main())
