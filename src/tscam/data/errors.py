"""Errors raised by :mod:`tscam.data`. Each message says what is wrong and how to fix it."""

from __future__ import annotations


class DataError(Exception):
    """Base class of every data error of tscam."""


class DataNotFoundError(DataError, FileNotFoundError):
    """Record files are missing and cannot be downloaded."""


class ChecksumError(DataError):
    """A file does not match the SHA-256 checksum of the PhysioNet release."""


class LeadNotFoundError(DataError, KeyError):
    """A record has no signal with the requested lead name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownRecordError(DataError, ValueError):
    """A record name that is not part of the MIT-BIH Arrhythmia Database."""


class NoBeatsError(DataError, ValueError):
    """An annotation file without a single beat annotation."""


class MirrorURLError(DataError, ValueError):
    """``$TSCAM_MITDB_URL`` is not a URL the release files can be downloaded from."""
