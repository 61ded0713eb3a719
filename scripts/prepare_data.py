"""Make the MIT-BIH beats ready before the book is built (`make book` and `make test` run this).

Finds the database (``$TSCAM_MITDB``, else the user cache, downloading all 48 records of the
release from PhysioNet on first use and verifying every file), then extracts the beats of the
course into the beat cache (``$TSCAM_CACHE/beats``, default ``~/.cache/tscam/beats``). A
second run only reads the cache (well under a second). Doing this here keeps download progress
bars and the one-off extraction out of the chapters' executed outputs.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    from tscam.data import AAMI_RECORDS, ALL_RECORDS, beat_table, cache_dir, locate_mitdb

    start = time.perf_counter()
    # The whole release (48 records: the 44 of the course and the 4 paced ones, which the tests
    # read too), so that after `make book` every real-data test finds its data.
    locate_mitdb(records=ALL_RECORDS)
    table = beat_table(records=AAMI_RECORDS)
    print(
        f"prepare_data: {len(table):,} beats of {len(AAMI_RECORDS)} records ready "
        f"(beat cache in {cache_dir() / 'beats'}, {time.perf_counter() - start:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
