"""Facts of the database: classes, AAMI mapping, record lists, patient splits (no data needed)."""

from tscam.data import (
    AAMI_MAP,
    AAMI_RECORDS,
    ALL_RECORDS,
    CLASSES,
    DS1,
    DS2,
    PACED_RECORDS,
    SAME_SUBJECT,
)


def test_classes_are_the_five_aami_classes_in_order():
    assert CLASSES == ("N", "S", "V", "F", "Q")


def test_aami_mapping_is_ec57():
    expected = {
        "N": set("NLRej"),
        "S": set("AaJS"),
        "V": set("VE"),
        "F": set("F"),
        "Q": set("/fQ"),
    }
    for cls, symbols in expected.items():
        assert {s for s, c in AAMI_MAP.items() if c == cls} == symbols
    for non_beat in '+~!"x|[]':
        assert non_beat not in AAMI_MAP


def test_record_lists():
    assert len(ALL_RECORDS) == 48 and len(set(ALL_RECORDS)) == 48
    assert set(PACED_RECORDS) == {"102", "104", "107", "217"}
    assert len(AAMI_RECORDS) == 44 and not set(AAMI_RECORDS) & set(PACED_RECORDS)


def test_de_chazal_split_is_a_partition_of_the_aami_records():
    assert len(DS1) == 22 and len(DS2) == 22
    assert not set(DS1) & set(DS2)
    assert set(DS1) | set(DS2) == set(AAMI_RECORDS)
    assert DS1[:3] == ("101", "106", "108") and DS2[-3:] == ("232", "233", "234")


def test_the_one_subject_with_two_records_straddles_ds1_and_ds2():
    assert SAME_SUBJECT == (("201", "202"),)
    ((a, b),) = SAME_SUBJECT
    assert a in DS1 and b in DS2
