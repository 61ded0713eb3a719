"""Facts about the MIT-BIH Arrhythmia Database: records, leads, AAMI classes, patient splits.

Pure constants; nothing here reads a file.
"""

from __future__ import annotations

#: The five AAMI EC57 heartbeat classes, in the order used for labels everywhere in tscam.
CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")

#: Long names of the AAMI classes, for figures and text.
CLASS_NAMES: dict[str, str] = {
    "N": "normal / bundle branch block",
    "S": "supraventricular ectopic",
    "V": "ventricular ectopic",
    "F": "fusion",
    "Q": "paced / unclassifiable",
}

#: Beat annotation symbol -> AAMI class (ANSI/AAMI EC57). Symbols not in this table
#: (rhythm changes ``+``, signal quality ``~``, comments ``"``, ...) are not beats.
AAMI_MAP: dict[str, str] = {
    "N": "N", "L": "N", "R": "N", "e": "N", "j": "N",
    "A": "S", "a": "S", "J": "S", "S": "S",
    "V": "V", "E": "V",
    "F": "F",
    "/": "Q", "f": "Q", "Q": "Q",
}  # fmt: skip

#: The 48 records of the release (file ``RECORDS``).
ALL_RECORDS: tuple[str, ...] = (
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "111", "112",
    "113", "114", "115", "116", "117", "118", "119", "121", "122", "123", "124", "200",
    "201", "202", "203", "205", "207", "208", "209", "210", "212", "213", "214", "215",
    "217", "219", "220", "221", "222", "223", "228", "230", "231", "232", "233", "234",
)  # fmt: skip

#: Records with paced beats; excluded from AAMI experiments, as in the literature.
PACED_RECORDS: tuple[str, ...] = ("102", "104", "107", "217")

#: The 44 records used for AAMI experiments.
AAMI_RECORDS: tuple[str, ...] = tuple(r for r in ALL_RECORDS if r not in PACED_RECORDS)

#: Inter-patient training set of de Chazal et al. (2004).
DS1: tuple[str, ...] = (
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
    "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230",
)  # fmt: skip

#: Inter-patient test set of de Chazal et al. (2004).
DS2: tuple[str, ...] = (
    "100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210",
    "212", "213", "214", "219", "221", "222", "228", "231", "232", "233", "234",
)  # fmt: skip

#: Records that come from the same subject (the database's documentation: records 201 and 202
#: were recorded from one man). 201 is in DS1 and 202 in DS2, so in the inter-patient split one
#: test subject is not new to a model trained on all of DS1.
SAME_SUBJECT: tuple[tuple[str, ...], ...] = (("201", "202"),)

#: The lead used throughout the course. Records 102 and 104 do not have it; in record 114
#: it is the second signal. Always select it by name.
DEFAULT_LEAD = "MLII"

#: Sampling frequency of the database.
MITDB_FS = 360

#: Name and version of the database on PhysioNet.
PHYSIONET_DB = "mitdb/1.0.0"


def record_files(record: str) -> tuple[str, str, str]:
    """The three files a record needs: header, signal and reference annotations."""
    return (f"{record}.hea", f"{record}.dat", f"{record}.atr")
