"""Tests of the privacy guard against the planted values in the specimens and synthetic cases.

Expected findings come from reading the specimen files by eye
(tests/fixtures/specimens/README.md) and from reserved example values: example.org e-mail,
06-12345678, RFC 5737/3849 IP addresses, the test IBAN NL91ABNA0417164300, the test BSN
111222333 and the invoice number 123456789.
Every test also checks that no planted value (nor a hash of it) reaches a message.
"""

from __future__ import annotations

import dataclasses
import hashlib

import pandas as pd
import pytest

from samen_sterker.cleaning.privacy import (
    KIND_DESCRIPTIONS,
    Finding,
    PrivacyError,
    format_findings,
    raise_if_findings,
    scan_column_names,
    scan_frame,
    scan_values,
)

from .conftest import SPECIMENS

QUALTRICS = "qualtrics_relatiecursus_GM9999_2024_nameting.csv"
LIMESURVEY = "limesurvey_results-survey482913_GM9999_2024.csv"
EXCEL_CP1252 = "excel_nl_relatiecursus_2024_cp1252.csv"
EXCEL_UTF8 = "excel_nl_relatiecursus_2024_utf8bom.csv"

# 11-proef by hand: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 must be divisible by 11.
# 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6*11, valid (the official test BSN).
# 123456782: 9+16+21+24+25+24+21+16-2 = 154 = 14*11, valid.
# 012345672: 0+8+14+18+20+20+18+14-2 = 110 = 10*11, valid.
# 123456789: 9+16+21+24+25+24+21+16-9 = 147, 147 mod 11 = 4, invalid (an invoice number).
VALID_BSNS = ("111222333", "123456782", "012345672")
INVOICE_NUMBER = "123456789"


def read_specimen(name: str, *, sep: str = ",", encoding: str = "utf-8-sig", header_rows: int = 1):
    """Read a specimen as text; return the frame and each row's 1-based row number in the file."""
    frame = pd.read_csv(
        SPECIMENS / name,
        sep=sep,
        dtype=str,
        encoding=encoding,
        keep_default_na=False,
        skiprows=range(1, header_rows),
    )
    rows = pd.Series(range(header_rows + 1, header_rows + 1 + len(frame)))
    return frame, rows


def hashes(value: str) -> list[str]:
    """Common hex digests of a value, which must never stand in for it in a message."""
    data = value.encode()
    return [hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256")]


def assert_no_leak(findings: list[Finding], values: list[str]) -> None:
    """No planted value, nor a hash of it, in str/repr of any finding or in the combined report."""
    texts = [str(finding) for finding in findings] + [repr(finding) for finding in findings]
    texts.append(format_findings(findings))
    for text in texts:
        lowered = text.lower()
        for value in values:
            assert value.lower() not in lowered, f"planted value leaked into: {text}"
            for digest in hashes(value):
                assert digest not in lowered


def by_key(findings: list[Finding]) -> dict[tuple[str, str], tuple[int, ...]]:
    """Map (column, kind) to rows, asserting there is one finding per key."""
    keys = [(finding.column, finding.kind) for finding in findings]
    assert len(keys) == len(set(keys)), "findings must be grouped per (column, kind)"
    return {(finding.column, finding.kind): finding.rows for finding in findings}


def scan_cells(column: str, cells: list[str], first_row: int = 2, **kwargs) -> list[Finding]:
    """Scan one column of cells that start at `first_row` in a file called 'export.csv'."""
    frame = pd.DataFrame({column: cells}, dtype=object)
    rows = list(range(first_row, first_row + len(cells)))
    return scan_values(frame, "export.csv", rows, **kwargs)


def kinds_of(column: str, cells: list[str], **kwargs) -> set[str]:
    """Kinds found when scanning cells; also proves none of them leaks into the messages."""
    findings = scan_cells(column, cells, **kwargs)
    assert_no_leak(findings, [cell for cell in cells if len(cell) >= 4])
    return {finding.kind for finding in findings}


# ---------------------------------------------------------------------------------------------
# Specimens
# ---------------------------------------------------------------------------------------------

QUALTRICS_PLANTED = [
    "06-12345678",
    "0612345678",
    "j.jansen@example.org",
    "Jan Jansen",
    "Jansen",
    INVOICE_NUMBER,
    "192.0.2.14",
    "198.51.100.23",
    "203.0.113.5",
    "52.0907",
    "R_3kQ9xLmP2vT700a",
    "via de huisarts",
]


def test_qualtrics_specimen_findings() -> None:
    frame, rows = read_specimen(QUALTRICS, header_rows=3)
    assert rows.iloc[0] == 4  # three header rows: the first response is file row 4
    findings = scan_frame(frame, QUALTRICS, rows)
    found = by_key(findings)
    assert found.pop(("Q5", "email")) == (11,)
    assert found.pop(("Q5", "phone")) == (6,)
    assert found.pop(("Q5", "free_text")) == (4, 6, 10, 11, 13)
    assert found.pop(("Q4_7_TEXT", "free_text")) == (11,)
    assert found.pop(("IPAddress", "ip_address")) == tuple(range(4, 14))
    assert found.pop(("IPAddress", "column_name_ip_address")) == ()
    for column in ("RecipientLastName", "RecipientFirstName", "RecipientEmail"):
        assert found.pop((column, "column_name_recipient")) == ()
    assert found.pop(("LocationLatitude", "column_name_location")) == ()
    assert found.pop(("LocationLongitude", "column_name_location")) == ()
    assert found.pop(("ExternalReference", "column_name_token")) == ()
    # Nothing else: not the invoice number (fails the 11-proef), not the timestamps as phone
    # numbers, not the ratings, codes, municipality code or response ids.
    assert found == {}
    assert_no_leak(findings, QUALTRICS_PLANTED)


def test_qualtrics_mapped_columns_are_clean() -> None:
    frame, rows = read_specimen(QUALTRICS, header_rows=3)
    kept = frame[["koppelcode", "gemeente", "Q1", "Q2", "Q3_1", "Q3_2"]]
    assert scan_frame(kept, QUALTRICS, rows) == []


def test_limesurvey_specimen_findings() -> None:
    frame, rows = read_specimen(LIMESURVEY)
    findings = scan_frame(frame, LIMESURVEY, rows)
    found = by_key(findings)
    assert found.pop(("OPM", "postcode")) == (5,)
    assert found.pop(("OPM", "bsn")) == (8,)  # 'BSN 111222333': valid and with context
    assert found.pop(("OPM", "free_text")) == (3, 5, 8)  # 'Prima!' alone is not free text
    assert found.pop(("ipaddr", "ip_address")) == tuple(range(2, 12))
    assert found.pop(("ipaddr", "column_name_ip_address")) == ()
    assert found.pop(("token", "column_name_token")) == ()
    assert found == {}
    assert_no_leak(findings, ["1234 AB", "1234AB", "111222333", "198.51.100.10", "x7Hk2Pq9"])


@pytest.mark.parametrize(
    ("name", "encoding"), [(EXCEL_CP1252, "cp1252"), (EXCEL_UTF8, "utf-8-sig")]
)
def test_dutch_excel_specimen_findings(name: str, encoding: str) -> None:
    frame, rows = read_specimen(name, sep=";", encoding=encoding)
    findings = scan_frame(frame, name, rows)
    found = by_key(findings)
    assert found.pop(("Geboortedatum", "column_name_birth_date")) == ()
    assert found.pop(("Geboortedatum", "birth_date")) == tuple(range(2, 12))
    assert found.pop(("Postcode", "column_name_postcode")) == ()
    assert found.pop(("Postcode", "postcode")) == tuple(range(2, 12))
    assert found.pop(("Opmerking trainer", "free_text")) == (4, 7, 10)
    # 'Datum voormeting' holds dates that are not birth dates; ratings use a decimal comma.
    assert found == {}
    assert_no_leak(
        findings, ["03-07-1989", "21-11-1987", "3511 AB", "3522 XK", "René", "Sanne", "Rene"]
    )


# ---------------------------------------------------------------------------------------------
# Column names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("Naam", "column_name_name"),
        ("voornaam", "column_name_name"),
        ("Achternaam partner", "column_name_name"),
        ("Name", "column_name_name"),
        ("First Name", "column_name_name"),
        ("naam_trainer", "column_name_name"),
        ("E-mail", "column_name_email"),
        ("email", "column_name_email"),
        ("E-mailadres", "column_name_email"),
        ("Mail", "column_name_email"),
        ("Telefoonnummer", "column_name_phone"),
        ("Telefoon", "column_name_phone"),
        ("Mobiel", "column_name_phone"),
        ("Phone number", "column_name_phone"),
        ("Adres", "column_name_address"),
        ("Home address", "column_name_address"),
        ("Straat", "column_name_address"),
        ("Postcode", "column_name_postcode"),
        ("POSTCODE", "column_name_postcode"),
        ("zip", "column_name_postcode"),
        ("Zip code", "column_name_postcode"),
        ("Geboortedatum", "column_name_birth_date"),
        ("Geboortedatum (dd-mm-jjjj)", "column_name_birth_date"),
        ("Date of birth", "column_name_birth_date"),
        ("birth_date", "column_name_birth_date"),
        ("DOB", "column_name_birth_date"),
        ("BSN", "column_name_bsn"),
        ("Burgerservicenummer", "column_name_bsn"),
        ("sofinummer", "column_name_bsn"),
        ("IBAN", "column_name_iban"),
        ("Rekeningnummer", "column_name_iban"),
        ("ip", "column_name_ip_address"),
        ("ipaddr", "column_name_ip_address"),
        ("IPAddress", "column_name_ip_address"),
        ("IP-adres", "column_name_ip_address"),
        ("LocationLatitude", "column_name_location"),
        ("LocationLongitude", "column_name_location"),
        ("latitude", "column_name_location"),
        ("token", "column_name_token"),
        ("ExternalReference", "column_name_token"),
        ("RecipientEmail", "column_name_recipient"),
        ("RecipientFirstName", "column_name_recipient"),
        ("RecipientLastName", "column_name_recipient"),
        ("Géboortédatum", "column_name_birth_date"),  # diacritics are ignored
        ("  E_MAIL  ", "column_name_email"),  # case and separators are ignored
    ],
)
def test_identifying_column_names(column: str, kind: str) -> None:
    findings = scan_column_names([column], "export.csv")
    assert [(finding.column, finding.kind, finding.rows) for finding in findings] == [
        (column, kind, ())
    ]
    assert "export.csv" in str(findings[0]) and kind in str(findings[0])


@pytest.mark.parametrize(
    "column",
    [
        "Q1",
        "Q2",
        "Q3_1",
        "Q4_7_TEXT",
        "koppelcode",
        "Koppelnummer",
        "KOPPEL",
        "PARTNER",
        "TEVR[SQ001]",
        "gemeente",
        "Gemeente",
        "Gemeentenaam",
        "Naam gemeente",
        "Cursusnaam",
        "Survey Name",
        "Jaar",
        "Partner",
        "Voormeting",
        "Nameting",
        "Follow-up",
        "Gemiddelde",
        "Datum voormeting",
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Finished",
        "Duration (in seconds)",
        "ResponseId",
        "DistributionChannel",
        "UserLanguage",
        "relationship_rating",
        "Relatietevredenheid",
        "submitdate",
        "interviewtime",
        "Tip",
        "participant_code",
        "id",
        "Repeating data Name Custom",  # Castor: the name of a form instance
    ],
)
def test_ordinary_column_names_are_not_flagged(column: str) -> None:
    assert scan_column_names([column], "export.csv") == []


# ---------------------------------------------------------------------------------------------
# Values: each kind, with its false positives
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["j.jansen@example.org", "Mail naar J.Jansen+cursus@mail.example.org graag", "a@example.nl"],
)
def test_email(cell: str) -> None:
    assert "email" in kinds_of("koppelcode", [cell])


@pytest.mark.parametrize(
    "cell",
    [
        "06-12345678",
        "0612345678",
        "06 123 456 78",
        "+31 6 12345678",
        "+31612345678",
        "+31-6-12345678",  # '31-6-1234' must not be blanked as a date
        "+31 (0)6 12345678",
        "06 - 12 34 56 78",
        "12-03-2024: 0612345678",
        "0031612345678",
        "020-1234567",
        "(020) 123 4567",
        "Bel me gerust: 06-12345678.",
    ],
)
def test_dutch_phone_numbers(cell: str) -> None:
    assert "phone" in kinds_of("koppelcode", [cell])


@pytest.mark.parametrize(
    "cell",
    [
        "05-02-2024 20:06",  # phonenumbers alone reads '05-02-2024 20' as a Groningen number
        "2024-11-12 19:30:00",
        "1039245812",  # LimeSurvey seed
        INVOICE_NUMBER,
        "111222333",
        "52.0907",
        "Duurde 412 seconden",
    ],
)
def test_not_phone_numbers(cell: str) -> None:
    assert "phone" not in kinds_of("koppelcode", [cell])


@pytest.mark.parametrize("cell", ["1234 AB", "1234AB", "Onze postcode is 3511 AB, stuur maar."])
def test_postcodes(cell: str) -> None:
    assert "postcode" in kinds_of("opmerking", [cell])


def test_lower_case_postcode_counts_in_a_postcode_column_only() -> None:
    assert "postcode" in kinds_of("Postcode", ["3511 ab"])
    assert "postcode" not in kinds_of("opmerking", ["in 2024 en 2025 meegedaan"])


@pytest.mark.parametrize("cell", ["1234 SS", "0123 AB", "12345 AB", "1234 ABC"])
def test_not_postcodes(cell: str) -> None:
    # SS/SA/SD are never issued and postcodes do not start with 0 (stdnum.nl.postcode).
    assert "postcode" not in kinds_of("opmerking", [cell])


@pytest.mark.parametrize(
    "cell",
    [
        "192.0.2.14",
        "Mijn IP is 198.51.100.7.",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001",
    ],
)
def test_ip_addresses(cell: str) -> None:
    assert "ip_address" in kinds_of("koppelcode", [cell])


@pytest.mark.parametrize(
    "cell", ["52.0907", "999.1.2.3", "19:30:00", "1.2.3", "1.2.3.4.5", "12:30"]
)
def test_not_ip_addresses(cell: str) -> None:
    assert "ip_address" not in kinds_of("koppelcode", [cell])


@pytest.mark.parametrize(
    "cell",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "Stort het op NL91ABNA0417164300 graag",
    ],
)
def test_iban(cell: str) -> None:
    assert "iban" in kinds_of("koppelcode", [cell])


def test_iban_with_wrong_check_digits_is_not_an_iban() -> None:
    assert "iban" not in kinds_of("koppelcode", ["NL91ABNA0417164301"])


def test_bsn_with_context_in_free_text() -> None:
    cells = ["BSN 111222333 staat op het formulier", "mijn burgerservicenummer: 1112.22.333"]
    findings = scan_cells("opmerking", cells)
    assert by_key(findings)[("opmerking", "bsn")] == (2, 3)
    assert "possible_bsn" not in {finding.kind for finding in findings}
    assert_no_leak(findings, ["111222333", "1112.22.333"])


def test_bsn_in_a_bsn_column_counts_even_as_a_number() -> None:
    frame = pd.DataFrame({"BSN": [111222333.0, float("nan"), 123456782.0]})
    findings = scan_frame(frame, "export.sav", [2, 3, 4])
    found = by_key(findings)
    assert found[("BSN", "bsn")] == (2, 4)
    assert found[("BSN", "column_name_bsn")] == ()
    assert_no_leak(findings, ["111222333", "123456782"])


def test_nine_digits_passing_the_11_proef_without_context_is_a_possible_bsn() -> None:
    cells = ["Bel 111222333 voor info", "Factuurnr 123456789.", "nummer 987654321 klopt"]
    findings = scan_cells("opmerking", cells)
    found = by_key(findings)
    assert found[("opmerking", "possible_bsn")] == (2,)
    assert ("opmerking", "bsn") not in found
    assert_no_leak(findings, ["111222333", INVOICE_NUMBER, "987654321"])


def test_nine_digits_inside_a_code_are_not_a_possible_bsn() -> None:
    # 123456782 passes the 11-proef, but as part of a code it is not a number on its own.
    assert (
        kinds_of("deelnemer", ["P123456782", "SS-123456782", "123456782X", "0.123456782"]) == set()
    )


def test_invoice_number_failing_the_11_proef_is_not_a_finding() -> None:
    assert kinds_of("factuurnummer", [INVOICE_NUMBER, "Factuurnr 123456789."]) == set()
    assert kinds_of("opmerking", ["Factuurnr 123456789 is betaald"]) == {"free_text"}


def test_column_of_valid_nine_digit_numbers_is_a_possible_bsn() -> None:
    # Random 9-digit codes all pass the 11-proef with probability 0.091**3 (0.075%).
    findings = scan_cells("nummer", list(VALID_BSNS))
    assert by_key(findings) == {("nummer", "possible_bsn"): (2, 3, 4)}
    assert_no_leak(findings, list(VALID_BSNS))


def test_column_of_nine_digit_ids_with_some_failing_the_11_proef_is_not_a_finding() -> None:
    assert kinds_of("nummer", ["111222333", INVOICE_NUMBER, "987654321", "123456782"]) == set()
    assert kinds_of("nummer", ["111222333", "123456782"]) == set()  # too few to tell


def test_constant_nine_digit_id_is_one_number_not_a_column_of_bsns() -> None:
    # SurveyMonkey's 'Collector ID' repeats one number; 431245678 passes the 11-proef
    # (36+24+7+12+20+20+18+14-8 = 143 = 13*11), but one number is no evidence of BSNs.
    assert kinds_of("Collector ID", ["431245678"] * 8) == set()


def test_valid_nine_digit_number_among_codes_is_a_possible_bsn() -> None:
    findings = scan_cells("koppelcode", ["K01", "K02", "111222333", "K03"])
    assert by_key(findings) == {("koppelcode", "possible_bsn"): (4,)}
    assert_no_leak(findings, ["111222333"])


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("Geboortedatum", "03-07-1989"),
        ("Geboortedatum", "3/7/1989"),
        ("Date of birth", "1989-07-03"),
        ("geboortedatum", "3 juli 1989"),
        ("opmerking", "Ik ben geboren op 03-07-1989 in Utrecht"),
        ("opmerking", "geboren 3 juli 1989"),
        ("opmerking", "Mijn geboortedatum: 1989-07-03"),
    ],
)
def test_birth_dates(column: str, cell: str) -> None:
    assert "birth_date" in kinds_of(column, [cell])


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("Datum voormeting", "05-02-2024"),
        ("opmerking", "Cursus gestart op 05-02-2024 in het buurthuis"),
        ("Geboortedatum", "31-02-1989"),  # not a calendar date
        ("StartDate", "2024-11-12 19:30:00"),
    ],
)
def test_not_birth_dates(column: str, cell: str) -> None:
    assert "birth_date" not in kinds_of(column, [cell])


@pytest.mark.parametrize(
    "cell",
    [
        "Goede cursus",
        "via de huisarts",
        "Ik (Jan Jansen) vond het top",
        "Gestopt na sessie 2 (verhuizing)",
        "Eén sessie gemist",
        "Jan En Piet Hebben Het Gedaan Met Groot Plezier Samen",  # long multi-word text
    ],
)
def test_free_text(cell: str) -> None:
    assert kinds_of("opmerking", [cell]) == {"free_text"}


@pytest.mark.parametrize(
    "cell",
    [
        "Nergenshuizen",
        "Den Haag",
        "'s-Hertogenbosch",
        "Alphen aan den Rijn",
        "Capelle aan den IJssel",
        "Bergen op Zoom",
        "Súdwest-Fryslân",
        "Wijk bij Duurstede",
        "K01",
        "K01/A",
        "Prima!",
        "buurtkrant",
        "R_3kQ9xLmP2vT700a",
        "x7Hk2Pq9",
        "n.v.t.",
        "Survey Preview",
        "Partner A",
    ],
)
def test_not_free_text(cell: str) -> None:
    assert kinds_of("opmerking", [cell]) == set()


def test_known_answer_labels_are_not_free_text() -> None:
    assert kinds_of("Q2", ["Zeer tevreden", "weet niet"]) == {"free_text"}
    assert (
        kinds_of("Q2", ["Zeer tevreden", "weet niet"], known_values=["zeer tevreden", "Weet niet"])
        == set()
    )
    # A known label exempts from the free-text check only, never from the other checks.
    assert kinds_of("Q2", ["j.jansen@example.org"], known_values=["j.jansen@example.org"]) == {
        "email"
    }


def test_known_values_match_like_municipality_names() -> None:
    cells = ["den bosch", "Den  Bosch", "'s-Hertogenbosch", "sudwest fryslan", "Zeer Tevreden"]
    assert kinds_of("gemeente", cells) == {"free_text"}
    known = ["Den Bosch", "'s-Hertogenbosch", "Súdwest-Fryslân", "zeer tevreden"]
    assert kinds_of("gemeente", cells, known_values=known) == set()


def test_clean_columns_give_no_findings() -> None:
    frame = pd.DataFrame(
        {
            "rating": ["7", "6,5", "-99", "10", "7.5", "", None, "1"],
            "csi_sum": ["21", "0", "13.5", "-95", "-99", "8", "9", "12"],
            "couple": ["K01/A", "K01/B", "K02/A", "K02/B", "K03/A", "K03/B", "K04/A", "K04/B"],
            "municipality": [
                "Nergenshuizen",
                "Den Haag",
                "'s-Hertogenbosch",
                "Alphen aan den Rijn",
                "Súdwest-Fryslân",
                "Bergen op Zoom",
                "Capelle aan den IJssel",
                "Utrecht",
            ],
            "code": [
                "GM9999",
                "GM0518",
                "GM0796",
                "GM0484",
                "GM1900",
                "GM0748",
                "GM0502",
                "GM0344",
            ],
            "year": ["2024", "2024", "2023", "2023", "2022", "2022", "2021", "2021"],
            "partner": ["A", "B", "1", "2", "A", "B", "A", "B"],
            "timepoint": ["pre", "post", "followup", "intake", "pre", "post", "pre", "post"],
        }
    )
    assert scan_frame(frame, "export.csv", range(2, 10)) == []


def test_numeric_dtypes_give_no_findings() -> None:
    frame = pd.DataFrame({"Q2": [7, 6, 10, -99], "Q3": [6.5, 7.0, float("nan"), 21.0]})
    assert scan_values(frame, "export.sav", [2, 3, 4, 5]) == []


def test_findings_are_grouped_per_column_and_kind_with_every_row() -> None:
    frame = pd.DataFrame(
        {
            "koppelcode": ["K01", "a@example.org", "K02", "b@example.org", "c@example.org"],
            "opmerking": ["", "Bel me op 06-12345678", "", "", "06-87654321"],
        }
    )
    findings = scan_values(frame, "export.csv", pd.Series([4, 5, 6, 7, 8]))
    assert by_key(findings) == {
        ("koppelcode", "email"): (5, 7, 8),
        ("opmerking", "phone"): (5, 8),
        ("opmerking", "free_text"): (5,),
    }
    assert "rows 5, 7-8" in str(findings[0])
    assert_no_leak(findings, ["a@example.org", "b@example.org", "06-12345678", "06-87654321"])


def test_row_numbers_must_match_the_table() -> None:
    frame = pd.DataFrame({"koppelcode": ["K01", "K02"]})
    with pytest.raises(ValueError, match="export.csv: row_numbers has 1 entries"):
        scan_values(frame, "export.csv", [2])


def test_duplicate_column_names_are_scanned_separately() -> None:
    frame = pd.DataFrame([["K01", "a@example.org"]], columns=["code", "code"])
    assert by_key(scan_values(frame, "export.csv", [2])) == {("code", "email"): (2,)}


# ---------------------------------------------------------------------------------------------
# Finding and the error report
# ---------------------------------------------------------------------------------------------


def test_finding_message_names_file_column_rows_and_kind() -> None:
    finding = Finding("data/raw/export.csv", "Q5", (9, 4, 5, 6, 4), "phone")
    assert finding.rows == (4, 5, 6, 9)  # sorted, duplicates merged
    text = str(finding)
    assert text.startswith("data/raw/export.csv: column 'Q5', rows 4-6, 9: Dutch phone number")
    assert "[phone]" in text and finding.suggestion in text
    assert finding.message == text


def test_single_row_and_header_wording() -> None:
    assert "row 7:" in str(Finding("f.csv", "Q5", (7,), "email"))
    assert "header" in str(Finding("f.csv", "Naam", (), "column_name_name"))


def test_finding_is_frozen_and_checks_its_kind() -> None:
    finding = Finding("f.csv", "Q5", (4,), "email")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "phone"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown privacy finding kind"):
        Finding("f.csv", "Q5", (4,), "telephone")


def test_every_kind_has_a_description_and_suggestion() -> None:
    for kind in KIND_DESCRIPTIONS:
        finding = Finding("f.csv", "c", (2,), kind)
        assert finding.description and finding.suggestion


def test_privacy_error_lists_every_finding_without_values() -> None:
    frame, rows = read_specimen(QUALTRICS, header_rows=3)
    findings = scan_frame(frame[["koppelcode", "Q5", "IPAddress"]], QUALTRICS, rows)
    with pytest.raises(PrivacyError) as caught:
        raise_if_findings(findings)
    message = str(caught.value)
    assert message.startswith(f"Privacy guard: {len(findings)} findings of personal data:")
    for finding in findings:
        assert finding.message in message
    assert caught.value.findings == tuple(findings)
    assert_no_leak(findings, QUALTRICS_PLANTED)
    for value in QUALTRICS_PLANTED:
        assert value.lower() not in message.lower()


def test_no_findings_raise_nothing() -> None:
    raise_if_findings([])
