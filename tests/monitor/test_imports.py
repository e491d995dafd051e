"""Importing providers, attendance, assisted persons and episodes from CSV and XLSX.

All or nothing: a file with any bad row writes nothing and names each bad row (as the
spreadsheet numbers it: header 1, first data row 2), column and reason.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.extensions import db
from monitor.models import (
    AssistanceEpisode,
    AssistedPerson,
    AuditEvent,
    Provider,
    TrainingAttendance,
    TrainingSession,
)
from monitor.registry.importing import (
    IMPORT_KINDS,
    MAX_ERRORS,
    ImportRejected,
    import_table,
    template_csv,
)
from surveys.workbooks import MAX_UNPACKED_BYTES
from tests.zip_bombs import deadline, xlsx_bomb

FUTURE = (date.today() + timedelta(days=40)).isoformat()
RECORD_TABLES = (Provider, TrainingSession, TrainingAttendance, AssistedPerson, AssistanceEpisode)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in RECORD_TABLES}


def csv_bytes(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rejected(kind: str, data: bytes, filename: str = "file.csv") -> ImportRejected:
    """Import a file expected to be refused; check nothing was written; return the rejection."""
    before = counts()
    with pytest.raises(ImportRejected) as info:
        import_table(kind, filename, data)
    db.session.rollback()
    assert counts() == before
    assert count(AuditEvent) == db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "import")
    )
    return info.value


def problems(rejection: ImportRejected) -> set[tuple[int | None, str | None]]:
    return {(e.row, e.column) for e in rejection.errors}


def only_problem(rejection: ImportRejected):
    assert len(rejection.errors) == 1, [str(e) for e in rejection.errors]
    return rejection.errors[0]


@pytest.fixture
def world(factory):
    """Two regions, an organisation, two providers, a session, a person."""
    kyiv = factory.region(name="Kyiv city", code="UA-30")
    kharkiv = factory.region(name="Kharkiv", code="UA-63")
    ngo = factory.organisation(region=kharkiv, name="La Strada Kharkiv")
    p1 = factory.provider(region=kharkiv, code="P-001", organisation=ngo)
    p2 = factory.provider(region=kyiv, code="P-002", profession="police")
    session = factory.session(date(2013, 4, 15), region=kharkiv, hours=16,
                              modules="identification,referral", code="S-2013-01")
    person = factory.person(region=kyiv, code="V-001")
    return {"kyiv": kyiv, "kharkiv": kharkiv, "ngo": ngo, "p1": p1, "p2": p2,
            "session": session, "person": person}


# Good files ---------------------------------------------------------------------------------


def test_providers_import_with_bom_labels_names_and_loose_headers(world):
    data = "\ufeff Code ,PROFESSION, Region ,organisation\n".encode() + csv_bytes("""
P-100,social_worker,UA-63,La Strada Kharkiv
P-101,Police officer,kyiv city,
P-102,ngo_activist,Kharkiv,la strada kharkiv
""")
    result = import_table("providers", "providers.csv", data)
    db.session.commit()
    assert result.created == {"provider": 3}
    assert result.rows == 3
    assert result.message == "Imported 3 providers."
    rows = {p.code: p for p in db.session.scalars(select(Provider))}
    assert rows["P-100"].organisation_id == world["ngo"].id
    assert rows["P-101"].profession == "police"
    assert rows["P-101"].region_id == world["kyiv"].id
    assert rows["P-101"].organisation_id is None
    assert rows["P-102"].organisation_id == world["ngo"].id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.target == "providers"
    assert event.detail["rows"] == 3
    assert event.detail["filename"] == "providers.csv"


def test_semicolon_separated_csv_with_decimal_commas(world):
    data = csv_bytes("""
provider_code;session_code;hours_attended
P-001;S-2013-01;7,5
P-002;S-2013-01;16
""")
    result = import_table("attendance", "a.csv", data)
    db.session.commit()
    assert result.created == {"training_session": 0, "training_attendance": 2}
    hours = dict(db.session.execute(
        select(TrainingAttendance.provider_id, TrainingAttendance.hours_attended)).all())
    assert hours == {world["p1"].id: 7.5, world["p2"].id: 16.0}


def test_attendance_creates_new_sessions_from_the_first_row_naming_them(world):
    data = csv_bytes("""
provider_code,session_code,hours_attended,session_date,region,session_hours,modules
P-001,S-NEW,8,01.03.2014,UA-30,8,identification;Psychosocial support|legal_aid
P-002,S-NEW,6,,,,
P-002,S-2013-01,16,2013-04-15,UA-63,16,"referral,identification"
""")
    result = import_table("attendance", "a.csv", data)
    db.session.commit()
    assert result.created == {"training_session": 1, "training_attendance": 3}
    assert "1 new training session" in result.message
    new = db.session.scalars(select(TrainingSession).where(TrainingSession.code == "S-NEW")).one()
    assert new.held_on == date(2014, 3, 1)
    assert new.region_id == world["kyiv"].id
    assert new.hours == 8
    assert new.module_list == ["identification", "psychosocial", "legal_aid"]
    assert count(TrainingAttendance) == 3


def test_persons_import_with_ctdc_headers(world):
    data = csv_bytes("""
code,region,referred_on,gender,ageBroad,majorityStatus,citizenship,typeOfExploit,CountryOfExploitation,yearOfRegistration
V-100,UA-30,2014-02-01,Female,18--20,Adult,ua,Sexual exploitation,PL,2014
V-101,Kharkiv,,male,9-17,minor,,forced labour,,
V-102,UA-63,,,,,,,,
""")
    result = import_table("persons", "persons.csv", data)
    db.session.commit()
    assert result.created == {"assisted_person": 3}
    people = {p.code: p for p in db.session.scalars(select(AssistedPerson))}
    v100, v101, v102 = people["V-100"], people["V-101"], people["V-102"]
    assert (v100.gender, v100.age_broad, v100.majority_status) == ("Female", "18--20", "Adult")
    assert (v100.citizenship, v100.country_of_exploitation) == ("UA", "PL")
    assert v100.type_of_exploit == "Sexual exploitation"
    assert v100.year_of_registration == 2014
    assert v100.referred_on == date(2014, 2, 1)
    assert (v101.gender, v101.age_broad, v101.majority_status) == ("Male", "9--17", "Minor")
    assert v101.type_of_exploit == "Forced labour"
    assert v102.region_id == world["kharkiv"].id and v102.gender is None


def test_episodes_import_with_any_service_separator(world):
    data = csv_bytes("""
person_code,provider_code,started_on,ended_on,services
V-001,P-001,2014-03-01,2014-06-30,shelter;medical|Legal aid
V-001,P-002,15.05.2014,,
""")
    result = import_table("episodes", "e.csv", data)
    db.session.commit()
    assert result.created == {"assistance_episode": 2}
    episodes = {e.provider_id: e for e in db.session.scalars(select(AssistanceEpisode))}
    first, second = episodes[world["p1"].id], episodes[world["p2"].id]
    assert first.service_list == ["shelter", "medical", "legal"]
    assert (first.started_on, first.ended_on) == (date(2014, 3, 1), date(2014, 6, 30))
    assert second.started_on == date(2014, 5, 15) and second.ended_on is None
    assert second.services == ""


def test_optional_columns_may_be_left_out(world):
    result = import_table("episodes", "e.csv", csv_bytes("""
person_code,provider_code,started_on
V-001,P-001,2014-03-01
"""))
    assert result.created == {"assistance_episode": 1}


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(world):
    data = csv_bytes("""
code,profession,region

P-200,police,UA-30
,,
P-201,astronaut,UA-30
""")
    problem = only_problem(rejected("providers", data))
    assert (problem.row, problem.column, problem.value) == (5, "profession", "astronaut")


def test_templates_have_the_columns_and_import_cleanly(world):
    for kind, spec in IMPORT_KINDS.items():
        template = template_csv(kind)
        assert template.startswith(b"\xef\xbb\xbf")
        header = template.decode("utf-8-sig").strip().split(",")
        assert header == [column.name for column in spec.columns]
    example = template_csv("providers") + b"P-300,teacher,UA-30,\r\n"
    assert import_table("providers", "t.csv", example).created == {"provider": 1}


# XLSX ---------------------------------------------------------------------------------------


def test_xlsx_with_date_cells_numbers_and_numeric_codes(world):
    data = xlsx_bytes([
        ["provider_code", "session_code", "hours_attended", "session_date", "region",
         "session_hours", "modules"],
        ["P-001", 2014, 4, datetime(2014, 5, 6), "UA-30", 4.0, "referral"],
        ["P-002", 2014, 4.0, None, None, None, None],
    ])
    result = import_table("attendance", "attendance.XLSX", data)
    db.session.commit()
    assert result.created == {"training_session": 1, "training_attendance": 2}
    session = db.session.scalars(
        select(TrainingSession).where(TrainingSession.code == "2014")).one()
    assert session.held_on == date(2014, 5, 6)


def test_xlsx_persons_and_episodes(world):
    persons = xlsx_bytes([
        ["code", "region", "referred_on", "yearOfRegistration", "gender"],
        ["V-500", "UA-63", date(2015, 1, 2), 2015, "Female"],
    ])
    assert import_table("persons", "p.xlsx", persons).created == {"assisted_person": 1}
    episodes = xlsx_bytes([
        ["person_code", "provider_code", "started_on", "ended_on", "services"],
        ["V-500", "P-001", datetime(2015, 1, 5), "10.02.2015", "shelter"],
    ])
    assert import_table("episodes", "e.xlsx", episodes).created == {"assistance_episode": 1}


def test_xlsx_errors_name_the_spreadsheet_row(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "profession", "region"])
    sheet.append(["P-600", "police", "UA-30"])
    sheet["A5"], sheet["B5"], sheet["C5"] = "P-601", "police", "UA-99"
    sheet["A6"], sheet["B6"], sheet["C6"] = "P-602", True, "UA-30"
    out = io.BytesIO()
    workbook.save(out)
    rejection = rejected("providers", out.getvalue(), "providers.xlsx")
    assert problems(rejection) == {(5, "region"), (6, "profession")}


def test_xlsx_not_a_date_and_not_a_number(world):
    data = xlsx_bytes([
        ["person_code", "provider_code", "started_on"],
        ["V-001", "P-001", 41000],
        ["V-001", "P-002", "soon"],
    ])
    rejection = rejected("episodes", data, "e.xlsx")
    assert problems(rejection) == {(2, "started_on"), (3, "started_on")}
    assert all("Not a date" in e.reason for e in rejection.errors)


def test_damaged_or_old_workbooks_get_one_clear_error(world):
    problem = only_problem(rejected("providers", b"PK\x03\x04 not really a zip", "x.xlsx"))
    assert "not an Excel workbook" in problem.reason
    problem = only_problem(rejected("providers", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "x.xlsx"))
    assert ".xls" in problem.reason
    problem = only_problem(rejected("providers", b"whatever", "x.xls"))
    assert "not supported" in problem.reason


@pytest.mark.parametrize("unpacked", [MAX_UNPACKED_BYTES + 1, MAX_UNPACKED_BYTES // 2],
                         ids=["over the cap", "under the cap, inflating like a bomb"])
def test_a_zip_bomb_workbook_is_refused_in_seconds_without_being_unpacked(world, unpacked):
    data = xlsx_bomb(unpacked)
    assert len(data) < 1024 * 1024  # a small upload
    with deadline(10):  # before: minutes and gigabytes parsing one row of millions of cells
        problem = only_problem(rejected("providers", data, "providers.xlsx"))
    assert problem.row is None
    assert "The file unpacks to" in problem.reason


# Row errors ---------------------------------------------------------------------------------

ROW_ERRORS = [
    # (kind, file text, row, column, words in the reason)
    ("providers", "code,profession,region\nP-1,police,UA-99", 2, "region", "Unknown region"),
    ("providers", "code,profession,region,organisation\nP-1,police,UA-30,La Strada Kharkiv",
     2, "organisation", "No organisation"),
    ("providers", "code,profession,region\nP-1,cook,UA-30", 2, "profession", "Unknown profession"),
    ("providers", "code,profession,region\nP-001,police,UA-30", 2, "code", "already registered"),
    ("providers", "code,profession,region\np-001,police,UA-30", 2, "code", "capital letters"),
    ("providers", "code,profession,region\nP-1,police,UA-30\nP-2,police,UA-30\nP-1,teacher,UA-63",
     4, "code", "already used on row 2"),
    ("providers", "code,profession,region\n,police,UA-30", 2, "code", "Required"),
    ("attendance", "provider_code,session_code,hours_attended\nP-404,S-2013-01,4",
     2, "provider_code", "No provider"),
    ("attendance", "provider_code,session_code,hours_attended\nP-001,S-2013-01,-2",
     2, "hours_attended", "negative"),
    ("attendance", "provider_code,session_code,hours_attended\nP-001,S-2013-01,17",
     2, "hours_attended", "More than the session's 16 hours"),
    ("attendance", "provider_code,session_code,hours_attended\nP-001,S-2013-01,lots",
     2, "hours_attended", "Not a number"),
    ("attendance", "provider_code,session_code,hours_attended\nP-001,S-2013-01,",
     2, "hours_attended", "Required"),
    ("attendance",
     "provider_code,session_code,hours_attended\nP-002,S-2013-01,4\nP-002,S-2013-01,4",
     3, "provider_code", "already listed for session S-2013-01 on row 2"),
    ("attendance", "provider_code,session_code,hours_attended\nP-002,S-UNKNOWN,4",
     2, "session_date", "session S-UNKNOWN is not registered"),
    ("attendance", "provider_code,session_code,hours_attended\nP-002,s-2013-01,4",
     2, "session_code", "capital letters"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     f"P-002,S-N,4,{FUTURE},UA-30,8,referral", 2, "session_date", "future"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     "P-002,S-N,4,2014-01-01,UA-30,8,referral;juggling", 2, "modules", "Unknown module 'juggling'"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     "P-002,S-N,4,2014-01-01,UA-30,-8,referral", 2, "session_hours", "negative"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     "P-002,S-N,4,2014-13-01,UA-30,8,referral", 2, "session_date", "No such date"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     "P-002,S-N,4,March 2014,UA-30,8,referral", 2, "session_date", "Not a date"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date\nP-002,S-2013-01,4,2013-04-16",
     2, "session_date", "was held on 2013-04-15"),
    ("attendance",
     "provider_code,session_code,hours_attended,region\nP-002,S-2013-01,4,UA-30",
     2, "region", "was held in Kharkiv (UA-63)"),
    ("attendance",
     "provider_code,session_code,hours_attended,session_date,region,session_hours,modules\n"
     "P-001,S-N,4,2014-01-01,UA-30,8,referral\nP-002,S-N,4,2014-01-01,UA-30,6,referral",
     3, "session_hours", "as given on row 2 lasted 8 hours"),
    ("persons", "code,region,gender\nV-1,UA-30,Unknown", 2, "gender", "Unknown gender"),
    ("persons", "code,region,ageBroad\nV-1,UA-30,about 30", 2, "ageBroad", "Unknown age group"),
    ("persons", "code,region,typeOfExploit\nV-1,UA-30,Begging", 2, "typeOfExploit",
     "Unknown type of exploitation"),
    ("persons", "code,region,citizenship\nV-1,UA-30,Ukraine", 2, "citizenship", "ISO 3166-1"),
    ("persons", "code,region,CountryOfExploitation\nV-1,UA-30,QQ", 2, "CountryOfExploitation",
     "ISO 3166-1"),
    ("persons", "code,region,ageBroad,majorityStatus\nV-1,UA-30,30--38,Minor", 2, "majorityStatus",
     "Does not agree with ageBroad"),
    ("persons", f"code,region,yearOfRegistration\nV-1,UA-30,{date.today().year + 1}", 2,
     "yearOfRegistration", "future"),
    ("persons", "code,region,yearOfRegistration\nV-1,UA-30,2014.5", 2, "yearOfRegistration",
     "Not a year"),
    ("persons", f"code,region,referred_on\nV-1,UA-30,{FUTURE}", 2, "referred_on", "future"),
    ("persons", "code,region\nV-001,UA-30", 2, "code", "already registered"),
    ("persons", "code,region\nV-1,UA-30\nV-1,UA-30", 3, "code", "already used on row 2"),
    ("persons", "code,region\nV-1,", 2, "region", "Required"),
    ("episodes", "person_code,provider_code,started_on\nV-404,P-001,2014-01-01", 2, "person_code",
     "No assisted person"),
    ("episodes", "person_code,provider_code,started_on\nV-001,P-404,2014-01-01", 2,
     "provider_code", "No provider"),
    ("episodes", "person_code,provider_code,started_on,ended_on\nV-001,P-001,2014-05-01,30.04.2014",
     2, "ended_on", "Ends before it starts"),
    ("episodes", f"person_code,provider_code,started_on\nV-001,P-001,{FUTURE}", 2, "started_on",
     "future"),
    ("episodes", "person_code,provider_code,started_on\nV-001,P-001,", 2, "started_on", "Required"),
    ("episodes", "person_code,provider_code,started_on,services\nV-001,P-001,2014-01-01,spa", 2,
     "services", "Unknown service 'spa'"),
    ("episodes", "person_code,provider_code,started_on\nV-001,P-001,2014-01-01\n"
     "V-001,P-001,01.01.2014", 3, "started_on", "already on row 2"),
]


@pytest.mark.parametrize(("kind", "text", "row", "column", "words"), ROW_ERRORS,
                         ids=[f"{e[0]}-{e[3]}-{i}" for i, e in enumerate(ROW_ERRORS)])
def test_each_bad_row_is_named_and_nothing_is_written(world, kind, text, row, column, words):
    rejection = rejected(kind, csv_bytes(text))
    matching = [e for e in rejection.errors if (e.row, e.column) == (row, column)]
    assert matching, [str(e) for e in rejection.errors]
    assert any(words in e.reason for e in matching), [e.reason for e in matching]


def test_duplicates_against_the_database_are_found_after_reading(world, factory):
    factory.attend(world["p1"], world["session"], hours=8)
    factory.episode(world["person"], world["p2"], started_on=date(2014, 1, 1))
    rejection = rejected("attendance", csv_bytes("""
provider_code,session_code,hours_attended
P-002,S-2013-01,4
P-001,S-2013-01,4
"""))
    problem = only_problem(rejection)
    assert (problem.row, problem.column) == (3, "provider_code")
    assert "already recorded" in problem.reason
    problem = only_problem(rejected("episodes", csv_bytes("""
person_code,provider_code,started_on
V-001,P-001,2014-01-01
V-001,P-002,2014-01-01
""")))
    assert (problem.row, problem.column) == (3, "started_on")
    assert "already registered" in problem.reason


def test_one_bad_row_among_good_ones_writes_nothing(world):
    lines = ["code,profession,region"] + [f"P-{i},police,UA-30" for i in range(500, 700)]
    lines.insert(150, "P-bad,police,Atlantis")  # the 151st line: spreadsheet row 151
    rejection = rejected("providers", csv_bytes("\n".join(lines)))
    assert problems(rejection) == {(151, "region")}
    assert rejection.errors[0].value == "Atlantis"


def test_every_problem_of_a_row_is_reported_in_column_order(world):
    rejection = rejected("episodes", csv_bytes("""
services,ended_on,started_on,provider_code,person_code
spa,yesterday,2014-01-01,P-404,V-404
"""))
    assert [e.column for e in rejection.errors] == [
        "services", "ended_on", "provider_code", "person_code"]


def test_report_is_capped_and_counts_the_rest(world):
    lines = ["code,profession,region"] + [f"P-{i},police,Atlantis" for i in range(MAX_ERRORS + 500)]
    rejection = rejected("providers", csv_bytes("\n".join(lines)))
    assert len(rejection.errors) == MAX_ERRORS
    assert rejection.more == 500
    assert rejection.total == MAX_ERRORS + 500
    assert rejection.errors[0].row == 2
    assert [e.row for e in rejection.errors] == sorted(e.row for e in rejection.errors)


def test_long_values_are_shortened_in_the_report(world):
    long_region = "Z" * 500
    problem = only_problem(rejected("providers", csv_bytes(
        f"code,profession,region\nP-1,police,{long_region}")))
    assert len(problem.value) <= 60 and problem.value.endswith("…")


# File-level errors --------------------------------------------------------------------------

FILE_ERRORS = [
    ("notes.txt", b"code,profession,region\nP-1,police,UA-30\n", "must be a CSV"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\r\n\r\n", "empty"),
    ("header.csv", b"code,profession,region\r\n", "no data rows"),
    ("latin1.csv", "code,profession,region\nP-é,police,UA-30\n".encode("latin-1"),
     "not UTF-8 text (the first unreadable character is on line 2)"),
    ("utf16.csv", "code,profession,region\n".encode("utf-16"), "UTF-16"),
    ("nul.csv", b"code,profession,region\nP-1\x00,police,UA-30\n", "NUL"),
    ("workbook.csv", xlsx_bytes([["code"]]), "looks like an Excel workbook"),
]


@pytest.mark.parametrize(("filename", "data", "words"), FILE_ERRORS,
                         ids=[e[0] for e in FILE_ERRORS])
def test_unreadable_files_get_one_clear_error(world, filename, data, words):
    problem = only_problem(rejected("providers", data, filename))
    assert words in problem.reason


def test_missing_and_unknown_columns_are_reported_on_row_one(world):
    rejection = rejected("providers", csv_bytes("code,job,region,Code\nP-1,police,UA-30,P-1"))
    assert {(e.row, e.column) for e in rejection.errors} == {
        (1, "job"), (1, "code"), (1, "profession")}
    reasons = {e.column: e.reason for e in rejection.errors if e.column != "code"}
    assert "Unknown column" in reasons["job"]
    assert "required column is missing" in reasons["profession"]
    assert any("appears twice" in e.reason for e in rejection.errors if e.column == "code")


def test_a_file_of_another_kind_says_so(world):
    rejection = rejected("providers", csv_bytes(
        "provider_code,session_code,hours_attended\nP-001,S-2013-01,4"))
    assert "training attendance" in rejection.errors[0].reason


def test_values_outside_named_columns_are_refused(world):
    rejection = rejected("providers", csv_bytes("code,profession,region\nP-1,police,UA-30,extra"))
    problem = only_problem(rejection)
    assert (problem.row, problem.column, problem.value) == (2, "column 4", "extra")


def test_malformed_csv_names_the_row(world):
    problem = only_problem(rejected("providers", csv_bytes(
        'code,profession,region\nP-1,police,UA-30\nP-2,"police,UA-30')))
    assert problem.row is not None and "malformed" in problem.reason


def test_unknown_kind_is_refused(world):
    problem = only_problem(rejected("surveys", b"a\n1\n"))
    assert "Unknown kind" in problem.reason


# The pages ----------------------------------------------------------------------------------


def _upload(client, kind: str, data: bytes, filename: str):
    return client.post("/registry/imports/upload",
                       data={"kind": kind, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_import_page_documents_every_kind_with_a_template(client, login, world):
    login("officer")
    page = client.get("/registry/imports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for kind, spec in IMPORT_KINDS.items():
        assert f'id="kind-{kind}"' in html
        assert f"/registry/imports/{kind}/template.csv" in html
        for column in spec.columns:
            assert f"<code>{column.name}</code>" in html
    assert "La Strada" not in html  # no data on the page, only its shape
    assert "UA-63" in html  # the regions to choose from
    assert 'enctype="multipart/form-data"' in html
    assert "style=" not in html and "<script" not in html


def test_template_download(client, login):
    login("officer")
    response = client.get("/registry/imports/attendance/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").startswith("provider_code,session_code,hours_attended")
    assert client.get("/registry/imports/nothing/template.csv").status_code == 404


def test_upload_imports_flashes_and_redirects(client, login, world):
    user = login("officer")
    response = _upload(client, "providers",
                       csv_bytes("code,profession,region\nP-700,police,UA-30\nP-701,teacher,UA-63"),
                       "providers.csv")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/registry/imports")
    assert count(Provider) == 4
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.user_id == user.id
    page = client.get(response.headers["Location"])
    assert "Imported 2 providers" in page.get_data(as_text=True)


def test_upload_xlsx_through_the_page(client, login, world):
    login("officer")
    data = xlsx_bytes([["person_code", "provider_code", "started_on"],
                       ["V-001", "P-002", datetime(2014, 2, 3)]])
    response = _upload(client, "episodes", data, "episodes.xlsx")
    assert response.status_code == 302
    assert count(AssistanceEpisode) == 1


def test_rejected_upload_shows_the_problems_and_writes_nothing(client, login, world):
    login("officer")
    before = counts()
    response = _upload(client, "attendance", csv_bytes("""
provider_code,session_code,hours_attended
P-001,S-2013-01,4
P-404,S-2013-01,<b>4</b>
"""), "attendance.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "nothing\n    was imported" in html or "so nothing" in html
    assert '<table class="report-errors' in html
    assert 'data-label="Row">3</td>' in html
    assert "No provider with this code is registered." in html
    assert "&lt;b&gt;4&lt;/b&gt;" in html and "<b>4</b>" not in html
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "import_rejected")) == 1


def test_upload_without_a_file_is_a_form_error(client, login):
    login("officer")
    response = client.post("/registry/imports/upload", data={"kind": "providers"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_upload_of_a_wrong_file_type(client, login, world):
    login("officer")
    response = _upload(client, "providers", b"hello", "notes.txt")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in html


def test_a_zip_bomb_upload_is_refused_with_a_message_and_audited(client, login, world):
    user = login("officer")
    before = counts()
    with deadline(10):
        response = _upload(client, "persons", xlsx_bomb(MAX_UNPACKED_BYTES + 1,
                                                        ("code", "region")), "persons.xlsx")
    assert response.status_code == 422
    assert "The file unpacks to more than" in response.get_data(as_text=True)
    assert counts() == before
    event = db.session.scalars(select(AuditEvent)
                               .where(AuditEvent.action == "import_rejected")).one()
    assert event.user_id == user.id
    assert event.target == "persons"
    assert event.detail["filename"] == "persons.xlsx"
    assert "unpacks to more than" in event.detail["reason"]


def test_admins_may_import(client, login, world):
    login("admin")
    assert client.get("/registry/imports").status_code == 200
    response = _upload(client, "persons", csv_bytes("code,region\nV-900,UA-30"), "p.csv")
    assert response.status_code == 302


def test_evaluators_are_refused_every_import_page(client, login, world):
    login("evaluator")
    assert client.get("/registry/imports").status_code == 403
    assert client.get("/registry/imports/providers/template.csv").status_code == 403
    response = _upload(client, "providers", csv_bytes("code,profession,region\nP-9,police,UA-30"),
                       "p.csv")
    assert response.status_code == 403
    assert count(Provider) == 2


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/registry/imports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/registry/imports/upload").status_code == 401


def test_a_conflicting_change_while_writing_is_rejected_cleanly(world, monkeypatch):
    """Someone registers the same code between our lookup and our insert."""
    from monitor.registry.importing.kinds import ProviderImporter

    original = ProviderImporter.load

    def load_before_the_other_change(self):
        original(self)
        self.existing.ids.pop("P-001")  # as if P-001 had been added just after our lookup
        self.existing._folded = {}

    monkeypatch.setattr(ProviderImporter, "load", load_before_the_other_change)
    problem = only_problem(rejected("providers", csv_bytes(
        "code,profession,region\nP-900,police,UA-30\nP-001,police,UA-30")))
    assert "changed the registry" in problem.reason


def test_files_over_the_row_limit_are_refused(world, monkeypatch):
    import monitor.registry.importing as importing

    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    lines = ["code,profession,region"] + [f"P-{i},police,UA-30" for i in range(5)]
    problem = only_problem(rejected("providers", csv_bytes("\n".join(lines))))
    assert problem.row == 5 and "more than 3 data rows" in problem.reason
