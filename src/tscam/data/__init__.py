"""MIT-BIH beats for the course: locate/download/verify, AAMI classes, beat windows, splits, cache.

Typical use::

    from tscam.data import load_beats, CLASSES
    test = load_beats("inter", "test")     # DS2 beats, z-scored, shape (n, 88)
    test.rhythm                            # (n, 4) rhythm features

The database is found through ``data_dir``, ``$TSCAM_MITDB`` or the user cache (downloaded from
PhysioNet on first use and verified against the release checksums); see :mod:`tscam.data.locate`.
"""

from tscam.data.beats import (
    BEAT_SPEC,
    DEFAULT_SPEC,
    MASKED_SPEC,
    WindowSpec,
    extract_record,
    neighbour_in_window,
    zscore,
)
from tscam.data.dataset import (
    INTER_VAL_RECORDS,
    INTRA_FRACTIONS,
    SPLIT_SEED,
    Beats,
    beat_table,
    concat_beats,
    extract_all,
    load_beats,
    split_indices,
)
from tscam.data.errors import (
    ChecksumError,
    DataError,
    DataNotFoundError,
    LeadNotFoundError,
    NoBeatsError,
    UnknownRecordError,
)
from tscam.data.locate import (
    ENV_CACHE,
    ENV_DATA,
    cache_dir,
    download_mitdb,
    locate_mitdb,
    release_checksums,
    verify_files,
)
from tscam.data.published import PUBLISHED, SCORED_CLASSES, PublishedResult, published_results
from tscam.data.raw import RecordExcerpt, record_excerpt
from tscam.data.records import (
    AAMI_MAP,
    AAMI_RECORDS,
    ALL_RECORDS,
    CLASS_NAMES,
    CLASSES,
    DEFAULT_LEAD,
    DS1,
    DS2,
    MITDB_FS,
    PACED_RECORDS,
)
from tscam.data.rhythm import (
    LOCAL_BEATS,
    LONG_BEATS,
    RHYTHM_INPUTS,
    RR_FEATURES,
    move_beat,
    rhythm_inputs,
    rr_features,
)
from tscam.data.synthetic import SYNTHETIC_CLASSES, SyntheticBeats, make_synthetic

__all__ = [
    "AAMI_MAP", "AAMI_RECORDS", "ALL_RECORDS", "BEAT_SPEC", "CLASSES", "CLASS_NAMES",
    "DEFAULT_LEAD", "MASKED_SPEC",
    "DEFAULT_SPEC", "DS1", "DS2", "ENV_CACHE", "ENV_DATA", "INTER_VAL_RECORDS", "LOCAL_BEATS",
    "LONG_BEATS", "RHYTHM_INPUTS", "RR_FEATURES", "move_beat", "neighbour_in_window",
    "rhythm_inputs", "rr_features",
    "INTRA_FRACTIONS", "MITDB_FS", "PACED_RECORDS", "PUBLISHED", "PublishedResult",
    "SCORED_CLASSES", "published_results", "SPLIT_SEED", "SYNTHETIC_CLASSES", "Beats",
    "ChecksumError", "DataError", "DataNotFoundError", "LeadNotFoundError", "NoBeatsError",
    "RecordExcerpt", "SyntheticBeats", "UnknownRecordError", "WindowSpec", "beat_table",
    "concat_beats",
    "cache_dir", "download_mitdb", "extract_all", "extract_record", "load_beats",
    "locate_mitdb", "make_synthetic", "record_excerpt", "release_checksums", "split_indices",
    "verify_files", "zscore",
]  # fmt: skip
