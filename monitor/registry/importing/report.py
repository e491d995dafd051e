"""What an import reports back: the rows created, or every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The most problems a rejected import lists; the rest are counted.
MAX_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: where it is (row as the spreadsheet numbers it, column name), what, why.

    ``row`` is 1 for the header, 2 for the first data row, and None for the file as a whole;
    ``column`` is None when the problem is not about one column. ``reason`` is in the officer's
    language; ``logged`` is the same in English, for the audit log, on problems with the file as
    a whole (row problems quote the file's values and are never logged).
    """

    row: int | None
    column: str | None
    value: str | None
    reason: str
    logged: str | None = None

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class ImportRejected(Exception):
    """Raised when a file is not imported at all; ``errors`` lists why, ``more`` counts the rest.

    Nothing of the file was written. If it is raised after rows were sent to the database (a
    conflicting change by someone else), the caller must roll the session back.
    """

    def __init__(self, errors: list[RowError], more: int = 0) -> None:
        self.errors = errors
        self.more = more
        first = str(errors[0]) if errors else "no details"
        super().__init__(f"import rejected: {self.total} problem(s); first: {first}")

    @property
    def total(self) -> int:
        return len(self.errors) + self.more


@dataclass(frozen=True)
class ImportResult:
    """A successful import: how many data rows were read and how many rows each table gained."""

    kind: str
    rows: int
    created: dict[str, int] = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:
        return self.message


class Report:
    """Collects problems while a file is checked, keeping the first ``cap`` by row."""

    def __init__(self, cap: int = MAX_ERRORS) -> None:
        self.cap = cap
        self.count = 0
        self._kept: list[tuple[int, int, int, RowError]] = []
        self._late = False
        #: column name -> position in the file, so a row's problems list left to right
        self.column_order: dict[str, int] = {}

    def add(self, row: int | None, column: str | None, value: str | None, reason: str) -> None:
        self.count += 1
        if len(self._kept) < self.cap or self._late:
            order = self.column_order.get(column, len(self.column_order)) if column else -1
            self._kept.append((row or 0, order, self.count, RowError(row, column, value, reason)))
            if len(self._kept) > 2 * self.cap:
                self._trim()

    def checks_after_reading(self) -> None:
        """From now on problems may concern any row; keep them all and sort at the end."""
        self._late = True

    def _trim(self) -> None:
        self._kept.sort(key=lambda item: item[:3])
        del self._kept[self.cap :]

    def rejection(self) -> ImportRejected:
        self._trim()
        errors = [item[3] for item in self._kept]
        return ImportRejected(errors, more=self.count - len(errors))
