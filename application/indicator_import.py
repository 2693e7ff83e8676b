"""Import an organisation's indicators for a year from YAML or XLSX, and the empty template.

The XLSX file has one sheet of indicators (the sheet named "Indikator", else the first), one
row per indicator under a header row, and optionally a sheet "Program" of programmes with their
budget (anggaran). The YAML file nests indicators under their sasaran:

    sasaran:
      - kode: SS1
        nama: Meningkatnya kualitas pelayanan publik
        indikator:
          - {kode: IKU-01, nama: Indeks Kepuasan Masyarakat, satuan: indeks, polaritas: naik,
             target: {tw1: 80, tahunan: 82}, penanggung_jawab: sekretaris_tim_sakip}
    program:
      - {kode: P1, nama: Program Pelayanan, anggaran: "150.000.000", sasaran: SS1}

Numbers are read with `workflow.indicators.parse_number` ("95,5", "1.234", "87 %"), or taken
as they are from numeric cells. The responsible (penanggung jawab) is a role id of the SOPs in
use or the name of a person of the organisation. Parsing is all or nothing: a list of problems,
each naming the row and the column and what to do, or the `IndicatorSet`. Saving updates by
code (`IndicatorRepository.save_set`), so an import again never duplicates.

The column headers are data the reader matches (Indonesian, as the office's spreadsheets have
them), so they live here with the reader rather than in the message templates.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from application.import_cells import (
    EXISTS,
    ImportProblem,
    ImportRow,
    cell_number,
    cell_text,
    header_words,
    quarter_key,
    sheet_values,
    unknown_keys,
    yaml_data,
    yaml_list,
    yaml_mapping,
)
from workflow.indicators import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    Polarity,
    Programme,
    Sasaran,
)
from workflow.model import Person
from workflow.spec import SopDefinition

MAX_CODE = 40
MAX_UNIT = 40
QUALITATIVE_UNIT = "ada/tidak"
TEMPLATE_COMMAND = "kinerja-bot indikator template"

# The indicator sheet's columns: key -> the template's header. Readers accept the aliases too.
COLUMNS: dict[str, str] = {
    "sasaran_code": "Kode Sasaran",
    "sasaran": "Sasaran",
    "code": "Kode",
    "name": "Indikator",
    "unit": "Satuan",
    "polarity": "Polaritas",
    "kind": "Jenis",
    "cumulative": "Kumulatif",
    "tw1": "Target TW I",
    "tw2": "Target TW II",
    "tw3": "Target TW III",
    "tw4": "Target TW IV",
    "tahunan": "Target Tahunan",
    "responsible": "Penanggung Jawab",
    "evidence": "Bukti Dukung Wajib",
}
REQUIRED = ("sasaran_code", "sasaran", "code", "name", "responsible")
TARGET_KEYS = ("tw1", "tw2", "tw3", "tw4", "tahunan")
PROGRAMME_COLUMNS: dict[str, str] = {
    "code": "Kode",
    "name": "Program",
    "budget": "Anggaran",
    "sasaran": "Kode Sasaran",
}
ALIASES: dict[str, str] = {
    "kode indikator": "code",
    "nama indikator": "name",
    "indikator kinerja": "name",
    "pj": "responsible",
    "bukti dukung": "evidence",
    "polarity": "polarity",
    "target tahun": "tahunan",
    "target": "tahunan",
}
PROGRAMME_ALIASES: dict[str, str] = {
    "kode program": "code",
    "nama program": "name",
    "pagu": "budget",
    "pagu anggaran": "budget",
    "sasaran": "sasaran",
}
IGNORED_HEADERS = {"no", "no.", "nomor", "keterangan"}
INDICATOR_SHEETS = ("indikator", "indikator kinerja", "iku")
PROGRAMME_SHEETS = ("program", "programmes", "anggaran")

# The YAML keys of an indicator, by column key (targets are under `target`).
YAML_KEYS: dict[str, str] = {
    "code": "kode",
    "name": "nama",
    "unit": "satuan",
    "polarity": "polaritas",
    "kind": "jenis",
    "cumulative": "kumulatif",
    "responsible": "penanggung_jawab",
    "evidence": "bukti_dukung_wajib",
}

POLARITIES = {
    "naik": Polarity.HIGHER,
    "higher": Polarity.HIGHER,
    "turun": Polarity.LOWER,
    "lower": Polarity.LOWER,
    "tetap": Polarity.ON_TARGET,
    "on_target": Polarity.ON_TARGET,
    "on target": Polarity.ON_TARGET,
}
KINDS = {
    "kuantitatif": IndicatorKind.QUANTITATIVE,
    "quantitative": IndicatorKind.QUANTITATIVE,
    "kualitatif": IndicatorKind.QUALITATIVE,
    "qualitative": IndicatorKind.QUALITATIVE,
}
YES = {"ya", "y", "yes", "true", "1", "wajib"}
NO = {"tidak", "t", "no", "false", "0", "-", ""}


@dataclass
class _Parsed:
    """Rows read from a file, or the problems that stopped reading them."""

    indicators: list[ImportRow] = field(default_factory=list)
    programmes: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


# --- reading cells ---------------------------------------------------------------------------


def _flag(row: ImportRow, key: str, problems: list[ImportProblem]) -> bool:
    value = row.cells.get(key)
    if isinstance(value, bool):
        return value
    word = cell_text(value).casefold()
    if word in YES:
        return True
    if word not in NO:
        problems.append(
            row.problem(key, f"'{cell_text(value)}' is not ya or tidak; write ya or tidak")
        )
    return False


def _choice(
    row: ImportRow,
    key: str,
    choices: Mapping[str, Any],
    default: Any,
    problems: list[ImportProblem],
) -> Any:
    word = cell_text(row.cells.get(key)).casefold()
    if not word:
        return default
    if word in choices:
        return choices[word]
    words = ", ".join(dict.fromkeys(choices))
    problems.append(row.problem(key, f"'{cell_text(row.cells.get(key))}' is not one of {words}"))
    return default


def _target(
    row: ImportRow, key: str, kind: IndicatorKind, unit: str, problems: list[ImportProblem]
) -> Decimal | None:
    """One target cell: None when empty."""
    value = row.cells.get(key)
    if value is None or cell_text(value) == "":
        return None
    if kind is IndicatorKind.QUALITATIVE and cell_text(value).casefold() in EXISTS:
        return EXISTS[cell_text(value).casefold()]
    try:
        number = cell_number(value)
    except ValueError:
        hint = "ada or tidak (or 1 / 0)" if kind is IndicatorKind.QUALITATIVE else "a number"
        problems.append(
            row.problem(key, f"'{cell_text(value)}' is not a number; write {hint}, e.g. 95,5")
        )
        return None
    if number < 0:
        problems.append(row.problem(key, f"{cell_text(value)} is negative; a target is 0 or more"))
    elif unit.strip() in ("%", "persen", "percent") and number > 100:
        problems.append(
            row.problem(key, f"{cell_text(value)} % is impossible; a percentage is 0 to 100")
        )
    elif kind is IndicatorKind.QUALITATIVE and number not in (0, 1):
        problems.append(
            row.problem(key, f"'{cell_text(value)}': a qualitative target is ada or tidak")
        )
    return number


# --- validating rows -------------------------------------------------------------------------


def _indicator(
    row: ImportRow, responsibles: Mapping[str, str], problems: list[ImportProblem]
) -> Indicator | None:
    """The indicator of one row, its problems added to `problems` (None when any)."""
    before = len(problems)
    cells = row.cells
    for key in ("sasaran_code", "code", "name"):
        if not cell_text(cells.get(key)):
            problems.append(row.problem(key, "is empty; fill it in"))
    code = cell_text(cells.get("code"))
    if len(code) > MAX_CODE or len(cell_text(cells.get("sasaran_code"))) > MAX_CODE:
        key = "code" if len(code) > MAX_CODE else "sasaran_code"
        problems.append(row.problem(key, f"a code is at most {MAX_CODE} characters"))
    kind = _choice(row, "kind", KINDS, IndicatorKind.QUANTITATIVE, problems)
    polarity = _choice(row, "polarity", POLARITIES, Polarity.HIGHER, problems)
    unit = cell_text(cells.get("unit"))
    if not unit:
        if kind is IndicatorKind.QUALITATIVE:
            unit = QUALITATIVE_UNIT
        else:
            problems.append(row.problem("unit", "is empty; write the unit, e.g. %, hari, indeks"))
    elif len(unit) > MAX_UNIT:
        problems.append(row.problem("unit", f"a unit is at most {MAX_UNIT} characters"))
    targets: dict[str, Decimal] = {}
    for key in TARGET_KEYS:
        value = _target(row, key, kind, unit, problems)
        if value is not None:
            targets[key] = value
    if not targets and len(problems) == before:
        problems.append(
            row.problem("tahunan", "no target in any period; fill at least the yearly target")
        )
    who = cell_text(cells.get("responsible"))
    responsible = responsibles.get(who.casefold())
    if not who:
        problems.append(row.problem("responsible", "is empty; write a role id or a person's name"))
    elif responsible is None:
        known = ", ".join(sorted(set(responsibles.values())))
        problems.append(
            row.problem(
                "responsible",
                f"unknown role or person '{who}'; write one of: {known}",
            )
        )
    cumulative = _flag(row, "cumulative", problems)
    evidence = _flag(row, "evidence", problems)
    if len(problems) > before or responsible is None:
        return None
    return Indicator(
        code=code,
        name=cell_text(cells.get("name")),
        unit=unit,
        sasaran=cell_text(cells.get("sasaran_code")),
        responsible=responsible,
        polarity=polarity,
        kind=kind,
        cumulative=cumulative,
        targets=targets,
        evidence_required=evidence,
    )


def _programme(
    row: ImportRow, sasaran: set[str], problems: list[ImportProblem]
) -> Programme | None:
    before = len(problems)
    for key in ("code", "name", "budget"):
        if not cell_text(row.cells.get(key)):
            problems.append(row.problem(key, "is empty; fill it in"))
    budget = Decimal(0)
    if cell_text(row.cells.get("budget")):
        try:
            budget = cell_number(row.cells.get("budget"))
        except ValueError:
            problems.append(
                row.problem(
                    "budget",
                    f"'{cell_text(row.cells.get('budget'))}' is not an amount; "
                    "write rupiah as a number, e.g. 150.000.000",
                )
            )
        if budget < 0:
            problems.append(row.problem("budget", "is negative; a budget is 0 or more"))
    code = cell_text(row.cells.get("code"))
    if len(code) > MAX_CODE:
        problems.append(row.problem("code", f"a code is at most {MAX_CODE} characters"))
    of = cell_text(row.cells.get("sasaran")) or None
    if of is not None and of not in sasaran:
        problems.append(
            row.problem("sasaran", f"no sasaran with code '{of}'; use a code of the indicators")
        )
    if len(problems) > before:
        return None
    return Programme(code=code, name=cell_text(row.cells.get("name")), budget=budget, sasaran=of)


def _build(
    parsed: _Parsed, org_id: str, year: int, responsibles: Mapping[str, str]
) -> IndicatorSet | list[ImportProblem]:
    """Validate every row and the set as a whole (codes once, one name per sasaran)."""
    problems = list(parsed.problems)
    if problems:
        return problems
    if not parsed.indicators:
        return [ImportProblem("the file", "", "has no indicator; add one row per indicator")]
    indicators: list[Indicator] = []
    sasaran: dict[str, Sasaran] = {}
    seen: dict[str, str] = {}
    for row in parsed.indicators:
        code = cell_text(row.cells.get("code"))
        if code and code.casefold() in seen:
            problems.append(
                row.problem(
                    "code",
                    f"code {code} is used twice (also {seen[code.casefold()]}); "
                    "give each indicator its own code",
                )
            )
            continue
        if code:
            seen[code.casefold()] = row.label
        s_code, s_name = (
            cell_text(row.cells.get("sasaran_code")),
            cell_text(row.cells.get("sasaran")),
        )
        if s_code and s_name:
            known = sasaran.get(s_code)
            if known is None:
                sasaran[s_code] = Sasaran(s_code, s_name)
            elif known.name != s_name:
                problems.append(
                    row.problem(
                        "sasaran",
                        f"sasaran {s_code} is named differently above ('{known.name}'); "
                        "write the same name or another code",
                    )
                )
        elif s_code and s_code not in sasaran:
            problems.append(row.problem("sasaran", f"is empty; name sasaran {s_code}"))
        found = _indicator(row, responsibles, problems)
        if found is not None:
            indicators.append(found)
    programmes: list[Programme] = []
    seen_programmes: set[str] = set()
    for row in parsed.programmes:
        programme = _programme(row, set(sasaran), problems)
        if programme is None:
            continue
        if programme.code.casefold() in seen_programmes:
            problems.append(
                row.problem("code", f"programme {programme.code} is listed twice; list it once")
            )
        seen_programmes.add(programme.code.casefold())
        programmes.append(programme)
    if problems:
        return problems
    return IndicatorSet(
        org_id=org_id,
        year=year,
        sasaran=tuple(sasaran.values()),
        indicators=tuple(indicators),
        programmes=tuple(programmes),
    )


# --- XLSX ------------------------------------------------------------------------------------


def _header_key(text: str, aliases: Mapping[str, str], columns: Mapping[str, str]) -> str | None:
    """The column key of a header cell ("Target TW 4" -> "tw4"), None when unknown."""
    word = header_words(text)
    by_label = {label.casefold(): key for key, label in columns.items()}
    if word in by_label:
        return by_label[word]
    if word in aliases:
        return aliases[word]
    return quarter_key(word, "target") if "tw1" in columns else None


def _sheet_rows(
    ws: Worksheet,
    columns: Mapping[str, str],
    aliases: Mapping[str, str],
    required: Sequence[str],
    problems: list[ImportProblem],
) -> list[ImportRow]:
    """The data rows of a sheet under its header row (row 1)."""
    values = sheet_values(ws)
    where = f"sheet {ws.title}, row 1"
    if not values or not any(cell_text(v) for v in values[0]):
        problems.append(
            ImportProblem(where, "", f"no header row; copy the headers of `{TEMPLATE_COMMAND}`")
        )
        return []
    keys: dict[int, str] = {}
    labels: dict[str, str] = {}
    for i, cell in enumerate(values[0]):
        head = cell_text(cell)
        if not head or head.casefold() in IGNORED_HEADERS:
            continue
        letter = get_column_letter(i + 1)
        key = _header_key(head, aliases, columns)
        if key is None:
            known = ", ".join(columns.values())
            problems.append(
                ImportProblem(
                    where,
                    f"column {letter}",
                    f"unknown header '{head}'; use one of: {known}",
                )
            )
        elif key in labels:
            problems.append(
                ImportProblem(
                    where, f"column {letter}", f"'{head}' repeats {labels[key]}; keep one"
                )
            )
        else:
            keys[i] = key
            labels[key] = f"column {letter} ({head})"
    for key in required:
        if key not in labels:
            problems.append(
                ImportProblem(
                    where,
                    "",
                    f"the column '{columns[key]}' is missing; add it (see `{TEMPLATE_COMMAND}`)",
                )
            )
    if "tw1" in columns and not any(k in labels for k in TARGET_KEYS):
        problems.append(
            ImportProblem(where, "", "no target column; add 'Target TW I' … 'Target Tahunan'")
        )
    rows: list[ImportRow] = []
    last_sasaran: tuple[Any, Any] = (None, None)
    for n, line in enumerate(values[1:], start=2):
        cells = {key: line[i] for i, key in keys.items() if i < len(line)}
        if not any(cell_text(v) for v in cells.values()):
            continue
        if "sasaran_code" in keys.values():
            # Rows under a sasaran may leave its code and name empty (or merged).
            if not cell_text(cells.get("sasaran_code")) and not cell_text(cells.get("sasaran")):
                cells["sasaran_code"], cells["sasaran"] = last_sasaran
            last_sasaran = (cells.get("sasaran_code"), cells.get("sasaran"))
        rows.append(ImportRow(f"sheet {ws.title}, row {n}", cells, labels))
    return rows


def _pick(names: Iterable[str], wanted: Sequence[str]) -> str | None:
    return next((n for n in names if n.strip().casefold() in wanted), None)


def read_xlsx(content: bytes) -> _Parsed:
    """The rows of an indicator workbook (problems when it is not one)."""
    parsed = _Parsed()
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError):
        parsed.problems.append(
            ImportProblem("the file", "", "is not an Excel workbook (.xlsx); save it as .xlsx")
        )
        return parsed
    names = wb.sheetnames
    first = _pick(names, INDICATOR_SHEETS) or names[0]
    parsed.indicators = _sheet_rows(wb[first], COLUMNS, ALIASES, REQUIRED, parsed.problems)
    programmes = _pick(names, PROGRAMME_SHEETS)
    if programmes is not None and programmes != first:
        parsed.programmes = _sheet_rows(
            wb[programmes],
            PROGRAMME_COLUMNS,
            PROGRAMME_ALIASES,
            ("code", "name", "budget"),
            parsed.problems,
        )
    return parsed


# --- YAML ------------------------------------------------------------------------------------


def read_yaml(text: str) -> _Parsed:
    """The rows of an indicator YAML file (problems when it is not one)."""
    parsed = _Parsed()
    problems = parsed.problems
    read, data = yaml_data(text, problems)
    if not read:
        return parsed
    top = yaml_mapping(data, "the file", "'sasaran' and 'program'", problems)
    unknown_keys(top, ("sasaran", "program"), "the file", problems)
    target_columns = {key: f"target.{key}" for key in TARGET_KEYS}
    for i, entry in enumerate(yaml_list(top.get("sasaran"), "the file", "sasaran", problems), 1):
        label = f"sasaran {i}"
        s = yaml_mapping(entry, label, "kode, nama and indikator", problems)
        unknown_keys(s, ("kode", "nama", "indikator"), label, problems)
        for j, item in enumerate(yaml_list(s.get("indikator"), label, "indikator", problems), 1):
            row_label = f"{label}, indikator {j}"
            ind = yaml_mapping(item, row_label, "the indicator's fields", problems)
            unknown_keys(ind, [*YAML_KEYS.values(), "target"], row_label, problems)
            targets = yaml_mapping(ind.get("target") or {}, row_label, "tw1 … tahunan", problems)
            unknown_keys(targets, TARGET_KEYS, f"{row_label}, target", problems)
            cells = {key: ind.get(name) for key, name in YAML_KEYS.items()}
            cells.update({key: targets.get(key) for key in TARGET_KEYS})
            cells["sasaran_code"], cells["sasaran"] = s.get("kode"), s.get("nama")
            columns = {**YAML_KEYS, **target_columns, "sasaran_code": "kode", "sasaran": "nama"}
            parsed.indicators.append(ImportRow(row_label, cells, columns))
    for i, entry in enumerate(yaml_list(top.get("program"), "the file", "program", problems), 1):
        label = f"program {i}"
        p = yaml_mapping(entry, label, "kode, nama, anggaran", problems)
        unknown_keys(p, ("kode", "nama", "anggaran", "sasaran"), label, problems)
        cells = {
            "code": p.get("kode"),
            "name": p.get("nama"),
            "budget": p.get("anggaran"),
            "sasaran": p.get("sasaran"),
        }
        names = {"code": "kode", "name": "nama", "budget": "anggaran", "sasaran": "sasaran"}
        parsed.programmes.append(ImportRow(label, cells, names))
    return parsed


# --- the whole file --------------------------------------------------------------------------


def responsibles_of(sops: Sequence[SopDefinition], people: Sequence[Person]) -> dict[str, str]:
    """Who may answer for an indicator, by lower-case text: the SOPs' role ids and the names
    of the organisation's active people (the value is how it is stored)."""
    known: dict[str, str] = {}
    for spec in sops:
        for role in spec.roles:
            known[role.id.casefold()] = role.id
    for person in people:
        if person.active:
            known[" ".join(person.name.split()).casefold()] = person.name
    return known


def parse_indicator_file(
    file_name: str,
    content: bytes,
    org_id: str,
    year: int,
    responsibles: Mapping[str, str],
) -> IndicatorSet | list[ImportProblem]:
    """The indicator set in a YAML or XLSX file (by its name), or every problem found."""
    suffix = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    if suffix == "xlsx":
        parsed = read_xlsx(content)
    elif suffix in ("yaml", "yml"):
        try:
            parsed = read_yaml(content.decode("utf-8"))
        except UnicodeDecodeError as exc:
            where = f"byte {exc.start + 1}"
            return [ImportProblem(where, "", "not UTF-8 text; save the file as UTF-8")]
    else:
        return [ImportProblem("the file", "", "give a .xlsx or .yaml file (see the template)")]
    return _build(parsed, org_id, year, responsibles)
