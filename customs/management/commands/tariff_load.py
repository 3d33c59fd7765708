"""Load tariff data.

``manage.py tariff_load FILE --edition "PDK 2022" --legal-source "Customs Duties Order 2022"
[--chapters "61 62" | --chapters all] [--indicative] [--check]``: a national schedule in the
format of customs/data/SOURCE.md, as the next version of its edition; every bad row is
printed with its number and reason, and nothing is loaded if there is one (``--check``:
report only). ``--parameters FILE``: regime parameters. ``--positive-list FILE --edition
"2019 list"``: an edition of China's cross-border retail positive list (replacing the
edition if loaded before). ``--bundled``: the regime parameters, the indicative schedules
and the indicative positive-list excerpt shipped in customs/data."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from customs.services.positive_list import positive_list_load
from customs.services.tariff import regime_parameters_load, tariff_load_bundled
from customs.services.tariff_schedules import ScheduleReport, tariff_schedule_load
from ewtp.common.errors import ApplicationError

WARNINGS_PRINTED = 50


class Command(BaseCommand):
    help = "Load a national tariff schedule, regime parameters, or the bundled tariff."

    def add_arguments(self, parser):
        parser.add_argument("schedule", nargs="?", type=Path, help="a schedule CSV file")
        parser.add_argument("--edition", default="", help="the schedule's name, e.g. PDK 2022")
        parser.add_argument("--legal-source", default="", help="the instrument it enacts")
        parser.add_argument("--chapters", default="", help='"all", or the chapters it covers')
        parser.add_argument("--indicative", action="store_true", help="not official rates")
        parser.add_argument("--check", action="store_true", help="report only, load nothing")
        parser.add_argument("--parameters", type=Path)
        parser.add_argument("--positive-list", type=Path, help="China's retail positive list")
        parser.add_argument("--bundled", action="store_true")

    def handle(self, *args, **options):
        try:
            if options["bundled"]:
                self.stdout.write(f"{tariff_load_bundled()} rows loaded from customs/data.")
            if options["parameters"] is not None:
                text = options["parameters"].read_text(encoding="utf-8-sig")
                count = regime_parameters_load(text=text)
                self.stdout.write(f"{options['parameters']}: {count} rows loaded.")
            if options["positive_list"] is not None:
                text = options["positive_list"].read_text(encoding="utf-8-sig")
                count = positive_list_load(
                    text=text, edition=options["edition"], indicative=options["indicative"]
                )
                self.stdout.write(f"{options['positive_list']}: {count} entries loaded.")
            if options["schedule"] is not None:
                with open(options["schedule"], "rb") as file:
                    report = tariff_schedule_load(
                        file=file,
                        edition=options["edition"],
                        legal_source=options["legal_source"],
                        chapters=options["chapters"],
                        indicative=options["indicative"],
                        actor_label="manage.py tariff_load",
                        check_only=options["check"],
                    )
                self._print(options["schedule"], report)
        except (ApplicationError, DatabaseError, OSError, UnicodeDecodeError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None

    def _print(self, path: Path, report: ScheduleReport) -> None:
        for issue in report.errors:
            self.stderr.write(f"error   {_where(issue)}{issue.message}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"… and {report.error_count - len(report.errors)} more errors")
        for issue in report.warnings[:WARNINGS_PRINTED]:
            self.stdout.write(f"warning {_where(issue)}{issue.message}")
        if report.warning_count > WARNINGS_PRINTED:
            self.stdout.write(f"… and {report.warning_count - WARNINGS_PRINTED} more warnings")
        if report.error_count:
            raise CommandError(
                f"{path}: {report.error_count} error(s) in {report.rows} rows; nothing loaded."
            )
        schedule = report.schedule
        if schedule is None:
            self.stdout.write(f"{path}: {report.rows} rows checked, no errors.")
        elif report.already_loaded:
            self.stdout.write(
                f"{path}: already loaded as {schedule} ({schedule.loaded_at:%Y-%m-%d}); "
                "nothing changed."
            )
        else:
            replaced = f", replacing v{report.replaced.version}" if report.replaced else ""
            self.stdout.write(
                f"{path}: {schedule.line_count} lines loaded as {schedule}{replaced}, in force "
                f"from {schedule.effective_from}."
            )


def _where(issue) -> str:
    row = f"row {issue.row}" if issue.row else "file"
    return f"{row:>9}  {issue.hs_code or '':<10}  "
