"""Find and redact personal data that staff may paste: nothing raw is ever logged or stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
)
_NAME = r"[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3}"
_DOB_CUE = r"(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "name with date of birth",
        re.compile(
            rf"\b{_NAME}\s*(?:[,(]\s*|\s+)(?:(?i:{_DOB_CUE})\s*:?\s*)?{_DATE}\)?",
        ),
    ),
    ("date of birth", re.compile(rf"\b{_DOB_CUE}\s*:?\s*{_DATE}", re.IGNORECASE)),
    ("email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("NHS number", re.compile(r"(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])")),
    (
        "National Insurance number",
        re.compile(
            r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
            re.IGNORECASE,
        ),
    ),
    (
        "phone number",
        re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}(?!\d)"),
    ),
    (
        "postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
    ),
    (
        "street address",
        re.compile(
            r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
            r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Terrace|Place|"
            r"Grove|Court|Gardens|Walk|Mews|Row|Hill|View|Square|Green|Park)\b"
        ),
    ),
]


@dataclass(frozen=True)
class PersonalData:
    """One piece of personal data found in a text."""

    kind: str
    start: int
    end: int


def find_personal_data(text: str) -> list[PersonalData]:
    """Every piece of personal data in `text`, longest match first where two overlap."""
    found: list[PersonalData] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if kind == "NHS number" and not is_valid_nhs_number(match.group()):
                continue
            if kind == "phone number" and len(re.sub(r"\D", "", match.group())) not in (10, 11, 12):
                continue
            found.append(PersonalData(kind, match.start(), match.end()))
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[PersonalData] = []
    for item in found:
        if kept and item.start < kept[-1].end:
            continue
        kept.append(item)
    return kept


def redact_personal_data(text: str) -> tuple[str, list[str]]:
    """The text with each piece of personal data replaced by its kind, and the kinds found."""
    found = find_personal_data(text)
    parts: list[str] = []
    cursor = 0
    for item in found:
        parts.append(text[cursor : item.start])
        parts.append(f"[{item.kind} removed]")
        cursor = item.end
    parts.append(text[cursor:])
    return "".join(parts), sorted({item.kind for item in found})


def is_valid_nhs_number(candidate: str) -> bool:
    """True for a 10-digit number whose last digit is the NHS modulus-11 check digit."""
    digits = [int(d) for d in re.sub(r"\D", "", candidate)]
    if len(digits) != 10:
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]
